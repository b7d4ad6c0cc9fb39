"""Cumulative reports (6 tháng, 9 tháng, năm) on both databases: stored as reported, quarters found
by difference and marked, disagreements warned, negative differences refused, honest completeness."""
from __future__ import annotations

import pandas as pd
import pytest

from etl.periods import Period, quarter
from etl.queries.reporting import completeness
from etl.queries.selection import Selection
from etl.queries.summary import summary, totals
from etl.warehouse.load import load_file, preview_file
from etl.warehouse.undo import undo_batch
from tests.workbooks import cell_of, consolidated_workbook

YD, NC = "Huyện Yên Định", "Huyện Nông Cống"
TITLES = {"Q1": "QUÝ I NĂM 2024", "Q2": "QUÝ II NĂM 2024", "Q3": "QUÝ III NĂM 2024",
          "H1": "6 THÁNG ĐẦU NĂM 2024", "9M": "9 THÁNG NĂM 2024", "Y": "NĂM 2024", "H2": "6 THÁNG CUỐI NĂM 2024"}
PERIODS = {"Q1": quarter(2024, 1), "Q2": quarter(2024, 2), "Q3": quarter(2024, 3), "Q4": quarter(2024, 4),
           "H1": Period(2024, "H1"), "9M": Period(2024, "9M"), "H2": Period(2024, "H2"), "Y": Period(2024, "Y")}


def load(engine, kind: str, rows, name: str | None = None):
    r = load_file(engine, consolidated_workbook(rows, TITLES[kind]), name or f"{kind}.xlsx", user="lan")
    assert r.status == "loaded", [p.message for p in r.problems]
    return r


def value(engine, kind: str, code: str = "conferences", unit: str = "394"):
    """The unit's figure for the period (None when not known) and its row."""
    df = summary(engine, Selection(PERIODS[kind], units=(unit,)), "unit")
    row = df[df["code"] == unit].iloc[0]
    return (None if pd.isna(row[code]) else int(row[code])), row


def test_six_month_report_alone_is_known_only_as_the_half_year(engine):
    r = load(engine, "H1", [(YD, {"conferences": 10})])
    assert r.period == PERIODS["H1"] and [p.spec for p in r.periods] == ["2024-H1"]
    h1, row = value(engine, "H1")
    assert (h1, row["units_reported"], row["units_derived"]) == (10, 1, 0)
    for kind in ("Q1", "Q2"):
        q, row = value(engine, kind)
        assert q is None and (row["units_reported"], row["units_partial"]) == (0, 1)


def test_quarter_then_half_year_gives_the_second_quarter_by_difference(engine):
    load(engine, "Q1", [(YD, {"conferences": 4})])
    load(engine, "H1", [(YD, {"conferences": 10})])
    q2, row = value(engine, "Q2")
    assert (q2, row["units_reported"], row["units_derived"]) == (6, 1, 1)
    assert value(engine, "H1")[0] == 10 and value(engine, "Q1")[0] == 4


def test_half_year_then_nine_months_gives_the_third_quarter(engine):
    load(engine, "H1", [(YD, {"conferences": 10})])
    load(engine, "9M", [(YD, {"conferences": 16})])
    assert value(engine, "Q3")[0] == 6 and value(engine, "9M")[0] == 16
    assert value(engine, "Q1")[0] is None


def test_year_and_nine_months_give_the_fourth_quarter_and_the_second_half(engine):
    load(engine, "9M", [(YD, {"conferences": 16})])
    load(engine, "Y", [(YD, {"conferences": 25})])
    assert value(engine, "Q4")[0] == 9
    assert value(engine, "H2")[0] is None   # 9 tháng − 6 tháng is unknown without the half-year
    load(engine, "H1", [(YD, {"conferences": 10})])
    assert value(engine, "H2")[0] == 15 and value(engine, "Q3")[0] == 6


