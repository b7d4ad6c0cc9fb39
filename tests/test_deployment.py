"""Deployment safety: demo figures go only into the embedded SQLite warehouse or when asked (never into
a configured PostgreSQL warehouse by default), and .streamlit/secrets.toml is ignored by git."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from etl.config import _default_db_url, get_settings
from etl.warehouse.batches import list_batches

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard.py")


@pytest.mark.parametrize("url, choice, wanted", [
    (None, None, True),  # the embedded default: data/warehouse.db
    (None, "0", False),
    ("postgresql+psycopg://dvk@db.internal/dvk", None, False),  # a configured production warehouse
    ("postgresql+psycopg://dvk@db.internal/dvk", "auto", False),
    ("postgresql+psycopg://dvk@db.internal/dvk", "true", True),  # explicitly asked
    ("sqlite:////srv/dvk/warehouse.db", None, False),
    ("sqlite:////srv/dvk/warehouse.db", "1", True),
])
def test_demo_autoload_only_for_the_embedded_default_or_when_asked(monkeypatch, url, choice, wanted):
    for name, value in (("DATABASE_URL", url), ("DVK_DEMO_AUTOLOAD", choice)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    settings = get_settings()
    assert (settings.database_url == _default_db_url()) is (url is None)
    assert settings.wants_demo() is wanted


def test_an_empty_configured_postgresql_warehouse_gets_no_demo(pg_engine, monkeypatch, capsys):
    from etl.cli import main
    monkeypatch.setenv("DATABASE_URL", pg_engine.url.render_as_string(hide_password=False))
    monkeypatch.delenv("DVK_DEMO_AUTOLOAD", raising=False)
    assert main(["demo", "--if-empty", "--if-autoload"]) == 0  # what scripts/run does
    assert "DVK_DEMO_AUTOLOAD=true" in capsys.readouterr().out
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(APP, default_timeout=60).run()  # the dashboard's first start
    assert not at.exception, [e.message for e in at.exception]
    assert list_batches(pg_engine) == []


def test_secrets_toml_is_ignored_by_git():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(["git", "check-ignore", "-q", ".streamlit/secrets.toml"], cwd=ROOT)
    assert ignored.returncode == 0
