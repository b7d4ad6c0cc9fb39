"""Warehouse engines for tests: a migrated SQLite file or a fresh PostgreSQL database.

Plain generator functions (not fixtures) so that module-scoped fixtures can build their own.
"""
from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import Engine


def _build_engine(url: str) -> Engine:
    """Engine with the full schema (migrations + catalogues), as the app builds it."""
    from etl.warehouse.db import ensure_schema, make_engine  # imported lazily: collection must not need it

    engine = make_engine(url)
    try:
        ensure_schema(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _fresh_pg_url(admin: Engine) -> tuple[str, str]:
    """Create a uniquely named empty database; return (name, url)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"t_{worker}_{uuid.uuid4().hex}"[:63].lower()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    return name, url


def _drop_pg_db(admin: Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def sqlite_engine(tmp_path) -> Iterator[Engine]:
    engine = _build_engine(f"sqlite:///{tmp_path}/warehouse.db")
    try:
        yield engine
    finally:
        engine.dispose()


def postgres_engine(admin: Engine) -> Iterator[Engine]:
    name, url = _fresh_pg_url(admin)
    try:
        engine = _build_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
    finally:
        _drop_pg_db(admin, name)


def warehouse_checksum(engine) -> str:
    """SHA-256 over every row of every table, in primary-key order."""
    from etl.warehouse.schema import Base  # lazily, like the engines: collection must not need etl
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            digest.update(table.name.encode())
            order = list(table.primary_key.columns) or list(table.columns)
            for row in conn.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()
