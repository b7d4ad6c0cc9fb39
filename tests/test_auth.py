"""Accounts, password hashes, sessions, failed-login slowdown, role checks and the users CLI."""
from __future__ import annotations

import hashlib
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from etl.accounts import auth, throttle
from etl.accounts.audit import UNKNOWN_USER, recent_events
from etl.cli import main
from etl.warehouse.schema import LoginSession, User

PASSWORD = "mat-khau-du-dai"


def actions(engine) -> list[str]:
    return [e["action"] for e in reversed(recent_events(engine))]


def test_password_hashes_are_salted_argon2id(engine):
    auth.add_user(engine, "lan", "viewer", password=PASSWORD)
    auth.add_user(engine, "minh", "viewer", password=PASSWORD)
    with engine.connect() as conn:
        hashes = conn.execute(select(User.password_hash).order_by(User.username)).scalars().all()
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert hashes[0] != hashes[1]  # same password, different salt
    assert PASSWORD not in "".join(hashes)


@pytest.mark.parametrize("name, role, units, password, message", [
    ("lan", "boss", (), PASSWORD, "Vai trò \"boss\" không hợp lệ"),
    ("lan", "viewer", ("380",), PASSWORD, "Chỉ tài khoản nạp số liệu"),
    ("lan", "uploader", ("380", "999"), PASSWORD, "Không có đơn vị mã 999"),
    ("lan", "viewer", (), "ngan", "ít nhất 12 ký tự"),
    ("lan", "viewer", (), "12345678", "ít nhất 12 ký tự"),
    ("lan", "viewer", (), "mat-khau-1c", "ít nhất 12 ký tự"),  # 11 characters
    ("lan", "viewer", (), "qwerty123456", "mật khẩu phổ biến"),
    ("lan", "viewer", (), "Password1234", "mật khẩu phổ biến"),  # compared lowercased
    ("nguyenthilan", "viewer", (), "NguyenThiLan", "trùng với tên đăng nhập"),
    ("lan", "viewer", (), "x" * 1025, "dài quá 1024"),
    ("lan hoa", "viewer", (), PASSWORD, "Tên đăng nhập chỉ gồm"),
    ("", "viewer", (), PASSWORD, "Tên đăng nhập chỉ gồm"),
])
def test_add_user_refuses_bad_input(sqlite_engine, name, role, units, password, message):
    with pytest.raises(auth.AuthError, match=message):
        auth.add_user(sqlite_engine, name, role, units=units, password=password)
    assert auth.list_accounts(sqlite_engine) == []


def test_add_user_twice_is_refused_and_names_are_case_insensitive(sqlite_engine):
    auth.add_user(sqlite_engine, "Lan", "uploader", units=["380", "402"], password=PASSWORD, by="admin")
    with pytest.raises(auth.AuthError, match="đã tồn tại"):
        auth.add_user(sqlite_engine, "LAN", "viewer", password=PASSWORD)
    [account] = auth.list_accounts(sqlite_engine)
    assert (account.username, account.role, account.units, account.disabled) == \
        ("lan", "uploader", ("380", "402"), False)
    assert auth.login(sqlite_engine, "LAN ", PASSWORD).ok


def test_login_opens_a_hashed_session_that_expires(engine):
    auth.add_user(engine, "lan", "uploader", password=PASSWORD)
    result = auth.login(engine, "lan", PASSWORD, hours=2)
    assert result.ok and result.account.username == "lan" and len(result.token) >= 40
    with engine.connect() as conn:
        stored = conn.execute(select(LoginSession.token_hash, LoginSession.username)).all()
    assert stored == [(hashlib.sha256(result.token.encode()).hexdigest(), "lan")]
    assert auth.session_account(engine, result.token).username == "lan"
    later = auth.now() + timedelta(hours=2, minutes=1)
    assert auth.session_account(engine, result.token, moment=later) is None
    assert auth.session_account(engine, result.token + "x") is None
    assert auth.session_account(engine, "") is None


def test_logout_ends_the_session(engine):
    auth.add_user(engine, "lan", "viewer", password=PASSWORD)
    token = auth.login(engine, "lan", PASSWORD).token
    auth.logout(engine, token)
    auth.logout(engine, token)  # twice is harmless
    assert auth.session_account(engine, token) is None
    assert actions(engine) == ["user_add", "login", "logout"]


def test_wrong_password_unknown_user_and_disabled_account_fail_alike(engine):
    auth.add_user(engine, "lan", "viewer", password=PASSWORD)
    token = auth.login(engine, "lan", PASSWORD).token
    auth.disable_user(engine, "lan", by="admin")
    assert auth.session_account(engine, token) is None  # disabling ends open sessions
    results = [auth.login(engine, "lan", "sai-mat-khau"), auth.login(engine, "ai-do", PASSWORD),
               auth.login(engine, "lan", PASSWORD)]
    assert [r.ok for r in results] == [False, False, False]
    assert {r.message for r in results} == {"Tên đăng nhập hoặc mật khẩu không đúng."}
    events = [(e["username"], e["action"], e["detail"].get("reason")) for e in reversed(recent_events(engine))]
    assert events[-3:] == [("lan", "login_failed", "password"), (UNKNOWN_USER, "login_failed", "password"),
                           ("lan", "login_failed", "disabled")]


def test_passwd_changes_the_password_and_ends_sessions(engine):
    auth.add_user(engine, "lan", "viewer", password=PASSWORD)
    token = auth.login(engine, "lan", PASSWORD).token
    auth.set_password(engine, "lan", "mat-khau-moi-123", by="admin")
    assert auth.session_account(engine, token) is None
    assert not auth.login(engine, "lan", PASSWORD).ok
    assert auth.login(engine, "lan", "mat-khau-moi-123").ok
    with pytest.raises(auth.AuthError, match="Không có tài khoản"):
        auth.set_password(engine, "ai-do", "mat-khau-moi-123")


