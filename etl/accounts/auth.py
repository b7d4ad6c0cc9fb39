"""Accounts, roles and logins (no Streamlit here: ui/auth.py and the CLI both call this).

Roles: viewer < uploader < admin. An uploader may be scoped to units (empty = whole province).
Passwords: etl.accounts.passwords (policy, argon2id). Sessions: etl.accounts.sessions (hashed tokens, the cookie
handoff). Failed logins are throttled per (typed name, client address) by etl.accounts.throttle, decided
before the password is checked. Every login, failed login and user change goes to the audit log;
a failed login under a name that is no account is logged under audit.UNKNOWN_USER, not as typed.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Engine, delete, insert, select, update

from etl.accounts import passwords, sessions, throttle
from etl.accounts.audit import UNKNOWN_USER, record
from etl.accounts.passwords import hash_password
from etl.accounts.throttle import failure_wait
from etl.config import get_settings
from etl.queries.selection import PROVINCE_NAME
from etl.warehouse.db import write_transaction
from etl.warehouse.schema import LoginSession, Unit, User

ROLES = ("viewer", "uploader", "admin")
ROLE_LABELS = {"viewer": "Xem", "uploader": "Nạp số liệu", "admin": "Quản trị"}
NEEDS = {"view": 0, "upload": 1, "admin": 2}  # what a page needs -> minimum role rank
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")  # never a colon: "cli:" is the CLI's
MAX_ADDRESS = 64
BUSY_WAIT = 30  # seconds an attempt waits for another of the same name and address to be checked


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


_aware = sessions.aware


def allowed(account: Account | None, need: str, *, view_requires_login: bool | None = None) -> bool:
    """Whether `account` (None = anonymous) may do `need`; viewing is open unless settings say no."""
    if need == "view" and account is None:
        if view_requires_login is None:
            view_requires_login = get_settings().view_requires_login
        return not view_requires_login
    return account is not None and account.can(need)


# --- passwords and accounts ------------------------------------------------------------------

def check_password_strength(password: str, username: str = "") -> None:
    """Refuse (AuthError) a password the policy does not accept."""
    problem = passwords.password_problem(password, username)
    if problem:
        raise AuthError(problem)


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
        check_password_strength(password, name)
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
    name = normalise_username(username)
    check_password_strength(password, name)
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


def scope_label(account: Account, names: dict[str, str], codes: bool = False) -> str:
    """What an account may load, for a sentence: 'toàn tỉnh', or an uploader's units by name
    ('Huyện Yên Định (393), …' with codes)."""
    if not account.units or account.role != "uploader":
        return PROVINCE_NAME.lower()
    return ", ".join(f"{names[c]} ({c})" if codes and c in names else names.get(c, c) for c in account.units)


# --- logins and sessions -----------------------------------------------------------------------

def unlock_user(engine: Engine, username: str, *, by: str = "") -> int:
    """Forget the failed logins under an account's name (from every address); how many."""
    name = normalise_username(username)
    with write_transaction(engine) as conn:
        _require(conn, name)
        count = throttle.unlock(conn, name)
        record(conn, by, "user_unlock", user=name, attempts=count)
    return count


def login(engine: Engine, username: str, password: str, *, address: str = "", hours: int | None = None,
          moment: datetime | None = None, pause: Callable[[float], None] = time.sleep) -> LoginResult:
    """Check a password from `address` (the client's); on success open a session and return its
    token. The attempt is recorded before the password is checked (etl.accounts.throttle)."""
    typed = normalise_username(username)
    name, address = typed[:throttle.MAX_KEY], (address or "unknown")[:MAX_ADDRESS]
    moment = moment or now()
    row, gate = _admit(engine, typed, name, address, moment)
    who = row.username if row is not None else UNKNOWN_USER
    if not gate.allowed:
        return LoginResult(False, wait_seconds=gate.wait_seconds, message=(
            f"Đăng nhập sai nhiều lần. Vui lòng thử lại sau {gate.wait_seconds} giây."))
    if gate.pause_seconds:
        pause(gate.pause_seconds)  # many failures everywhere: every login is slowed
    matches = passwords.verify(row.password_hash if row is not None else "", password)  # slow, unlocked
    with write_transaction(engine) as conn:
        if not matches or row.disabled:
            throttle.failed(conn, gate.attempt_id)
            record(conn, who, "login_failed", reason="disabled" if matches else "password", address=address)
            return LoginResult(False, message="Tên đăng nhập hoặc mật khẩu không đúng.",
                               wait_seconds=failure_wait(gate.failures + 1))
        throttle.forget(conn, name, address)
        if passwords.needs_rehash(row.password_hash):
            conn.execute(update(User).where(User.id == row.id).values(password_hash=hash_password(password)))
        token = sessions.open_session(conn, row.username, moment, _hours(hours))
        record(conn, row.username, "login", address=address)
    return LoginResult(True, account=_account(row), token=token)


def _admit(engine: Engine, typed: str, name: str, address: str, moment: datetime):
    """(users row or None, throttle.Admission), waiting while another attempt of the same name and
    address is being checked (at most BUSY_WAIT seconds)."""
    deadline = time.monotonic() + BUSY_WAIT
    delay = 0.05
    while True:
        with write_transaction(engine) as conn:
            row = conn.execute(select(User).where(User.username == typed)).first() \
                if _USERNAME.match(typed) else None
            gate = throttle.admit(conn, name, address, moment)
            if not gate.allowed and not gate.busy and gate.note_refusal:
                record(conn, row.username if row is not None else UNKNOWN_USER, "login_throttled",
                       wait_seconds=gate.wait_seconds, address=address)
        if not gate.busy:
            return row, gate
        if time.monotonic() > deadline:
            return row, throttle.Admission(False, wait_seconds=1)
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def _hours(hours: int | None) -> int:
    return hours if hours is not None else get_settings().session_hours


def session_account(engine: Engine, token: str, *, moment: datetime | None = None) -> Account | None:
    """The account behind a session token, or None when unknown, expired or disabled."""
    row = sessions.session_user(engine, token, moment=moment)
    if row is None or row.disabled:
        return None
    return _account(row)


def logout(engine: Engine, token: str) -> None:
    """End the login `token` belongs to, in this tab and in the cookie (idempotent), and record it."""
    if not token:
        return
    with write_transaction(engine) as conn:
        name = sessions.end_login(conn, token)
        if name:
            record(conn, name, "logout")
