"""Demo data: deterministic, loaded through load_file, and reproducing seed 001 for Đồng bằng 2024-H1."""
from __future__ import annotations

import io
import json

import openpyxl
import pytest
from sqlalchemy import func, select

from etl.catalog.catalogue import load_clusters, load_units
from etl.demo import demo
from etl.periods import parse_period, quarter
from etl.queries.selection import Selection
from etl.queries.summary import summary
from etl.warehouse.batches import list_batches
from etl.warehouse.db import ensure_schema, make_engine
from etl.warehouse.schema import Fact, Meta, Unit

SEED_001 = {"documents_issued": 129, "conferences": 50, "conference_participants": 4819, "trainings": 8,
            "training_participants": 905, "review_conferences": 6, "inspections": 14, "inspected_party_orgs": 18,
            "inspected_party_members": 11, "models_registered": 891, "models_recognized": 514}


def test_demo_load(tmp_path):
    """One demo load (the slow part), then every check on it; one test so xdist loads it once."""
    engine = make_engine(f"sqlite:///{tmp_path}/demo.db")
    ensure_schema(engine)
    try:
        result = demo.load_demo(engine)
        check_every_file_loaded_through_the_etl(engine, result)
        check_seed_001_for_dong_bang_first_half_2024(engine)
        check_both_eras_gaps_and_trend(engine)
        check_dong_son_ends_in_2024_and_thanh_hoa_takes_over(engine)
        check_ven_bien_reports_cumulatively_in_2024(engine)
        check_if_empty_leaves_a_loaded_warehouse_alone(engine)
    finally:
        engine.dispose()


def cell_values(data: bytes) -> list[tuple]:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [row for ws in wb.worksheets for row in ws.iter_rows(values_only=True)]


def check_every_file_loaded_through_the_etl(demo_engine, result):
    assert result.ok, result.message
    assert result.rejected == [] and result.loaded == result.files > 60
    batches = list_batches(demo_engine)
    assert len(batches) == result.loaded
    assert all(b.file_name.startswith("DEMO_") and b.uploaded_by == "demo" for b in batches)
    assert {b.layout for b in batches} == {"consolidated", "form"}
    assert any(b.rows_changed > 0 for b in batches)  # one revised file: history to show
    with demo_engine.connect() as conn:
        marker = json.loads(conn.execute(select(Meta.value).where(Meta.key == demo.META_KEY)).scalar_one())
    assert marker["batches"] == result.loaded


def check_seed_001_for_dong_bang_first_half_2024(demo_engine):
    rows = summary(demo_engine, Selection(parse_period("2024-H1")), "cluster")
    dong_bang = rows[rows["code"] == "dong-bang"].iloc[0]
    assert {code: int(dong_bang[code]) for code in SEED_001} == SEED_001
    assert round(float(dong_bang["recognition_rate"]) * 100, 1) == 57.7
    assert (dong_bang["units_reported"], dong_bang["units_expected"]) == (10, 10)
    registered = unit_sums(demo_engine, "models_registered", (quarter(2024, 1), quarter(2024, 2)))
    recognised = unit_sums(demo_engine, "models_recognized", (quarter(2024, 1), quarter(2024, 2)))
    rates = {unit: recognised[unit] / registered[unit] for unit in registered}
    # units differ plausibly, not one rate (±rounding) copied ten times: distinct as shown, spread 40-75%
    assert len(rates) == 10 and len({round(r * 100, 1) for r in rates.values()}) >= 5
    assert max(rates.values()) - min(rates.values()) >= 0.15, rates
    assert all(0.35 <= r <= 0.8 for r in rates.values()), rates
    assert len(set(registered.values())) >= 5  # units of different sizes


def unit_sums(demo_engine, indicator: str, periods) -> dict[str, int]:
    """{unit code: Σ value} over the Đồng bằng cluster's units for these quarters."""
    with demo_engine.connect() as conn:
        rows = conn.execute(select(Fact.unit_code, func.sum(Fact.value)).join(Unit, Unit.code == Fact.unit_code)
                            .where(Unit.cluster_code == "dong-bang", Fact.indicator_code == indicator,
                                   Fact.period_index.in_([i for p in periods for i in p.indexes]))
                            .group_by(Fact.unit_code)).all()
    return {code: int(total) for code, total in rows}


