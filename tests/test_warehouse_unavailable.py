"""A warehouse that cannot be opened — built by a newer version of the software, or its server not
answering — is one Vietnamese sentence in the dashboard and the CLI, never a crash, and nothing in it
is changed."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from etl.cli import EXIT_REFUSED, main
from etl.warehouse import db
from etl.warehouse.db import WarehouseUnavailable, ensure_schema, make_engine

ROOT = Path(__file__).resolve().parent.parent
NEWER = "0099_from_a_newer_build"


def stamp_newer(engine) -> None:
    """The warehouse as a newer build leaves it: a revision this code has never heard of."""
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": NEWER})
    db._ready.discard(engine.url.render_as_string(hide_password=False))


def revision(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()


def test_a_newer_builds_warehouse_is_named_and_left_as_it_is(engine):
    count_units = sa.select(sa.func.count()).select_from(sa.table("units"))
    with engine.connect() as conn:
        units = conn.execute(count_units).scalar_one()
    stamp_newer(engine)
    with pytest.raises(WarehouseUnavailable) as raised:
        ensure_schema(engine)
    assert "phiên bản mới hơn" in str(raised.value) and NEWER in str(raised.value)
    assert revision(engine) == NEWER   # no downgrade, no upgrade attempted
    with engine.connect() as conn:
        assert conn.execute(count_units).scalar_one() == units


def test_the_cli_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path}/cli.db"
    engine = make_engine(url)
    ensure_schema(engine)
    stamp_newer(engine)
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["batches"]) == EXIT_REFUSED
    err = capsys.readouterr().err
    assert err.startswith("Kho dữ liệu do một phiên bản mới hơn") and err.count("\n") == 1


def _dashboard(monkeypatch, url: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DVK_DEMO_AUTOLOAD", "false")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    return at


def test_the_dashboard_shows_the_sentence_instead_of_a_crash(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/newer.db"
    engine = make_engine(url)
    ensure_schema(engine)
    stamp_newer(engine)
    at = _dashboard(monkeypatch, url)
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"Kho dữ liệu do một phiên bản mới hơn của phần mềm tạo ra (cấu trúc {NEWER}); phiên bản đang chạy "
        "không đọc được. Hãy cập nhật phần mềm rồi mở lại; dữ liệu không bị thay đổi."]
    assert revision(engine) == NEWER


def test_a_database_server_that_does_not_answer(monkeypatch, capsys):
    with socket.socket() as s:   # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://dvk@127.0.0.1:{port}/dvk?connect_timeout=3"
    at = _dashboard(monkeypatch, url)
    assert not at.exception
    assert [e.value for e in at.error] == ["Không kết nối được kho dữ liệu. Kiểm tra máy chủ cơ sở dữ liệu và "
                                           "DATABASE_URL, rồi tải lại trang (hoặc chạy lại lệnh)."]
    assert main(["batches"]) == EXIT_REFUSED
    err = capsys.readouterr().err
    assert err.startswith("Không kết nối được kho dữ liệu.") and "Traceback" not in err
