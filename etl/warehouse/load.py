"""Load: parsed workbooks into the warehouse as batches, with every value kept and exact undo.

Each file is one transaction (a refused file changes nothing). Values are compared per
(unit, period span, indicator) with the value in force:

    file value   in force            effect
    5            (none)              added: the fact is written, owned by this batch
    6            5 (batch 3)         changed: the fact now holds 6, from this batch
    5            5 (batch 3)         unchanged: the fact stays as it is
    '-'/blank    5 (batch 3)         untouched: a blank never deletes a reported value

Every value of the file, unchanged ones included, goes to batch_values with the batch, so that
undoing any batch (etl.warehouse.undo) leaves the warehouse as if it had never been loaded. A file whose
sha256 equals a batch still loaded, or whose every value equals the warehouse, is 'unchanged'
and writes no batch. A preview carries a fingerprint of the change it showed; confirming with
it (`expect=`) commits that change or, if the warehouse moved since, nothing (`moved`).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import Engine, and_, insert, or_, select, text

from etl.accounts import audit
from etl.catalog import aliases
from etl.catalog.catalogue import load_indicators, load_units
from etl.config import get_settings
from etl.periods import Period
from etl.problems import WARNING, Problem, has_errors
from etl.queries.spans import Span, period_of, span_of
from etl.reading.doc_read import accepted_keys, sentences_only_outcome
from etl.reading.safety import check_size
from etl.reading.sandbox import parse_bounded
from etl.warehouse.batches import BatchInfo, batch_columns, batch_info, serialised_write
from etl.warehouse.collector import older_objects_frozen
from etl.warehouse.load_checks import span_problems
from etl.warehouse.schema import Batch, BatchFile, BatchSheet, BatchValue, Fact

Key = tuple[str, int, int, str]   # (unit_code, period_index, span, indicator_code)


@dataclass(slots=True)
class Change:
    unit_code: str
    unit_name: str
    indicator_code: str
    old: int | None
    new: int
    period: Period | None = None

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
    periods: list[Period] = field(default_factory=list)   # every period the file reports
    sheets: list = field(default_factory=list)            # etl.reading.read.SheetInfo of every sheet, read or skipped
    mapped_columns: list = field(default_factory=list)    # etl.reading.read.MappedColumn, every sheet
    text_figures: list = field(default_factory=list)      # etl.reading.text_figures.TextFigure: a .docx's sentences
    fingerprint: str = ""   # a preview's change (set by previews and confirmations): load_file(expect=…)
    moved: bool = False     # confirmed with `expect`, but the warehouse changed since the preview

    @property
    def ok(self) -> bool:
        return self.status != "rejected"


def preview_file(engine: Engine, data: bytes, file_name: str, *, period: Period | None = None,
                 user: str = "", allowed_units: set[str] | None = None, **options) -> FileResult:
    """What loading this file would change (status 'preview'), without writing anything."""
    return load_file(engine, data, file_name, period=period, user=user,
                     allowed_units=allowed_units, dry_run=True, **options)


def load_file(engine: Engine, data: bytes, file_name: str, *, period: Period | None = None,
              user: str = "", allowed_units: set[str] | None = None, dry_run: bool = False,
              expect: str | None = None, mappings: dict[str, str | None] | None = None,
              **options) -> FileResult:
    """Read, validate and load one workbook in one transaction; never raises on bad data.
    expect: a preview's fingerprint — load only if the change is still exactly that one;
    mappings: {column header as written: indicator code, or None to leave it out}."""
    with older_objects_frozen():  # the collector stays on; what lived before the load is not re-walked
        return _load_file(engine, data, file_name, period, user, allowed_units, dry_run, expect,
                          mappings, options)


def _load_file(engine: Engine, data: bytes, file_name: str, period: Period | None, user: str,
               allowed_units: set[str] | None, dry_run: bool, expect: str | None, mappings, options) -> FileResult:
    too_big = check_size(data, file_name, get_settings().upload_max_mb * 2**20)
    if too_big:  # refused here, before the bytes travel to the parse worker
        return FileResult(file=file_name, status="rejected", problems=too_big)
    units, indicators = load_units(engine), load_indicators(engine)
    # parsed in a worker process with CPU, memory and wall-clock limits (etl.reading.sandbox): a hostile
    # file costs at most those, and a limit hit comes back as the file's Problem
    parsed = parse_bounded(data, file_name, units=units, indicators=indicators,
                           period=period, allowed_units=allowed_units,
                           max_bytes=get_settings().upload_max_mb * 2**20,
                           mappings=mappings, learned=aliases.learned(engine), **options)
    result = FileResult(file=file_name, status="rejected", period=parsed.period, sheet=parsed.sheet,
                        layout=parsed.layout, problems=list(parsed.problems), sheets=list(parsed.sheets),
                        mapped_columns=list(parsed.mapped_columns), text_figures=list(parsed.text_figures))
    if not parsed.ok or not parsed.records:
        sentences_only_outcome(result, parsed, dry_run)   # a report whose figures all wait for a confirmation
        return result
    values = file_values(parsed)
    result.periods = sorted(map(period_of, {(i, s) for (_, i, s, _) in values}), key=lambda p: (p.start, p.end))
    names = ({u.code: u.name for u in units}, {i.code: i.label for i in indicators})
    if dry_run:  # reads only: nothing to roll back, no write lock taken
        with engine.connect() as conn:
            _load_values(conn, parsed, values, data, names, user, True, expect, result)
        return result
    serialised_write(engine, lambda conn: _load_values(conn, parsed, values, data, names, user, False,
                                                       expect, result))
    return result


def file_values(parsed) -> dict[Key, tuple[int, object, str]]:
    """(unit, period_index, span, indicator) -> (value, record, indicator code) of every value read."""
    out: dict[Key, tuple[int, object, str]] = {}
    for rec in parsed.records:
        first, n = span_of(rec.period or parsed.period)
        for code, value in rec.values.items():
            out.setdefault((rec.unit_code, first, n, code), (value, rec, code))
    return out


def _load_values(conn, parsed, values: dict, data: bytes, names: tuple[dict, dict], user: str,
                 dry_run: bool, expect: str | None, result: FileResult) -> None:
    (names, labels), result.changes, result.previous, result.batch_id = names, [], None, None
    # the same document may be loaded again with other sentence figures accepted: compared value by value
    previous = None if parsed.text_figures else _loaded_batch_with_sha(conn, parsed.sha256)
    if previous is not None:
        result.status, result.previous = "unchanged", previous
        return
    existing = _facts_in_force(conn, {(i, s) for (_, i, s, _) in values})
    result.problems += span_problems(conn, parsed, values, labels, names)
    if has_errors(result.problems):
        result.status = "rejected"
        return
    changes = _diff(values, existing, names)
    result.changes = changes
    added = [k for k, c in changes.items() if c.old is None]
    changed = [k for k, c in changes.items() if c.old is not None and c.old != c.new]
    result.rows_added, result.rows_changed = len(added), len(changed)
    result.rows_unchanged = len(changes) - len(added) - len(changed)
    result.changes = list(changes.values())
    if dry_run or expect is not None:  # what a preview shows, and what a confirmation checks
        result.fingerprint = fingerprint(parsed.sha256, changes, accepted_keys(parsed))
    if expect is not None and expect != result.fingerprint:
        result.status, result.moved = ("preview" if added or changed else "unchanged"), True
        return
    if dry_run or not added and not changed:
        result.status = "preview" if (dry_run and (added or changed)) else "unchanged"
        return
    batch_id = _insert_batch(conn, parsed, values, data, user, result)
    _write_values(conn, batch_id, values)
    audit.record(conn, user, "load", batch_id=batch_id, file=parsed.file_name,
                 period=",".join(p.spec for p in result.periods), rows_added=result.rows_added,
                 rows_changed=result.rows_changed, rows_unchanged=result.rows_unchanged)
    aliases.learn(conn, parsed, user, batch_id)  # the user's column mappings, kept with the load
    result.status, result.batch_id = "loaded", batch_id


def fingerprint(sha256: str, changes: dict, accepted: tuple[str, ...] = ()) -> str:
    """A digest of exactly what a load would do: the file, the sentence figures accepted from it, and
    every (key, old, new)."""
    lines = "\n".join(f"{u}\t{i}\t{s}\t{c}\t{changes[(u, i, s, c)].old}\t{changes[(u, i, s, c)].new}"
                      for u, i, s, c in sorted(changes))
    return hashlib.sha256(f"{sha256}\n{accepted!r}\n{lines}".encode()).hexdigest()


def _facts_in_force(conn, spans: set[Span]) -> dict[Key, tuple[int, int]]:
    """(unit, period_index, span, indicator) -> (value, batch_id) of the facts in these spans (one
    indexed range per span)."""
    if not spans:
        return {}
    where = or_(*[and_(Fact.period_index == i, Fact.span == s) for i, s in sorted(spans)])
    rows = conn.execute(select(Fact.unit_code, Fact.period_index, Fact.span, Fact.indicator_code,
                               Fact.value, Fact.batch_id).where(where))
    return {(u, i, s, c): (v, b) for u, i, s, c, v, b in rows}


def _diff(values: dict, existing: dict, names: dict) -> dict[Key, Change]:
    """Every value of the file as a Change against the value in force (old None: added)."""
    out, periods = {}, {}
    for key, (value, _rec, code) in values.items():
        unit, first, n, _ = key
        old = existing.get(key)
        period = periods.get((first, n)) or periods.setdefault((first, n), period_of((first, n)))
        out[key] = Change(unit, names.get(unit, unit), code, None if old is None else old[0], value, period)
    return out


def _insert_batch(conn, parsed, values: dict, data: bytes, user: str, result: FileResult) -> int:
    units = sorted({k[0] for k in values})
    batch_id = conn.execute(insert(Batch).values(
        file_name=parsed.file_name[:500], sha256=parsed.sha256, sheet=(parsed.sheet or "")[:200],
        layout=(parsed.layout or "")[:30], period=",".join(p.spec for p in result.periods)[:200],
        uploaded_by=(user or "")[:100], created_at=audit.now(), status="loaded",
        rows_added=result.rows_added, rows_changed=result.rows_changed,
        rows_unchanged=result.rows_unchanged, units_count=len(units), units=",".join(units),
        warnings_count=sum(1 for p in result.problems if p.severity == WARNING),
    )).inserted_primary_key[0]
    conn.execute(insert(BatchFile).values(batch_id=batch_id, content=data))
    conn.execute(insert(BatchSheet), _sheet_rows(batch_id, parsed, result.periods))
    return batch_id


def _sheet_rows(batch_id: int, parsed, periods: list[Period]) -> list[dict]:
    """A row per sheet read, and one per period no sheet names (undo finds batches by period)."""
    read = [s for s in parsed.sheets if s.status == "read"]
    rows = [(s.name, s.layout, s.period.spec if s.period else "") for s in read]
    rows += [(parsed.sheet or "", parsed.layout or "", p.spec) for p in periods
             if p.spec not in {r[2] for r in rows}]
    return [{"batch_id": batch_id, "position": n, "sheet": name[:200], "layout": (layout or "")[:30],
             "period": spec} for n, (name, layout, spec) in enumerate(rows)]


def _write_values(conn, batch_id: int, values: dict) -> None:
    """Every value of the file to batch_values (a JSON row per unit and span, in key order), then the
    facts from them in one statement: new keys inserted, keys whose value differs revised (this batch
    owns them), equal values left with the batch that wrote them (a replay of the batches does the same)."""
    rows: dict[tuple, dict[str, int]] = {}
    for (u, i, s, c), (v, _r, _c) in values.items():
        rows.setdefault((i, s, u), {})[c] = v
    packed = [(batch_id, i, s, u, json.dumps(vals, sort_keys=True, separators=(",", ":")))
              for (i, s, u), vals in sorted(rows.items())]
    if conn.dialect.name == "sqlite":  # the driver's executemany: ~2x faster than Core's
        conn.exec_driver_sql(_INSERT_VALUES, packed)
        conn.execute(_MERGE_FACTS_SQLITE, {"b": batch_id})
    else:  # PostgreSQL: Core batches the rows into multi-row INSERTs (insertmanyvalues)
        conn.execute(insert(BatchValue), [{"batch_id": b, "period_index": i, "span": s, "unit_code": u,
                                           "values_json": j} for b, i, s, u, j in packed])
        conn.execute(_MERGE_FACTS_POSTGRES, {"b": batch_id})


_INSERT_VALUES = "INSERT INTO batch_values (batch_id, period_index, span, unit_code, values_json) VALUES (?, ?, ?, ?, ?)"
# One upsert from the batch's JSON rows: json_each on SQLite (3.38+), jsonb_each_text on PostgreSQL.
# The WHERE of the SELECT also spares SQLite's parser the ambiguity of ON CONFLICT after a SELECT.
_UPSERT = ("ON CONFLICT (period_index, span, indicator_code, unit_code) DO UPDATE SET value = excluded.value, "
           "batch_id = excluded.batch_id WHERE facts.value <> excluded.value")
_INTO_FACTS = "INSERT INTO facts (unit_code, year, quarter, indicator_code, period_index, span, value, batch_id) "
_MERGE_FACTS_SQLITE = text(
    _INTO_FACTS + "SELECT r.unit_code, r.period_index / 4, r.period_index % 4 + 1, j.key, r.period_index, r.span, "
    "j.value, r.batch_id FROM batch_values r, json_each(r.values_json) j WHERE r.batch_id = :b "
    "ORDER BY r.period_index, r.span, j.key, r.unit_code " + _UPSERT)
_MERGE_FACTS_POSTGRES = text(
    _INTO_FACTS + "SELECT r.unit_code, r.period_index / 4, r.period_index % 4 + 1, j.key, r.period_index, r.span, "
    "j.value::bigint, r.batch_id FROM batch_values r CROSS JOIN LATERAL jsonb_each_text(r.values_json::jsonb) j "
    "WHERE r.batch_id = :b " + _UPSERT)


def _loaded_batch_with_sha(conn, sha256: str) -> BatchInfo | None:
    row = conn.execute(select(*batch_columns()).where(Batch.sha256 == sha256, Batch.status == "loaded")
                       .order_by(Batch.id.desc()).limit(1)).mappings().first()
    return batch_info(row) if row else None
