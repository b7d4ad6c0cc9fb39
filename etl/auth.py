"""Accounts, roles and login sessions (no Streamlit here: ui_auth.py and the CLI both call this).

Roles: viewer < uploader < admin. An uploader may be scoped to units (empty = whole province).
Passwords are argon2id hashes; session tokens are random and stored only as SHA-256 hashes.
Repeated failed logins for one username are slowed: after FREE_ATTEMPTS failures, the next
attempt is refused (without checking the password) until an exponentially growing wait has passed.
Every login, failed login and user change goes to the audit log.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, func, insert, select, update

from etl.audit import record
from etl.config import get_settings
from etl.db import write_transaction
from etl.schema import AuditEvent, LoginSession, Unit, User

ROLES = ("viewer", "uploader", "admin")
ROLE_LABELS = {"viewer": "Xem", "uploader": "Nạp số liệu", "admin": "Quản trị"}
NEEDS = {"view": 0, "upload": 1, "admin": 2}  # what a page needs -> minimum role rank
MIN_PASSWORD = 8
FREE_ATTEMPTS = 3
MAX_DELAY_SECONDS = 300
FAILURE_MEMORY = timedelta(hours=24)
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("không-có-tài-khoản-này")  # equal work for unknown usernames


class AuthError(Exception):
    """A refused account operation; str(exc) is a Vietnamese message for the user."""


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    units: tuple[str, ...] = ()
    disabled: bool = False
    created_at: datetime | None = None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def can(self, need: str) -> bool:
        """Whether this account may do `need` ('view', 'upload' or 'admin')."""
        return not self.disabled and ROLES.index(self.role) >= NEEDS[need]


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    account: Account | None = None
    token: str = ""
    message: str = ""
    wait_seconds: int = 0


def now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes for DateTime(timezone=True) columns; they are UTC.
    return moment.replace(tzinfo=timezone.utc) if moment and moment.tzinfo is None else moment


def allowed(account: Account | None, need: str, *, view_requires_login: bool | None = None) -> bool:
    """Whether `account` (None = anonymous) may do `need`; viewing is open unless settings say no."""
    if need == "view" and account is None:
        if view_requires_login is None:
            view_requires_login = get_settings().view_requires_login
        return not view_requires_login
    return account is not None and account.can(need)


# --- passwords and accounts ------------------------------------------------------------------

def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AuthError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")


def normalise_username(name: str) -> str:
    return (name or "").strip().lower()


def _account(row) -> Account:
    units = tuple(c for c in (row.unit_codes or "").split(",") if c)
    return Account(row.username, row.role, units, bool(row.disabled), _aware(row.created_at))


def get_account(engine: Engine, username: str) -> Account | None:
    with engine.connect() as conn:
        row = conn.execute(select(User).where(User.username == normalise_username(username))).first()
    return _account(row) if row else None


def list_accounts(engine: Engine) -> list[Account]:
    with engine.connect() as conn:
        return [_account(r) for r in conn.execute(select(User).order_by(User.username))]


def _check_role_and_units(conn, role: str, units) -> str:
    if role not in ROLES:
        raise AuthError(f"Vai trò \"{role}\" không hợp lệ; chọn một trong: {', '.join(ROLES)}.")
    codes = [c.strip() for c in (units or ()) if c and c.strip()]
    if codes and role != "uploader":
        raise AuthError("Chỉ tài khoản nạp số liệu (uploader) mới giới hạn theo đơn vị.")
    known = set(conn.execute(select(Unit.code).where(Unit.code.in_(codes))).scalars()) if codes else set()
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise AuthError(f"Không có đơn vị mã {', '.join(unknown)} trong danh mục.")
    return ",".join(dict.fromkeys(codes))


def add_user(engine: Engine, username: str, role: str, *, units=(), password: str | None = None,
             by: str = "") -> Account:
    """Create an account; password None = no local password (OIDC deployments)."""
    name = normalise_username(username)
    if not _USERNAME.match(name):
        raise AuthError("Tên đăng nhập chỉ gồm chữ không dấu, số và . _ @ - (tối đa 100 ký tự).")
    if password is not None:
        check_password_strength(password)
    password_hash = hash_password(password) if password else ""
    with write_transaction(engine) as conn:
        unit_codes = _check_role_and_units(conn, role, units)
        if conn.execute(select(User.id).where(User.username == name)).first():
            raise AuthError(f"Tài khoản \"{name}\" đã tồn tại.")
        conn.execute(insert(User).values(username=name, role=role, unit_codes=unit_codes,
                                         password_hash=password_hash,
                                         disabled=False, created_at=now()))
        record(conn, by, "user_add", user=name, role=role, units=unit_codes)
    return get_account(engine, name)


def _require(conn, name: str):
    row = conn.execute(select(User).where(User.username == name)).first()
    if row is None:
        raise AuthError(f"Không có tài khoản \"{name}\".")
    return row


def set_password(engine: Engine, username: str, password: str, *, by: str = "") -> None:
    """Change a password; the account's open sessions end."""
    check_password_strength(password)
    name = normalise_username(username)
    password_hash = hash_password(password)
    with write_transaction(engine) as conn:
        _require(conn, name)
        conn.execute(update(User).where(User.username == name).values(password_hash=password_hash))
        conn.execute(delete(LoginSession).where(LoginSession.username == name))
        record(conn, by, "user_passwd", user=name)


