"""The audit trail: every load, undo, login, failed login and user change (who, when, what).

Who: an account name, "cli:<login>" for the server's command line (command_line_actor), or
UNKNOWN_USER for failed logins under a name that is no account: typed names are never stored, so
nobody can fill the log with invented names or pass a typed "cli:root" off as the command line
(account names cannot hold a colon). Every string is cut to its column before it is written.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import Connection, Engine, insert, select

from etl.warehouse.schema import AuditEvent

UNKNOWN_USER = "(unknown)"  # failed logins under names that are no account, grouped
CLI_PREFIX = "cli:"
MAX_NAME, MAX_ACTION, MAX_VALUE, MAX_DETAIL = 100, 50, 300, 4000


def now() -> datetime:
    return datetime.now(timezone.utc)


def command_line_actor(login: str) -> str:
    """'cli:root': who ran a command on the server, for the log."""
    return (CLI_PREFIX + (login or "?"))[:MAX_NAME]


def actor_label(username: str) -> str:
    """How the log shows who acted: 'dòng lệnh (root)', the account name, or a word for unknown names."""
    if username == UNKNOWN_USER:
        return "(tên đăng nhập không có trong hệ thống)"
    if username.startswith(CLI_PREFIX):
        return f"dòng lệnh ({username[len(CLI_PREFIX):]})"
    return username or "—"


def _bounded(value):
    if isinstance(value, str) and len(value) > MAX_VALUE:
        return value[:MAX_VALUE - 1] + "…"
    return value


def _detail_json(detail: dict) -> str:
    text = json.dumps({k: _bounded(v) for k, v in detail.items()}, ensure_ascii=False, default=str)
    if len(text) > MAX_DETAIL:  # many keys or long lists: keep the keys, drop the values
        text = json.dumps({str(k)[:MAX_VALUE]: "…" for k in list(detail)[:10]}, ensure_ascii=False)
    return text


def record(conn: Connection, username: str, action: str, **detail) -> None:
    """Write one event inside the caller's transaction (so a rolled-back load leaves no trace)."""
    conn.execute(insert(AuditEvent).values(at=now(), username=(username or "")[:MAX_NAME],
                                           action=action[:MAX_ACTION], detail=_detail_json(detail)))


def record_now(engine: Engine, username: str, action: str, **detail) -> None:
    with engine.begin() as conn:
        record(conn, username, action, **detail)


def recent_events(engine: Engine, limit: int = 500) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)).mappings()
        return [dict(r) | {"detail": json.loads(r["detail"] or "{}")} for r in rows]