def check_dong_son_ends_in_2024_and_thanh_hoa_takes_over(demo_engine):
    """Đông Sơn (405) is valid to 2024-12-31, merged into Thành phố Thanh Hóa (380) from 2025."""
    before = unit_sums(demo_engine, "conferences", (quarter(2024, 3), quarter(2024, 4)))
    after = unit_sums(demo_engine, "conferences", (quarter(2025, 1), quarter(2025, 2)))
    assert "405" in before and "405" not in after and "380" in after
    share = [sums["380"] / sum(sums.values()) for sums in
             (unit_sums(demo_engine, "models_registered", (quarter(y, q),)) for y, q in ((2024, 4), (2025, 1)))]
    assert share[1] > share[0] * 1.3  # the city now reports Đông Sơn's activity too


def check_both_eras_gaps_and_trend(demo_engine):
    units = load_units(demo_engine)
    totals = {}
    for year in (2021, 2024):
        row = summary(demo_engine, Selection(parse_period(str(year))), "province").iloc[0]
        totals[year] = int(row["conferences"])
    assert totals[2024] > totals[2021]
    reported = [summary(demo_engine, Selection(quarter(y, q)), "province").iloc[0] for y in (2021, 2022, 2023) for q in (1, 2, 3, 4)]
    assert any(r["units_reported"] < r["units_expected"] for r in reported)  # someone missed a quarter
    if any(u.level == "commune" for u in units):
        last = summary(demo_engine, Selection(demo.LAST), "commune")
        assert last["units_reported"].sum() > 0.8 * len(last)
        assert summary(demo_engine, Selection(quarter(2025, 2)), "district")["units_reported"].sum() > 0


def check_if_empty_leaves_a_loaded_warehouse_alone(demo_engine):
    before = len(list_batches(demo_engine))
    result = demo.load_demo(demo_engine, if_empty=True)
    assert result.ok and "đã có" in result.message
    assert len(list_batches(demo_engine)) == before


def test_generation_is_deterministic_and_marked_as_illustrative(sqlite_engine):
    units, clusters = load_units(sqlite_engine), load_clusters(sqlite_engine)
    span = dict(first=quarter(2024, 1), last=quarter(2024, 2))
    a, b = demo.generate(units, clusters, **span), demo.generate(units, clusters, **span)
    assert [f.name for f in a] == [f.name for f in b]
    assert [cell_values(f.data) for f in a] == [cell_values(f.data) for f in b]
    first = cell_values(a[0].data)
    assert any("(Số liệu minh họa)" in str(v) for row in first for v in row)
    assert a[0].name == "DEMO_2024-Q1_mien-nui.xlsx"


@pytest.mark.parametrize("total, weights", [(50, [1, 2, 3]), (7, [0, 1, 1]), (0, [1, 1]), (905, [0.2, 5, 1, 0])])
def test_allocate_splits_a_total_exactly(total, weights):
    parts = demo.allocate(total, weights)
    assert sum(parts) == total
    assert all(p == 0 for p, w in zip(parts, weights) if w == 0)


@pytest.mark.parametrize("total, weights, caps, expected", [
    (514, [3, 1, 1], [100, 300, 300], [100, 207, 207]),  # the capped part's excess goes to the others
    (10, [1, 1, 0], [2, 20, 5], [2, 8, 0]),               # zero weight still gets nothing
    (6, [1, 2, 3], [10, 10, 10], [1, 2, 3]),              # no cap reached: same as allocate()
])
def test_allocate_capped_keeps_the_total_and_the_caps(total, weights, caps, expected):
    assert demo.allocate_capped(total, weights, caps) == expected


def check_ven_bien_reports_cumulatively_in_2024(demo_engine):
    """Quý I, then 6 tháng, 9 tháng and năm: the quarters after the first are found by difference."""
    periods = {b.period for b in list_batches(demo_engine) if "ven-bien" in b.file_name and "2024" in b.period}
    assert periods == {"2024-Q1", "2024-H1", "2024-9M", "2024"}
    rows = {spec: summary(demo_engine, Selection(parse_period(spec)), "cluster").set_index("code").loc["ven-bien"]
            for spec in ("2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2024-H1", "2024-9M", "2024")}
    assert [int(rows[s]["units_derived"]) for s in ("2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4")] == [0, 6, 6, 6]
    assert all(rows[s]["units_reported"] == 6 for s in rows)
    quarters = sum(int(rows[s]["conferences"]) for s in ("2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"))
    assert quarters == int(rows["2024"]["conferences"])
    assert int(rows["2024-Q1"]["conferences"]) + int(rows["2024-Q2"]["conferences"]) == int(rows["2024-H1"]["conferences"])
