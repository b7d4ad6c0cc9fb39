"""The garbage collector during a load: on, without re-walking what was alive before the load.

A load allocates ~100k small objects (cells, records, ~40k changes), which set off full collections
that each walk every object of the process — the catalogue, the modules, a million objects in the
dashboard's server — ~15% of a 3,321-row load here. gc.disable() used to avoid that, and kept the
load's own garbage for as long as it ran. Instead, the objects alive when a load starts are frozen
(gc.freeze: left out of collections) and unfrozen when it ends: the load's garbage is collected as
it goes, older garbage at the first full collection after it.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def older_objects_frozen():
    """Leave the objects alive now out of collections for the block; the collector stays on."""
    if gc.get_freeze_count():  # a concurrent load, or the application, manages frozen objects: leave them
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
