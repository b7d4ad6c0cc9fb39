"""Undo: take a loaded batch back out of the warehouse, exactly, whatever was loaded after it.

The warehouse always equals a replay of the loaded batches in order (each sets the values it
reported; a blank sets nothing), and batch_values keeps every value of every batch. Undoing a
batch marks it undone and, for each fact it holds (facts.batch_id), puts back the value of the
newest batch still loaded that reported the same unit, span and indicator, or removes the fact
when none did. Facts held by another batch stay: either a later batch reported them (its value
is in force) or an earlier one reported the same value. So a later batch that repeated a value
never loses it, and an earlier revision comes back when the later one is undone. All in one
serialised write transaction with an audit event.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Engine, and_, bindparam, delete, or_, select, update

from etl.accounts import audit
from etl.queries.spans import period_of
from etl.warehouse.batches import BatchInfo, batch_by_id, fmt_time, serialised_write
from etl.warehouse.schema import Batch, BatchSheet, BatchValue, Fact


@dataclass
class UndoResult:
    ok: bool
    message: str
    restored: int = 0   # facts back to the value of an earlier (or later, still loaded) batch
    removed: int = 0    # facts no other loaded batch reported


def undo_batch(engine: Engine, batch_id: int, user: str = "") -> UndoResult:
    """Take a batch back out: the facts it holds return to what the other loaded batches say."""
    return serialised_write(engine, lambda conn: _undo(conn, batch_id, user))


def _undo(conn, batch_id: int, user: str) -> UndoResult:
    batch = batch_by_id(conn, batch_id)
    refusal = _refusal(batch_id, batch)
    if refusal is not None:
        return refusal
    conn.execute(update(Batch).where(Batch.id == batch_id)
                 .values(status="undone", undone_at=audit.now(), undone_by=(user or "")[:100]))
    restored, removed, kept = _replay_held_facts(conn, batch_id)
    audit.record(conn, user, "undo", batch_id=batch_id, file=batch.file_name, period=batch.period,
                 restored=restored, removed=removed, kept=kept)
    return UndoResult(True, f"Đã hoàn tác lô #{batch_id} ({batch.file_name}): "
                            f"{_what_changed(restored, removed, kept)}.", restored, removed)


def _what_changed(restored: int, removed: int, kept: int) -> str:
    parts = [f"xóa {removed} giá trị" if removed else "", f"khôi phục {restored} giá trị cũ" if restored else "",
             f"{kept} giá trị vẫn giữ vì lô khác còn hiệu lực cũng báo cáo đúng số đó" if kept else ""]
    return "; ".join(p for p in parts if p) or ("không giá trị nào thay đổi: các lô nạp sau đã báo cáo lại "
                                                  "hoặc sửa mọi giá trị của lô này")


def _refusal(batch_id: int, batch: BatchInfo | None) -> UndoResult | None:
    """Why this batch cannot be undone (a Vietnamese message), or None when it can."""
    if batch is None:
        return UndoResult(False, f"Không có lô số liệu #{batch_id}.")
    if batch.status == "undone":
        return UndoResult(False, f"Lô #{batch_id} đã được hoàn tác lúc {fmt_time(batch.undone_at)}"
                                 f"{' bởi ' + batch.undone_by if batch.undone_by else ''}; "
                                 "không cần hoàn tác lại.")
    return None


def _spans_of(conn, batch_id: int) -> list[tuple[int, int]]:
    """(period_index, span) of every value the batch reported (its primary-key prefix)."""
    return [tuple(r) for r in conn.execute(
        select(BatchValue.period_index, BatchValue.span).distinct().where(BatchValue.batch_id == batch_id))]


def _in_spans(model, spans):
    return or_(*[and_(model.period_index == i, model.span == s) for i, s in spans])


def _replay_held_facts(conn, batch_id: int) -> tuple[int, int, int]:
    """Every key the (now undone) batch reported takes the value and owner a replay of the loaded
    batches gives, or goes: (restored to another value, removed, kept with the same value)."""
    spans = _spans_of(conn, batch_id)
    if not spans:
        return 0, 0, 0
    reported = {(i, s, c, u) for i, s, u, packed in conn.execute(
        select(BatchValue.period_index, BatchValue.span, BatchValue.unit_code, BatchValue.values_json)
        .where(BatchValue.batch_id == batch_id)) for c in json.loads(packed)}
    current = {(i, s, c, u): (b, v) for i, s, c, u, v, b in conn.execute(
        select(Fact.period_index, Fact.span, Fact.indicator_code, Fact.unit_code, Fact.value, Fact.batch_id)
        .where(_in_spans(Fact, spans))) if (i, s, c, u) in reported}
    target = _newest_loaded_values(conn, spans, reported)
    back = [{"i": i, "s": s, "c": c, "u": u, "v": v, "b": b} for (i, s, c, u), (b, v) in target.items()
            if current.get((i, s, c, u)) != (b, v)]
    gone = [{"i": i, "s": s, "c": c, "u": u} for (i, s, c, u) in current.keys() - target.keys()]
    key = and_(Fact.period_index == bindparam("i"), Fact.span == bindparam("s"),
               Fact.indicator_code == bindparam("c"), Fact.unit_code == bindparam("u"))
    if back:
        conn.execute(update(Fact).where(key).values(value=bindparam("v"), batch_id=bindparam("b")), back)
    if gone:
        conn.execute(delete(Fact).where(key), gone)
    held = [k for k, (b, _v) in current.items() if b == batch_id and k in target]
    kept = sum(1 for k in held if target[k][1] == current[k][1])
    restored = sum(1 for k in held if target[k][1] != current[k][1])
    return restored, len(gone), kept


def _newest_loaded_values(conn, spans, keys: set) -> dict[tuple, tuple[int, int]]:
    """key -> (batch_id, value) in force for each of `keys` after a replay of the loaded batches: the
    newest value, owned by the first batch of its last run of equal values (as a load leaves it).
    Candidates are the loaded batches that read the same periods (batch_sheets), read by key prefix."""
    specs = {period_of(span).spec for span in spans}
    candidates = [b for (b,) in conn.execute(
        select(BatchSheet.batch_id).distinct().join(Batch, Batch.id == BatchSheet.batch_id)
        .where(Batch.status == "loaded", BatchSheet.period.in_(sorted(specs))))]
    reported: dict[tuple, list[tuple[int, int]]] = {}
    for n in range(0, len(candidates), 200):
        rows = conn.execute(select(BatchValue.batch_id, BatchValue.period_index, BatchValue.span,
                                   BatchValue.unit_code, BatchValue.values_json)
                            .where(BatchValue.batch_id.in_(candidates[n:n + 200]), _in_spans(BatchValue, spans)))
        for b, i, s, u, packed in rows:
            for c, v in json.loads(packed).items():
                if (i, s, c, u) in keys:
                    reported.setdefault((i, s, c, u), []).append((b, v))
    return {key: _in_force(values) for key, values in reported.items()}


def _in_force(reported: list[tuple[int, int]]) -> tuple[int, int]:
    """(owner, value) after loading these (batch_id, value) in order: a value equal to the one in
    force leaves its owner, so the owner is the first batch of the last run of equal values."""
    ordered = sorted(reported)
    owner, value = ordered[-1]
    for b, v in reversed(ordered):
        if v != value:
            break
        owner = b
    return owner, value
