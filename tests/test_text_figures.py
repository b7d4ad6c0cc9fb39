"""Figures in a report's sentences, proposed with the sentence they come from (never loaded here):
a narrative report whose every figure is found, the sentences that must not yield one (dates, decree
numbers, percentages, phases, ranks, targets, other periods), and seed 001 as a .docx. No database."""
from __future__ import annotations

from datetime import date

import pytest

from etl.catalog.catalogue import IndicatorRow, read_csv
from etl.catalog.phrasebook import Phrasebook
from etl.config import get_settings
from etl.periods import Period
from etl.reading import sentences as st
from etl.reading.read import parse_workbook
from etl.reading.text_figures import propose
from tests.documents import document, seed_document, seed_text
from tests.workbooks import catalogue_indicators, sample_units

UNITS, INDICATORS = sample_units(), catalogue_indicators()
H1 = Period(2024, "H1")
BOOK = Phrasebook(INDICATORS)
HEADINGS = ["HUYỆN ỦY YÊN ĐỊNH", "BAN DÂN VẬN", "Số: 45-BC/BDV", "Yên Định, ngày 20 tháng 6 năm 2024", "BÁO CÁO",
            "Kết quả công tác dân vận 6 tháng đầu năm 2024"]
NARRATIVE = [
    "I. KẾT QUẢ ĐẠT ĐƯỢC",
    "Thực hiện Nghị quyết số 25-NQ/TW của Ban Chấp hành Trung ương, trong 6 tháng đầu năm 2024, Ban Dân vận "
    "Huyện ủy đã tham mưu ban hành 12 văn bản lãnh đạo, chỉ đạo về công tác dân vận.",
    "Tổ chức 08 hội nghị quán triệt, tuyên truyền với 1.250 lượt người tham dự; tổ chức 02 lớp tập huấn, bồi "
    "dưỡng nghiệp vụ với 180 học viên.",
    "Tổ chức 03 cuộc kiểm tra, giám sát đối với 04 tổ chức đảng và 06 đảng viên; 05 cuộc tiếp xúc, đối thoại "
    "giữa người đứng đầu cấp ủy, chính quyền với Nhân dân.",
    "Toàn huyện đăng ký xây dựng 45 mô hình “Dân vận khéo”, trong đó được công nhận 27 mô hình, đạt 60%. "
    "Tổ chức 02 hội nghị sơ kết, tổng kết.",
    "II. PHƯƠNG HƯỚNG, NHIỆM VỤ 6 THÁNG CUỐI NĂM 2024",
    "Phấn đấu mỗi xã xây dựng ít nhất 05 mô hình “Dân vận khéo”; tổ chức 10 hội nghị sơ kết.",
]
# (indicator, value, paragraph of the document, words of its sentence)
EXPECTED = [
    ("documents_issued", 12, 8, "ban hành 12 văn bản"),
    ("conferences", 8, 9, "08 hội nghị quán triệt"),
    ("conference_participants", 1250, 9, "1.250 lượt người tham dự"),
    ("trainings", 2, 9, "02 lớp tập huấn"),
    ("training_participants", 180, 9, "180 học viên"),
    ("inspections", 3, 10, "03 cuộc kiểm tra"),
    ("inspected_party_orgs", 4, 10, "04 tổ chức đảng"),
    ("inspected_party_members", 6, 10, "06 đảng viên"),
    ("dialogues", 5, 10, "05 cuộc tiếp xúc"),
    ("models_registered", 45, 11, "45 mô hình"),
    ("models_recognized", 27, 11, "được công nhận 27 mô hình"),
    ("review_conferences", 2, 11, "Tổ chức 02 hội nghị sơ kết, tổng kết."),
]


def parse(data, **kw):
    kw.setdefault("today", date(2026, 1, 15))
    return parse_workbook(data, "bao_cao.docx", units=UNITS, indicators=INDICATORS, **kw)