def test_quarters_that_disagree_with_the_half_year_warn_with_both_numbers(engine):
    q1 = load(engine, "Q1", [(YD, {"conferences": 4})]).batch_id
    q2 = load(engine, "Q2", [(YD, {"conferences": 5})]).batch_id
    p = preview_file(engine, consolidated_workbook([(YD, {"conferences": 10})], TITLES["H1"]), "H1.xlsx")
    assert p.status == "preview"
    [w] = [x for x in p.problems if x.code == "cumulative_mismatch"]
    assert w.severity == "warning" and w.cell == cell_of("conferences", 0)
    assert "6 tháng đầu năm 2024 ghi 10" in w.message and "được 9" in w.message
    assert f"lô #{q1}" in w.hint and f"lô #{q2}" in w.hint and "tệp này" in w.hint
    load(engine, "H1", [(YD, {"conferences": 10})])
    assert value(engine, "H1")[0] == 10   # the report for exactly the period wins


def test_half_year_smaller_than_the_first_quarter_is_refused_naming_the_cell(engine):
    load(engine, "Q1", [(YD, {"conferences": 12})])
    r = load_file(engine, consolidated_workbook([(YD, {"conferences": 10})], TITLES["H1"]), "H1.xlsx")
    assert r.status == "rejected" and r.batch_id is None
    [e] = [x for x in r.problems if x.code == "cumulative_negative"]
    assert e.cell == cell_of("conferences", 0) and "Quý II/2024 tính ra -2" in e.message
    assert value(engine, "H1")[0] is None


def test_only_the_first_quarter_is_not_the_half_year(engine):
    load(engine, "Q1", [(YD, {"conferences": 4}), (NC, {"conferences": 3})])
    df = summary(engine, Selection(PERIODS["H1"]), "province")
    row = df.iloc[0]
    assert pd.isna(row["conferences"])
    assert (row["units_reported"], row["units_partial"], row["quarters_expected"]) == (0, 2, 2)


def test_undo_and_history_work_for_cumulative_batches(engine):
    a = load(engine, "Q1", [(YD, {"conferences": 4})]).batch_id
    b = load(engine, "H1", [(YD, {"conferences": 10})]).batch_id
    assert undo_batch(engine, b).ok
    assert value(engine, "Q2")[0] is None and value(engine, "Q1")[0] == 4
    assert load(engine, "H1", [(YD, {"conferences": 11})]).batch_id > b
    assert undo_batch(engine, a).ok
    assert value(engine, "H1")[0] == 11 and value(engine, "Q1")[0] is None


def test_the_reporting_grid_marks_quarters_covered_by_a_cumulative_report(engine):
    load(engine, "Q1", [(NC, {"conferences": 3})])
    load(engine, "H1", [(YD, {"conferences": 10})])
    grid = completeness(engine, Selection(quarter(2024, 3), units=("394", "404")), quarter(2024, 1))
    got = {(r.unit_code, r.period): (r.reported, r.coverage) for r in grid.itertuples()}
    assert got[("394", "2024-Q1")] == got[("394", "2024-Q2")] == (True, "cumulative")
    assert got[("404", "2024-Q1")] == (True, "quarter")
    assert got[("404", "2024-Q2")] == got[("394", "2024-Q3")] == (False, "")


@pytest.mark.parametrize("title, period", [
    ("BÁO CÁO 6 THÁNG ĐẦU NĂM 2024", Period(2024, "H1")), ("SƠ KẾT 6 THÁNG NĂM 2024", Period(2024, "H1")),
    ("BÁO CÁO 9 THÁNG NĂM 2024", Period(2024, "9M")), ("6 THÁNG CUỐI NĂM 2024", Period(2024, "H2")),
    ("BÁO CÁO TỔNG KẾT NĂM 2024", Period(2024, "Y")), ("BÁO CÁO 3 THÁNG ĐẦU NĂM 2024", quarter(2024, 1)),
])
def test_cumulative_titles_are_read(sqlite_engine, title, period):
    p = preview_file(sqlite_engine, consolidated_workbook([(YD, {"conferences": 1})], title), "x.xlsx")
    assert p.period == period and p.status == "preview"


@pytest.mark.parametrize("title", ["BÁO CÁO 4 THÁNG ĐẦU NĂM 2024", "KẾT QUẢ GIAI ĐOẠN 2020 - 2022"])
def test_spans_that_are_no_reporting_period_are_refused(sqlite_engine, title):
    p = preview_file(sqlite_engine, consolidated_workbook([(YD, {"conferences": 1})], title), "x.xlsx")
    assert p.status == "rejected" and p.problems[0].code == "period_unsupported"
    assert title in p.problems[0].message


