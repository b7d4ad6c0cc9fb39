"""Login throttling per (typed name, client address), decided before the password is checked: parallel
guesses queue, a guesser never locks the account out for other addresses, a lock expires, a global
ceiling slows everyone but never refuses a clean address, `users unlock`; the client address."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from etl.accounts import auth, passwords, throttle
from etl.accounts.audit import recent_events
from etl.accounts.client_address import client_address, is_https
from etl.warehouse.schema import LoginAttempt

PASSWORD = "mat-khau-du-dai"
ATTACKER, ADMIN_DESK, OTHER = "203.0.113.66", "198.51.100.7", "192.0.2.44"


def checked(engine) -> int:
    """How many attempts got as far as the password check (each writes login or login_failed)."""
    return sum(e["action"] in ("login", "login_failed") for e in recent_events(engine))


@pytest.fixture
def fast_passwords(monkeypatch):
    """Password checks without argon2's deliberate slowness, for long sequences; counts the checks."""
    calls = []

    def verify(stored, password):
        calls.append(password)
        return bool(stored) and passwords._hasher.verify(stored, password) if password == PASSWORD else False
    monkeypatch.setattr(passwords, "verify", verify)
    return calls


def test_parallel_guesses_are_recorded_before_the_password_check(engine):
    auth.add_user(engine, "quantri", "admin", password=PASSWORD)
    moment = auth.now()
    results = []

    def guess(n):
        results.append(auth.login(engine, "quantri", f"doan-sai-{n:04d}", address=ATTACKER, moment=moment))
    threads = [threading.Thread(target=guess, args=(n,)) for n in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 24 and not any(r.ok for r in results)
    assert checked(engine) == throttle.FREE_ATTEMPTS  # one at a time; the other 21 were refused unseen
    assert sum(r.wait_seconds > 0 and "thử lại sau" in r.message for r in results) >= 24 - throttle.FREE_ATTEMPTS
    throttled = [e for e in recent_events(engine) if e["action"] == "login_throttled"]
    assert len(throttled) == 1  # one audit event per lock, not one per refused guess
    assert auth.login(engine, "quantri", PASSWORD, address=ADMIN_DESK, moment=moment).ok


def test_parallel_right_passwords_are_checked_one_by_one_and_all_get_in(engine):
    auth.add_user(engine, "lan", "uploader", password=PASSWORD)
    moment = auth.now()
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        auth.login(engine, "lan", PASSWORD, address=OTHER, moment=moment))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.ok for r in results] == [True] * 4 and len({r.token for r in results}) == 4


def test_a_slow_guesser_never_locks_the_admin_out(engine, fast_passwords):
    """One wrong guess every five minutes for a day: the admin's own address logs in at any time."""
    auth.add_user(engine, "quantri", "admin", password=PASSWORD)
    start = auth.now()
    for n in range(288):
        moment = start + timedelta(minutes=5 * n)
        auth.login(engine, "quantri", "doan-sai", address=ATTACKER, moment=moment)
        if n % 48 == 47:  # every four hours, right after a guess
            assert auth.login(engine, "quantri", PASSWORD, address=ADMIN_DESK,
                              moment=moment + timedelta(seconds=1)).ok
    locked = auth.login(engine, "quantri", PASSWORD, address=ATTACKER, moment=moment + timedelta(seconds=1))
    assert not locked.ok and locked.wait_seconds == throttle.MAX_DELAY_SECONDS - 1
    after = moment + timedelta(seconds=throttle.MAX_DELAY_SECONDS + 1)  # the lock has expired
    assert auth.login(engine, "quantri", PASSWORD, address=ATTACKER, moment=after).ok


def test_after_a_lock_expires_the_right_password_works_and_resets(engine):
    auth.add_user(engine, "lan", "viewer", password=PASSWORD)
    start = auth.now()
    for n in range(5):  # ten seconds apart: each one is checked
        result = auth.login(engine, "lan", "sai-mat-khau", address=OTHER, moment=start + timedelta(seconds=10 * n))
        assert result.message == "Tên đăng nhập hoặc mật khẩu không đúng."
    locked = auth.login(engine, "lan", PASSWORD, address=OTHER, moment=start + timedelta(seconds=41))
    assert not locked.ok and locked.wait_seconds == 3  # 4 s after the fifth failure
    assert auth.login(engine, "lan", PASSWORD, address=OTHER, moment=start + timedelta(seconds=45)).ok
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(LoginAttempt)).scalar() == 0
    assert not auth.login(engine, "lan", "sai", address=OTHER, moment=start + timedelta(seconds=46)).ok
    assert auth.login(engine, "lan", PASSWORD, address=OTHER, moment=start + timedelta(seconds=46)).ok


