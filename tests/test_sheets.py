"""Every sheet of a workbook, and the transposed table (pure: no database)."""
from __future__ import annotations

from datetime import date

from etl.periods import quarter
from etl.reading.read import parse_workbook
from tests.workbooks import (catalogue_indicators, consolidated_workbook, sample_units, transposed_workbook,
                             workbook_of_sheets)

UNITS, INDICATORS = sample_units(), catalogue_indicators()


def parse(data, **kw):
    return parse_workbook(data, "bieu.xlsx", units=UNITS, indicators=INDICATORS, today=date(2026, 1, 15), **kw)


def values(pf) -> dict:
    return {(r.unit_code, code): v for r in pf.records for code, v in r.values.items()}


MOUNTAINS = consolidated_workbook([("Huyện Mường Lát", {"conferences": 2, "conference_participants": 80}),
                                   ("Huyện Quan Hóa", {"conferences": 3, "conference_participants": 90})])
COAST = consolidated_workbook([("Huyện Nga Sơn", {"conferences": 4, "conference_participants": 100})])
PLAINS = consolidated_workbook([("Huyện Yên Định", {"conferences": 5, "conference_participants": 905}),
                                ("TP Thanh Hóa", {"conferences": 6, "conference_participants": 300})])
ALL_THREE = {("384", "conferences"): 2, ("384", "conference_participants"): 80, ("385", "conferences"): 3,
             ("385", "conference_participants"): 90, ("401", "conferences"): 4,
             ("401", "conference_participants"): 100, ("394", "conferences"): 5,
             ("394", "conference_participants"): 905, ("380", "conferences"): 6,
             ("380", "conference_participants"): 300}


def test_a_three_sheet_workbook_reads_all_three_sheets():
    pf = parse(workbook_of_sheets({"Cụm miền núi": MOUNTAINS, "Cụm ven biển": COAST, "Cụm đồng bằng": PLAINS}))
    assert pf.ok, [p.message for p in pf.problems]
    assert values(pf) == ALL_THREE
    assert [(s.name, s.status, s.layout, s.period) for s in pf.sheets] == [
        (name, "read", "consolidated", quarter(2024, 2)) for name in ("Cụm miền núi", "Cụm ven biển", "Cụm đồng bằng")]
    assert {r.sheet for r in pf.records} == {"Cụm miền núi", "Cụm ven biển", "Cụm đồng bằng"}
    assert all(r.period == quarter(2024, 2) for r in pf.records)
    assert (pf.sheet, pf.layout, pf.period) == ("Cụm miền núi", "consolidated", quarter(2024, 2))


def test_a_hidden_sheet_is_skipped_and_named():
    old = consolidated_workbook([("Huyện Nga Sơn", {"conferences": 99})])
    pf = parse(workbook_of_sheets({"Cụm ven biển": COAST, "Bản cũ": old}, hidden=("Bản cũ",)))
    assert pf.ok and values(pf) == {("401", "conferences"): 4, ("401", "conference_participants"): 100}
    skipped = [(s.name, s.status, s.reason) for s in pf.sheets if s.status == "skipped"]
    assert skipped == [("Bản cũ", "skipped", "Trang tính đang bị ẩn")]


def test_a_summary_sheet_repeating_the_clusters_is_taken_once_with_a_note():
    both = consolidated_workbook([("Huyện Nga Sơn", {"conferences": 4, "conference_participants": 100}),
                                  ("Huyện Yên Định", {"conferences": 5, "conference_participants": 905}),
                                  ("TP Thanh Hóa", {"conferences": 6, "conference_participants": 300})])
    pf = parse(workbook_of_sheets({"Cụm ven biển": COAST, "Cụm đồng bằng": PLAINS, "Tổng hợp": both}))
    assert pf.ok and [p.code for p in pf.problems] == ["cross_sheet_repeat", "cross_sheet_repeat"]
    assert "Trang Tổng hợp lặp lại 2 giá trị đã có ở trang Cụm ven biển" in pf.problems[0].message
    assert sum(len(r.values) for r in pf.records) == 6


