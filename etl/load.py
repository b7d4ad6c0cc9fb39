"""Load: parsed workbooks into the warehouse as batches, with history and exact undo.

Each file is one transaction (a refused file changes nothing). Values are compared per
(unit, quarter, indicator) with what the warehouse holds:

    file value   warehouse          effect
    5            (none)             added: new fact written by this batch
    6            5 (batch 3)        changed: (5, batch 3) -> fact_history, replaced_by = this batch
    5            5 (batch 3)        unchanged: the fact keeps batch 3
    '-'/blank    5 (batch 3)        untouched: a blank never deletes a reported value

A file whose sha256 equals a batch still loaded, or whose every value equals the warehouse,
is 'unchanged' and writes no batch. Undo deletes the batch's facts and puts back the values it
replaced; it is refused while a later batch has replaced values of this one. (A later file that
repeated a value unchanged did not write it, so undoing the batch that did removes that value.)
"""
from __future__ import annotations

import gc
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import Engine, and_, bindparam, delete, insert, select, update
from sqlalchemy.exc import DBAPIError

from etl import audit
from etl.catalog import load_indicators, load_units
from etl.config import get_settings
from etl.db import write_transaction
from etl.periods import Period, parse_period, quarter_index
from etl.problems import Problem, WARNING
from etl.schema import Batch, BatchFile, Fact, FactHistory

PG_LOAD_LOCK = 7304221  # advisory lock key: loads and undos run one at a time on PostgreSQL
RETRIES = 5
_RETRY_SQLSTATES = {"40001", "40P01", "23505"}  # serialization, deadlock, unique (a racing insert)


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
        try:
            return parse_period(self.period).label
        except ValueError:
            return self.period

    def describe(self) -> str:
        """'lô #7 (tệp X.xlsx, nạp lúc 21/06/2024 14:05 bởi lan)' for messages."""
        who = f" bởi {self.uploaded_by}" if self.uploaded_by else ""
        return f"lô #{self.id} (tệp {self.file_name}, nạp lúc {fmt_time(self.created_at)}{who})"


@dataclass(slots=True)
class Change:
    unit_code: str
    unit_name: str
    indicator_code: str
    old: int | None
    new: int

    @property
    def kind(self) -> str:
        return "added" if self.old is None else "unchanged" if self.old == self.new else "changed"


@dataclass
class FileResult:
    file: str
    status: str  # loaded | unchanged | rejected | preview
    batch_id: int | None = None
    period: Period | None = None
    sheet: str = ""
    layout: str = ""
    rows_added: int = 0
    rows_changed: int = 0
    rows_unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    previous: BatchInfo | None = None

    @property
    def ok(self) -> bool:
        return self.status != "rejected"


@dataclass
class UndoResult:
    ok: bool
    message: str
    restored: int = 0
    removed: int = 0


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


def preview_file(engine: Engine, data: bytes, file_name: str, *, period: Period | None = None,
                 user: str = "", allowed_units: set[str] | None = None) -> FileResult:
    """What loading this file would change (status 'preview'), without writing anything."""
    return load_file(engine, data, file_name, period=period, user=user,
                     allowed_units=allowed_units, dry_run=True)


def load_file(engine: Engine, data: bytes, file_name: str, *, period: Period | None = None,
              user: str = "", allowed_units: set[str] | None = None,
              dry_run: bool = False) -> FileResult:
    """Read, validate and load one workbook in one transaction; never raises on bad data."""
    with _collector_paused():
        return _load_file(engine, data, file_name, period, user, allowed_units, dry_run)


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector during a load: reading a 3,321-row sheet allocates
    ~100k small objects (cells, records, changes), which set off dozens of collections that each
    walk every live object, catalogue included (~20% of a load). Reference counting still frees
    memory as usual; any cyclic garbage is collected after the load. Nested or concurrent loads
    leave the collector enabled once the outermost one ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_file(engine: Engine, data: bytes, file_name: str, period: Period | None, user: str,
               allowed_units: set[str] | None, dry_run: bool) -> FileResult:
    from etl.read import parse_workbook
    units = load_units(engine)
    parsed = parse_workbook(data, file_name, units=units, indicators=load_indicators(engine),
                            period=period, allowed_units=allowed_units,
                            max_bytes=get_settings().upload_max_mb * 2**20)
    result = FileResult(file=file_name, status="rejected", period=parsed.period,
                        sheet=parsed.sheet, layout=parsed.layout, problems=list(parsed.problems))
    if not parsed.ok or parsed.period is None:
        return result
    names = {u.code: u.name for u in units}
    if dry_run:  # reads only: nothing to roll back, no write lock taken
        with engine.connect() as conn:
            _load_parsed(conn, parsed, data, names, user, True, result)
        return result
    for attempt in range(RETRIES):
        try:
            with write_transaction(engine) as conn:
                _lock(conn)
                _load_parsed(conn, parsed, data, names, user, False, result)
            return result
        except DBAPIError as exc:
            if attempt == RETRIES - 1 or getattr(exc.orig, "sqlstate", None) not in _RETRY_SQLSTATES:
                raise
            time.sleep(0.05 * (attempt + 1))
    return result


