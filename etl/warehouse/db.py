"""Engines and schema: make_engine() for any URL, ensure_schema() on first use of every command."""
from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError

from etl.config import get_settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_schema_lock = threading.Lock()
_ready: set[str] = set()


def make_engine(url: str | None = None) -> Engine:
    """An engine for `url` (default: the configured warehouse), SQLite tuned for concurrent use."""
    url = url or get_settings().database_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # Let SQLAlchemy issue BEGIN itself so that writers take the lock up front (no deadlocks
    # between two readers upgrading to writers), WAL so readers never wait for a writer.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=60000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin_immediate(conn) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


class WarehouseUnavailable(Exception):
    """The warehouse cannot be opened: its server does not answer, or a newer version of the software
    built it. The text is the Vietnamese message the dashboard and the CLI show (no URL, no password)."""


def schema_is_current(engine: Engine) -> bool:
    scripts = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current is not None:
        try:
            scripts.get_revision(current)
        except CommandError:
            raise WarehouseUnavailable(
                f"Kho dữ liệu do một phiên bản mới hơn của phần mềm tạo ra (cấu trúc {current}); phiên bản "
                "đang chạy không đọc được. Hãy cập nhật phần mềm rồi mở lại; dữ liệu không bị thay đổi.") from None
    return current == scripts.get_current_head()


def ensure_schema(engine: Engine) -> None:
    """Create or upgrade the schema and sync the catalogue files; cheap when nothing changed.
    WarehouseUnavailable when the database does not answer or is newer than this code."""
    try:
        _ensure_schema(engine)
    except OperationalError as exc:   # the driver's reason stays as the cause, for the CLI and the logs
        raise WarehouseUnavailable(
            "Không kết nối được kho dữ liệu. Kiểm tra máy chủ cơ sở dữ liệu và DATABASE_URL, "
            "rồi tải lại trang (hoặc chạy lại lệnh).") from exc


def _ensure_schema(engine: Engine) -> None:
    key = engine.url.render_as_string(hide_password=False)
    with _schema_lock:
        if key in _ready:
            return
        if not schema_is_current(engine):
            cfg = alembic_config(engine)
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":  # serialise concurrent first starts
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(424242)")
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        from etl.catalog.catalogue import sync_catalogues
        sync_catalogues(engine)
        _ready.add(key)


class write_transaction:
    """`with write_transaction(engine) as conn:` one transaction that takes SQLite's write lock
    at BEGIN (BEGIN IMMEDIATE), so concurrent loads queue instead of failing with 'locked'."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def __enter__(self):
        self.conn = self.engine.connect()
        self.conn.info["write"] = True
        self.tx = self.conn.begin()
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.tx.commit()
            else:
                self.tx.rollback()
        finally:
            self.conn.info.pop("write", None)
            self.conn.close()
        return False
