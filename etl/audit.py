"""The audit trail: every load, undo, login, failed login and user change (who, when, what)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import Connection, Engine, insert, select

from etl.schema import AuditEvent


def now() -> datetime:
    return datetime.now(timezone.utc)


def record(conn: Connection, username: str, action: str, **detail) -> None:
    """Write one event inside the caller's transaction (so a rolled-back load leaves no trace)."""
    conn.execute(insert(AuditEvent).values(at=now(), username=username or "", action=action,
                                           detail=json.dumps(detail, ensure_ascii=False, default=str)))


def record_now(engine: Engine, username: str, action: str, **detail) -> None:
    with engine.begin() as conn:
        record(conn, username, action, **detail)


def recent_events(engine: Engine, limit: int = 500) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)).mappings()
        return [dict(r) | {"detail": json.loads(r["detail"] or "{}")} for r in rows]
