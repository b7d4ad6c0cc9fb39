"""Headers by meaning: real-world spellings map to the right indicator; look-alikes are asked about;
unit-name abbreviations; the abbreviation table is data (pure: no database)."""
from __future__ import annotations

from datetime import date

import pytest

from etl.catalog.abbreviations import header_abbreviations
from etl.periods import quarter
from etl.reading.headers import MeaningMatcher, normalise
from etl.reading.match import HeaderMatcher
from etl.reading.read import parse_workbook
from etl.reading.unit_names import match_unit
from tests.workbooks import catalogue_indicators, consolidated_workbook, form_workbook, sample_units

INDICATORS, UNITS = catalogue_indicators(), sample_units()


@pytest.fixture(scope="module")
def headers():
    return HeaderMatcher(INDICATORS)


# (group header over it, header as written, indicator) — none of these is an alias in data/indicators.csv
SPELLINGS = [
    # paraphrases
    ("", "Số văn bản đã ban hành", "documents_issued"),
    ("", "Số lượt người dự", "conference_participants"),
    ("", "Số lớp bồi dưỡng", "trainings"),
    ("", "Tổng số mô hình đăng ký xây dựng", "models_registered"),
    ("", "SL người tham dự", "conference_participants"),
    ("", "Số hội nghị tập huấn, bồi dưỡng", "trainings"),
    ("", "Văn bản lãnh đạo, chỉ đạo đã ban hành", "documents_issued"),
    ("", "Số hội nghị quán triệt, tuyên truyền đã tổ chức", "conferences"),
    ("", "Lượt người tham dự hội nghị quán triệt", "conference_participants"),
    ("", "Lượt người tham gia tập huấn, bồi dưỡng", "training_participants"),
    ("", "Số học viên tham gia", "training_participants"),
    ("", "Số cuộc đối thoại với nhân dân", "dialogues"),
    ("", "Mô hình đã được công nhận trong kỳ", "models_recognized"),
    # abbreviations
    ("", "Số VB ban hành", "documents_issued"),
    ("", "VB chỉ đạo", "documents_issued"),
    ("", "Số HN quán triệt", "conferences"),
    ("", "Số cuộc KTGS", "inspections"),
    ("", "KTGS", "inspections"),
    ("", "Số TCĐ được KT, GS", "inspected_party_orgs"),
    ("", "Số ĐV được KT, GS", "inspected_party_members"),
    ("", "ĐV được kiểm tra", "inspected_party_members"),
    ("", "Số MH DVK đăng ký", "models_registered"),
    ("", "MH DVK được công nhận", "models_recognized"),
    ("", "HN sơ kết, tổng kết", "review_conferences"),
    ("", "Tiếp xúc đối thoại với ND", "dialogues"),
    # prefixes
    ("", "Tổng số mô hình được công nhận trong kỳ", "models_recognized"),
    ("", "SL mô hình đăng ký", "models_registered"),
    ("", "Tổng số lượt người được tập huấn", "training_participants"),
    ("", "Số lượng văn bản ban hành", "documents_issued"),
    # two-line groups
    ("HN", "Số cuộc", "conferences"),
    ("HN", "Số lượt người dự", "conference_participants"),
    ("Hội nghị quán triệt", "SL người tham dự", "conference_participants"),
    ("Tập huấn", "SL lớp", "trainings"),
    ("Tập huấn, bồi dưỡng", "Số người", "training_participants"),
    ("KT, GS", "TCĐ", "inspected_party_orgs"),
    ("KTGS", "ĐV", "inspected_party_members"),
    ("KTGS", "Số cuộc", "inspections"),
    ("Mô hình DVK", "SL đăng ký", "models_registered"),
    ("MH DVK", "Được CN", "models_recognized"),
    ("Mô hình \"Dân vận khéo\"", "Đã công nhận", "models_recognized"),
    ("Tiếp xúc, đối thoại", "SL cuộc", "dialogues"),
    # one-letter typos (and kí/ký; a wrong tone mark alone folds away: an exact alias)
    ("", "Văn bn ban hành", "documents_issued"),
    ("", "Văn bản ban hàn", "documents_issued"),
    ("", "Hội nghị quán triêt, tuyen truyềnn", "conferences"),
    ("", "Lượt người thamm dự hội nghị", "conference_participants"),
    ("", "Mô hinh đăng kí", "models_registered"),
    ("", "Mô hình được công nhậnn", "models_recognized"),
    ("", "Cuộc kiêm tra, giám sátt", "inspections"),
]

