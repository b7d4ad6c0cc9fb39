"""Series across the 2025 reorganisation: 27 districts → 26 (Đông Sơn merged) → 166 communes.

One warehouse per database is loaded through etl.warehouse.load.load_file with one biểu tổng hợp per quarter,
2024-Q1 … 2026-Q3, each listing the units that existed then (a few stay silent), and the queries
must give cluster and province series without a gap whose totals are the sums of those rows.
"""
from __future__ import annotations

import io
from collections import Counter

import pytest
from openpyxl import load_workbook

from etl.catalog.catalogue import load_units
from etl.catalog.template import template_bytes, template_units
from etl.periods import REORGANISATION_DATE, ROMAN, Period, periods_between, quarter
from etl.queries.reporting import completeness
from etl.queries.selection import Selection
from etl.queries.summary import summary
from etl.queries.trend import trend
from etl.warehouse.load import load_file
from tests.engines import postgres_engine as _postgres_engine
from tests.engines import sqlite_engine as _sqlite_engine
from tests.workbooks import consolidated_workbook

FIRST, LAST = quarter(2024, 1), quarter(2026, 3)
QUARTERS = periods_between(FIRST, LAST)
SILENT = {"2024-Q2": {"384"}, "2025-Q1": {"391"}, "2025-Q4": {"14797", "15469", "16654"}}
EXPECTED_UNITS = {"2024-Q1": 27, "2024-Q2": 27, "2024-Q3": 27, "2024-Q4": 27, "2025-Q1": 26,
                  "2025-Q2": 26, "2025-Q3": 166, "2025-Q4": 166, "2026-Q1": 166, "2026-Q2": 166,
                  "2026-Q3": 166}
INDICATORS = ("conferences", "conference_participants", "models_registered", "models_recognized")


