"""Login sessions: random tokens stored only as SHA-256 hashes, and the one-time codes that move a
login into a cookie the server sets.

A login opens one session (the browser tab's token, kept on the server in the tab's state). The
tab then hands a one-time code (valid HANDOFF_SECONDS) to the server's cookie route, which
exchanges it for a second token of the same login and sets it as an HttpOnly cookie: the
cookie's token never passes through page scripts. Both tokens share a login_id, so a logout
ends the login everywhere.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, delete, insert, select

from etl.warehouse.db import write_transaction
from etl.warehouse.schema import LoginSession, SessionHandoff, User

HANDOFF_SECONDS = 60
MAX_TOKEN = 200  # token_urlsafe(32) is 43 characters; anything much longer is not ours


def now() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes for DateTime(timezone=True) columns; they are UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment and moment.tzinfo is None else moment


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class CookieGrant:
    """What the cookie route sets: the new token and when it expires."""
    token: str
    expires_at: datetime


def open_session(conn, name: str, moment: datetime, hours: int, login_id: str = "") -> str:
    """A new session token for `name` (inside the caller's transaction); a new login unless
    `login_id` joins an existing one."""
    token = secrets.token_urlsafe(32)
    conn.execute(delete(LoginSession).where(LoginSession.expires_at < moment))
    conn.execute(insert(LoginSession).values(
        token_hash=token_hash(token), username=name, created_at=moment,
        expires_at=moment + timedelta(hours=hours), login_id=login_id or secrets.token_hex(16)))
    return token


def session_user(engine: Engine, token: str, *, moment: datetime | None = None):
    """The users row (and expires_at) behind a live session token, or None."""
    if not token or len(token) > MAX_TOKEN:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(User.__table__, LoginSession.expires_at).join(
            LoginSession, LoginSession.username == User.username).where(
            LoginSession.token_hash == token_hash(token))).first()
    if row is None or aware(row.expires_at) <= (moment or now()):
        return None
    return row


def end_login(conn, token: str) -> str | None:
    """Delete every token of the login `token` belongs to (inside the caller's transaction);
    the account name, or None when the token was unknown."""
    if not token or len(token) > MAX_TOKEN:
        return None
    row = conn.execute(select(LoginSession.username, LoginSession.login_id).where(
        LoginSession.token_hash == token_hash(token))).first()
    if row is None:
        return None
    conn.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash(token)))
    if row.login_id:
        conn.execute(delete(LoginSession).where(LoginSession.login_id == row.login_id))
        conn.execute(delete(SessionHandoff).where(SessionHandoff.login_id == row.login_id))
    return row.username


def open_handoff(engine: Engine, token: str, *, moment: datetime | None = None) -> str:
    """A one-time code the cookie route exchanges for a cookie token of the same login ('' when
    the token is not a live session)."""
    moment = moment or now()
    if not token or len(token) > MAX_TOKEN:
        return ""
    code = secrets.token_urlsafe(32)
    with write_transaction(engine) as conn:
        row = conn.execute(select(LoginSession).where(LoginSession.token_hash == token_hash(token))).first()
        if row is None or aware(row.expires_at) <= moment:
            return ""
        conn.execute(delete(SessionHandoff).where(SessionHandoff.expires_at < moment))
        conn.execute(insert(SessionHandoff).values(
            code_hash=token_hash(code), login_id=row.login_id, username=row.username,
            expires_at=moment + timedelta(seconds=HANDOFF_SECONDS), session_expires_at=row.expires_at))
    return code


def redeem_handoff(engine: Engine, code: str, *, moment: datetime | None = None) -> CookieGrant | None:
    """Exchange a one-time code (once, within its minute) for a new token of the same login."""
    moment = moment or now()
    if not code or len(code) > MAX_TOKEN:
        return None
    with write_transaction(engine) as conn:
        row = conn.execute(select(SessionHandoff).where(SessionHandoff.code_hash == token_hash(code))).first()
        if row is None:
            return None
        conn.execute(delete(SessionHandoff).where(SessionHandoff.code_hash == row.code_hash))
        expires = aware(row.session_expires_at)
        live = conn.execute(select(LoginSession.token_hash).where(
            LoginSession.login_id == row.login_id, LoginSession.expires_at > moment)).first()
        if aware(row.expires_at) <= moment or expires <= moment or live is None:
            return None  # too late, or the login ended meanwhile
        token = secrets.token_urlsafe(32)
        conn.execute(insert(LoginSession).values(
            token_hash=token_hash(token), username=row.username, created_at=moment,
            expires_at=expires, login_id=row.login_id))
    return CookieGrant(token, expires)