# Headers a person would ask about (or that name no indicator): never mapped automatically.
LOOK_ALIKES = [
    ("Lượt người", {"conference_participants", "training_participants"}),   # of a conference or a training?
    ("Số mô hình", {"models_registered", "models_recognized"}),               # registered or recognised?
    ("Mô hình", {"models_registered", "models_recognized"}),
    ("Số người", {"conference_participants", "training_participants"}),
    ("Số lượt", {"conference_participants", "training_participants"}),
    ("Kiểm tra", {"inspections", "inspected_party_orgs", "inspected_party_members"}),
    ("Số cuộc", {"conferences", "trainings", "inspections", "dialogues", "review_conferences"}),
    ("Số hội nghị khác", {"conferences"}),
    ("Hội nghị khác", {"conferences"}),
    ("Số lớp", {"trainings"}),
    ("Tin bài tuyên truyền", set()),
    ("Số tin bài", set()),
    ("Số đơn vị", set()),
]


@pytest.mark.parametrize("group, header, code", SPELLINGS)
def test_real_world_spellings_map_by_meaning(headers, group, header, code):
    found = headers.resolve([group, header] if group else [header])
    assert (found.code, found.how) == (code, "meaning"), found
    assert found.score >= 80


def test_there_are_enough_spellings_and_look_alikes():
    assert len(SPELLINGS) >= 40 and len(LOOK_ALIKES) >= 10


@pytest.mark.parametrize("header, candidates", LOOK_ALIKES)
def test_look_alikes_are_never_mapped_automatically(headers, header, candidates):
    found = headers.resolve([header])
    assert found.code is None and found.how in ("uncertain", "unknown"), found
    ranked = [code for code, _ in found.candidates]
    assert candidates <= set(ranked[:len(candidates)]), ranked   # the likely ones first


@pytest.mark.parametrize("previous, code", [("conferences", "conference_participants"),
                                            ("trainings", "training_participants"),
                                            ("documents_issued", None)])
def test_participants_follow_their_event_column(headers, previous, code):
    assert headers.resolve(["Lượt người"], previous).code == code


def test_exact_aliases_given_and_learned_mappings_come_first():
    matcher = HeaderMatcher(INDICATORS, learned={"Số lượt": "training_participants"},
                            mappings={"Lượt người": "conference_participants", "Ghi chú thêm": None,
                                      "Số hội nghị": "dialogues"})
    assert matcher.resolve(["Lượt người"]).how == "given"
    assert (matcher.resolve(["Ghi chú thêm"]).code, matcher.resolve(["Ghi chú thêm"]).how) == (None, "left_out")
    assert matcher.resolve(["Số hội nghị"]).code == "dialogues"          # the user's choice wins
    assert (matcher.resolve(["SỐ LƯỢT"]).code, matcher.resolve(["SỐ LƯỢT"]).how) == ("training_participants",
                                                                                      "learned")
    assert HeaderMatcher(INDICATORS).resolve(["Số hội nghị"]).how == "exact"
    assert HeaderMatcher(INDICATORS, learned={"x": "no_such_code"}).resolve(["x"]).code is None


def test_normalise_expands_abbreviations_and_drops_prefixes():
    abbr = tuple(sorted(header_abbreviations().items()))
    assert normalise("Số VB đã ban hành", abbr) == "van ban ban hanh"
    assert normalise("Tổng số TCĐ được KT, GS", abbr) == "to chuc dang kiem tra giam sat"
    assert normalise("SL MH DVK đăng kí", abbr) == "mo hinh dan van kheo dang ki"
    assert normalise("Hội nghị sơ kết", abbr) == "hoi nghi so ket"   # 'số' goes, 'sơ kết' stays


def test_the_abbreviation_table_is_data(tmp_path, monkeypatch):
    table = tmp_path / "abbreviations.csv"
    table.write_text("scope,short,long\nheader,pv,phóng viên\nheader,vb,văn bản\n", encoding="utf-8")
    assert header_abbreviations(str(table)) == {"pv": "phong vien", "vb": "van ban"}
    matcher = MeaningMatcher(INDICATORS, header_abbreviations(str(table)))
    assert matcher.resolve(["Số VB"]).code == "documents_issued"
    assert matcher.resolve(["Số KTGS"]).code is None   # KT/GS are not in this table


@pytest.mark.parametrize("text, code", [
    ("T.X Bỉm Sơn", "381"), ("T.X. Bỉm Sơn", "381"), ("T.P Thanh Hóa", "380"), ("T.P. Sầm Sơn", "382"),
    ("Tp. Thanh Hóa", "380"), ("H.Yên Định", "394"), ("H. Yen Dinh", "394"), ("TX. Nghi Sơn", "407"),
])
def test_unit_abbreviations(text, code):
    assert match_unit(text, UNITS, quarter(2024, 2)).code == code


@pytest.mark.parametrize("text, code", [("X. Định Tân", "15982"), ("P. Hạc Thành", "16378"),
                                        ("P.Quảng Phú", "16390")])
def test_commune_abbreviations(text, code):
    assert match_unit(text, UNITS, quarter(2025, 3)).code == code


def test_thi_tran_abbreviated_is_not_its_district():
    m = match_unit("T.T Hà Trung", UNITS, quarter(2024, 2))
    assert m.unit is None and m.problem == "unit_kind_mismatch"