def update_user(engine: Engine, username: str, *, role: str | None = None, units=None,
                disabled: bool | None = None, by: str = "") -> Account:
    """Change role, units or the disabled flag; disabling ends the account's sessions."""
    name = normalise_username(username)
    with write_transaction(engine) as conn:
        row = _require(conn, name)
        new_role = role or row.role
        codes = units if units is not None else [c for c in row.unit_codes.split(",") if c]
        if new_role != "uploader" and units is None:
            codes = []  # a role change away from uploader drops the unit scope
        values = {"role": new_role, "unit_codes": _check_role_and_units(conn, new_role, codes)}
        if disabled is not None:
            values["disabled"] = disabled
        conn.execute(update(User).where(User.username == name).values(**values))
        if values.get("disabled"):
            conn.execute(delete(LoginSession).where(LoginSession.username == name))
        action = "user_disable" if disabled else "user_change"
        record(conn, by, action, user=name, **{k: v for k, v in values.items()})
    return get_account(engine, name)


def disable_user(engine: Engine, username: str, *, by: str = "") -> Account:
    return update_user(engine, username, disabled=True, by=by)


def allowed_units(engine: Engine, account: Account | None) -> set[str] | None:
    """Unit codes an account may load (listed units and their descendants); None = all."""
    if account is None or not account.units or account.role == "admin":
        return None
    with engine.connect() as conn:
        rows = conn.execute(select(Unit.code, Unit.parent_code)).all()
    scope = set(account.units)
    grown = True
    while grown:  # add children of units in scope until nothing new appears
        before = len(scope)
        scope |= {code for code, parent in rows if parent in scope}
        grown = len(scope) > before
    return scope


# --- logins and sessions -----------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def failure_wait(failures: int) -> int:
    """Seconds to wait after `failures` consecutive failed logins (0, then 1, 2, 4 … capped)."""
    if failures < FREE_ATTEMPTS:
        return 0
    return min(2 ** (failures - FREE_ATTEMPTS), MAX_DELAY_SECONDS)


def _recent_failures(conn, name: str, moment: datetime) -> tuple[int, datetime | None]:
    """Failed logins since the last successful one (within FAILURE_MEMORY), and the latest."""
    since = conn.execute(select(func.max(AuditEvent.at)).where(
        AuditEvent.username == name, AuditEvent.action == "login")).scalar()
    since = max(filter(None, [_aware(since), moment - FAILURE_MEMORY]))
    count, last = conn.execute(select(func.count(), func.max(AuditEvent.at)).where(
        AuditEvent.username == name, AuditEvent.action == "login_failed", AuditEvent.at > since)).one()
    return count, _aware(last)


def login(engine: Engine, username: str, password: str, *, hours: int | None = None,
          moment: datetime | None = None) -> LoginResult:
    """Check a password; on success open a session and return its token (shown once)."""
    name = normalise_username(username)[:100]
    moment = moment or now()
    with engine.connect() as conn:
        failures, last = _recent_failures(conn, name, moment)
        row = conn.execute(select(User).where(User.username == name)).first()
    wait = failure_wait(failures)
    if last and wait and moment < last + timedelta(seconds=wait):
        left = max(1, int((last + timedelta(seconds=wait) - moment).total_seconds() + 0.999))
        with write_transaction(engine) as conn:
            record(conn, name, "login_throttled", wait_seconds=left)
        return LoginResult(False, message=f"Đăng nhập sai nhiều lần. Vui lòng thử lại sau {left} giây.",
                           wait_seconds=left)
    matches = _password_matches(row, password)  # slow on purpose: outside the write lock
    with write_transaction(engine) as conn:
        if not matches or row.disabled:
            record(conn, name, "login_failed", reason="disabled" if matches else "password")
            return LoginResult(False, message="Tên đăng nhập hoặc mật khẩu không đúng.",
                               wait_seconds=failure_wait(failures + 1))
        if _hasher.check_needs_rehash(row.password_hash):
            conn.execute(update(User).where(User.id == row.id).values(password_hash=hash_password(password)))
        token = _open_session(conn, name, moment, hours)
        record(conn, name, "login")
    return LoginResult(True, account=_account(row), token=token)


def _password_matches(row, password: str) -> bool:
    try:
        return _hasher.verify(row.password_hash if row is not None and row.password_hash else _DUMMY_HASH,
                              password or "") and row is not None and bool(row.password_hash)
    except (VerificationError, InvalidHashError):
        return False


def _open_session(conn, name: str, moment: datetime, hours: int | None) -> str:
    token = secrets.token_urlsafe(32)
    hours = hours if hours is not None else get_settings().session_hours
    conn.execute(delete(LoginSession).where(LoginSession.expires_at < moment))
    conn.execute(insert(LoginSession).values(token_hash=_token_hash(token), username=name,
                                             created_at=moment, expires_at=moment + timedelta(hours=hours)))
    return token


def session_account(engine: Engine, token: str, *, moment: datetime | None = None) -> Account | None:
    """The account behind a session token, or None when unknown, expired or disabled."""
    if not token:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(User.__table__, LoginSession.expires_at).join(
            LoginSession, LoginSession.username == User.username).where(
            LoginSession.token_hash == _token_hash(token))).first()
    if row is None or _aware(row.expires_at) <= (moment or now()) or row.disabled:
        return None
    return _account(row)


def logout(engine: Engine, token: str) -> None:
    """End a session (idempotent) and record it."""
    if not token:
        return
    with write_transaction(engine) as conn:
        name = conn.execute(select(LoginSession.username).where(
            LoginSession.token_hash == _token_hash(token))).scalar()
        conn.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
        if name:
            record(conn, name, "logout")