def test_two_sheets_disagreeing_refuse_the_file_naming_both_cells():
    other = consolidated_workbook([("Huyện Nga Sơn", {"conferences": 7, "conference_participants": 100})])
    pf = parse(workbook_of_sheets({"Cụm ven biển": COAST, "Tổng hợp": other}))
    [p] = [p for p in pf.problems if p.is_error]
    assert (p.code, p.sheet, p.cell) == ("cross_sheet_conflict", "Tổng hợp", "D7")
    assert p.message == ("Huyện Nga Sơn · Hội nghị quán triệt, tuyên truyền (Quý II/2024): trang Tổng hợp ghi 7 "
                         "(ô D7) nhưng trang Cụm ven biển ghi 4 (ô D7).")


def test_one_sheet_per_quarter_reads_each_sheet_with_its_own_period():
    q1 = consolidated_workbook([("Huyện Nga Sơn", {"conferences": 1})], period_title="QUÝ I NĂM 2024")
    pf = parse(workbook_of_sheets({"Quý I": q1, "Quý II": COAST}))
    assert pf.ok and [p.code for p in pf.problems if p.is_error] == []
    assert {(r.sheet, r.period) for r in pf.records} == {("Quý I", quarter(2024, 1)), ("Quý II", quarter(2024, 2))}
    assert [(s.name, s.period) for s in pf.sheets if s.status == "read"] == [("Quý I", quarter(2024, 1)),
                                                                            ("Quý II", quarter(2024, 2))]


def test_a_sheet_with_figures_but_no_table_we_can_read_refuses_the_file():
    from io import BytesIO

    from openpyxl import load_workbook

    from tests.workbooks import to_bytes
    wb = load_workbook(BytesIO(COAST))
    junk = wb.create_sheet("Số liệu thô")
    for row in [["Nga Sơn", 4, 100], ["Yên Định", 5, 905], ["Hà Trung", 1, 20]]:
        junk.append(row)
    pf = parse(to_bytes(wb))
    assert [(p.code, p.sheet) for p in pf.problems] == [("sheet_unreadable", "Số liệu thô")]


# ---------------------------------------------------------------- transposed

UNITS_ACROSS = ["H. Yên Định", "Huyện Hà Trung", "TP Thanh Hóa"]
DOWN = {"conferences": [5, 1, 6], "conference_participants": ["905", 20, 300], "models_registered": [9, "-", 4],
        "models_recognized": [4, None, 2]}


def test_a_transposed_table_reads_one_record_per_unit_column():
    pf = parse(transposed_workbook(UNITS_ACROSS, DOWN))
    assert pf.ok and pf.layout == "transposed", [p.message for p in pf.problems]
    assert values(pf) == {("394", "conferences"): 5, ("394", "conference_participants"): 905,
                          ("394", "models_registered"): 9, ("394", "models_recognized"): 4,
                          ("392", "conferences"): 1, ("392", "conference_participants"): 20,
                          ("380", "conferences"): 6, ("380", "conference_participants"): 300,
                          ("380", "models_registered"): 4, ("380", "models_recognized"): 2}
    assert pf.records[0].cells == {"conferences": "D5", "conference_participants": "D6",
                                   "models_registered": "D7", "models_recognized": "D8"}


def test_the_total_column_is_checked_like_a_total_row():
    pf = parse(transposed_workbook(UNITS_ACROSS, DOWN, total={"conferences": 13}))
    [p] = pf.problems
    assert (p.code, p.cell) == ("total_mismatch", "G5")
    assert "= 13" in p.message and "12" in p.message


def test_a_transposed_table_names_bad_cells_and_unknown_units():
    pf = parse(transposed_workbook(["H. Yên Định", "Huyện Không Có"], {"conferences": ["gần 5", 3]},
                                   with_total=False))
    assert sorted((p.code, p.cell) for p in pf.problems) == [("qualified_number", "D5"), ("unknown_unit", "E4")]


def test_participants_without_a_conference_line_name_what_to_add():
    pf = parse(transposed_workbook(["H. Yên Định"], {"conference_participants": [40]}, with_total=False))
    [p] = pf.problems
    assert p.code == "participants_without_conference"
    assert p.hint == ("Ghi số hội nghị vào bảng (thêm cột hoặc dòng “Hội nghị quán triệt, tuyên truyền”), "
                      "hoặc sửa số lượt người ở ô D5.")
