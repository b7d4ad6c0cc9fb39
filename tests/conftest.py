"""Shared pytest fixtures: warehouse engines on SQLite and on PostgreSQL.

PostgreSQL comes from ``TEST_DATABASE_URL`` (``scripts/test`` starts a throwaway
server and sets it).  Every test that uses a PostgreSQL engine gets its own,
freshly created database, so tests are isolated under pytest-xdist too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.engines import postgres_engine as _postgres_engine
from tests.engines import sqlite_engine as _sqlite_engine

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_url() -> str:
    """URL of the PostgreSQL server to test against (an admin database on it)."""
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        if os.environ.get("CI"):
            pytest.fail(
                "TEST_DATABASE_URL is not set but CI is: PostgreSQL tests must run in CI. "
                "Run the suite with scripts/test (or bash .ci/run).",
                pytrace=False,
            )
        pytest.skip("PostgreSQL not available: run scripts/test")
    return url


@pytest.fixture(scope="session")
def _pg_admin(pg_url: str) -> Iterator[Engine]:
    """AUTOCOMMIT engine on the admin database, used to create/drop test databases."""
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # pragma: no cover - environment problem
        admin.dispose()
        pytest.fail(f"cannot connect to TEST_DATABASE_URL ({pg_url}): {exc}", pytrace=False)
    yield admin
    admin.dispose()


@pytest.fixture(params=BACKENDS, ids=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """Migrated warehouse engine; every test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield from _sqlite_engine(tmp_path)
    else:
        yield from _postgres_engine(request.getfixturevalue("_pg_admin"))


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:
    """Migrated warehouse engine on a SQLite file in tmp_path."""
    yield from _sqlite_engine(tmp_path)


@pytest.fixture
def pg_engine(_pg_admin: Engine) -> Iterator[Engine]:
    """Migrated warehouse engine on a fresh PostgreSQL database."""
    yield from _postgres_engine(_pg_admin)


@pytest.fixture(autouse=True)
def _strict_problem_messages(monkeypatch):
    """Every Problem built during a test must fill every field its message and hint use: a blank
    "{cell}" would render as "ô ," (etl.problems.STRICT_ENV; subprocesses inherit it)."""
    from etl.problems import STRICT_ENV
    monkeypatch.setenv(STRICT_ENV, "1")
