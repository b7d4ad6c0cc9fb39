"""Report sentences (etl.queries.narrative): seed 001's figures come out in its official wording; missing
figures are left out; comparisons, rankings and units that have not reported.

The warehouse is seeded by tests.seeding.seed_province (27 units, 2023–2024, seed 001's cluster
totals in 6 tháng đầu năm 2024), which the export tests share.
"""
from __future__ import annotations

import pytest

from etl.catalog.catalogue import load_catalogue
from etl.periods import Period, quarter
from etl.queries import narrative
from etl.queries.selection import Selection
from etl.queries.summary import totals
from tests.seeding import H1_2024, seed_province
from tests.workbooks import catalogue_indicators

INDICATORS = catalogue_indicators()  # their phrases say what the comparison sentence compares


def test_seed_001_cluster_sentence(engine):
    seed_province(engine)
    f = Selection.named(load_catalogue(engine), H1_2024, clusters=("dong-bang",))
    text = narrative.overview_sentence(totals(engine, f), None, H1_2024, f.label)
    assert text.startswith("Trong 6 tháng đầu năm 2024, cấp ủy các huyện, thị xã, thành phố cụm đồng bằng")
    for part in ("ban hành 129 văn bản", "50 hội nghị", "4.819 lượt người", "08 hội nghị tập huấn",
                 "905 lượt người tham gia", "14 cuộc kiểm tra, giám sát đối với 18 tổ chức đảng và 11 đảng viên",
                 "06 hội nghị sơ kết, tổng kết", "891 mô hình “Dân vận khéo”", "514 mô hình", "đạt 57,7%"):
        assert part in text, part
    assert "None" not in text and "tiếp xúc" not in text  # dialogues were not reported


def test_comparison_with_same_period_last_year(engine):
    seed_province(engine)
    f = Selection(H1_2024, clusters=("dong-bang",))
    cur = totals(engine, f)
    prev = totals(engine, Selection(Period(2023, "H1"), clusters=("dong-bang",)))
    text = narrative.overview_sentence(cur, prev, H1_2024, "cụm Đồng bằng", indicators=INDICATORS)
    diff = cur["conferences"] - prev["conferences"]
    word = "tăng" if diff > 0 else "giảm"
    assert "So với cùng kỳ năm trước, " in text
    assert f"số hội nghị quán triệt, tuyên truyền {word} {narrative.count(abs(diff))} hội nghị" in text


@pytest.mark.parametrize("cur, prev, expected", [
    (62, 50, "tăng 12 hội nghị"), (45, 50, "giảm 05 hội nghị"), (50, 50, "bằng cùng kỳ")])
def test_comparison_words(cur, prev, expected):
    text = narrative.comparison_sentence({"conferences": cur}, {"conferences": prev}, H1_2024,
                                         indicators=INDICATORS)
    assert text == f"So với cùng kỳ năm trước, số hội nghị quán triệt, tuyên truyền {expected}."


def test_comparison_with_previous_quarter_names_it():
    p = quarter(2024, 2)
    text = narrative.comparison_sentence({"inspections": 9, "recognition_rate": 0.5},
                                         {"inspections": 7, "recognition_rate": 0.45}, p, p.previous(),
                                         indicators=INDICATORS)
    assert text == ("So với quý I/2024, số cuộc kiểm tra, giám sát tăng 02 cuộc; "
                    "tỷ lệ công nhận mô hình tăng 5,0 điểm phần trăm.")


def test_missing_figures_are_left_out_not_zero():
    text = narrative.overview_sentence({"conferences": 3, "conference_participants": None,
                                        "models_registered": None, "models_recognized": 0,
                                        "recognition_rate": None}, None, quarter(2024, 3), "toàn tỉnh")
    assert text == ("Trong quý III/2024, cấp ủy các huyện, thị xã, thành phố trong tỉnh đã tổ chức "
                    "03 hội nghị quán triệt, tuyên truyền; công nhận 0 mô hình “Dân vận khéo”.")
    empty = narrative.overview_sentence({"conferences": None}, None, quarter(2024, 3), "toàn tỉnh")
    assert empty == "Trong quý III/2024, chưa có số liệu báo cáo của cấp ủy các huyện, thị xã, thành phố trong tỉnh."


