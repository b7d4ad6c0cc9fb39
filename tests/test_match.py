"""Matching headers, unit names and periods as people write them (pure: no database)."""
from datetime import date

import pytest

from etl.periods import Period, quarter
from etl.reading.match import (HeaderMatcher, is_cluster_label, is_footer_label, is_total_label, is_unit_header,
                               period_in_lines, period_problem)
from etl.reading.unit_names import UnitMatcher, match_unit
from tests.workbooks import catalogue_indicators, sample_units

UNITS = sample_units()
Q2_2024, Q3_2025 = quarter(2024, 2), quarter(2025, 3)


@pytest.fixture(scope="module")
def headers():
    return HeaderMatcher(catalogue_indicators())


@pytest.mark.parametrize("text, code", [
    ("Huyện Yên Định", "394"), ("H. Yên Định", "394"), ("h.yên định", "394"), ("YÊN ĐỊNH", "394"),
    ("Yen Dinh", "394"), ("  Yên Định  ", "394"), ("Yên Định\u00a0", "394"), ("1. Huyện Yên Định", "394"),
    ("Huyện Yên  Định", "394"), ("TP. Thanh Hóa", "380"), ("TP Thanh Hoá", "380"), ("TP.Thanh Hóa", "380"),
    ("Thành phố Thanh Hóa", "380"), ("THÀNH PHỐ THANH HOÁ", "380"), ("TX Bỉm Sơn", "381"),
    ("Thị xã Bỉm Sơn", "381"), ("TX. Bỉm Sơn", "381"), ("Bỉm Sơn", "381"), ("TP Sầm Sơn", "382"),
    ("Huyện Nghi Sơn", "407"),  # wrong kind written, one unit of that base name: still found
    ("Quan Hoá", "385"), ("Hoằng Hoá", "399"), ("Hoang Hoa", "399"),
])
def test_district_names_match_in_2024(text, code):
    m = match_unit(text, UNITS, Q2_2024)
    assert (m.code, m.problem) == (code, None)


@pytest.mark.parametrize("text, code", [
    ("Phường Hạc Thành", "16378"), ("P. Hạc Thành", "16378"), ("phuong hac thanh", "16378"),
    ("Hạc Thành", "16378"), ("Xã Định Tân", "15982"), ("X. Định Tân", "15982"), ("xa dinh tan", "15982"),
    ("Xã Yên Định", "15985"), ("Phường Yên Định", "16000"), ("P. Yên Định", "16000"), ("x. yen dinh", "15985"),
])
def test_commune_names_match_after_reorganisation(text, code):
    m = match_unit(text, UNITS, Q3_2025)
    assert (m.code, m.problem) == (code, None)


def test_base_name_shared_by_xa_and_phuong_is_ambiguous():
    m = match_unit("Yên Định", UNITS, Q3_2025)
    assert m.problem == "ambiguous_unit"
    assert m.fields["closest"] == "Xã Yên Định, Phường Yên Định"


@pytest.mark.parametrize("text", ["Huyện Yên Định", "H. Yên Định", "TP Thanh Hóa", "TX Bỉm Sơn"])
def test_district_name_after_mid_2025_is_refused_with_the_reorganisation_hint(text):
    m = match_unit(text, UNITS, Q3_2025)
    assert m.unit is None and m.problem == "district_after_reorganisation"
    assert m.fields["period"] == "Quý III/2025"


def test_unit_not_active_in_the_period():
    m = match_unit("Huyện Đông Sơn", UNITS, quarter(2025, 1))
    assert m.problem == "unit_not_active"
    assert "31/12/2024" in m.fields["detail"]
    assert match_unit("Đông Sơn", UNITS, quarter(2024, 4)).code == "405"


def test_commune_before_reorganisation_is_not_active():
    m = match_unit("Phường Hạc Thành", UNITS, Q2_2024)
    assert m.problem == "unit_not_active" and "01/07/2025" in m.fields["detail"]


@pytest.mark.parametrize("text, closest", [
    ("Huyện Yên Đinh Tây", "Huyện Yên Định"), ("Huyen Thieu Hoa xx", "Huyện Thiệu Hóa"),
    ("Nga Sonn", "Huyện Nga Sơn"),
])
def test_unknown_unit_hint_names_closest_catalogue_units(text, closest):
    m = UnitMatcher(UNITS, Q2_2024).match(text)
    assert m.problem == "unknown_unit"
    names = m.fields["closest"].split(", ")
    assert len(names) == 3 and closest in names