def test_a_narrative_report_has_every_figure_proposed_with_its_sentence():
    pf = parse(document(*HEADINGS, *NARRATIVE))
    found = [(f.indicator, f.value, f.where, f.unit, f.period) for f in pf.text_figures]
    assert found == [(code, value, f"đoạn {n}", "394", H1) for code, value, n, _ in EXPECTED]
    for f, (_code, _value, _n, words) in zip(pf.text_figures, EXPECTED):
        assert words in f.quote and f.quote in (HEADINGS + NARRATIVE)[int(f.where.split()[1]) - 1]
    assert all(not f.competing and not f.accepted for f in pf.text_figures)
    assert pf.records == [] and pf.period == H1   # proposed, never loaded without a confirmation


def test_sentence_quotes_are_whole_sentences_of_a_paragraph():
    pf = parse(document(*HEADINGS, *NARRATIVE))
    review = next(f for f in pf.text_figures if f.indicator == "review_conferences")
    assert review.quote == "Tổ chức 02 hội nghị sơ kết, tổng kết."
    assert next(f for f in pf.text_figures if f.indicator == "models_recognized").quote.endswith("đạt 60%.")


NOT_FIGURES = [
    # dates
    "Chiều 21/6, tổ chức hội nghị giao ban; ngày 23-6 tổ chức hội nghị tập huấn; ngày 15/3/2024 có 3 đoàn.",
    # decree and resolution numbers
    "Thực hiện Nghị quyết số 25-NQ/TW, Chỉ thị số 49-CT/TW, Kết luận 114-KL/TW và Quyết định số 12 về mô hình.",
    # percentages
    "Tỷ lệ công nhận đạt 57,7%; 100% xã, phường có mô hình “Dân vận khéo”; 80 % mô hình được công nhận.",
    # phases
    "Giai đoạn 2020–2025, toàn huyện đã công nhận 320 mô hình “Dân vận khéo”.",
    "Nhiệm kỳ 2020-2025, tổ chức 150 hội nghị quán triệt.",
    # ranks
    "Huyện xếp thứ 3 cuộc thi; đứng hạng 2 mô hình tiêu biểu; Hội nghị lần thứ 15 Ban Chấp hành.",
    # targets
    "Phấn đấu 6 tháng cuối năm, mỗi xã xây dựng ít nhất 05 mô hình “Dân vận khéo”.",
    "Năm 2024 phấn đấu tổ chức 20 hội nghị quán triệt.",
    "Dự kiến tổ chức 12 hội nghị sơ kết; chỉ tiêu đề ra là 30 mô hình được công nhận.",
    "Thời gian tới, Ban sẽ tổ chức 06 hội nghị.",
    # figures of another period
    "So với cùng kỳ năm trước, số hội nghị tăng 12 hội nghị.",
    "Cùng kỳ năm trước tổ chức 45 hội nghị với 3.000 lượt người tham dự.",
    "Năm 2023, huyện đã công nhận 40 mô hình.",
    "Trong quý I, tổ chức 20 hội nghị; tháng 5 tổ chức 3 cuộc kiểm tra.",
    "Lũy kế đến nay có 300 mô hình được công nhận; đến nay toàn huyện có 120 mô hình được công nhận.",
    # approximations, per-unit figures, breakdowns without a word of their own
    "Tổ chức hơn 50 hội nghị với gần 5.000 lượt người tham dự, trên 1.000 lượt người tập huấn.",
    "Mỗi xã đăng ký 03 mô hình; bình quân 05 mô hình/xã; 10 mô hình trở lên.",
    # numbers that count something else
    "Ban Điều hành gồm15thành viên, gồm 2 nội dung, theo tinh thần “5 biết, 3 không, 4 thể hiện”; 1,283 lượt xem.",
    "Lãnh đạo Ban Dân vận của 11 tỉnh, thành phố dự hội nghị; kết nạp 25 đảng viên mới; có 120 mô hình.",
]