def _lock(conn) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOAD_LOCK})")


def _load_parsed(conn, parsed, data: bytes, names: dict, user: str, dry_run: bool,
                 result: FileResult) -> None:
    result.changes, result.previous, result.batch_id = [], None, None
    previous = _loaded_batch_with_sha(conn, parsed.sha256)
    if previous is not None:
        result.status, result.previous = "unchanged", previous
        return
    year, q = parsed.period.year, parsed.period.quarter
    existing = {(u, i): (v, b) for u, i, v, b in conn.execute(  # one indexed query for the whole quarter
        select(Fact.unit_code, Fact.indicator_code, Fact.value, Fact.batch_id)
        .where(Fact.period_index == quarter_index(year, q)))}
    changes, added, changed = _diff(parsed.records, existing, names)
    result.changes = changes
    result.rows_added, result.rows_changed = len(added), len(changed)
    result.rows_unchanged = len(changes) - len(added) - len(changed)
    if dry_run:
        result.status = "preview" if added or changed else "unchanged"
        return
    if not added and not changed:
        result.status = "unchanged"
        return
    batch_id = _insert_batch(conn, parsed, data, user, result)
    _write_values(conn, year, q, batch_id, added, changed, existing)
    audit.record(conn, user, "load", batch_id=batch_id, file=parsed.file_name,
                 period=parsed.period.spec, rows_added=result.rows_added,
                 rows_changed=result.rows_changed, rows_unchanged=result.rows_unchanged)
    result.status, result.batch_id = "loaded", batch_id


def _diff(records, existing: dict, names: dict) -> tuple[list[Change], list[Change], list[Change]]:
    """(every value of the file, the added ones, the changed ones) against existing (value, batch)."""
    changes: list[Change] = []
    for rec in records:
        unit, name = rec.unit_code, names.get(rec.unit_code, rec.unit_code)
        changes += [Change(unit, name, code, None, value) for code, value in rec.values.items()]
    if not existing:  # the usual first upload of a quarter: everything is new
        return changes, changes, []
    added, changed = [], []
    for c in changes:
        old = existing.get((c.unit_code, c.indicator_code))
        if old is None:
            added.append(c)
        else:
            c.old = old[0]
            if c.old != c.new:
                changed.append(c)
    return changes, added, changed


def _insert_batch(conn, parsed, data: bytes, user: str, result: FileResult) -> int:
    batch_id = conn.execute(insert(Batch).values(
        file_name=parsed.file_name, sha256=parsed.sha256, sheet=parsed.sheet or "",
        layout=parsed.layout or "", period=parsed.period.spec, uploaded_by=user or "",
        created_at=audit.now(), status="loaded", rows_added=result.rows_added,
        rows_changed=result.rows_changed, rows_unchanged=result.rows_unchanged,
        units_count=sum(1 for r in parsed.records if r.values),
        warnings_count=sum(1 for p in parsed.problems if p.severity == WARNING),
    )).inserted_primary_key[0]
    conn.execute(insert(BatchFile).values(batch_id=batch_id, content=data))
    return batch_id


def _write_values(conn, year: int, q: int, batch_id: int, added: list[Change],
                  changed: list[Change], existing: dict) -> None:
    """Bulk writes (executemany): new facts, superseded values to history, revised facts."""
    index = quarter_index(year, q)
    if added and conn.dialect.name == "sqlite":  # the driver's executemany: ~2x faster than Core's
        conn.exec_driver_sql(_SQLITE_INSERT_FACT, [
            (c.unit_code, year, q, c.indicator_code, index, c.new, batch_id) for c in added])
    elif added:  # PostgreSQL: Core batches the rows into multi-row INSERTs (insertmanyvalues)
        conn.execute(insert(Fact), [
            {"unit_code": c.unit_code, "year": year, "quarter": q, "indicator_code": c.indicator_code,
             "period_index": index, "value": c.new, "batch_id": batch_id} for c in added])
    if not changed:
        return
    moment = audit.now()
    conn.execute(insert(FactHistory), [
        {"unit_code": c.unit_code, "year": year, "quarter": q, "indicator_code": c.indicator_code,
         "value": c.old, "batch_id": existing[(c.unit_code, c.indicator_code)][1],
         "replaced_by_batch_id": batch_id, "replaced_at": moment} for c in changed])
    stmt = (update(Fact).where(Fact.period_index == index, Fact.indicator_code == bindparam("i"),
                               Fact.unit_code == bindparam("u"))  # the primary key, in its order
            .values(value=bindparam("v"), batch_id=batch_id))
    conn.execute(stmt, [{"u": c.unit_code, "i": c.indicator_code, "v": c.new} for c in changed])