@pytest.mark.parametrize("text, period, code, problem, kind, catalogue", [
    ("TT Hà Trung", Q2_2024, None, "unit_kind_mismatch", "thị trấn", "Huyện Hà Trung"),
    ("Thị trấn Hà Trung", Q2_2024, None, "unit_kind_mismatch", "thị trấn", "Huyện Hà Trung"),
    ("TT. Hà Trung", Q3_2025, None, "unit_kind_mismatch", "thị trấn", "Huyện Hà Trung"),
    ("X. Nga Sơn", Q2_2024, None, "unit_kind_mismatch", "xã", "Huyện Nga Sơn"),
    ("Phường Bỉm Sơn", quarter(2025, 2), None, "unit_not_active", None, None),  # a named commune, too early
    ("H. Hạc Thành", Q3_2025, None, "unit_kind_mismatch", "huyện", "Phường Hạc Thành"),
    ("TP Thanh Hóa", Q2_2024, "380", None, None, None),       # the same level: thành phố
    ("Huyện Nghi Sơn", Q2_2024, "407", None, None, None),     # huyện became thị xã: the same level
    ("Thị trấn Định Tân", Q3_2025, "15982", None, None, None),  # thị trấn merged into a xã: the same level
    ("Xã Yên Định", Q3_2025, "15985", None, None, None),
    ("Hà Trung", Q2_2024, "392", None, None, None),           # no kind written
])
def test_a_written_kind_of_another_level_is_not_matched(text, period, code, problem, kind, catalogue):
    m = match_unit(text, UNITS, period)
    assert (m.code, m.problem) == (code, problem)
    if kind:
        assert (m.fields["kind"], m.fields["closest"]) == (kind, catalogue)


def test_unit_matcher_caches_by_text():
    matcher = UnitMatcher(UNITS, Q2_2024)
    assert matcher.match("H. Yên Định") is matcher.match("H. Yên Định")


@pytest.mark.parametrize("group, sub, code", [
    ("Hội nghị", "Lượt người", "conference_participants"),
    ("Hội nghị", "Số cuộc", "conferences"),
    ("Hội nghị quán triệt, tuyên truyền", "Số cuộc", "conferences"),
    ("HỘI NGHỊ QUÁN TRIỆT, TUYÊN TRUYỀN", "Lượt người", "conference_participants"),
    ("Kiểm tra, giám sát", "Số cuộc", "inspections"),
    ("Kiểm tra, giám sát", "Tổ chức đảng", "inspected_party_orgs"),
    ("Kiểm tra, giám sát", "Đảng viên", "inspected_party_members"),
    ("KT, GS", "Số cuộc", "inspections"),
    ("Mô hình Dân vận khéo", "Đăng ký", "models_registered"),
    ("Mô hình “Dân vận khéo”", "Công nhận", "models_recognized"),
    ("Tập huấn, bồi dưỡng", "Số lớp", "trainings"),
    ("Tập huấn, bồi dưỡng", "Lượt người", "training_participants"),
    ("", "Số hội nghị", "conferences"),
    ("", "SỐ HỘI NGHỊ", "conferences"),
    ("", "So hoi nghi", "conferences"),
    ("", "  Số   hội nghị. ", "conferences"),
    ("", "Văn bản cụ thể hoá", "documents_issued"),      # Hoá vs Hóa (tone-mark placement)
    ("", "Văn bản cụ thể hóa", "documents_issued"),
    ("", "Số văn bản (văn bản)", "documents_issued"),    # unit in parentheses
    ("", "Lượt người tham dự", "conference_participants"),
    ("", "Mô hình \"Dân vận khéo\" đăng ký", "models_registered"),
    ("Nhóm khác", "Số mô hình đăng ký", "models_registered"),  # sub-header alone when group adds nothing
    ("", "Trong đó: Số mô hình được công nhận", "models_recognized"),
    ("", "1.1. Số hội nghị", "conferences"),
    ("", "- Lượt người tham dự", "conference_participants"),
    ("", "Số tin bài", None),
    ("", "Số cuộc", None),                                # ambiguous alone
    ("", "", None),
])
def test_headers_match_catalogue_aliases(headers, group, sub, code):
    assert headers.match(sub, group) == code


def test_an_alias_claimed_by_two_indicators_is_never_used():
    from etl.catalog.catalogue import IndicatorRow
    inds = [IndicatorRow("a", "Chỉ tiêu A", "", "", ("Số cuộc",), 1),
            IndicatorRow("b", "Chỉ tiêu B", "", "", ("Số cuộc",), 2)]
    assert HeaderMatcher(inds).match("Số cuộc") is None
    assert HeaderMatcher(inds).match("chi tieu b") == "b"


