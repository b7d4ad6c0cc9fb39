"""What the warehouse holds as a whole: the data version (the key every cached read is filed under),
the quarters with data and the last load, and the meta flags (demo data)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, case, func, select

from etl.periods import Period, from_index
from etl.warehouse.schema import Batch, Fact, Meta

DEMO_FLAG = "demo_loaded"


def _meta(key: str):
    return select(Meta.value).where(Meta.key == key).scalar_subquery()


def data_version(engine: Engine) -> tuple:
    """Changes whenever a batch is loaded or undone or the catalogues change (a cache key); one
    statement (the facts' min and max come from the primary key, not a scan)."""
    stmt = select(func.count(Batch.id), func.max(Batch.id),
                  func.sum(case((Batch.status == "loaded", 1), else_=0)), func.max(Batch.undone_at),
                  _meta("catalogue_sha256"), _meta(DEMO_FLAG),
                  select(func.max(Fact.period_index)).scalar_subquery(),
                  select(func.min(Fact.period_index)).scalar_subquery())
    with engine.connect() as conn:
        n, top_id, loaded, undone, catalogue, demo, top, low = conn.execute(stmt).one()
    return int(n), top_id, int(loaded or 0), str(undone), catalogue, demo, top, low


@dataclass(frozen=True)
class DataSpan:
    """The quarters the warehouse has data for, and when it was last loaded."""
    first: Period              # the earliest quarter with data
    latest: Period             # the latest (a cumulative report counts up to its last quarter)
    updated: datetime | None   # the last load still in force
    demo: bool = False         # the demo data is loaded (illustrative figures)


def data_span(engine: Engine) -> DataSpan | None:
    """The warehouse's DataSpan; None when it holds no fact."""
    with engine.connect() as conn:
        low, top, demo = conn.execute(select(select(func.min(Fact.period_index)).scalar_subquery(),
                                             select(func.max(Fact.period_index)).scalar_subquery(),
                                             _meta(DEMO_FLAG))).one()
        if top is None:
            return None
        # the facts of the last year of data only: a short range of the key
        top = conn.execute(select(func.max(Fact.period_index + Fact.span - 1))
                           .where(Fact.period_index >= top - 3)).scalar()
        loaded = conn.execute(select(func.max(Batch.created_at)).where(Batch.status == "loaded")).scalar()
    return DataSpan(from_index(low), from_index(top), loaded, bool(demo))