@pytest.mark.parametrize("period, label, subject", [
    (quarter(2025, 3), "toàn tỉnh", "cấp ủy các xã, phường trong tỉnh"),
    (Period(2025, "Y"), "cụm Miền núi", "cấp ủy các huyện, thị xã, thành phố và các xã, phường cụm miền núi"),
    (quarter(2024, 2), "Thị xã Bỉm Sơn", "cấp ủy thị xã Bỉm Sơn"),
])
def test_subject_follows_the_reorganisation(period, label, subject):
    assert narrative.scope_subject(period, label) == subject


def test_ranking_and_missing_sentences():
    rates = [("Yên Định", 0.75), ("Hà Trung", 0.5), ("Vĩnh Lộc", None), ("Thọ Xuân", 0.62), ("Nga Sơn", 0.3)]
    assert narrative.ranking_sentence(rates, top=2) == (
        "Các đơn vị có tỷ lệ mô hình được công nhận cao nhất: Yên Định (75,0%), Thọ Xuân (62,0%); "
        "thấp nhất: Nga Sơn (30,0%), Hà Trung (50,0%).")
    assert narrative.missing_sentence(["Huyện A", "Huyện B"]) == "Còn 02 đơn vị chưa báo cáo: Huyện A, Huyện B."
    assert narrative.missing_sentence([]) == ""
    assert narrative.completeness_sentence(25, 27) == "Đã có 25/27 đơn vị báo cáo."


def test_report_paragraphs_name_units_that_have_not_reported(engine):
    seed_province(engine)
    f = Selection(H1_2024, clusters=("dong-bang",))
    cur = totals(engine, f)
    paras = narrative.report_paragraphs(cur, None, H1_2024, "cụm Đồng bằng", missing=["Huyện Đông Sơn"])
    assert paras[-1] == "Đã có 09/10 đơn vị báo cáo. Còn 01 đơn vị chưa báo cáo: Huyện Đông Sơn."


def test_position_of_a_unit_in_its_cluster():
    rates = [("392", "Hà Trung", 0.617), ("394", "Yên Định", 0.571), ("393", "Vĩnh Lộc", 0.571),
             ("401", "Nga Sơn", 0.3), ("405", "Đông Sơn", None), ("15469", "Yên Định", 0.9)]
    assert narrative.position_sentence("393", "Vĩnh Lộc", rates, "cụm đồng bằng") == (
        "Vĩnh Lộc xếp thứ 3/5 đơn vị trong cụm đồng bằng về tỷ lệ mô hình được công nhận (57,1%).")
    assert narrative.position_sentence("405", "Đông Sơn", rates, "cụm đồng bằng") == ""


def test_a_district_is_not_ranked_with_the_figures_of_a_commune_of_the_same_name():
    rates = [("15469", "Yên Định", 0.9), ("14797", "Hạc Thành", 0.5)]
    assert narrative.position_sentence("394", "Yên Định", rates, "cụm đồng bằng") == ""


def test_a_district_after_the_reorganisation_is_said_to_be_gone_not_silent():
    from etl.periods import quarter
    text = narrative.overview_sentence({"units_expected": 0, "units_reported": 0}, None, quarter(2025, 4),
                                       "Huyện Yên Định", scope_kind="unit")
    assert text == ("Trong quý IV/2025, huyện Yên Định không có trong danh mục đơn vị báo cáo (cấp huyện kết "
                    "thúc hoạt động từ 01/7/2025; từ quý III/2025 số liệu báo cáo theo xã, phường).")


def test_a_long_list_of_missing_units_is_cut_and_counted():
    names = [f"Xã {i}" for i in range(1, 167)]
    text = narrative.missing_sentence(names)
    assert text.startswith("Còn 166 đơn vị chưa báo cáo: Xã 1, Xã 2,")
    assert text.endswith("Xã 15 và 151 đơn vị khác.")
