"""Undo: take a loaded batch back out of the warehouse, exactly.

The batch's facts are deleted and the values it replaced (kept in fact_history) are put back, in
one serialised write transaction with an audit event. Undo is refused while a later, still-loaded
batch has replaced values this one wrote: undoing it first keeps history a clean stack. (A later
file that repeated a value unchanged did not write it, so undoing the batch that did removes it.)
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, and_, delete, insert, select, update

from etl import audit
from etl.batches import BatchInfo, batch_by_id, batch_columns, batch_info, fmt_time, serialised_write
from etl.periods import parse_period, quarter_index
from etl.schema import Batch, Fact, FactHistory


@dataclass
class UndoResult:
    ok: bool
    message: str
    restored: int = 0
    removed: int = 0


def undo_batch(engine: Engine, batch_id: int, user: str = "") -> UndoResult:
    """Take a batch back out: its facts go, the values it replaced return (exactly)."""
    return serialised_write(engine, lambda conn: _undo(conn, batch_id, user))


def _undo(conn, batch_id: int, user: str) -> UndoResult:
    batch = batch_by_id(conn, batch_id)
    refusal = _refusal(conn, batch_id, batch)
    if refusal is not None:
        return refusal
    restored, removed = _restore_replaced(conn, batch)
    conn.execute(update(Batch).where(Batch.id == batch_id)
                 .values(status="undone", undone_at=audit.now(), undone_by=user or ""))
    audit.record(conn, user, "undo", batch_id=batch_id, file=batch.file_name, period=batch.period,
                 restored=restored, removed=removed)
    return UndoResult(True, f"Đã hoàn tác lô #{batch_id} ({batch.file_name}): xóa {removed} giá trị "
                            f"mới, khôi phục {restored} giá trị cũ.", restored, removed)


def _refusal(conn, batch_id: int, batch: BatchInfo | None) -> UndoResult | None:
    """Why this batch cannot be undone (a Vietnamese message), or None when it can."""
    if batch is None:
        return UndoResult(False, f"Không có lô số liệu #{batch_id}.")
    if batch.status == "undone":
        return UndoResult(False, f"Lô #{batch_id} đã được hoàn tác lúc {fmt_time(batch.undone_at)}"
                                 f"{' bởi ' + batch.undone_by if batch.undone_by else ''}; "
                                 "không cần hoàn tác lại.")
    blocker = _later_batch_over(conn, batch_id)
    if blocker is not None:
        return UndoResult(False, f"Không thể hoàn tác lô #{batch_id}: {blocker.describe()} đã sửa "
                                 f"một số giá trị do lô này ghi. Hãy hoàn tác lô #{blocker.id} "
                                 f"({blocker.file_name}) trước.")
    return None


def _restore_replaced(conn, batch: BatchInfo) -> tuple[int, int]:
    """Delete the batch's facts and put back the values it replaced: (restored, removed)."""
    replaced = conn.execute(select(FactHistory).where(FactHistory.replaced_by_batch_id == batch.id)
                            ).mappings().all()
    period = parse_period(batch.period)  # a batch's facts all lie in its quarter: use the period index
    deleted = conn.execute(delete(Fact).where(Fact.period_index == quarter_index(period.year, period.quarter),
                                              Fact.batch_id == batch.id)).rowcount
    if replaced:
        conn.execute(insert(Fact), [
            {"unit_code": h["unit_code"], "year": h["year"], "quarter": h["quarter"],
             "indicator_code": h["indicator_code"], "period_index": quarter_index(h["year"], h["quarter"]),
             "value": h["value"], "batch_id": h["batch_id"]} for h in replaced])
        conn.execute(delete(FactHistory).where(FactHistory.replaced_by_batch_id == batch.id))
    return len(replaced), max(deleted - len(replaced), 0)


def _later_batch_over(conn, batch_id: int) -> BatchInfo | None:
    """The newest still-loaded batch that replaced a value this batch wrote, if any."""
    row = conn.execute(
        select(*batch_columns())
        .join(FactHistory, and_(FactHistory.replaced_by_batch_id == Batch.id,
                                FactHistory.batch_id == batch_id))
        .where(Batch.status == "loaded").order_by(Batch.id.desc()).limit(1)).mappings().first()
    return batch_info(row) if row else None
