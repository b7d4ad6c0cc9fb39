"""Migration 0005 (login safety) on a warehouse with accounts and sessions: upgrade keeps them (an old
session still works), downgrade removes exactly what it added, and the result matches the models."""
from __future__ import annotations

import sqlalchemy as sa

from tests.test_migrations import HEAD, empty_engine, migrate, revision  # noqa: F401 - the fixture

MINE = ("users", "login_sessions", "session_handoffs", "login_attempts")


def tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def columns(engine, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns(table)}


def test_upgrade_keeps_accounts_and_sessions_and_downgrade_undoes_it(empty_engine):  # noqa: F811
    from etl.accounts import auth, sessions
    migrate(empty_engine, "upgrade", "0004")
    token = "old-token-from-before-the-upgrade"
    with empty_engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO users (username, password_hash, role, unit_codes, disabled, created_at) "
                             "VALUES ('lan', '', 'viewer', '', false, '2026-11-30 08:00:00')"))
        conn.execute(sa.text("INSERT INTO login_sessions (token_hash, username, created_at, expires_at) "
                             "VALUES (:h, 'lan', '2026-11-30 08:00:00', '2099-01-01 00:00:00')"),
                     {"h": sessions.token_hash(token)})
    migrate(empty_engine, "upgrade", "head")
    assert revision(empty_engine) == HEAD
    assert {"login_attempts", "session_handoffs"} <= tables(empty_engine)
    assert auth.session_account(empty_engine, token).username == "lan"
    assert sessions.open_handoff(empty_engine, token)  # an old login can still move into a cookie
    migrate(empty_engine, "downgrade", "0004")
    assert not {"login_attempts", "session_handoffs"} & tables(empty_engine)
    assert "login_id" not in columns(empty_engine, "login_sessions")
    assert not {"oidc_issuer", "oidc_subject"} & columns(empty_engine, "users")
    migrate(empty_engine, "upgrade", "head")
    assert auth.session_account(empty_engine, token).username == "lan"


def test_migrated_login_tables_match_the_models(empty_engine):  # noqa: F811
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from etl.warehouse.schema import Base
    migrate(empty_engine, "upgrade", "head")
    with empty_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if tables_named(d) & set(MINE)] == []


def tables_named(diff) -> set[str]:
    """The tables an autogenerate diff entry (a tuple, or a list of them) is about."""
    parts = [p for entry in (diff if isinstance(diff, list) else [diff]) for p in entry[1:]]
    names = {p for p in parts if isinstance(p, str)}
    names |= {getattr(getattr(p, "table", p), "name", None) for p in parts if not isinstance(p, str)}
    return names - {None}