@pytest.mark.parametrize("text, expected", [
    ("Đơn vị", True), ("Tên đơn vị", True), ("Huyện, thị xã, thành phố", True), ("Xã, phường", True),
    ("Địa phương", True), ("Đơn vị: Huyện Yên Định", False), ("ĐƠN VỊ", True), ("Đơn vị tính", False),
    ("Số hội nghị", False), (None, False),
])
def test_unit_column_headers(text, expected):
    assert is_unit_header(text) is expected


@pytest.mark.parametrize("text, total, cluster, footer", [
    ("Tổng cộng", True, False, False), ("TỔNG CỘNG", True, False, False), ("Cộng", True, False, False),
    ("Tổng", True, False, False), ("Toàn tỉnh", True, False, False),
    ("Cụm miền núi", False, True, False), ("Cộng cụm đồng bằng", False, True, False),
    ("I. Cụm ven biển", False, True, False), ("Cụm thi đua số 2", False, True, False),
    ("Nơi nhận:", False, False, True), ("Người lập biểu", False, False, True), ("TRƯỞNG BAN", False, False, True),
    ("Thanh Hóa, ngày 20 tháng 6 năm 2024", False, False, True), ("Ghi chú: số liệu đến 15/6", False, False, True),
    ("Huyện Yên Định", False, False, False), ("Xã Định Tân", False, False, False),
])
def test_row_labels(text, total, cluster, footer):
    assert (is_total_label(text), is_cluster_label(text), is_footer_label(text)) == (total, cluster, footer)


@pytest.mark.parametrize("lines, expected", [
    (["BIỂU TỔNG HỢP KẾT QUẢ QUÝ II NĂM 2024"], Period(2024, "Q", 2)),
    (["Báo cáo kết quả Quý III/2024"], Period(2024, "Q", 3)),
    (["BÁO CÁO QUÝ 4 - 2023"], Period(2023, "Q", 4)),
    (["KẾT QUẢ 6 THÁNG ĐẦU NĂM 2024"], Period(2024, "H1")),
    (["KẾT QUẢ 9 THÁNG NĂM 2024"], Period(2024, "9M")),
    (["BIỂU TỔNG HỢP KẾT QUẢ NĂM 2024"], Period(2024, "Y")),
    (["Thanh Hóa, ngày 20 tháng 6 năm 2024"], None),
    (["BAN DÂN VẬN TỈNH ỦY"], None),
])
def test_period_in_title_lines(lines, expected):
    assert period_in_lines(lines) == expected


TODAY = date(2024, 11, 21)


@pytest.mark.parametrize("found, given, expected, code", [
    (Q2_2024, None, Q2_2024, ""),
    (None, Q2_2024, Q2_2024, ""),
    (Q2_2024, Q2_2024, Q2_2024, ""),
    (Q2_2024, quarter(2024, 3), quarter(2024, 3), "period_conflict"),
    (Period(2024, "Y"), Q2_2024, Q2_2024, ""),           # a bare year in the title agrees with its quarters
    (None, None, None, "period_missing"),
    (Period(2024, "H1"), None, Period(2024, "H1"), ""),   # cumulative reports load as they are
    (None, Period(2024, "9M"), Period(2024, "9M"), ""),
    (Period(2024, "Y"), None, Period(2024, "Y"), "period_in_future"),   # reported from December
    (Period(2023, "Y"), None, Period(2023, "Y"), ""),
    (Period(2024, "H1"), Period(2024, "9M"), Period(2024, "9M"), "period_conflict"),
    (quarter(2025, 1), None, quarter(2025, 1), "period_in_future"),
    (quarter(2024, 4), None, quarter(2024, 4), "period_in_future"),   # Q4 not in its last month yet
    (quarter(2024, 3), None, quarter(2024, 3), ""),
])
def test_period_problem(found, given, expected, code):
    period, got, _ = period_problem(found, given, TODAY)
    assert (period, got) == (expected, code)


def test_quarter_may_be_reported_in_its_last_month():
    assert period_problem(quarter(2024, 4), None, date(2024, 12, 5))[1] == ""


def test_unit_matcher_is_reused_for_an_equal_catalogue_and_period():
    from etl.reading.match import unit_matcher
    assert unit_matcher(sample_units(), Q2_2024) is unit_matcher(sample_units(), Q2_2024)
    assert unit_matcher(sample_units(), Q2_2024) is not unit_matcher(sample_units(), Q3_2025)
    assert unit_matcher(sample_units()[:5], Q2_2024).match("Huyện Yên Định").problem == "unknown_unit"