@pytest.mark.parametrize("sentence", NOT_FIGURES, ids=lambda s: s[:40])
def test_sentences_that_must_not_yield_a_figure(sentence):
    assert propose(["Kết quả 6 tháng đầu năm 2024", sentence], BOOK, H1) == []


@pytest.mark.parametrize("sentence, expected", [
    ("Tổ chức 50 hội nghị, tăng 5 hội nghị so với cùng kỳ năm trước.", [("conferences", 50)]),
    ("So với cùng kỳ năm trước, trong 6 tháng đầu năm tổ chức 50 hội nghị (cùng kỳ năm trước: 45 hội nghị).",
     [("conferences", 50)]),
    ("Tổ chức 50 hội nghị, so với 45 hội nghị năm 2023; công nhận 20 mô hình.",
     [("conferences", 50), ("models_recognized", 20)]),
    ("Tổ chức 70 hội nghị, trong đó 10 hội nghị trực tuyến.", [("conferences", 70)]),
    ("Tổ chức 20 cuộc kiểm tra, trong đó 5 cuộc kiểm tra chuyên đề.", [("inspections", 20)]),
    ("Tổ chức 14 cuộc KT, GS đối với 18 TCĐ và 11 ĐV.",
     [("inspections", 14), ("inspected_party_orgs", 18), ("inspected_party_members", 11)]),
    ("Tổ chức 12 hội nghị tập huấn với 300 lượt người, 5 hội nghị tuyên truyền với 400 lượt người tham dự.",
     [("trainings", 12), ("training_participants", 300), ("conferences", 5), ("conference_participants", 400)]),
    ("Mở 03 lớp bồi dưỡng, lớp gồm 204 học viên.", [("trainings", 3), ("training_participants", 204)]),
    ("Trong quý II năm 2024, tổ chức 9 hội nghị.", []),
    ("Tổng số 1.234 lượt người tham dự 30 hội nghị.", [("conferences", 30)]),
], ids=lambda x: x[:40] if isinstance(x, str) else "")
def test_sentences_yield_exactly_the_figures_of_the_period(sentence, expected):
    assert [(f.indicator, f.value) for f in propose([sentence], BOOK, H1)] == expected


@pytest.mark.parametrize("text, i, value", [
    ("ngày 21/6 năm", 1, None), ("số 25-NQ/TW", 1, None), ("đạt 57,7%", 1, None), ("đạt 100%", 1, None),
    ("xếp thứ 3 về", 2, None), ("năm 2024 có", 1, None), ("gần 50 hội", 1, None), ("tăng 5 hội", 1, None),
    ("ít nhất 05 mô", 2, None), ("lúc 06:53 sáng", 1, None), ("có 4.819 lượt", 1, 4819), ("có 06 hội", 1, 6),
    ("tổng số 50 hội", 2, 50), ("được công nhận 514 mô", 3, 514),
])
def test_what_counts_as_a_count(text, i, value):
    assert st.count_at(text, st.tokenize(text), i) == value


def test_plan_sections_of_a_report_are_skipped_until_results_again():
    paragraphs = ["II. PHƯƠNG HƯỚNG, NHIỆM VỤ", "Tổ chức 10 hội nghị.", "III. KẾT QUẢ KHÁC", "Tổ chức 4 hội nghị."]
    assert [(f.indicator, f.value) for f in propose(paragraphs, BOOK, H1)] == [("conferences", 4)]


@pytest.mark.parametrize("name", ["seed_000.txt", "seed_002.txt", "seed_003.txt", "seed_004.txt"])
def test_the_other_seed_reports_state_no_figure_of_a_period(name):
    paragraphs = [line for line in seed_text(name).splitlines() if line.strip()]
    assert propose(paragraphs, BOOK, H1) == []


SEED_001 = {  # indicator -> the values seed 001 states (two for each figure of its two inspection sets)
    "documents_issued": [129], "inspections": [14, 25], "inspected_party_orgs": [18, 25],
    "inspected_party_members": [11, 5], "review_conferences": [6], "conferences": [50],
    "conference_participants": [4819], "models_registered": [891], "models_recognized": [514],
    "trainings": [8], "training_participants": [905]}


