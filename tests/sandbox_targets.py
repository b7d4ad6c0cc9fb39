"""Parse functions that misbehave on purpose, for tests/test_sandbox.py: the worker imports them by
name (tests.sandbox_targets.spin …), so they live in a module of their own, importing nothing heavy.
Each takes any arguments, as parse_workbook is called."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def spin(*_args, **_kwargs):
    """Burns CPU until RLIMIT_CPU stops it."""
    n = 0
    while True:
        n += 1


def hoard(*_args, **_kwargs):
    """Allocates 64 MB chunks until RLIMIT_AS refuses one."""
    chunks = []
    while True:
        chunks.append(bytearray(64 * 2**20))


def nap(*_args, pid_file: str = "", **_kwargs):
    """Writes its pid, then sleeps (no CPU): only the wall-clock limit ends it."""
    if pid_file:
        Path(pid_file).write_text(str(os.getpid()))
    time.sleep(3600)


def crash(*_args, **_kwargs):
    """Dies as a C extension would on a bad pointer."""
    os.kill(os.getpid(), signal.SIGSEGV)


def fail(*_args, **_kwargs):
    """A bug: raises."""
    raise ValueError("lỗi lập trình cố ý")


def echo(*args, **kwargs):
    """Returns what it was given, with its process id."""
    return os.getpid(), args, kwargs


def unpicklable(*_args, **_kwargs):
    """Returns what cannot travel back (a bug in a parser's result type)."""
    return lambda: None