SEED_001 = {"documents_issued": 129, "inspections": 14, "inspected_party_orgs": 18, "inspected_party_members": 11,
            "review_conferences": 6, "conferences": 50, "conference_participants": 4819, "models_registered": 891,
            "models_recognized": 514, "trainings": 8, "training_participants": 905}
DONG_BANG_2024 = ["Huyện Hà Trung", "Huyện Vĩnh Lộc", "Huyện Yên Định", "Huyện Thọ Xuân", "Huyện Thiệu Hóa",
                  "Huyện Triệu Sơn", "Huyện Đông Sơn", "Huyện Nông Cống", "Thị xã Bỉm Sơn", "Thành phố Thanh Hóa"]


def test_seed_001_from_one_six_month_cluster_report_alone(engine):
    """The model report (shared/seeds/001: cụm đồng bằng, 6 tháng đầu năm 2024) from the cluster's
    6-month biểu tổng hợp, no quarterly file: every figure, the rate 57,7%, and the report sentence."""
    from etl.queries import narrative
    def share(total: int, n: int, among: int) -> int:   # as even as counts allow; small counts on the first units
        return total // among + (n < total % among) if n < among else 0
    small = {"trainings", "training_participants", "review_conferences", "inspections", "inspected_party_orgs",
             "inspected_party_members"}
    rows = [(name, {code: share(total, n, 6 if code in small else 10) for code, total in SEED_001.items()})
            for n, name in enumerate(DONG_BANG_2024)]
    r = load_file(engine, consolidated_workbook(rows, "6 THÁNG ĐẦU NĂM 2024"), "cum_dong_bang_6_thang.xlsx")
    assert r.status == "loaded" and r.problems == [], [p.message for p in r.problems]
    row = summary(engine, Selection(PERIODS["H1"]), "cluster").set_index("code").loc["dong-bang"]
    assert {code: int(row[code]) for code in SEED_001} == SEED_001
    assert round(row["recognition_rate"], 3) == 0.577 and (row["units_reported"], row["units_expected"]) == (10, 10)
    for kind in ("Q1", "Q2"):   # the quarters inside stay unknown: never split by guessing
        q = summary(engine, Selection(PERIODS[kind]), "cluster").set_index("code").loc["dong-bang"]
        assert pd.isna(q["conferences"]) and q["units_partial"] == 10
    current = totals(engine, Selection(PERIODS["H1"], clusters=("dong-bang",)))
    sentence = narrative.overview_sentence(current, None, PERIODS["H1"], "cụm Đồng bằng")
    for part in ("ban hành 129 văn bản", "50 hội nghị quán triệt, tuyên truyền với 4.819 lượt người tham dự",
                 "891 mô hình", "được công nhận 514 mô hình, đạt 57,7%"):
        assert part in sentence, sentence


def test_half_year_with_only_the_first_quarter_says_what_is_missing(engine):
    from etl.queries import narrative
    load(engine, "Q1", [(name, {"conferences": 2}) for name in DONG_BANG_2024])
    current = totals(engine, Selection(PERIODS["H1"], clusters=("dong-bang",)))
    assert (current["units_reported"], current["units_expected"], current["units_partial"]) == (0, 10, 10)
    assert current["conferences"] is None
    assert narrative.gaps_sentence(current["gaps"]) == (
        "Chưa đủ số liệu của cả kỳ: 10 đơn vị thiếu Quý II/2024 (số liệu của các đơn vị này chưa được cộng).")


def test_one_workbook_with_a_quarter_sheet_and_a_half_year_sheet_is_one_batch_of_two_periods(engine):
    from etl.warehouse.batches import list_batches
    from tests.workbooks import workbook_of_sheets
    data = workbook_of_sheets({"Quý I": consolidated_workbook([(YD, {"conferences": 4})], TITLES["Q1"]),
                               "6 tháng": consolidated_workbook([(YD, {"conferences": 10})], TITLES["H1"])})
    r = load_file(engine, data, "ca_hai_ky.xlsx")
    assert r.status == "loaded" and [p.spec for p in r.periods] == ["2024-Q1", "2024-H1"]
    assert value(engine, "Q2")[0] == 6
    [b] = list_batches(engine)
    assert b.period == "2024-Q1,2024-H1" and b.period_label == "Quý I/2024, 6 tháng đầu năm 2024"
    assert undo_batch(engine, b.id).ok and value(engine, "Q1")[0] is None
