"""Aliases learned while uploading: a header a user mapped to an indicator, kept in the warehouse.

    upload page / `load --map "Số lượt dự=conference_participants"`
        -> parse (how='given') -> committed load -> learn() in the load's transaction
        -> learned(engine) for the next parse (how='learned'): no question asked again
data/indicators.csv stays the shipped base; these come on top and admins list and remove them
(Quản trị page, `python -m etl aliases`). Every change is audited (etl.accounts.audit).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, insert, select, update

from etl.accounts import audit
from etl.text import clean, fold
from etl.warehouse.schema import LearnedAlias


class AliasError(Exception):
    """A learned-alias change refused (Vietnamese message)."""


@dataclass(frozen=True)
class AliasInfo:
    id: int
    header: str
    indicator_code: str
    created_by: str
    created_at: datetime
    batch_id: int | None


def learned(engine_or_conn) -> dict[str, str]:
    """{folded header: indicator code} of every learned alias, for the parser."""
    stmt = select(LearnedAlias.header_key, LearnedAlias.indicator_code)
    if isinstance(engine_or_conn, Engine):
        with engine_or_conn.connect() as conn:
            return dict(conn.execute(stmt).all())
    return dict(engine_or_conn.execute(stmt).all())


def learn(conn: Connection, parsed, user: str, batch_id: int | None = None) -> int:
    """Keep every mapping the user gave for this load (how='given', to an indicator) as a learned
    alias, inside the load's transaction; returns how many were new or changed."""
    changed = 0
    for m in getattr(parsed, "mapped_columns", []):
        if m.how == "given" and m.indicator:
            changed += _upsert(conn, m.header, m.indicator, user, batch_id)
    return changed


def _upsert(conn: Connection, header: str, code: str, user: str, batch_id: int | None,
            action: str = "alias_learn") -> int:
    key = fold(header)
    if not key:
        return 0
    old = conn.execute(select(LearnedAlias.id, LearnedAlias.indicator_code)
                       .where(LearnedAlias.header_key == key)).first()
    if old is not None and old.indicator_code == code:
        return 0
    values = dict(header=clean(header), indicator_code=code, created_by=user or "", created_at=audit.now(),
                  batch_id=batch_id)
    if old is None:
        conn.execute(insert(LearnedAlias).values(header_key=key, **values))
    else:
        conn.execute(update(LearnedAlias).where(LearnedAlias.id == old.id).values(**values))
    audit.record(conn, user, action, header=clean(header), indicator=code, batch_id=batch_id,
                 previous=old.indicator_code if old is not None else None)
    return 1


def list_aliases(engine: Engine) -> list[AliasInfo]:
    """Every learned alias, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(LearnedAlias).order_by(LearnedAlias.created_at.desc(), LearnedAlias.id.desc()))
        return [AliasInfo(r.id, r.header, r.indicator_code, r.created_by, r.created_at, r.batch_id)
                for r in rows]


def add_alias(engine: Engine, header: str, code: str, user: str, known_codes: set[str]) -> str:
    """Learn an alias by hand (an admin); returns a Vietnamese confirmation."""
    if not fold(header):
        raise AliasError("tên cột trống")
    if code not in known_codes:
        raise AliasError(f"không có chỉ tiêu mã \"{code}\"; các mã: {', '.join(sorted(known_codes))}")
    with engine.begin() as conn:
        _upsert(conn, header, code, user, None, "alias_add")
    return f"Đã ghi nhớ: cột \"{clean(header)}\" là chỉ tiêu {code}."


def remove_alias(engine: Engine, header_or_id: str, user: str) -> str:
    """Forget a learned alias, by its number or its header; returns a Vietnamese confirmation."""
    text = str(header_or_id).strip()
    where = (LearnedAlias.id == int(text)) if text.isdigit() else (LearnedAlias.header_key == fold(text))
    with engine.begin() as conn:
        row = conn.execute(select(LearnedAlias.id, LearnedAlias.header, LearnedAlias.indicator_code)
                           .where(where)).first()
        if row is None:
            raise AliasError(f"không có tên gọi đã học nào là \"{text}\"")
        conn.execute(delete(LearnedAlias).where(LearnedAlias.id == row.id))
        audit.record(conn, user, "alias_remove", header=row.header, indicator=row.indicator_code)
    return f"Đã xóa tên gọi đã học: cột \"{row.header}\" (chỉ tiêu {row.indicator_code})."
