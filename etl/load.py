"""Load: parsed workbooks into the warehouse as batches, with history and exact undo.

Each file is one transaction (a refused file changes nothing). Values are compared per
(unit, quarter, indicator) with what the warehouse holds:

    file value   warehouse          effect
    5            (none)             added: new fact written by this batch
    6            5 (batch 3)        changed: (5, batch 3) -> fact_history, replaced_by = this batch
    5            5 (batch 3)        unchanged: the fact keeps batch 3
    '-'/blank    5 (batch 3)        untouched: a blank never deletes a reported value

A file whose sha256 equals a batch still loaded, or whose every value equals the warehouse,
is 'unchanged' and writes no batch. Batch records live in etl.batches and undo in etl.undo;
both are re-exported here, where pages, CLI and tests import them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, bindparam, insert, select, update

from etl import audit
from etl.batches import (BatchInfo, batch_columns, batch_file, batch_info, fmt_time,
                         list_batches, serialised_write)
from etl.catalog import load_indicators, load_units
from etl.collector import older_objects_frozen
from etl.config import get_settings
from etl.periods import Period, quarter_index
from etl.problems import Problem, WARNING
from etl.sandbox import parse_bounded
from etl.schema import Batch, BatchFile, Fact, FactHistory
from etl.undo import UndoResult, undo_batch

__all__ = ["BatchInfo", "Change", "FileResult", "UndoResult", "batch_file", "fmt_time",
           "list_batches", "load_file", "preview_file", "undo_batch"]


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


def preview_file(engine: Engine, data: bytes, file_name: str, *, period: Period | None = None,
                 user: str = "", allowed_units: set[str] | None = None) -> FileResult:
    """What loading this file would change (status 'preview'), without writing anything."""
    return load_file(engine, data, file_name, period=period, user=user,
                     allowed_units=allowed_units, dry_run=True)


def load_file(engine: Engine, data: bytes, file_name: str, *, period: Period | None = None,
              user: str = "", allowed_units: set[str] | None = None,
              dry_run: bool = False) -> FileResult:
    """Read, validate and load one workbook in one transaction; never raises on bad data."""
    with older_objects_frozen():  # the collector stays on; what lived before the load is not re-walked
        return _load_file(engine, data, file_name, period, user, allowed_units, dry_run)


def _load_file(engine: Engine, data: bytes, file_name: str, period: Period | None, user: str,
               allowed_units: set[str] | None, dry_run: bool) -> FileResult:
    units = load_units(engine)
    # parsed in a worker process with CPU, memory and wall-clock limits (etl.sandbox): a hostile
    # file costs at most those, and a limit hit comes back as the file's Problem
    parsed = parse_bounded(data, file_name, units=units, indicators=load_indicators(engine),
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
    serialised_write(engine, lambda conn: _load_parsed(conn, parsed, data, names, user, False, result))
    return result


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


def _loaded_batch_with_sha(conn, sha256: str) -> BatchInfo | None:
    row = conn.execute(select(*batch_columns()).where(Batch.sha256 == sha256, Batch.status == "loaded")
                       .order_by(Batch.id.desc()).limit(1)).mappings().first()
    return batch_info(row) if row else None