def test_seed_001_as_a_docx_every_figure_proposed_inspections_competing_no_unit_nothing_loaded():
    pf = parse(seed_document(), accept_text_figures=True)
    found: dict[str, list[int]] = {}
    for f in pf.text_figures:
        found.setdefault(f.indicator, []).append(f.value)
    assert found == SEED_001
    assert all(f.unit is None and f.period == H1 for f in pf.text_figures)
    by_key = {f.key: f for f in pf.text_figures}
    for f in pf.text_figures:
        rivals = [by_key[k] for k in f.competing]
        assert [r.value for r in rivals] == [v for v in SEED_001[f.indicator] if v != f.value]
        assert all(r.indicator == f.indicator and r.quote != f.quote for r in rivals)
    inspections = [f for f in pf.text_figures if f.indicator == "inspections"]
    assert "14 cuộc kiểm tra, giám sát đối với 18 tổ chức đảng và 11 đảng viên" in inspections[0].quote
    assert "25 cuộc kiểm tra, giám sát để hướng dẫn nghiệp vụ" in inspections[1].quote
    assert "text_figures_no_unit" in [p.code for p in pf.problems] and pf.records == [] and not pf.ok


def test_every_phrasing_names_an_indicator_of_the_catalogue():
    codes = {i.code for i in INDICATORS}
    rows = read_csv(get_settings().text_phrases_csv)
    assert rows and {r["code"] for r in rows} <= codes
    assert all(r["nouns"] for r in rows)


def test_an_indicator_added_to_the_catalogue_is_read_by_its_unit_word():
    news = IndicatorRow("news_items", "Tin bài tuyên truyền", "Tuyên truyền", "tin bài", (), 13)
    book = Phrasebook([*INDICATORS, news])
    assert [(f.indicator, f.value) for f in propose(["Đăng 35 tin bài trên Cổng thông tin."], book, H1)] == [
        ("news_items", 35)]


@pytest.mark.parametrize("headings, unit, period", [
    (["BAN DÂN VẬN HUYỆN ỦY YÊN ĐỊNH", "BÁO CÁO KẾT QUẢ CÔNG TÁC DÂN VẬN 6 THÁNG ĐẦU NĂM 2024"], "394", H1),
    (["Ban Dân vận Huyện ủy Nông Cống", "Báo cáo công tác dân vận quý II năm 2024"], "404",
     Period(2024, "Q", 2)),
    (["ĐẢNG ỦY XÃ ĐỊNH TÂN", "BÁO CÁO", "Kết quả công tác dân vận quý III/2025"], "15982", Period(2025, "Q", 3)),
    (["Đảng ủy phường Hạc Thành\nBan Xây dựng Đảng", "BÁO CÁO 9 THÁNG NĂM 2025"], "16378", Period(2025, "9M")),
    (["BAN DÂN VẬN TỈNH ỦY THANH HÓA", "BÁO CÁO GIAO BAN CỤM ĐỒNG BẰNG 6 THÁNG ĐẦU NĂM 2024"], None, H1),
], ids=["ban-dan-van-huyen-uy", "lowercase", "dang-uy-xa", "line-break", "province"])
def test_the_heading_lines_give_the_unit_and_the_period(headings, unit, period):
    pf = parse(document(*headings, "Tổ chức 05 hội nghị quán triệt với 300 lượt người tham dự."))
    assert [(f.indicator, f.value, f.unit, f.period) for f in pf.text_figures] == [
        ("conferences", 5, unit, period), ("conference_participants", 300, unit, period)]


def test_a_unit_named_in_the_heading_but_not_of_the_period_says_so():
    pf = parse(document("ĐẢNG ỦY XÃ ĐỊNH TÂN", "BÁO CÁO QUÝ II NĂM 2024", "Tổ chức 05 hội nghị."),
               accept_text_figures=True)
    assert [p.code for p in pf.problems] == ["unit_not_active"] and pf.records == []
