"""Settings are declared once (etl/config.py, with help); the README documents every one of them."""
from pathlib import Path

from etl.config import describe_settings, get_settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_documents_every_setting():
    missing = [env for env, _default, _help in describe_settings() if f"`{env}`" not in README]
    assert missing == []


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DVK_UPLOAD_MAX_MB", "5")
    monkeypatch.setenv("DVK_VIEW_REQUIRES_LOGIN", "yes")
    s = get_settings()
    assert (s.upload_max_mb, s.view_requires_login) == (5, True)
    assert get_settings(upload_max_mb=7).upload_max_mb == 7
