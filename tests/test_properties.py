"""Properties of load, undo and periods, on random data:
- however figures are split over units and quarters (and however the cells are typed), load → summary
  gives them back, and undoing every batch empties the warehouse again;
- for any sequence of loads and undos, the warehouse equals a replay of the batches still loaded;
- quarterly figures loaded as any mix of quarterly and cumulative reports give the same figure for
  every period the reports determine, and nothing for the periods they do not."""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from etl.periods import Period, parse_period
from etl.queries.selection import Selection
from etl.queries.summary import summary
from etl.reading.numbers import fmt_int, pad2
from etl.warehouse.db import ensure_schema, make_engine
from etl.warehouse.load import load_file
from etl.warehouse.schema import AuditEvent, Batch, BatchFile, BatchSheet, BatchValue, Fact
from etl.warehouse.undo import undo_batch
from tests.workbooks import consolidated_workbook

UNITS = ["Huyện Yên Định", "Huyện Nông Cống", "TX Bỉm Sơn", "TP Thanh Hóa", "Thọ Xuân", "H. Hà Trung"]
CODES_OF = {"Huyện Yên Định": "394", "Huyện Nông Cống": "404", "TX Bỉm Sơn": "381", "TP Thanh Hóa": "380",
            "Thọ Xuân": "395", "H. Hà Trung": "392"}
CODES = ["documents_issued", "dialogues", "models_registered"]  # no cross-indicator rule between them
QUARTER_TITLES = {1: "QUÝ I NĂM 2024", 2: "Quý II/2024", 3: "QUÝ III NĂM 2024", 4: "QUÝ IV NĂM 2024"}
SPANS = {"Q1": (1, 1), "Q2": (2, 1), "Q3": (3, 1), "Q4": (4, 1), "H1": (1, 2), "9M": (1, 3), "H2": (3, 2),
         "Y": (1, 4)}
TITLES = {**{f"Q{q}": t for q, t in QUARTER_TITLES.items()}, "H1": "6 THÁNG ĐẦU NĂM 2024",
          "9M": "9 THÁNG NĂM 2024", "H2": "6 THÁNG CUỐI NĂM 2024", "Y": "BÁO CÁO NĂM 2024"}
PERIOD_OF = {"Q1": "2024-Q1", "Q2": "2024-Q2", "Q3": "2024-Q3", "Q4": "2024-Q4", "H1": "2024-H1",
             "9M": "2024-9M", "H2": "2024-H2", "Y": "2024"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('prop')}/prop.db")
    ensure_schema(engine)
    yield engine
    engine.dispose()


def empty(engine) -> None:
    """Back to an empty warehouse between examples (the catalogue stays)."""
    with engine.begin() as conn:
        for model in (Fact, BatchValue, BatchSheet, BatchFile, AuditEvent, Batch):
            conn.execute(delete(model))


def typed(value: int, style: int):
    """The same count as people type it: a number, text, '1.234' or '06'."""
    return [value, str(value), fmt_int(value), pad2(value)][style]


def facts(engine) -> dict:
    with engine.connect() as conn:
        return {(u, i, c): (v, b) for u, i, c, v, b in conn.execute(
            select(Fact.unit_code, Fact.period_index, Fact.indicator_code, Fact.value, Fact.batch_id))}


cell = st.tuples(st.integers(0, 3000), st.integers(0, 3))
split = st.dictionaries(st.tuples(st.sampled_from([1, 2]), st.sampled_from(range(len(UNITS))),
                                  st.sampled_from(CODES)), cell, min_size=1, max_size=20)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(split=split)
def test_load_then_summary_preserves_the_sums(warehouse, split):
    empty(warehouse)
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
    both = {u for (q, u, _c) in split if q == 1} & {u for (q, u, _c) in split if q == 2}
    got = summary(warehouse, Selection(parse_period("2024-H1")), "province").iloc[0]
    for code in CODES:   # the half-year: the units that reported both quarters
        cells = [v for (_, u, c), (v, _) in split.items() if c == code and u in both]
        expected = sum(cells) if cells else None
        assert (None if pd.isna(got[code]) else int(got[code])) == expected
    assert got["units_reported"] == len(both)
    for q in (1, 2):
        per_quarter = summary(warehouse, Selection(Period(2024, "Q", q)), "province").iloc[0]
        assert per_quarter["units_reported"] == len({u for (qq, u, _c) in split if qq == q})
        for code in CODES:
            cells = [v for (qq, _u, c), (v, _) in split.items() if c == code and qq == q]
            assert (None if pd.isna(per_quarter[code]) else int(per_quarter[code])) == (sum(cells) if cells else None)
    for batch_id in reversed(batches):
        assert undo_batch(warehouse, batch_id).ok
    with warehouse.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Fact)).scalar_one() == 0