# ---------------------------------------------------------------- in a sheet

def parse(data, **kw):
    return parse_workbook(data, "bieu.xlsx", units=UNITS, indicators=INDICATORS, today=date(2026, 1, 15), **kw)


PARAPHRASED = {"documents_issued": "Số VB đã ban hành", "conferences": "Số HN quán triệt",
               "conference_participants": "Số lượt người dự", "models_registered": "Tổng số MH DVK đăng ký",
               "models_recognized": "MH DVK được công nhận"}
CODES = tuple(PARAPHRASED)


def test_a_sheet_with_paraphrased_headers_loads_and_lists_every_guess():
    values = {"documents_issued": 3, "conferences": 2, "conference_participants": 150, "models_registered": 9,
              "models_recognized": 4}
    pf = parse(consolidated_workbook([("Huyện Yên Định", values)], headers="flat", codes=CODES,
                                     header_text=PARAPHRASED))
    assert pf.ok, [p.message for p in pf.problems]
    assert pf.records[0].values == values
    mapped = {m.header: (m.indicator, m.how, m.cell) for m in pf.mapped_columns}
    assert mapped["Số lượt người dự"] == ("conference_participants", "meaning", "E4")
    assert {how for _, how, _ in mapped.values()} == {"meaning"}


def test_an_uncertain_column_refuses_the_file_listing_the_candidates():
    pf = parse(consolidated_workbook([("Huyện Yên Định", {"documents_issued": 3, "conference_participants": 40})],
                                     headers="flat", codes=("documents_issued", "conference_participants"),
                                     header_text={"conference_participants": "Lượt người"}))
    [p] = pf.problems
    assert (p.code, p.cell, p.column) == ("uncertain_column", "D4", "Lượt người")
    assert "“Lượt người tham dự hội nghị”" in p.message and "“Lượt người tập huấn”" in p.message
    [q] = pf.questions
    assert (q.header, q.cell, q.kind) == ("Lượt người", "D4", "uncertain")
    assert [c for c, _ in q.candidates[:2]] == ["conference_participants", "training_participants"]
    given = parse(consolidated_workbook([("Huyện Yên Định", {"documents_issued": 3, "conference_participants": 40})],
                                        headers="flat", codes=("documents_issued", "conference_participants"),
                                        header_text={"conference_participants": "Lượt người"}),
                  mappings={"Lượt người": "training_participants"})
    assert "training_participants_without_training" in [p.code for p in given.problems]


def test_a_column_left_out_is_not_loaded_and_not_asked_about():
    pf = parse(consolidated_workbook([("Huyện Yên Định", {"conferences": 3})], headers="flat", codes=("conferences",),
                                     extra_columns={"Số tin bài": [7]}), mappings={"Số tin bài": None})
    assert pf.ok and pf.records[0].values == {"conferences": 3}
    assert [(m.header, m.indicator, m.how) for m in pf.mapped_columns if m.how != "exact"] == [
        ("Số tin bài", None, "given")]


def test_form_lines_by_meaning_and_the_uncertain_line():
    rows = [("Số VB đã ban hành", 4), ("Số lượt người dự", "1.200"), ("Số HN quán triệt", 3), ("Số mô hình", 5)]
    pf = parse(form_workbook("HUYỆN ỦY HÀ TRUNG", rows))
    assert [(p.code, p.cell) for p in pf.problems] == [("uncertain_indicator", "B9")]
    assert pf.questions[0].header == "Số mô hình"
    pf = parse(form_workbook("HUYỆN ỦY HÀ TRUNG", rows), mappings={"Số mô hình": "models_registered"})
    assert pf.ok and pf.records[0].values == {"documents_issued": 4, "conference_participants": 1200,
                                              "conferences": 3, "models_registered": 5}


def test_an_unknown_column_with_figures_is_asked_about_with_every_indicator_ranked():
    pf = parse(consolidated_workbook([("Huyện Yên Định", {"conferences": 3})], headers="flat", codes=("conferences",),
                                     extra_columns={"Số tin bài tuyên truyền": [7]}))
    assert [p.code for p in pf.problems] == ["unknown_column"]
    [q] = pf.questions
    assert (q.header, q.kind, len(q.candidates)) == ("Số tin bài tuyên truyền", "unknown", len(INDICATORS))
    assert [s for _, s in q.candidates] == sorted((s for _, s in q.candidates), reverse=True)
    pf = parse(consolidated_workbook([("Huyện Yên Định", {"conferences": 3})], headers="flat", codes=("conferences",),
                                     extra_columns={"Số tin bài tuyên truyền": [7]}),
               mappings={"số tin bài tuyên truyền": "documents_issued"})   # keyed by the folded header
    assert pf.ok and pf.records[0].values == {"conferences": 3, "documents_issued": 7}