def values_for(code: str, p: Period) -> dict[str, int]:
    """Deterministic, plausible figures of one unit in one quarter."""
    n, i = int(code), p.indexes[0]
    conferences = 1 + (n + 3 * i) % 7
    registered = 2 + (n * 7 + i) % 9
    return {"conferences": conferences, "conference_participants": conferences * (40 + n % 30),
            "models_registered": registered, "models_recognized": registered * (1 + i % 3) // 4}


def reported(units, p: Period) -> list:
    return [u for u in units if u.active_in(p.start, p.end) and u.code not in SILENT.get(p.spec, ())]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def warehouse(request, tmp_path_factory):
    """A warehouse holding 11 quarters loaded through the ETL, on each database."""
    if request.param == "sqlite":
        engines = _sqlite_engine(tmp_path_factory.mktemp("reorg"))
    else:
        engines = _postgres_engine(request.getfixturevalue("_pg_admin"))
    engine = next(engines)
    units = load_units(engine)
    for p in QUARTERS:
        rows = [(u.name, values_for(u.code, p)) for u in reported(units, p)]
        data = consolidated_workbook(rows, f"QUÝ {ROMAN[p.quarter]} NĂM {p.year}")
        result = load_file(engine, data, f"tong_hop_{p.spec}.xlsx")
        assert result.status == "loaded", [x.message for x in result.problems]
        assert result.rows_added == len(rows) * len(INDICATORS)
    yield engine, units
    next(engines, None)


def test_cluster_series_runs_through_2025_and_sums_districts_then_communes(warehouse):
    engine, units = warehouse
    df = trend(engine, Selection(LAST), FIRST, "cluster")
    clusters = sorted({u.cluster_code for u in units})
    assert len(clusters) == 3
    assert sorted(zip(df["period"], df["code"])) == sorted((p.spec, c) for p in QUARTERS for c in clusters)
    for p in QUARTERS:
        level = "commune" if p.start >= REORGANISATION_DATE else "district"
        for cluster in clusters:
            mine = [u for u in reported(units, p) if u.cluster_code == cluster]
            assert {u.level for u in mine} == {level}
            row = df[(df["period"] == p.spec) & (df["code"] == cluster)].iloc[0]
            for ind in INDICATORS:
                assert row[ind] == sum(values_for(u.code, p)[ind] for u in mine), (p.spec, cluster, ind)
            expected_rate = row["models_recognized"] / row["models_registered"]
            assert row["recognition_rate"] == pytest.approx(expected_rate)


def test_province_series_has_every_quarter(warehouse):
    engine, units = warehouse
    df = trend(engine, Selection(LAST), FIRST, "province")
    assert list(df["period"]) == [p.spec for p in QUARTERS]
    totals = [sum(values_for(u.code, p)["models_registered"] for u in reported(units, p)) for p in QUARTERS]
    assert list(df["models_registered"]) == totals
    assert list(df["units_reported"]) == [len(reported(units, p)) for p in QUARTERS]


def test_year_2025_adds_district_half_and_commune_half(warehouse):
    """A unit has reported 2025 when it reported every quarter it existed in: the districts the
    first half, the communes the second; a unit silent in one of its quarters is left out."""
    engine, units = warehouse
    year = Period(2025, "Y")
    quarters = periods_between(quarter(2025, 1), quarter(2025, 4))
    df = summary(engine, Selection(year), "cluster")
    for _, row in df.iterrows():
        owed = {u.code: [p for p in quarters if u.active_in(p.start, p.end)] for u in units
                if u.cluster_code == row["code"] and u.active_in(year.start, year.end)}
        full = [c for c, ps in owed.items() if all(c not in SILENT.get(p.spec, ()) for p in ps)]
        assert row["conferences"] == sum(values_for(c, p)["conferences"] for c in full for p in owed[c])
        assert (row["units_reported"], row["units_partial"]) == (len(full), len(owed) - len(full))


def test_completeness_expects_the_units_that_existed(warehouse):
    engine, units = warehouse
    df = completeness(engine, Selection(LAST), FIRST)
    expected = Counter(df["period"])
    assert dict(expected) == EXPECTED_UNITS
    got = df[df["reported"]].groupby("period").size().to_dict()
    assert got == {p: n - len(SILENT.get(p, ())) for p, n in EXPECTED_UNITS.items()}
    q1 = set(df[df["period"] == "2025-Q1"]["unit_code"])
    assert "405" not in q1 and "380" in q1 and len(q1) == 26
    q3 = df[df["period"] == "2025-Q3"]
    assert set(q3["level"]) == {"commune"} and set(q3["unit_code"]) >= {"14797", "15469"}
    silent = df[(df["period"] == "2025-Q4") & ~df["reported"]]
    assert set(silent["unit_code"]) == SILENT["2025-Q4"]


def test_no_district_level_after_july_2025(warehouse):
    engine, _ = warehouse
    assert summary(engine, Selection(quarter(2025, 3)), "district").empty
    communes = summary(engine, Selection(quarter(2025, 3)), "commune")
    assert len(communes) == 166 and set(communes["units_expected"]) == {1}
    assert int(communes["units_reported"].sum()) == 166
    assert len(summary(engine, Selection(quarter(2025, 2)), "district")) == 26
    assert summary(engine, Selection(quarter(2025, 2)), "commune").empty


def test_unit_series_end_and_start_at_the_change(warehouse):
    engine, _ = warehouse
    district = trend(engine, Selection(LAST), FIRST, "district", ("394",))
    commune = trend(engine, Selection(LAST), FIRST, "commune", ("15469",))
    assert list(district["period"]) == [p.spec for p in QUARTERS[:6]]
    assert list(commune["period"]) == [p.spec for p in QUARTERS[6:]]
    assert commune[commune["period"] == "2025-Q4"]["conferences"].isna().all()  # silent, not zero


def test_template_after_july_2025_lists_communes(warehouse):
    engine, _ = warehouse
    assert {u.level for u in template_units(engine, quarter(2025, 3))} == {"commune"}
    assert len(template_units(engine, quarter(2025, 3))) == 166
    assert len(template_units(engine, quarter(2025, 2))) == 26
    ws = load_workbook(io.BytesIO(template_bytes(engine, quarter(2026, 1)))).worksheets[0]
    names = {c.value for c in ws["B"] if isinstance(c.value, str)}
    assert {"Phường Hạc Thành", "Xã Yên Định", "Phường Nghi Sơn"} <= names
    assert not {"Huyện Yên Định", "Thành phố Thanh Hóa"} & names