# --- loads and undos in any order -----------------------------------------------------------------

a_file = st.dictionaries(st.tuples(st.sampled_from(UNITS[:3]), st.sampled_from(CODES)), st.integers(0, 3),
                         min_size=1, max_size=6)
steps = st.lists(st.one_of(st.tuples(st.just("load"), a_file), st.tuples(st.just("undo"), st.integers(0, 20))),
                 min_size=1, max_size=12)


def replay(loaded: list[tuple[int, dict]]) -> dict:
    """What loading these batches in order leaves: the newest value, owned by the first batch of its
    last run of equal values (a value equal to the one in force leaves its owner)."""
    out: dict = {}
    for batch_id, values in sorted(loaded, key=lambda x: x[0]):
        for key, value in values.items():
            if key not in out or out[key][0] != value:
                out[key] = (value, batch_id)
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_warehouse_equals_a_replay_of_the_loaded_batches(warehouse, steps):
    empty(warehouse)
    batches: dict[int, dict] = {}   # batch id -> {(unit, q2 index, code): value}, for batches still loaded
    order: list[int] = []
    for n, (kind, arg) in enumerate(steps):
        if kind == "load":
            rows: dict = {}
            for (unit, code), value in arg.items():
                rows.setdefault(unit, {})[code] = value
            r = load_file(warehouse, consolidated_workbook(list(rows.items()), "Quý II/2024"), f"f{n}.xlsx")
            assert r.status in ("loaded", "unchanged"), [p.message for p in r.problems]
            if r.status == "loaded":
                batches[r.batch_id] = {(CODES_OF[u], 2024 * 4 + 1, c): v for (u, c), v in arg.items()}
                order.append(r.batch_id)
        elif order:
            victim = order.pop(arg % len(order))
            assert undo_batch(warehouse, victim).ok
            del batches[victim]
        assert facts(warehouse) == replay(list(batches.items())), steps[:n + 1]


# --- cumulative reports -----------------------------------------------------------------------------

quarterly = st.dictionaries(st.tuples(st.sampled_from(UNITS[:4]), st.sampled_from([1, 2, 3, 4])),
                            st.integers(0, 500), min_size=1, max_size=16)
plans = st.dictionaries(st.sampled_from(UNITS[:4]), st.sets(st.sampled_from(list(SPANS)), min_size=1, max_size=4),
                        min_size=1, max_size=4)


def determined(reported: set[str], span: tuple[int, int]) -> bool:
    """Whether the reported spans fix the span's total: its two boundaries are joined by reports
    (union-find over the boundaries before quarters 1..5)."""
    parent = {b: b for b in range(1, 6)}

    def root(b):
        while parent[b] != b:
            b = parent[b]
        return b
    for kind in reported:
        first, n = SPANS[kind]
        parent[root(first)] = root(first + n)
    first, n = span
    return root(first) == root(first + n)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(truth=quarterly, plan=plans, order=st.randoms(use_true_random=False))
def test_any_mix_of_reports_gives_the_figures_the_reports_determine(warehouse, truth, plan, order):
    empty(warehouse)
    units = list(plan)
    files = sorted({kind for kinds in plan.values() for kind in kinds})
    order.shuffle(files)
    for kind in files:
        first, n = SPANS[kind]
        rows = [(u, {"dialogues": sum(truth.get((u, q), 0) for q in range(first, first + n))})
                for u in units if kind in plan[u]]
        r = load_file(warehouse, consolidated_workbook(rows, TITLES[kind]), f"{kind}.xlsx")
        assert r.status == "loaded", [p.message for p in r.problems]
    for kind, span in SPANS.items():
        df = summary(warehouse, Selection(parse_period(PERIOD_OF[kind])), "unit")
        for u in units:
            row = df[df["code"] == CODES_OF[u]].iloc[0]
            got = None if pd.isna(row["dialogues"]) else int(row["dialogues"])
            if determined(plan[u], span):
                first, n = span
                assert got == sum(truth.get((u, q), 0) for q in range(first, first + n)), (kind, u, plan[u])
                assert row["units_reported"] == 1
            else:
                assert got is None and row["units_reported"] == 0, (kind, u, plan[u])
