"""Login throttling per (typed user name, client address), decided before the password is checked.

Every attempt is written (as a failure, in advance) in the same serialised transaction that
decides whether it may be checked at all. While one attempt of a (name, address) is being checked
the next one waits for its outcome (`busy`), so parallel attempts are checked one by one: parallel
right passwords all get in, parallel guesses stop after FREE_ATTEMPTS; then the next attempt waits
1, 2, 4 … seconds (at most MAX_DELAY_SECONDS) after the latest failure, and is refused unseen.
A success deletes its key's attempts; `python -m etl users unlock NAME` deletes a name's.

A guesser slows only its own (name, address): the right password from another address is
checked at once. Under a spread-out attack (GLOBAL_CEILING failures a minute, every name and
address together) every login is paused ATTACK_PAUSE_SECONDS, and an address with failures waits
as if it had used up its free attempts; an address without failures is never refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update

from etl.accounts.sessions import aware
from etl.warehouse.schema import LoginAttempt

FREE_ATTEMPTS = 3
MAX_DELAY_SECONDS = 300
FAILURE_MEMORY = timedelta(hours=24)
GLOBAL_WINDOW = timedelta(minutes=1)
GLOBAL_CEILING = 30
ATTACK_PAUSE_SECONDS = 2.0
PENDING = timedelta(seconds=30)  # an attempt still unchecked after this (a crash) is a failure
PG_LOGIN_LOCK = 7304222  # advisory lock key: attempts are decided one at a time on PostgreSQL
MAX_KEY = 100


@dataclass(frozen=True)
class Admission:
    """The decision on one attempt: checked (maybe after a pause), refused for wait_seconds, or
    busy (another attempt of the same name and address is being checked: ask again shortly)."""
    allowed: bool
    attempt_id: int | None = None
    busy: bool = False
    wait_seconds: int = 0
    pause_seconds: float = 0.0
    failures: int = 0  # earlier failures of this (name, address)
    note_refusal: bool = False  # the first refusal since the latest failure: worth an audit event


def failure_wait(failures: int) -> int:
    """Seconds to wait after `failures` consecutive failed logins (0, then 1, 2, 4 … capped)."""
    if failures < FREE_ATTEMPTS:
        return 0
    return min(2 ** (failures - FREE_ATTEMPTS), MAX_DELAY_SECONDS)


def _failures(conn, since: datetime, *where) -> tuple[int, datetime | None]:
    count, last = conn.execute(select(func.count(), func.max(LoginAttempt.at)).where(
        LoginAttempt.at > since, *where)).one()
    return count, aware(last)


def admit(conn, name: str, address: str, moment: datetime) -> Admission:
    """Decide on an attempt inside the caller's write transaction and, when it may be checked,
    record it as a failure until a success clears it."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOGIN_LOCK})")
    name, address = name[:MAX_KEY], address[:MAX_KEY]
    conn.execute(delete(LoginAttempt).where(LoginAttempt.at < moment - FAILURE_MEMORY))
    if _failures(conn, moment - PENDING, LoginAttempt.username == name, LoginAttempt.address == address,
                 LoginAttempt.checked.is_(False))[0]:
        return Admission(False, busy=True)
    since = moment - FAILURE_MEMORY
    failures, last = _failures(conn, since, LoginAttempt.username == name, LoginAttempt.address == address)
    wait = failure_wait(failures)
    under_attack = _failures(conn, moment - GLOBAL_WINDOW)[0] >= GLOBAL_CEILING
    scope = [LoginAttempt.username == name, LoginAttempt.address == address]
    if under_attack:
        at_address, last_at_address = _failures(conn, since, LoginAttempt.address == address)
        if at_address:
            wait = max(wait, failure_wait(at_address + FREE_ATTEMPTS))
            last = max(filter(None, [last, last_at_address]))
            scope = [LoginAttempt.address == address]
    if last and wait and moment < last + timedelta(seconds=wait):
        left = max(1, int((last + timedelta(seconds=wait) - moment).total_seconds() + 0.999))
        return Admission(False, wait_seconds=left, failures=failures, note_refusal=_note(conn, scope))
    attempt = conn.execute(insert(LoginAttempt).values(at=moment, username=name, address=address,
                                                       checked=False, refusal_noted=False))
    return Admission(True, attempt_id=attempt.inserted_primary_key[0], failures=failures,
                     pause_seconds=ATTACK_PAUSE_SECONDS if under_attack else 0.0)


def _note(conn, scope: list) -> bool:
    """Mark the latest failure in scope as refused-upon; True the first time (one audit event per
    lock, not one per refused attempt)."""
    latest = conn.execute(select(LoginAttempt.id, LoginAttempt.refusal_noted).where(*scope)
                          .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc()).limit(1)).first()
    if latest is None or latest.refusal_noted:
        return False
    conn.execute(update(LoginAttempt).where(LoginAttempt.id == latest.id).values(refusal_noted=True))
    return True


def failed(conn, attempt_id: int) -> None:
    """The password was wrong: the attempt stays, as a checked failure."""
    conn.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(checked=True))


def forget(conn, name: str, address: str) -> None:
    """A success: the (name, address) starts afresh."""
    conn.execute(delete(LoginAttempt).where(LoginAttempt.username == name[:MAX_KEY],
                                            LoginAttempt.address == address[:MAX_KEY]))


def unlock(conn, name: str) -> int:
    """Forget every failed attempt under `name`, from any address; how many there were."""
    return conn.execute(delete(LoginAttempt).where(LoginAttempt.username == name[:MAX_KEY])).rowcount
