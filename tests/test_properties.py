"""Property: however a total is split over units and quarters (and however the cells are typed),
load → summary gives the total back, and undoing every batch empties the warehouse again."""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from etl.db import ensure_schema, make_engine
from etl.load import load_file, undo_batch
from etl.numbers import fmt_int, pad2
from etl.periods import Period, parse_period
from etl.queries import summary
from etl.schema import Fact, FactHistory
from tests.workbooks import consolidated_workbook

UNITS = ["Huyện Yên Định", "Huyện Nông Cống", "TX Bỉm Sơn", "TP Thanh Hóa", "Thọ Xuân", "H. Hà Trung"]
CODES = ["documents_issued", "dialogues", "models_registered"]  # no cross-indicator rule between them
QUARTER_TITLES = {1: "QUÝ I NĂM 2024", 2: "Quý II/2024"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('prop')}/prop.db")
    ensure_schema(engine)
    yield engine
    engine.dispose()


def typed(value: int, style: int):
    """The same count as people type it: a number, text, '1.234' or '06'."""
    return [value, str(value), fmt_int(value), pad2(value)][style]


cell = st.tuples(st.integers(0, 3000), st.integers(0, 3))
split = st.dictionaries(st.tuples(st.sampled_from([1, 2]), st.sampled_from(range(len(UNITS))),
                                  st.sampled_from(CODES)), cell, min_size=1, max_size=20)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(split=split)
def test_load_then_summary_preserves_the_sums(warehouse, split):
    batches = []
    for q in (1, 2):
        rows = {}
        for (qq, unit, code), (value, style) in split.items():
            if qq == q:
                rows.setdefault(UNITS[unit], {})[code] = typed(value, style)
        if rows:
            r = load_file(warehouse, consolidated_workbook(list(rows.items()), QUARTER_TITLES[q]), f"q{q}.xlsx")
            assert r.status == "loaded", [p.message for p in r.problems]
            batches.append(r.batch_id)
    got = summary(warehouse, parse_period("2024-H1"), "province").iloc[0]
    for code in CODES:
        cells = [v for (_, _, c), (v, _) in split.items() if c == code]
        expected = sum(cells) if cells else None
        assert (None if pd.isna(got[code]) else int(got[code])) == expected
    for q in (1, 2):
        per_quarter = summary(warehouse, Period(2024, "Q", q), "province").iloc[0]
        units = {u for (qq, u, _c) in split if qq == q}
        assert per_quarter["units_reported"] == len(units)
    for batch_id in reversed(batches):
        assert undo_batch(warehouse, batch_id).ok
    with warehouse.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Fact)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(FactHistory)).scalar_one() == 0