_SQLITE_INSERT_FACT = ("INSERT INTO facts (unit_code, year, quarter, indicator_code, period_index, value, "
                       "batch_id) VALUES (?, ?, ?, ?, ?, ?, ?)")


def _batch_info(row) -> BatchInfo:
    return BatchInfo(**{k: row[k] for k in BatchInfo.__dataclass_fields__})


def _batch_columns():
    return [getattr(Batch, name) for name in BatchInfo.__dataclass_fields__]


def _loaded_batch_with_sha(conn, sha256: str) -> BatchInfo | None:
    row = conn.execute(select(*_batch_columns()).where(Batch.sha256 == sha256, Batch.status == "loaded")
                       .order_by(Batch.id.desc()).limit(1)).mappings().first()
    return _batch_info(row) if row else None


def list_batches(engine: Engine) -> list[BatchInfo]:
    """Every batch, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(*_batch_columns()).order_by(Batch.id.desc())).mappings().all()
    return [_batch_info(r) for r in rows]


def get_batch(engine: Engine, batch_id: int) -> BatchInfo | None:
    with engine.connect() as conn:
        row = conn.execute(select(*_batch_columns()).where(Batch.id == batch_id)).mappings().first()
    return _batch_info(row) if row else None


def batch_file(engine: Engine, batch_id: int) -> tuple[str, bytes] | None:
    """(file name, original bytes) of a batch, or None when there is no such batch."""
    with engine.connect() as conn:
        row = conn.execute(select(Batch.file_name, BatchFile.content)
                           .join(BatchFile, BatchFile.batch_id == Batch.id)
                           .where(Batch.id == batch_id)).first()
    return (row[0], bytes(row[1])) if row else None


def undo_batch(engine: Engine, batch_id: int, user: str = "") -> UndoResult:
    """Take a batch back out: its facts go, the values it replaced return (exactly)."""
    for attempt in range(RETRIES):
        try:
            with write_transaction(engine) as conn:
                _lock(conn)
                return _undo(conn, batch_id, user)
        except DBAPIError as exc:
            if attempt == RETRIES - 1 or getattr(exc.orig, "sqlstate", None) not in _RETRY_SQLSTATES:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _undo(conn, batch_id: int, user: str) -> UndoResult:
    row = conn.execute(select(*_batch_columns()).where(Batch.id == batch_id)).mappings().first()
    if row is None:
        return UndoResult(False, f"Không có lô số liệu #{batch_id}.")
    batch = _batch_info(row)
    if batch.status == "undone":
        return UndoResult(False, f"Lô #{batch_id} đã được hoàn tác lúc {fmt_time(batch.undone_at)}"
                                 f"{' bởi ' + batch.undone_by if batch.undone_by else ''}; "
                                 "không cần hoàn tác lại.")
    blocker = _later_batch_over(conn, batch_id)
    if blocker is not None:
        return UndoResult(False, f"Không thể hoàn tác lô #{batch_id}: {blocker.describe()} đã sửa "
                                 f"một số giá trị do lô này ghi. Hãy hoàn tác lô #{blocker.id} "
                                 f"({blocker.file_name}) trước.")
    replaced = conn.execute(select(FactHistory).where(FactHistory.replaced_by_batch_id == batch_id)
                            ).mappings().all()
    period = parse_period(batch.period)  # a batch's facts all lie in its quarter: use the period index
    deleted = conn.execute(delete(Fact).where(Fact.period_index == quarter_index(period.year, period.quarter),
                                              Fact.batch_id == batch_id)).rowcount
    if replaced:
        conn.execute(insert(Fact), [
            {"unit_code": h["unit_code"], "year": h["year"], "quarter": h["quarter"],
             "indicator_code": h["indicator_code"], "period_index": quarter_index(h["year"], h["quarter"]),
             "value": h["value"], "batch_id": h["batch_id"]} for h in replaced])
        conn.execute(delete(FactHistory).where(FactHistory.replaced_by_batch_id == batch_id))
    conn.execute(update(Batch).where(Batch.id == batch_id)
                 .values(status="undone", undone_at=audit.now(), undone_by=user or ""))
    removed = max(deleted - len(replaced), 0)
    audit.record(conn, user, "undo", batch_id=batch_id, file=batch.file_name, period=batch.period,
                 restored=len(replaced), removed=removed)
    return UndoResult(True, f"Đã hoàn tác lô #{batch_id} ({batch.file_name}): xóa {removed} giá trị "
                            f"mới, khôi phục {len(replaced)} giá trị cũ.", len(replaced), removed)


def _later_batch_over(conn, batch_id: int) -> BatchInfo | None:
    """The newest still-loaded batch that replaced a value this batch wrote, if any."""
    row = conn.execute(
        select(*_batch_columns())
        .join(FactHistory, and_(FactHistory.replaced_by_batch_id == Batch.id,
                                FactHistory.batch_id == batch_id))
        .where(Batch.status == "loaded").order_by(Batch.id.desc()).limit(1)).mappings().first()
    return _batch_info(row) if row else None