def test_the_global_ceiling_slows_everyone_but_never_refuses_a_clean_address(engine, monkeypatch):
    monkeypatch.setattr(throttle, "GLOBAL_CEILING", 4)
    auth.add_user(engine, "lan", "viewer", password=PASSWORD)
    auth.add_user(engine, "minh", "viewer", password=PASSWORD)
    start = auth.now()
    for n in range(4):  # a spread-out attack: four addresses, four invented names, once each
        auth.login(engine, f"ten-bia-{n}", "doan", address=f"203.0.113.{n + 1}", moment=start)
    pauses = []
    clean = auth.login(engine, "lan", PASSWORD, address=ADMIN_DESK, moment=start + timedelta(seconds=1),
                       pause=pauses.append)
    assert clean.ok and pauses == [throttle.ATTACK_PAUSE_SECONDS]
    dirty = auth.login(engine, "minh", PASSWORD, address="203.0.113.1", moment=start + timedelta(seconds=1),
                       pause=pauses.append)
    assert not dirty.ok and dirty.wait_seconds > 0  # an address with failures waits while under attack
    calm = start + timedelta(minutes=2)  # the minute has passed: no ceiling, one failure is free
    assert auth.login(engine, "minh", PASSWORD, address="203.0.113.1", moment=calm, pause=pauses.append).ok
    assert pauses == [throttle.ATTACK_PAUSE_SECONDS]


def test_users_unlock_lets_the_name_in_at_once(engine, monkeypatch, capsys):
    from etl.cli import main
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    auth.add_user(engine, "quantri", "admin", password=PASSWORD)
    moment = auth.now()
    for _ in range(6):
        auth.login(engine, "quantri", "doan-sai", address=ATTACKER, moment=moment)
    assert not auth.login(engine, "quantri", PASSWORD, address=ATTACKER, moment=moment).ok
    assert main(["users", "unlock", "QuanTri"]) == 0
    assert "Đã mở khóa đăng nhập của quantri (xóa 3 lần đăng nhập sai)." in capsys.readouterr().out
    assert auth.login(engine, "quantri", PASSWORD, address=ATTACKER, moment=moment).ok
    event = next(e for e in recent_events(engine) if e["action"] == "user_unlock")
    assert event["username"].startswith("cli:") and event["detail"] == {"user": "quantri", "attempts": 3}
    assert main(["users", "unlock", "ai-do"]) == 1
    assert "Không có tài khoản" in capsys.readouterr().err


@pytest.mark.parametrize("peer, forwarded, trusted, expected", [
    ("203.0.113.9", None, "", "203.0.113.9"),
    ("203.0.113.9", "1.2.3.4", "", "203.0.113.9"),  # anyone can write X-Forwarded-For
    ("203.0.113.9", "1.2.3.4", "10.0.0.5", "203.0.113.9"),  # ... unless they are the trusted proxy
    ("10.0.0.5", "198.51.100.7, 10.0.0.5", "10.0.0.5", "198.51.100.7"),  # the left-most entry
    ("10.0.0.9", "198.51.100.7", "10.0.0.0/24, 192.168.1.1", "198.51.100.7"),
    (None, "198.51.100.7", "127.0.0.1", "198.51.100.7"),  # Streamlit reports a loopback peer as None
    (None, None, "127.0.0.1", "127.0.0.1"),
    ("10.0.0.5", "không-phải-địa-chỉ", "10.0.0.5", "10.0.0.5"),
    ("10.0.0.5", "[2001:db8::1]:443", "10.0.0.5", "2001:db8::1"),
    ("10.0.0.5", "198.51.100.7:5123", "10.0.0.5", "198.51.100.7"),
    ("::ffff:203.0.113.9", None, "", "203.0.113.9"),
    ("x" * 500, None, "", "unknown"),
])
def test_client_address(peer, forwarded, trusted, expected):
    assert client_address(peer, forwarded, trusted) == expected


@pytest.mark.parametrize("scheme, peer, proto, trusted, expected", [
    ("https", "203.0.113.9", None, "", True), ("http", "203.0.113.9", "https", "", False),
    ("http", "10.0.0.5", "https", "10.0.0.5", True), ("http", "10.0.0.5", "http", "10.0.0.5", False),
])
def test_https_seen_directly_or_through_a_trusted_proxy(scheme, peer, proto, trusted, expected):
    assert is_https(scheme, peer, proto, trusted) is expected


def test_the_page_passes_the_trusted_proxys_client_address(monkeypatch):
    from types import SimpleNamespace

    import ui.auth
    fake = SimpleNamespace(context=SimpleNamespace(ip_address="10.0.0.5",
                                                   headers={"X-Forwarded-For": "198.51.100.7"}))
    monkeypatch.setattr(ui.auth, "st", fake)
    monkeypatch.setenv("DVK_TRUSTED_PROXIES", "10.0.0.5")
    assert ui.auth.request_address() == "198.51.100.7"
    monkeypatch.delenv("DVK_TRUSTED_PROXIES")
    assert ui.auth.request_address() == "10.0.0.5"