@pytest.mark.parametrize("failures, wait", [(0, 0), (2, 0), (3, 1), (4, 2), (5, 4), (8, 32), (30, 300)])
def test_failure_wait_grows_exponentially_and_is_capped(failures, wait):
    assert throttle.failure_wait(failures) == wait


def test_repeated_failed_logins_are_slowed_per_username(sqlite_engine):
    auth.add_user(sqlite_engine, "lan", "viewer", password=PASSWORD)
    auth.add_user(sqlite_engine, "minh", "viewer", password=PASSWORD)
    for _ in range(4):
        auth.login(sqlite_engine, "lan", "sai")
    throttled = auth.login(sqlite_engine, "lan", PASSWORD)  # right password, but too soon
    assert not throttled.ok and throttled.wait_seconds in (1, 2)
    assert "thử lại sau" in throttled.message
    assert auth.login(sqlite_engine, "minh", PASSWORD).ok  # other usernames are not slowed
    after_wait = auth.now() + timedelta(seconds=3)
    assert auth.login(sqlite_engine, "lan", PASSWORD, moment=after_wait).ok
    # a successful login resets the count: one new failure is not slowed
    auth.login(sqlite_engine, "lan", "sai")
    assert auth.login(sqlite_engine, "lan", PASSWORD).ok
    assert "login_throttled" in actions(sqlite_engine)


def test_roles_decide_what_a_user_may_do():
    viewer, uploader, admin = (auth.Account("a", r) for r in auth.ROLES)
    disabled = auth.Account("d", "admin", disabled=True)
    table = {None: (True, False, False), viewer: (True, False, False), uploader: (True, True, False),
             admin: (True, True, True), disabled: (False, False, False)}
    for account, expected in table.items():
        assert tuple(auth.allowed(account, need, view_requires_login=False)
                     for need in ("view", "upload", "admin")) == expected, account
    assert not auth.allowed(None, "view", view_requires_login=True)
    assert auth.allowed(viewer, "view", view_requires_login=True)


def test_allowed_units_of_scoped_uploaders(engine):
    scoped = auth.add_user(engine, "lan", "uploader", units=["380"], password=PASSWORD)
    province = auth.add_user(engine, "minh", "uploader", password=PASSWORD)
    admin = auth.add_user(engine, "an", "admin", password=PASSWORD)
    assert auth.allowed_units(engine, scoped) >= {"380"}
    assert "402" not in auth.allowed_units(engine, scoped)
    assert auth.allowed_units(engine, province) is None
    assert auth.allowed_units(engine, admin) is None


def test_update_user_changes_role_and_units_and_is_audited(engine):
    auth.add_user(engine, "lan", "uploader", units=["380"], password=PASSWORD)
    changed = auth.update_user(engine, "lan", units=["402", "403"], by="admin")
    assert changed.units == ("402", "403")
    promoted = auth.update_user(engine, "lan", role="admin", by="admin")
    assert (promoted.role, promoted.units) == ("admin", ())  # scope dropped with the role
    assert actions(engine) == ["user_add", "user_change", "user_change"]
    detail = recent_events(engine)[0]["detail"]
    assert (detail["user"], detail["role"]) == ("lan", "admin")


# --- CLI ---------------------------------------------------------------------------------------

@pytest.fixture
def cli(sqlite_engine, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))

    def run(*argv, stdin=""):
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["users", *argv])
        out = capsys.readouterr()
        return code, out.out, out.err
    return run


def test_cli_add_list_disable_passwd(cli, sqlite_engine):
    assert cli("add", "lan", "--role", "uploader", "--units", "380,402", "--password-stdin",
               stdin=PASSWORD + "\n")[0] == 0
    code, out, _ = cli("list", "--json")
    assert code == 0
    assert [(u["username"], u["role"], u["units"], u["disabled"]) for u in json.loads(out)] == \
        [("lan", "uploader", ["380", "402"], False)]
    assert cli("passwd", "lan", "--password-stdin", stdin="mat-khau-moi-123\n")[0] == 0
    assert auth.login(sqlite_engine, "lan", "mat-khau-moi-123").ok
    code, out, _ = cli("disable", "lan")
    assert code == 0 and "Đã khóa" in out
    assert "đã khóa" in cli("list")[1]
    assert [e["username"] for e in recent_events(sqlite_engine) if e["action"].startswith("user_")][0] \
        .startswith("cli")


@pytest.mark.parametrize("argv, stdin, code, message", [
    (("add", "lan", "--role", "viewer", "--password-stdin"), "ngan\n", 1, "ít nhất 12 ký tự"),
    (("add", "lan", "--role", "viewer", "--password-stdin"), "1q2w3e4r5t6y\n", 1, "phổ biến"),
    (("add", "lan", "--role", "uploader", "--units", "999", "--password-stdin"), PASSWORD, 1, "999"),
    (("disable", "ai-do"), "", 1, "Không có tài khoản"),
    (("add", "lan", "--role", "viewer"), "", 2, "--password-stdin"),  # no terminal to ask on
])
def test_cli_refusals(cli, argv, stdin, code, message):
    result = cli(*argv, stdin=stdin)
    assert result[0] == code
    assert message in result[2]


def test_cli_role_must_be_known(cli):
    with pytest.raises(SystemExit) as exc:
        cli("add", "lan", "--role", "boss", "--password-stdin", stdin=PASSWORD)
    assert exc.value.code == 2
