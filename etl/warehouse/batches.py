"""Batches: the provenance record each load writes, read back for history and messages, and the
serialised write transaction that loads and undos share.

Who sees what (list_batches, batch_file with account=): admins every batch and original file; an
uploader for the whole province likewise; an uploader scoped to units the batches they loaded or
that touch their units (batch_units), and only the originals they loaded or that lie wholly within
their scope; viewers and anonymous visitors nothing. Without `account` (the command line, on the
server): everything.

On PostgreSQL an advisory lock makes loads and undos run one at a time; a transaction that still
loses a race (serialization failure, deadlock, or a unique violation from a racing insert) is
retried whole, so callers see either their work done or a real error.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError, OperationalError

from etl.periods import parse_period
from etl.warehouse.db import write_transaction
from etl.warehouse.schema import Batch, BatchFile

PG_LOAD_LOCK = 7304221  # advisory lock key: loads and undos run one at a time on PostgreSQL
RETRIES = 5
_RETRY_SQLSTATES = {"40001", "40P01", "23505"}  # serialization, deadlock, unique (a racing insert)

T = TypeVar("T")
SERVER = object()  # `account=` default: the command line on the server sees every batch


@dataclass
class BatchInfo:
    id: int
    file_name: str
    sha256: str
    sheet: str
    layout: str
    period: str
    uploaded_by: str
    created_at: datetime
    status: str
    rows_added: int = 0
    rows_changed: int = 0
    rows_unchanged: int = 0
    units_count: int = 0
    warnings_count: int = 0
    undone_at: datetime | None = None
    undone_by: str | None = None

    @property
    def period_label(self) -> str:
        """'Quý II/2024', or every period of a batch that holds several ('Quý I/2024, 6 tháng …')."""
        labels = []
        for spec in (self.period or "").split(","):
            try:
                labels.append(parse_period(spec).label)
            except ValueError:
                labels.append(spec)
        return ", ".join(labels)

    def describe(self) -> str:
        """'lô #7 (tệp X.xlsx, nạp lúc 21/06/2024 14:05 bởi lan)' for messages."""
        who = f" bởi {self.uploaded_by}" if self.uploaded_by else ""
        return f"lô #{self.id} (tệp {self.file_name}, nạp lúc {fmt_time(self.created_at)}{who})"


STATUS_LABELS = {"loaded": "Đã nạp", "undone": "Đã hoàn tác"}  # a batch's status, as the history page and CLI say it


def fmt_time(moment: datetime | None) -> str:
    """A stored timestamp as Vietnam local time, '21/06/2024 14:05'."""
    if moment is None:
        return ""
    if moment.tzinfo is None:  # SQLite returns naive UTC
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        from zoneinfo import ZoneInfo
        moment = moment.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    except Exception:  # no tz database: show UTC rather than fail
        pass
    return moment.strftime("%d/%m/%Y %H:%M")


class WarehouseBusy(Exception):
    """The warehouse stayed locked or unreachable through every retry: nothing was written. Its text
    is the one Vietnamese message pages and the CLI show."""

    def __str__(self) -> str:
        return ("Kho dữ liệu đang bận hoặc không kết nối được; chưa có gì được ghi. "
                "Vui lòng thử lại sau ít phút.")


def _busy(exc: OperationalError) -> bool:
    """Locked past the busy timeout (SQLite), or the server unreachable or shutting down (PostgreSQL)."""
    text = str(exc.orig).lower()
    state = str(getattr(exc.orig, "sqlstate", "") or "")
    return ("locked" in text or "busy" in text or exc.connection_invalidated
            or state.startswith(("08", "57P")))


def serialised_write(engine: Engine, work: Callable[..., T]) -> T:
    """work(conn) in one write transaction holding the load lock, retried whole on a lost race;
    WarehouseBusy when the warehouse stays locked or unreachable."""
    for attempt in range(RETRIES):
        try:
            with write_transaction(engine) as conn:
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOAD_LOCK})")
                return work(conn)
        except OperationalError as exc:
            if not _busy(exc) and getattr(exc.orig, "sqlstate", None) not in _RETRY_SQLSTATES:
                raise
            if attempt == RETRIES - 1:
                raise (WarehouseBusy() if _busy(exc) else exc) from exc
            time.sleep(0.05 * (attempt + 1))
        except DBAPIError as exc:
            if attempt == RETRIES - 1 or getattr(exc.orig, "sqlstate", None) not in _RETRY_SQLSTATES:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")  # the last attempt returns or raises


def batch_columns() -> list:
    """The Batch columns that make up a BatchInfo, for select(*batch_columns())."""
    return [getattr(Batch, name) for name in BatchInfo.__dataclass_fields__]


def batch_info(row) -> BatchInfo:
    """A BatchInfo from a mapping row selected with batch_columns()."""
    return BatchInfo(**{k: row[k] for k in BatchInfo.__dataclass_fields__})


def batch_by_id(conn, batch_id: int) -> BatchInfo | None:
    row = conn.execute(select(*batch_columns()).where(Batch.id == batch_id)).mappings().first()
    return batch_info(row) if row else None


def batch_units(conn, batch_ids) -> dict[int, set[str]]:
    """The unit codes each batch reported values for, as the load recorded them (batches.units),
    undone batches included (every caller asks here, nowhere else)."""
    ids = sorted({int(i) for i in batch_ids})
    touched: dict[int, set[str]] = {i: set() for i in ids}
    for start in range(0, len(ids), 500):  # bounded IN lists
        for batch_id, units in conn.execute(select(Batch.id, Batch.units).where(Batch.id.in_(ids[start:start + 500]))):
            touched[batch_id] = {u for u in (units or "").split(",") if u}
    return touched


def _scope(engine: Engine, account) -> set[str] | None | bool:
    """True: sees everything; False: nothing; else the unit codes of a scoped uploader."""
    from etl.accounts.auth import allowed_units  # auth does not import batches; keeps the import graph one-way
    if account is SERVER:
        return True
    if account is None or account.disabled or account.role not in ("uploader", "admin"):
        return False
    units = allowed_units(engine, account)
    return True if units is None else units


def list_batches(engine: Engine, account=SERVER) -> list[BatchInfo]:
    """Every batch `account` may see (see the module docstring), newest first."""
    scope = _scope(engine, account)
    if scope is False:
        return []
    with engine.connect() as conn:
        batches = [batch_info(r) for r in conn.execute(
            select(*batch_columns()).order_by(Batch.id.desc())).mappings().all()]
        if scope is True:
            return batches
        others = [b.id for b in batches if b.uploaded_by != account.username]
        touched = batch_units(conn, others)
    return [b for b in batches if b.uploaded_by == account.username or touched.get(b.id, set()) & scope]


def batch_file(engine: Engine, batch_id: int, account=SERVER) -> tuple[str, bytes] | None:
    """(file name, original bytes) of a batch, or None when there is no such batch or `account`
    may not download it."""
    scope = _scope(engine, account)
    if scope is False:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(Batch.file_name, Batch.uploaded_by, BatchFile.content)
                           .join(BatchFile, BatchFile.batch_id == Batch.id)
                           .where(Batch.id == batch_id)).first()
        if row is None:
            return None
        if scope is not True and row.uploaded_by != account.username:
            units = batch_units(conn, [batch_id])[batch_id]
            if not units or not units <= scope:
                return None
    return row.file_name, bytes(row.content)
