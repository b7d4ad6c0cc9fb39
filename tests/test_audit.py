"""The audit log cannot be filled with invented names or pass a typed name off as the command line;
every user-supplied string is cut to its column before it is written (PostgreSQL would refuse)."""
from __future__ import annotations

import json

from sqlalchemy import select

from etl.accounts import auth
from etl.accounts.audit import UNKNOWN_USER, actor_label, command_line_actor, recent_events, record_now
from etl.warehouse.schema import AuditEvent, LoginAttempt

PASSWORD = "mat-khau-du-dai"


def test_failed_logins_under_invented_names_are_grouped(engine):
    auth.add_user(engine, "lan", "viewer", password=PASSWORD)
    typed = ["cli:root", "admin", "Bobby'); DROP TABLE users;--", "=HYPERLINK(\"x\")", "tên có dấu"] + \
        [f"ten-bia-{n}" for n in range(20)]
    for n, name in enumerate(typed):
        assert not auth.login(engine, name, "doan-bua", address=f"203.0.113.{n + 1}").ok
    auth.login(engine, "lan", "doan-bua", address="203.0.113.200")
    failed = [(e["username"], e["detail"]["address"]) for e in recent_events(engine)
              if e["action"] == "login_failed"]
    assert {name for name, _ in failed} == {UNKNOWN_USER, "lan"}
    assert sum(name == UNKNOWN_USER for name, _ in failed) == len(typed)
    logged = json.dumps(recent_events(engine), default=str, ensure_ascii=False)
    assert not any(name in logged for name in typed if name != "admin")


def test_a_typed_cli_name_never_shows_as_the_command_line(engine):
    auth.login(engine, "cli:root", "doan-bua", address="203.0.113.9")
    [event] = [e for e in recent_events(engine) if e["action"] == "login_failed"]
    assert event["username"] == UNKNOWN_USER
    assert actor_label(event["username"]) == "(tên đăng nhập không có trong hệ thống)"
    assert actor_label(command_line_actor("root")) == "dòng lệnh (root)"  # the real command line still is
    assert not any(actor_label(e["username"]).startswith("dòng lệnh") for e in recent_events(engine))


def test_long_names_addresses_and_details_are_cut_before_insert(engine):
    result = auth.login(engine, "a" * 10_000, "b" * 5_000, address="c" * 10_000)
    assert not result.ok and result.message == "Tên đăng nhập hoặc mật khẩu không đúng."
    record_now(engine, "d" * 1_000, "load", file="e" * 100_000, rows=list(range(10_000)))
    with engine.connect() as conn:
        names = conn.execute(select(AuditEvent.username)).scalars().all()
        details = conn.execute(select(AuditEvent.detail)).scalars().all()
        keys = conn.execute(select(LoginAttempt.username, LoginAttempt.address)).all()
    assert max(len(n) for n in names) == 100
    assert all(len(d) <= 4000 for d in details) and all(json.loads(d) for d in details)
    assert keys == [("a" * 100, "c" * 64)]


def test_an_oversized_password_is_refused_without_hashing(engine):
    auth.add_user(engine, "lan", "viewer", password=PASSWORD)
    assert not auth.login(engine, "lan", PASSWORD + "x" * 2_000_000).ok
