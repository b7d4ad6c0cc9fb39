"""The one table of messages: every message and hint renders every field it names, and a field
left out or blank is a bug (tests run with etl.problems.STRICT_ENV set, see conftest.py)."""
from __future__ import annotations

import pytest

from etl.problems import MESSAGES, problem, template_fields


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_message_renders_every_field(code):
    fields = template_fields(code)
    p = problem(code, **{f: f"‹{f}›" for f in fields})
    text = p.message + " " + p.hint
    assert all(f"‹{f}›" in text for f in fields)
    assert "{" not in text and "}" not in text
    assert p.message.strip() and p.hint.strip()


@pytest.mark.parametrize("code", sorted(c for c in MESSAGES if template_fields(c)))
def test_a_field_left_out_or_blank_is_refused_under_test(code):
    fields = sorted(template_fields(code))
    with pytest.raises(ValueError, match=fields[0]):
        problem(code, **{f: "x" for f in fields[1:]})
    with pytest.raises(ValueError, match=fields[0]):
        problem(code, **{f: ("" if f == fields[0] else "x") for f in fields})


def test_outside_tests_a_missing_field_renders_empty_rather_than_crash(monkeypatch):
    from etl.problems import STRICT_ENV
    monkeypatch.delenv(STRICT_ENV)
    assert problem("not_a_number", text="x").message == "Ô  ghi \"x\", không phải một số."
