"""etl.queries (summary, trend, reporting, stats, selection, versions) on both databases: sums by group in SQL, rates from sums, units expected per period,
series that carry across the 2025 reorganisation, completeness and unusual values."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
import pytest
from sqlalchemy import insert, update

from etl.catalog.catalogue import load_catalogue
from etl.periods import Period, parse_period, periods_between, quarter
from etl.queries import reporting as rp
from etl.queries import stats
from etl.queries import summary as sm
from etl.queries import trend as tr
from etl.queries.selection import Selection
from etl.queries.versions import data_span, data_version
from etl.warehouse.schema import Batch, Fact, Unit


def catalogue_communes(engine, cluster=None) -> int:
    """Communes the catalogue file already holds (the official list, when imported)."""
    from etl.catalog.catalogue import load_units
    return sum(u.level == "commune" and (cluster is None or u.cluster_code == cluster)
               for u in load_units(engine))


DONG_BANG = ["392", "393", "394", "395", "398", "397", "405", "404", "381", "380"]


def add_batch(engine, period="2024-Q2") -> int:
    with engine.begin() as conn:
        return conn.execute(insert(Batch).values(
            file_name="t.xlsx", sha256="0" * 64, period=period, created_at=datetime.now(timezone.utc),
            status="loaded")).inserted_primary_key[0]


def add_facts(engine, rows, batch_id=None) -> int:
    """rows: (unit_code, 'YYYY-Qn', indicator_code, value)."""
    batch_id = batch_id or add_batch(engine)
    values = []
    for unit, spec, ind, value in rows:
        p = parse_period(spec)
        values.append(dict(unit_code=unit, year=p.year, quarter=p.quarter, indicator_code=ind,
                           period_index=p.indexes[0], value=value, batch_id=batch_id))
    with engine.begin() as conn:
        conn.execute(insert(Fact), values)
    return batch_id


def add_communes(engine, codes_clusters):
    with engine.begin() as conn:
        for i, (code, cluster) in enumerate(codes_clusters):
            conn.execute(insert(Unit).values(
                code=code, name=f"Xã Thử {code}", level="commune", kind="xã", parent_code="38",
                cluster_code=cluster, valid_from=date(2025, 7, 1), valid_to=None, aliases="",
                sort_order=100 + i))


def seed_001(engine):
    """Seed 001 (cụm đồng bằng, 6 tháng đầu năm 2024) spread over units and both quarters."""
    figures = {"documents_issued": 129, "inspections": 14, "inspected_party_orgs": 18,
               "inspected_party_members": 11, "review_conferences": 6, "conferences": 50,
               "conference_participants": 4819, "models_registered": 891, "models_recognized": 514,
               "trainings": 8, "training_participants": 905}
    units = DONG_BANG[:9]  # Đông Sơn (405) still existed in 2024
    rows = []
    for ind, total in figures.items():
        parts = [total // 18] * 18
        parts[0] += total - sum(parts)
        for k, value in enumerate(parts):
            rows.append((units[k % 9], "2024-Q1" if k < 9 else "2024-Q2", ind, value))
    add_facts(engine, rows)


def test_seed_001_figures_by_cluster(engine):
    seed_001(engine)
    df = sm.summary(engine, Selection(Period(2024, "H1")), "cluster")
    row = df.set_index("code").loc["dong-bang"]
    assert (row["conferences"], row["conference_participants"], row["models_registered"],
            row["models_recognized"], row["trainings"], row["training_participants"]) == (
        50, 4819, 891, 514, 8, 905)
    assert round(row["recognition_rate"], 3) == 0.577
    assert row["units_expected"] == 10 and row["units_reported"] == 9
    assert row["name"] == "Đồng bằng" and row["period"] == "2024-H1"
    mien_nui = df.set_index("code").loc["mien-nui"]
    assert pd.isna(mien_nui["conferences"]) and pd.isna(mien_nui["recognition_rate"])
    assert mien_nui["units_expected"] == 11 and mien_nui["units_reported"] == 0
    assert list(df["code"]) == ["mien-nui", "ven-bien", "dong-bang"]


def test_rate_is_ratio_of_sums_not_mean_of_rates(engine):
    add_facts(engine, [("394", "2024-Q2", "models_registered", 100), ("394", "2024-Q2", "models_recognized", 90),
                       ("395", "2024-Q2", "models_registered", 10), ("395", "2024-Q2", "models_recognized", 1)])
    t = sm.totals(engine, Selection(quarter(2024, 2)))
    assert t["recognition_rate"] == pytest.approx(91 / 110)
    assert t["models_registered"] == 110 and t["conferences"] is None
    assert t["name"] == "Toàn tỉnh" and t["units_reported"] == 2 and t["units_expected"] == 27


def test_zero_is_not_nothing_reported(engine):
    add_facts(engine, [("394", "2024-Q2", "conferences", 0)])
    df = sm.summary(engine, Selection(quarter(2024, 2), clusters=("dong-bang",)), "unit").set_index("code")
    assert df.loc["394", "conferences"] == 0
    assert pd.isna(df.loc["395", "conferences"])
    assert df.loc["394", "units_reported"] == 1 and df.loc["395", "units_reported"] == 0
    assert pd.isna(df.loc["394", "recognition_rate"])


def test_units_expected_follow_validity(engine):
    # Đông Sơn ends 2024-12-31: expected in 2024-Q4, not in 2025-Q1; nothing district after 2025-Q2.
    for spec, n in [("2024-Q4", 10), ("2025-Q1", 9), ("2025-Q2", 9)]:
        df = sm.summary(engine, Selection(parse_period(spec), clusters=("dong-bang",)), "cluster")
        assert df["units_expected"].tolist() == [n]
    assert sm.summary(engine, Selection(quarter(2025, 3)), "district").empty
    assert sm.totals(engine, Selection(quarter(2025, 3)))["units_expected"] == catalogue_communes(engine)


def test_filters_select_and_describe(engine):
    add_facts(engine, [("394", "2024-Q2", "conferences", 3), ("395", "2024-Q2", "conferences", 4),
                       ("384", "2024-Q2", "conferences", 5)])
    catalogue = load_catalogue(engine)
    f = Selection.named(catalogue, quarter(2024, 2), clusters=("dong-bang",))
    assert sm.totals(engine, f)["conferences"] == 7
    assert f.caption == "Quý II/2024 · Cụm Đồng bằng"
    g = Selection.named(catalogue, quarter(2024, 2), units=("384",))
    assert sm.totals(engine, g)["conferences"] == 5
    assert g.caption == "Quý II/2024 · Huyện Mường Lát"
    assert Selection.named(catalogue, Period(2024, "Y")).caption == "Năm 2024 · Toàn tỉnh"
    both = sm.with_total(engine, f, "unit")
    assert both["name"].iloc[-1] == "Cộng" and both["conferences"].iloc[-1] == 7


def test_data_version_and_as_of(engine):
    assert data_span(engine) is None
    v0 = data_version(engine)
    b = add_facts(engine, [("394", "2024-Q3", "conferences", 3)])
    v1 = data_version(engine)
    assert v1 != v0
    span = data_span(engine)
    assert span.latest == quarter(2024, 3) and span.updated is not None
    with engine.begin() as conn:
        conn.execute(update(Batch).where(Batch.id == b).values(status="undone",
                                                                undone_at=datetime.now(timezone.utc)))
    assert data_version(engine) != v1


def test_trend_carries_cluster_series_across_reorganisation(engine):
    after = catalogue_communes(engine, "dong-bang") + 2
    add_communes(engine, [("90001", "dong-bang"), ("90002", "dong-bang"), ("90003", "mien-nui")])
    rows = []
    for spec in ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2"]:
        rows += [("394", spec, "conferences", 2), ("380", spec, "conferences", 3)]
    for spec in ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]:
        rows += [("90001", spec, "conferences", 1), ("90002", spec, "conferences", 4),
                 ("90003", spec, "conferences", 7)]
    add_facts(engine, rows)
    t = tr.trend(engine, Selection(quarter(2026, 3)), quarter(2024, 1), "cluster", ("dong-bang",))
    assert t["period"].tolist() == [p.spec for p in
                                    periods_between(quarter(2024, 1), quarter(2026, 3))]
    assert t["conferences"].tolist() == [5] * 6 + [5] * 5
    assert t["units_expected"].tolist() == [10] * 4 + [9] * 2 + [after] * 5
    assert t["period_label"].iloc[6] == "Quý III/2025"
    prov = tr.trend(engine, Selection(quarter(2025, 3)), quarter(2025, 2), "province")
    assert prov["conferences"].tolist() == [5, 12] and prov["name"].tolist() == ["Toàn tỉnh"] * 2
    districts = tr.trend(engine, Selection(quarter(2026, 3)), quarter(2024, 1), "district")
    assert districts["period"].max() == "2025-Q2"
    communes = tr.trend(engine, Selection(quarter(2026, 3)), quarter(2024, 1), "commune")
    assert communes["period"].min() == "2025-Q3"
    assert set(communes.loc[communes["conferences"].notna(), "code"]) == {"90001", "90002", "90003"}
    units = tr.trend(engine, Selection(quarter(2025, 4)), quarter(2025, 1), "unit", ("380", "90001"))
    assert units[["period", "code"]].values.tolist() == [
        ["2025-Q1", "380"], ["2025-Q2", "380"], ["2025-Q3", "90001"], ["2025-Q4", "90001"]]


def test_trend_sums_quarters_into_longer_periods(engine):
    add_facts(engine, [("394", "2024-Q1", "models_registered", 10), ("394", "2024-Q2", "models_registered", 20),
                       ("394", "2024-Q2", "models_recognized", 15), ("394", "2025-Q1", "models_registered", 4)])
    t = tr.trend(engine, Selection(Period(2025, "H1")), Period(2024, "H1"), "province")
    assert t["period"].tolist() == ["2024-H1", "2024-H2", "2025-H1"]
    assert t["models_registered"].tolist()[0] == 30 and pd.isna(t["models_registered"].iloc[1])
    assert t["recognition_rate"].iloc[0] == pytest.approx(0.5)
    assert t["period_label"].tolist()[0] == "6 tháng đầu năm 2024"
    assert (t["units_reported"].tolist(), t["units_partial"].tolist()) == ([1, 0, 0], [0, 0, 1])
    y = tr.trend(engine, Selection(Period(2025, "Y")), Period(2024, "Y"), "unit", ("394",))
    # two quarters of a year are not the year: left out, and counted as partial
    assert y["models_registered"].isna().all() and y["units_partial"].tolist() == [1, 1]
    assert y["quarters_expected"].tolist() == [4, 4]


def test_completeness_counts_units_existing_each_quarter(engine):
    after = catalogue_communes(engine, "dong-bang") + 2
    add_communes(engine, [("90001", "dong-bang"), ("90002", "dong-bang")])
    add_facts(engine, [("394", "2025-Q2", "conferences", 1), ("90002", "2025-Q3", "conferences", 0)])
    c = rp.completeness(engine, Selection(quarter(2025, 3), clusters=("dong-bang",)), quarter(2024, 4))
    per = c.groupby("period")["unit_code"].count().to_dict()
    assert per == {"2024-Q4": 10, "2025-Q1": 9, "2025-Q2": 9, "2025-Q3": after}
    assert c[c["reported"]][["unit_code", "period"]].values.tolist() == [["394", "2025-Q2"], ["90002", "2025-Q3"]]
    rate = stats.reporting_rate(c)
    assert rate["units_reported"].tolist() == [0, 0, 1, 1]
    assert rate["rate"].iloc[-1] == pytest.approx(1 / after)
    assert c["cluster_name"].unique().tolist() == ["Đồng bằng"]


def test_rankings_best_and_lagging(engine):
    rows = []
    for k, unit in enumerate(DONG_BANG[:7]):
        rows += [(unit, "2024-Q2", "models_registered", 100), (unit, "2024-Q2", "models_recognized", 10 * (k + 1))]
    add_facts(engine, rows)
    best, lagging = sm.rankings(engine, Selection(quarter(2024, 2)), n=3)
    assert best["code"].tolist() == ["405", "397", "398"]
    assert lagging["code"].tolist() == ["392", "393", "394"]
    assert best["rank"].tolist() == [1, 2, 3]


def test_unusual_values_flags_jump_against_own_history(engine):
    values = [20, 22, 19, 21, 20, 23, 21, 95]
    specs = [p.spec for p in periods_between(quarter(2024, 1), quarter(2025, 4))]
    add_facts(engine, [("394", s, "conferences", v) for s, v in zip(specs, values)]
              + [("395", s, "conferences", 100 + k) for k, s in enumerate(specs)]
              + [("393", s, "conferences", 8 if k == 7 else 7) for k, s in enumerate(specs)])  # 8 vs 7
    series = rp.unit_series(engine, Selection(quarter(2025, 4)), "conferences", quarter(2024, 1))
    assert len(series) == 24 and series["value"].sum() == sum(values) + sum(range(100, 108)) + 57
    flagged = stats.unusual_values(series)
    assert flagged[["unit_code", "period", "direction"]].values.tolist() == [["394", "2025-Q4", "tăng đột biến"]]
