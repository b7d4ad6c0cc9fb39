"""Demo data: deterministic, loaded through load_file, and reproducing seed 001 for Đồng bằng 2024-H1."""
from __future__ import annotations

import io
import json
import time

import openpyxl
import pytest
from sqlalchemy import select

from etl import demo
from etl.catalog import load_clusters, load_units
from etl.db import ensure_schema, make_engine
from etl.load import list_batches
from etl.periods import parse_period, quarter
from etl.queries import summary
from etl.schema import Meta

SEED_001 = {"documents_issued": 129, "conferences": 50, "conference_participants": 4819, "trainings": 8,
            "training_participants": 905, "review_conferences": 6, "inspections": 14, "inspected_party_orgs": 18,
            "inspected_party_members": 11, "models_registered": 891, "models_recognized": 514}


def test_demo_load(tmp_path):
    """One demo load (the slow part), then every check on it; one test so xdist loads it once."""
    engine = make_engine(f"sqlite:///{tmp_path}/demo.db")
    ensure_schema(engine)
    try:
        start = time.perf_counter()
        result = demo.load_demo(engine)
        elapsed = time.perf_counter() - start
        check_every_file_loaded_through_the_etl(engine, result, elapsed)
        check_seed_001_for_dong_bang_first_half_2024(engine)
        check_both_eras_gaps_and_trend(engine)
        check_if_empty_leaves_a_loaded_warehouse_alone(engine)
    finally:
        engine.dispose()


def cell_values(data: bytes) -> list[tuple]:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [row for ws in wb.worksheets for row in ws.iter_rows(values_only=True)]


def check_every_file_loaded_through_the_etl(demo_engine, result, elapsed):
    assert result.ok, result.message
    assert result.rejected == [] and result.loaded == result.files > 60
    assert elapsed < 40  # target < 20 s; slack for a busy CI machine
    batches = list_batches(demo_engine)
    assert len(batches) == result.loaded
    assert all(b.file_name.startswith("DEMO_") and b.uploaded_by == "demo" for b in batches)
    assert {b.layout for b in batches} == {"consolidated", "form"}
    assert any(b.rows_changed > 0 for b in batches)  # one revised file: history to show
    with demo_engine.connect() as conn:
        marker = json.loads(conn.execute(select(Meta.value).where(Meta.key == demo.META_KEY)).scalar_one())
    assert marker["batches"] == result.loaded


def check_seed_001_for_dong_bang_first_half_2024(demo_engine):
    rows = summary(demo_engine, parse_period("2024-H1"), "cluster")
    dong_bang = rows[rows["code"] == "dong-bang"].iloc[0]
    assert {code: int(dong_bang[code]) for code in SEED_001} == SEED_001
    assert round(float(dong_bang["recognition_rate"]) * 100, 1) == 57.7
    assert (dong_bang["units_reported"], dong_bang["units_expected"]) == (10, 10)


def check_both_eras_gaps_and_trend(demo_engine):
    units = load_units(demo_engine)
    totals = {}
    for year in (2021, 2024):
        row = summary(demo_engine, parse_period(str(year)), "province").iloc[0]
        totals[year] = int(row["conferences"])
    assert totals[2024] > totals[2021]
    reported = [summary(demo_engine, quarter(y, q), "province").iloc[0] for y in (2021, 2022, 2023) for q in (1, 2, 3, 4)]
    assert any(r["units_reported"] < r["units_expected"] for r in reported)  # someone missed a quarter
    if any(u.level == "commune" for u in units):
        last = summary(demo_engine, demo.LAST, "commune")
        assert last["units_reported"].sum() > 0.8 * len(last)
        assert summary(demo_engine, quarter(2025, 2), "district")["units_reported"].sum() > 0


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
