"""Reading real-looking workbooks: both layouts, every cell, unit, header and period variant (no database)."""
from datetime import date

import pytest
from openpyxl import Workbook

from etl.periods import Period, quarter
from etl.reading.read import parse_workbook
from tests.workbooks import (catalogue_indicators, cell_of, consolidated_workbook, first_data_row, form_workbook,
                             sample_units, to_bytes)

UNITS, INDICATORS = sample_units(), catalogue_indicators()
TODAY = date(2026, 1, 15)


def parse(data, **kw):
    kw.setdefault("today", TODAY)
    return parse_workbook(data, "bieu.xlsx", units=UNITS, indicators=INDICATORS, **kw)


def codes(pf):
    return [p.code for p in pf.problems]


ROWS = [("Huyện Yên Định", {"documents_issued": 12, "conferences": 8, "conference_participants": 905,
                            "models_registered": 30, "models_recognized": 17}),
        "Cụm miền núi",
        ("H. Mường Lát", {"documents_issued": "06", "conferences": 2, "conference_participants": "4.819"}),
        ("TP. Thanh Hoá", {"conferences": "-", "inspections": 3, "inspected_party_orgs": 4}),
        ("Cộng cụm đồng bằng", {"conferences": 8})]


@pytest.mark.parametrize("options", [
    dict(), dict(headers="flat"), dict(merge_headers=False), dict(column_numbers=False),
    dict(extra_sheets=False), dict(notes=False), dict(with_total=False), dict(total_label="Cộng"),
    dict(total_label="TỔNG CỘNG"), dict(unit_header="Huyện, thị xã, thành phố"), dict(unit_header="Tên đơn vị"),
    dict(title_lines=["BAN DÂN VẬN TỈNH ỦY THANH HÓA", "", "", "", "", "", "", "", "BIỂU TỔNG HỢP",
                      "QUÝ II NĂM 2024", "(Kèm theo Công văn số 123-CV/BDVTU)"]),
], ids=lambda o: ",".join(f"{k}={v}"[:30] for k, v in o.items()) or "default")
def test_consolidated_layout_variants_read_the_same_records(options):
    pf = parse(consolidated_workbook(ROWS, **options))
    assert pf.layout == "consolidated" and pf.period == quarter(2024, 2)
    assert pf.problems == [] and pf.ok
    assert [(r.unit_code, r.unit_text, r.values) for r in pf.records] == [
        ("394", "Huyện Yên Định", {"documents_issued": 12, "conferences": 8, "conference_participants": 905,
                                   "models_registered": 30, "models_recognized": 17}),
        ("384", "H. Mường Lát", {"documents_issued": 6, "conferences": 2, "conference_participants": 4819}),
        ("380", "TP. Thanh Hoá", {"inspections": 3, "inspected_party_orgs": 4})]


def test_records_carry_rows_and_cells():
    pf = parse(consolidated_workbook(ROWS))
    first = first_data_row()
    yen_dinh = pf.records[0]
    assert yen_dinh.row == first and pf.sheet == "Biểu 01"
    assert yen_dinh.cells == {code: cell_of(code, 0) for code in yen_dinh.values}
    assert yen_dinh.cells["conference_participants"] == f"E{first}"


def test_instruction_sheet_before_the_table_is_skipped():
    pf = parse(consolidated_workbook(ROWS, extra_sheets=True))
    assert pf.sheet == "Biểu 01"


@pytest.mark.parametrize("raw, value", [
    (12, 12), ("12", 12), (" 12 ", 12), ("4.819", 4819), ("06", 6), (7.0, 7), (0, 0), ("0", 0),
    ("1.234.567", 1234567), ("4 819", 4819), ("-", None), (None, None), ("", None), ("–", None),
])
def test_cell_values(raw, value):
    pf = parse(consolidated_workbook([("Huyện Yên Định", {"conferences": raw, "documents_issued": 1})],
                                     with_total=False))
    assert pf.ok, pf.problems
    assert pf.records[0].values.get("conferences") == value
    assert ("conferences" in pf.records[0].cells) is (value is not None)


@pytest.mark.parametrize("raw, code, text", [
    (-3, "negative_number", "-3"), ("-3", "negative_number", "-3"), (2.5, "decimal_count", "2,5"),
    ("2,5", "decimal_count", "2,5"), ("gần 50", "qualified_number", "gần 50"),
    ("hơn 200", "qualified_number", "hơn 200"), ("trên 1.000", "qualified_number", "trên 1.000"),
    ("105/130", "ratio_in_cell", "105/130"), ("không có", "not_a_number", "không có"),
    ("4,819", "ambiguous_separator", "4,819"), ("=1+1", "formula_without_value", ""),
    ("=SUM(C7:C7)", "formula_without_value", ""), ("#REF!", "cell_error_value", "#REF!"),
    ("#DIV/0!", "cell_error_value", "#DIV/0!"), (date(2024, 2, 1), "date_in_cell", "01/02/2024"),
    ("¹", "not_a_number", "¹"), (True, "not_a_number", None),
])
def test_bad_cells_are_problems_with_cell_row_and_column(raw, code, text):
    pf = parse(consolidated_workbook([("Huyện Yên Định", {"conferences": raw, "documents_issued": 1}),
                                      ("Huyện Hà Trung", {"conferences": 2})], with_total=False))
    assert not pf.ok
    [p] = pf.problems
    row = first_data_row()
    assert (p.file, p.sheet, p.cell, p.row, p.column, p.code, p.severity) == (
        "bieu.xlsx", "Biểu 01", f"D{row}", row, "Hội nghị quán triệt, tuyên truyền - Số cuộc", code, "error")
    assert f"D{row}" in p.message and p.hint
    if text:
        assert text in p.message
    assert "conferences" not in pf.records[0].values  # never a silent number


def test_formula_with_saved_value_is_read():
    """A workbook saved by Excel/LibreOffice keeps formula results: the value is used."""
    data = consolidated_workbook([("Huyện Yên Định", {"conferences": "=1+1"})], with_total=False)
    data = _with_cached_value(data, "D7", "2")
    pf = parse(data)
    assert pf.ok, pf.problems
    assert pf.records[0].values == {"conferences": 2}


def _with_cached_value(data: bytes, ref: str, value: str) -> bytes:
    """Rewrite the sheet XML as Excel saves it: <f>…</f><v>value</v>."""
    import io
    import re
    import zipfile
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                body = re.sub(rf'(<c r="{ref}"[^>]*>)<f>([^<]*)</f><v\s*/?>(</v>)?'.encode(),
                              rb'\1<f>\2</f><v>' + value.encode() + b"</v>", body)
            dst.writestr(info, body)
    return out.getvalue()


def test_total_row_formulas_without_value_are_not_problems():
    data = consolidated_workbook([("Huyện Yên Định", {"conferences": 3})], total={"conferences": "=SUM(D7:D7)"})
    pf = parse(data)
    assert pf.ok and pf.problems == []


@pytest.mark.parametrize("name, code", [
    ("Huyện Yên Định", "394"), ("H. Yên Định", "394"), ("YÊN ĐỊNH", "394"), ("Yen Dinh", "394"),
    ("Yên Định   ", "394"), ("TP. Thanh Hóa", "380"), ("TP Thanh Hoá", "380"), ("Thành phố Thanh Hóa", "380"),
    ("TX Bỉm Sơn", "381"), ("Thị xã Bỉm Sơn", "381"),
])
def test_unit_name_variants_in_a_sheet(name, code):
    pf = parse(consolidated_workbook([(name, {"conferences": 1})]))
    assert pf.ok and [(r.unit_code, r.unit_text) for r in pf.records] == [(code, name.strip())]


@pytest.mark.parametrize("name, code", [
    ("Phường Hạc Thành", "16378"), ("P. Hạc Thành", "16378"), ("xã Định Tân", "15982"), ("X. Định Tân", "15982"),
    ("Xa Dinh Tan", "15982"),
])
def test_commune_names_in_a_2025_q3_sheet(name, code):
    pf = parse(consolidated_workbook([(name, {"conferences": 1})], "QUÝ III NĂM 2025", unit_header="Xã, phường"))
    assert pf.ok, pf.problems
    assert pf.records[0].unit_code == code


@pytest.mark.parametrize("name, period_title, code, hint_part", [
    ("Huyện Yên Đinh Tây", "QUÝ II NĂM 2024", "unknown_unit", "Huyện Yên Định"),
    ("Huyện Yên Định", "QUÝ III NĂM 2025", "district_after_reorganisation", "01/7/2025"),
    ("Huyện Đông Sơn", "QUÝ I NĂM 2025", "unit_not_active", "31/12/2024"),
    ("TT Hà Trung", "QUÝ II NĂM 2024", "unit_kind_mismatch", "sửa tên thành \"Huyện Hà Trung\""),
])
def test_unit_problems_name_the_cell_and_the_closest_units(name, period_title, code, hint_part):
    pf = parse(consolidated_workbook([(name, {"conferences": 1})], period_title))
    [p] = [p for p in pf.problems if p.code != "total_mismatch"]
    row = first_data_row()
    assert (p.code, p.cell, p.row, p.column, p.severity) == (code, f"B{row}", row, "Đơn vị", "error")
    assert hint_part in p.hint + p.message
    assert pf.records == []


def test_text_rows_without_figures_are_headings_not_units():
    pf = parse(consolidated_workbook([("Huyện Yên Định", {"conferences": 1}), "Các đơn vị khác", "Cụm miền núi"]))
    assert pf.ok and pf.problems == []


@pytest.mark.parametrize("header", ["Số tin bài", "Tin bài tuyên truyền"])
def test_unknown_numeric_column_is_an_error_naming_its_header(header):
    pf = parse(consolidated_workbook([("Huyện Yên Định", {"conferences": 1}), ("Huyện Hà Trung", {})],
                                     extra_columns={header: [None, 5]}))
    [p] = pf.problems
    assert (p.code, p.column, p.cell) == ("unknown_column", header, f"O{first_data_row() + 1}")
    assert header in p.message and header in p.hint and "alias" in p.hint


@pytest.mark.parametrize("header, values", [
    ("Ghi chú khác", ["đạt", "chưa đạt"]), ("Tỷ lệ công nhận (%)", [57.7, 60]), ("Ghi chú 2", [None, None]),
])
def test_notes_and_rate_columns_are_ignored(header, values):
    pf = parse(consolidated_workbook([("Huyện Yên Định", {"conferences": 1}), ("Huyện Hà Trung", {"conferences": 2})],
                                     extra_columns={header: values}))
    assert pf.ok and pf.problems == []


def test_numbers_in_a_column_without_header_are_an_unknown_column():
    data = consolidated_workbook([("Huyện Yên Định", {"conferences": 1})], notes=False, with_total=False)
    from io import BytesIO

    from openpyxl import load_workbook
    wb = load_workbook(BytesIO(data))
    wb["Biểu 01"].cell(first_data_row(), 20, 99)
    pf = parse(to_bytes(wb))
    assert [(p.code, p.cell) for p in pf.problems] == [("unknown_column", f"T{first_data_row()}")]


def test_renamed_headers_match_aliases_in_flat_layout():
    pf = parse(consolidated_workbook([("Huyện Yên Định", {"conferences": 4, "conference_participants": 40})],
                                     headers="flat", header_text={"conferences": "SO HOI NGHI",
                                                                  "conference_participants": "Lượt người dự"}))
    assert pf.ok and pf.records[0].values == {"conferences": 4, "conference_participants": 40}


def test_two_columns_for_one_indicator_is_an_error():
    pf = parse(consolidated_workbook([("Huyện Yên Định", {"conferences": 4})], headers="flat",
                                     header_text={"documents_issued": "Số hội nghị"}))
    assert "duplicate_column" in codes(pf)


@pytest.mark.parametrize("title, given, period, code", [
    ("QUÝ II NĂM 2024", None, quarter(2024, 2), None),
    ("Quý III/2024", None, quarter(2024, 3), None),
    ("quý 1 - 2024", None, quarter(2024, 1), None),
    ("QUÝ II NĂM 2024", quarter(2024, 2), quarter(2024, 2), None),
    ("", quarter(2024, 2), quarter(2024, 2), None),
    ("QUÝ II NĂM 2024", quarter(2024, 3), quarter(2024, 3), "period_conflict"),
    ("", None, None, "period_missing"),
    ("6 THÁNG ĐẦU NĂM 2024", None, Period(2024, "H1"), None),
    ("NĂM 2024", None, Period(2024, "Y"), None),
    ("4 THÁNG ĐẦU NĂM 2024", None, None, "period_unsupported"),
    ("QUÝ II NĂM 2026", None, quarter(2026, 2), "period_in_future"),
])
def test_period_from_title_or_given(title, given, period, code):
    pf = parse(consolidated_workbook([("Huyện Yên Định", {"conferences": 1})], title), period=given)
    assert pf.period == period
    assert codes(pf)[:1] == ([code] if code else [])


def test_period_conflict_names_both_periods():
    pf = parse(consolidated_workbook([("Huyện Yên Định", {"conferences": 1})]), period=quarter(2024, 3))
    [p] = pf.problems
    assert "Quý II/2024" in p.message and "Quý III/2024" in p.message


def test_total_mismatch_is_a_warning_per_indicator_with_the_total_cell():
    rows = [("Huyện Yên Định", {"conferences": 3, "conference_participants": 100}),
            ("Huyện Hà Trung", {"conferences": 2, "conference_participants": 50})]
    pf = parse(consolidated_workbook(rows, total={"conferences": 6}))
    total_row = first_data_row() + 2
    assert pf.ok
    [p] = pf.problems
    assert (p.code, p.severity, p.cell, p.row) == ("total_mismatch", "warning", f"D{total_row}", total_row)
    assert "6" in p.message and "5" in p.message
    assert [r.unit_code for r in pf.records] == ["394", "392"]  # the total row is never a unit


def test_grand_total_among_cluster_subtotals_is_checked():
    rows = [("Huyện Yên Định", {"conferences": 3}), ("Huyện Hà Trung", {"conferences": 2}),
            ("Cộng", {"conferences": 5}), ("Huyện Mường Lát", {"conferences": 1})]
    pf = parse(consolidated_workbook(rows, total={"conferences": 9}))
    assert [r.unit_code for r in pf.records] == ["394", "392", "384"]
    assert [(p.code, p.message.split("= ")[1][:1]) for p in pf.problems] == [("total_mismatch", "9")]


def test_total_label_in_the_stt_column():
    data = consolidated_workbook([("Huyện Yên Định", {"conferences": 3})], with_total=False, notes=False)
    from io import BytesIO

    from openpyxl import load_workbook
    wb = load_workbook(BytesIO(data))
    ws = wb["Biểu 01"]
    r = first_data_row() + 1
    ws.cell(r, 1, "Tổng cộng")
    ws.cell(r, 4, 4)
    pf = parse(to_bytes(wb))
    assert codes(pf) == ["total_mismatch"] and pf.problems[0].cell == f"D{r}"


def test_values_without_a_unit_name_are_a_warning():
    pf = parse(consolidated_workbook([("Huyện Yên Định", {"conferences": 3}), ("", {"conferences": 2})],
                                     with_total=False))
    [p] = pf.problems
    assert (p.code, p.severity, p.row) == ("blank_unit_row", "warning", first_data_row() + 1)


def test_unit_with_only_dashes_is_a_warning_and_an_empty_row_is_silent():
    pf = parse(consolidated_workbook([("Huyện Yên Định", {"conferences": "-", "documents_issued": "-"}),
                                      ("Huyện Hà Trung", {}), ("Huyện Nga Sơn", {"conferences": 1})],
                                     with_total=False))
    assert [(p.code, p.severity) for p in pf.problems] == [("unit_no_values", "warning")]
    assert [r.unit_code for r in pf.records] == ["401"]


def test_a_workbook_without_a_table():
    wb = Workbook()
    wb.active.append(["Hướng dẫn"])
    wb.active.append(["Không có bảng nào"])
    pf = parse(to_bytes(wb))
    assert codes(pf) == ["no_table_found"] and pf.layout == ""


def test_a_table_without_unit_rows():
    pf = parse(consolidated_workbook([], with_total=False))
    assert codes(pf) == ["no_data_rows"]


# ---------------------------------------------------------------- form layout

FORM_VALUES = {"documents_issued": 5, "conferences": 4, "conference_participants": "1.300",
               "trainings": None, "models_registered": 10, "models_recognized": 6}


@pytest.mark.parametrize("title, period_title, code", [
    ("BAN DÂN VẬN HUYỆN ỦY YÊN ĐỊNH", "QUÝ II NĂM 2024", "394"),
    (["HUYỆN ỦY YÊN ĐỊNH", "BAN DÂN VẬN", "*"], "QUÝ II NĂM 2024", "394"),
    (["TỈNH ỦY THANH HÓA", "HUYỆN ỦY YÊN ĐỊNH"], "QUÝ II NĂM 2024", "394"),
    ("Đơn vị: Huyện Yên Định", "QUÝ II NĂM 2024", "394"),
    ("THỊ ỦY BỈM SƠN", "QUÝ II NĂM 2024", "381"),
    ("BAN DÂN VẬN THÀNH ỦY THANH HÓA", "QUÝ II NĂM 2024", "380"),
    ("ĐẢNG ỦY XÃ ĐỊNH TÂN", "QUÝ III NĂM 2025", "15982"),
    ("ĐẢNG ỦY PHƯỜNG HẠC THÀNH", "QUÝ III NĂM 2025", "16378"),
])
def test_form_layout_names_the_unit_in_its_title(title, period_title, code):
    pf = parse(form_workbook(title, FORM_VALUES, period_title))
    assert pf.layout == "form" and pf.ok, pf.problems
    [record] = pf.records
    assert record.unit_code == code
    assert record.values == {"documents_issued": 5, "conferences": 4, "conference_participants": 1300,
                             "models_registered": 10, "models_recognized": 6}
    assert record.cells["documents_issued"] == "D7"


@pytest.mark.parametrize("title, code", [
    ("BÁO CÁO", "form_unit_missing"), ("Đơn vị: Huyện Không Có Thật", "unknown_unit"),
])
def test_form_without_a_known_unit(title, code):
    pf = parse(form_workbook(title, FORM_VALUES))
    assert code in codes(pf) and pf.records == []


def test_form_unit_after_reorganisation():
    pf = parse(form_workbook("BAN DÂN VẬN HUYỆN ỦY YÊN ĐỊNH", FORM_VALUES, "QUÝ III NĂM 2025"))
    assert codes(pf) == ["district_after_reorganisation"]


def test_form_rows_use_aliases_groups_and_report_unknown_lines():
    rows = [("I. HỘI NGHỊ", None), ("Hội nghị quán triệt, tuyên truyền", None), ("Số cuộc", 4),
            ("Lượt người", "1.200"), ("Số văn bản ban hành", "06"), ("Số tin bài tuyên truyền", 7),
            ("Nội dung khác", None), ("Mô hình đăng ký", "gần 50")]
    pf = parse(form_workbook("HUYỆN ỦY HÀ TRUNG", rows))
    assert pf.records[0].values == {"conferences": 4, "conference_participants": 1200, "documents_issued": 6}
    assert [(p.code, p.cell, p.column) for p in pf.problems] == [
        ("unknown_indicator", "D11", "Số tin bài tuyên truyền"),
        ("qualified_number", "D13", "Mô hình đăng ký - Số lượng")]


def test_form_value_header_variants():
    pf = parse(form_workbook("HUYỆN ỦY HÀ TRUNG", FORM_VALUES, value_header="Kết quả thực hiện"))
    assert pf.ok and pf.records[0].unit_code == "392"


def test_an_instruction_sheet_that_lists_the_headers_is_not_taken_for_the_table():
    data = consolidated_workbook([("Huyện Yên Định", {"conferences": 3})], extra_sheets=False)
    from io import BytesIO

    from openpyxl import load_workbook
    wb = load_workbook(BytesIO(data))
    guide = wb.create_sheet("Hướng dẫn", 0)
    guide.append(["HƯỚNG DẪN"])
    guide.append(["STT", "Đơn vị", "Số hội nghị", "Lượt người tham dự"])
    guide.append(["1", "Ghi tên đơn vị", "Ghi số nguyên", "Ghi số nguyên"])
    pf = parse(to_bytes(wb))
    assert pf.sheet == "Biểu 01" and pf.ok and pf.records[0].values == {"conferences": 3}


def test_a_hidden_sheet_is_read_only_when_no_visible_sheet_holds_a_table():
    from io import BytesIO

    from openpyxl import load_workbook
    old = load_workbook(BytesIO(consolidated_workbook([("Huyện Yên Định", {"conferences": 9})], extra_sheets=False)))
    wb = load_workbook(BytesIO(consolidated_workbook([("Huyện Yên Định", {"conferences": 3})], extra_sheets=False)))
    hidden = wb.create_sheet("Quý I (cũ)", 0)
    for row in old.active.iter_rows(values_only=True):
        hidden.append(row)
    hidden.sheet_state = "hidden"
    pf = parse(to_bytes(wb))
    assert pf.sheet == "Biểu 01" and pf.records[0].values == {"conferences": 3}


def test_a_sheet_as_a_provincial_office_really_makes_it():
    """Header at row 8 under a two-column title block, the total row first, clusters with roman STT
    and subtotals, a row of column numbers, a notes column, notes and signatures over data columns."""
    wb = Workbook()
    ws = wb.active
    ws.title = "TH quý 2"
    ws["A1"], ws["F1"] = "TỈNH ỦY THANH HÓA", "ĐẢNG CỘNG SẢN VIỆT NAM"
    ws["A2"], ws["F2"] = "BAN DÂN VẬN", "Thanh Hóa, ngày 25 tháng 6 năm 2024"
    ws["A4"] = "BIỂU TỔNG HỢP"
    ws["A5"] = "Kết quả thực hiện phong trào thi đua \"Dân vận khéo\" Quý II/2024"
    ws["A6"] = "(Kèm theo Báo cáo số 45-BC/BDVTU)"
    ws.append([])
    ws.append(["TT", "Huyện, thị xã, thành phố", "Hội nghị", None, "Kiểm tra, giám sát", None, None,
               "Mô hình Dân vận khéo", None, "Ghi chú"])
    ws.append([None, None, "Số cuộc", "Lượt người", "Số cuộc", "Tổ chức đảng", "Đảng viên", "Đăng ký",
               "Công nhận", None])
    for rng in ("A8:A9", "B8:B9", "C8:D8", "E8:G8", "H8:J8".replace("J", "I"), "J8:J9"):
        ws.merge_cells(rng)
    ws.append(["A", "B", 1, 2, 3, 4, 5, 6, 7, 8])
    ws.append([None, "Tổng cộng", 11, "1.150", 3, 4, 2, 25, 15, None])
    ws.append(["I", "Cụm miền núi", None, None, None, None, None, None, None, None])
    ws.append([1, "Huyện Mường Lát", 5, 500, 1, 2, 1, 10, 5, "Báo cáo muộn"])
    ws.append([None, "Cộng cụm miền núi", 5, 500, 1, 2, 1, 10, 5, None])
    ws.append(["II", "Cụm đồng bằng", None, None, None, None, None, None, None, None])
    ws.append([2, "H. Yên Định", 6, "650", 2, 2, 1, 15, 10, None])
    ws.append([3, "Huyện Hà Trung", "-", "-", None, None, None, None, None, None])
    ws.append([None, "Cộng cụm đồng bằng", 6, 650, 2, 2, 1, 15, 10, None])
    ws.append([])
    ws.append(["Ghi chú: Huyện Hà Trung chưa báo cáo.", None, None, None, None, None, None, None, None, None])
    ws.append(["Nơi nhận:", None, None, None, None, None, "T/M BAN THƯỜNG VỤ", None, None, None])
    ws.append(["- Thường trực Tỉnh ủy;", None, None, None, None, None, "PHÓ TRƯỞNG BAN", None, None, None])
    ws.append(["- Lưu VP.", None, None, None, None, None, "Lê Văn Bình", None, None, None])
    pf = parse(to_bytes(wb))
    assert pf.period == quarter(2024, 2) and pf.layout == "consolidated"
    assert [(p.code, p.cell) for p in pf.problems] == [("unit_no_values", "B17")]
    assert [(r.unit_code, r.row, r.values) for r in pf.records] == [
        ("384", 13, {"conferences": 5, "conference_participants": 500, "inspections": 1, "inspected_party_orgs": 2,
                     "inspected_party_members": 1, "models_registered": 10, "models_recognized": 5}),
        ("394", 16, {"conferences": 6, "conference_participants": 650, "inspections": 2, "inspected_party_orgs": 2,
                     "inspected_party_members": 1, "models_registered": 15, "models_recognized": 10})]


def test_period_problems_point_at_the_title_cell():
    pf = parse(consolidated_workbook([("Huyện Yên Định", {"conferences": 1})]), period=quarter(2024, 3))
    [p] = pf.problems
    assert (p.code, p.cell, p.row) == ("period_conflict", "A2", 2)


def test_form_problems_for_repeated_lines_formulas_and_errors():
    rows = [("Số hội nghị", 4), ("Số hội nghị", 5), ("Lượt người tham dự", "=2*100"), ("Số văn bản ban hành", "#N/A")]
    pf = parse(form_workbook("HUYỆN ỦY HÀ TRUNG", rows))
    assert [(p.code, p.cell) for p in pf.problems] == [
        ("duplicate_indicator", "D7"), ("formula_without_value", "D8"), ("cell_error_value", "D9")]
    assert "dòng 6 và dòng 7" in pf.problems[0].message
    assert [r.values for r in pf.records] == [{"conferences": 4}] and not pf.ok


def _sheet_with_header(header_rows, merges, data_rows):
    wb = Workbook()
    ws = wb.active
    ws.title = "Biểu"
    ws.append(["BIỂU TỔNG HỢP QUÝ II NĂM 2024"])
    for row in header_rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    for row in data_rows:
        ws.append(row)
    return to_bytes(wb)


def test_three_line_header():
    data = _sheet_with_header(
        [["STT", "Đơn vị", "Kết quả thực hiện", None, None, None],
         [None, None, "Hội nghị", None, "Mô hình Dân vận khéo", None],
         [None, None, "Số cuộc", "Lượt người", "Đăng ký", "Công nhận"]],
        ["A2:A4", "B2:B4", "C2:F2", "C3:D3", "E3:F3"],
        [[1, "Huyện Yên Định", 3, 300, 10, 4]])
    pf = parse(data)
    assert pf.ok, pf.problems
    assert pf.records[0].values == {"conferences": 3, "conference_participants": 300, "models_registered": 10,
                                    "models_recognized": 4}
    assert pf.records[0].row == 5


def test_units_of_measure_line_under_flat_headers():
    data = _sheet_with_header(
        [["STT", "Đơn vị", "Số hội nghị", "Lượt người tham dự"], [None, None, "(cuộc)", "(lượt người)"]], [],
        [[1, "Huyện Yên Định", 3, 300]])
    pf = parse(data)
    assert pf.ok and pf.records[0].values == {"conferences": 3, "conference_participants": 300}


def test_merged_ranges_are_read_from_the_sheet_xml():
    from etl.reading.xlsx_sheets import _merged_cells
    xml = (b'<worksheet><sheetData><row r="1"/></sheetData><mergeCells count="2"><mergeCell ref="C4:D4"/>'
           b'<mergeCell ref="A4:A5"/></mergeCells><pageMargins/></worksheet>')
    assert _merged_cells(xml) == {(4, 3): (4, 3), (4, 4): (4, 3), (4, 1): (4, 1), (5, 1): (4, 1)}
    assert _merged_cells(b"<worksheet><sheetData/></worksheet>") == {}


CELL_TEXT = ["", "-", "12", "4.819", "gần 50", "105/130", "#REF!", "=1+1", "Tổng cộng", "Cụm miền núi",
             "Huyện Yên Định", "H. Hà Trung", "Nơi nhận:", "Đơn vị", "Số hội nghị", "Lượt người", "STT", "(1)",
             "QUÝ II NĂM 2024", "Nội dung", "Số lượng", "Ghi chú", "ĐẢNG ỦY XÃ ĐỊNH TÂN"]


def test_parse_never_raises_on_arbitrary_grids():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    cell = st.one_of(st.none(), st.sampled_from(CELL_TEXT), st.integers(-5, 10_000), st.floats(-1, 1e6),
                     st.text(max_size=8))

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.lists(cell, min_size=1, max_size=6), min_size=1, max_size=12))
    def check(grid):
        wb = Workbook()
        for row in grid:
            wb.active.append([_safe(v) for v in row])
        pf = parse(to_bytes(wb))
        assert all(p.message and p.code for p in pf.problems)
        assert pf.ok or pf.problems
    check()


def _safe(v):
    """openpyxl refuses control characters in strings; real files cannot hold them either."""
    if isinstance(v, str):
        return "".join(ch for ch in v if ch.isprintable()) or None
    return None if isinstance(v, float) and v != v else v


def test_a_nameless_first_row_is_not_mistaken_for_column_numbers():
    pf = parse(consolidated_workbook([("", {"conferences": 3}), ("Huyện Yên Định", {"conferences": 2})],
                                     headers="flat", column_numbers=False, with_total=False))
    assert [(p.code, p.row) for p in pf.problems] == [("blank_unit_row", first_data_row("flat", False))]


# ---------------------------------------------------------------- review defects: what must never load silently

TWO_UNITS = [("Huyện Yên Định", {"documents_issued": 4, "conferences": 3}),
             ("Huyện Hà Trung", {"documents_issued": 2, "conferences": 2})]


def _edited(data: bytes, edit) -> bytes:
    """The workbook after edit(ws) on its table sheet, saved again (as a user would in Excel)."""
    from io import BytesIO

    from openpyxl import load_workbook
    wb = load_workbook(BytesIO(data))
    edit(wb["Biểu 01"])
    return to_bytes(wb)


def _write_below(ws, first: int, rows) -> None:
    for i, row in enumerate(rows):
        for c, v in enumerate(row, 1):
            ws.cell(first + i, c, v)


@pytest.mark.parametrize("below, begins", [
    ([[None, "II. SỐ LIỆU QUÝ I NĂM 2024 (bổ sung)"], [1, "Huyện Nga Sơn", 5, 4]], 1),
    ([[], [], [1, "Huyện Nga Sơn", 5, 4], [2, "Huyện Hậu Lộc", 1, 1]], 3),
    ([[None, "Bổ sung"], [None, "Cụm đồng bằng"], [1, "Huyện Nga Sơn", 5, 4], [None, "Cộng", 5, 4]], 1),
    ([[None, "Ghi chú: Huyện Nga Sơn báo cáo sau."], ["Nơi nhận:"], [None, None, None, None, None, None, None,
                                                                       "TRƯỞNG BAN"]], None),
    ([[], [None, "Người lập biểu"]], None),
], ids=["appendix-heading", "units-after-blank-rows", "appendix-with-own-total", "notes", "signature"])
def test_a_table_ends_at_its_grand_total_row(below, begins):
    total_row = first_data_row() + len(TWO_UNITS)
    pf = parse(_edited(consolidated_workbook(TWO_UNITS, notes=False),
                       lambda ws: _write_below(ws, total_row + 1, below)))
    assert [r.unit_code for r in pf.records] == ["394", "392"]
    if begins is None:
        assert pf.ok and pf.problems == []
        return
    [p] = pf.problems
    row = total_row + begins
    assert (p.code, p.severity, p.row) == ("second_table", "error", row)
    assert p.message.startswith(f"Có bảng số liệu thứ hai bắt đầu ở dòng {row}, bên dưới dòng tổng cộng")
    assert "tệp riêng" in p.hint and "xóa" in p.hint


@pytest.mark.parametrize("hidden, expected", [
    ([1], [("hidden_row", 1, "Dòng {row} (Huyện Hà Trung) đang bị ẩn nhưng vẫn được nạp.")]),
    ([0, 1], [("hidden_row", 0, "Dòng {row} (Huyện Yên Định) đang bị ẩn nhưng vẫn được nạp."),
              ("hidden_row", 1, "Dòng {row} (Huyện Hà Trung) đang bị ẩn nhưng vẫn được nạp.")]),
    ([2], []),     # the hidden total row is not loaded anyway
    ([-1], []),    # a hidden column-numbers row
], ids=["one-unit", "two-units", "total", "column-numbers"])
def test_hidden_unit_rows_are_loaded_with_a_warning(hidden, expected):
    first = first_data_row()

    def hide(ws):
        for i in hidden:
            ws.row_dimensions[first + i].hidden = True
    pf = parse(_edited(consolidated_workbook(TWO_UNITS), hide))
    assert pf.ok and [r.unit_code for r in pf.records] == ["394", "392"]
    assert [(p.code, p.row, p.message, p.cell) for p in pf.problems] == [
        (code, first + i, text.format(row=first + i), f"B{first + i}") for code, i, text in expected]
    assert all(p.severity == "warning" and "Bỏ ẩn" in p.hint for p in pf.problems)


@pytest.mark.parametrize("merge, expected", [
    ("C{0}:C{1}", ["C{0}:C{1}"]),                # a value merged down over both units
    ("C{0}:D{1}", ["C{0}:D{1}"]),
    ("E{1}:E{2}", []),                           # the last unit and the blank row below: no unit blanked
    ("O{0}:O{1}", []),                           # the notes column (Ghi chú) may be merged
    ("C{0}:D{0}", []),                           # within one row
], ids=["down-one-column", "block", "unit-and-total", "notes-column", "one-row"])
def test_a_value_cell_merged_over_several_units_is_an_error(merge, expected):
    first = first_data_row()
    ref = merge.format(first, first + 1, first + 2)
    rows = [("Huyện Yên Định", {"documents_issued": 4, "conferences": 3, "conference_participants": 10}),
            ("Huyện Hà Trung", {"documents_issued": 4, "conferences": 3, "conference_participants": 10})]
    pf = parse(_edited(consolidated_workbook(rows, with_total=False, notes=False),
                       lambda ws: ws.merge_cells(ref)))
    got = [p for p in pf.problems if p.code == "merged_across_units"]
    assert [p.cell for p in got] == [e.format(first, first + 1, first + 2) for e in expected]
    for p in got:
        assert p.severity == "error" and p.row == first and f"Ô {p.cell} được gộp qua nhiều đơn vị" in p.message
        assert "Huyện Yên Định, Huyện Hà Trung" in p.message and "Bỏ gộp" in p.hint


@pytest.mark.parametrize("rows, given, total, expected", [
    (TWO_UNITS, None, {"conferences": 9}, ["total_mismatch"]),
    ([("Huyện Yên Đinh Tây", {"conferences": 3}), TWO_UNITS[1]], None, {"conferences": 9}, ["unknown_unit"]),
    ([("Huyện Yên Định", {"conferences": "gần 50"}), TWO_UNITS[1]], None, {"conferences": 9},
     ["qualified_number"]),
    ([("TT Hà Trung", {"conferences": 3}), TWO_UNITS[1]], None, {"conferences": 9}, ["unit_kind_mismatch"]),
    (TWO_UNITS, quarter(2024, 3), {"conferences": 9}, ["period_conflict"]),
    ([("Huyện Yên Định", {"conferences": date(2024, 2, 1)}), TWO_UNITS[1]], None, {"conferences": 9},
     ["date_in_cell"]),
], ids=["no-errors", "unknown-unit", "bad-cell", "kind-mismatch", "period", "date-cell"])
def test_the_total_is_checked_only_when_every_unit_row_was_read(rows, given, total, expected):
    pf = parse(consolidated_workbook(rows, total=total), period=given)
    assert codes(pf) == expected


def test_total_mismatches_are_in_column_order_with_vietnamese_numbers_and_a_true_hint():
    rows = [("Huyện Yên Định", {"documents_issued": 4, "conferences": 1000, "conference_participants": 1650,
                                "models_registered": 3, "models_recognized": 5})]
    # the rule error (recognised > registered) refuses the file: the hint must stay true then too
    pf = parse(consolidated_workbook(rows, total={"models_registered": 4, "conference_participants": 1654,
                                                  "documents_issued": 5}))
    totals = [p for p in pf.problems if p.code == "total_mismatch"]
    assert [p.cell[0] for p in totals] == ["C", "E", "M"]
    assert "= 1.654, nhưng cộng các đơn vị được 1.650" in totals[1].message
    assert not pf.ok
    for p in totals:
        assert "vẫn được nạp" not in p.hint and "Dòng tổng không được nạp" in p.hint and p.cell in p.hint


@pytest.mark.parametrize("raw, shown", [
    (date(2024, 2, 1), "01/02/2024"), (date(2024, 12, 3), "03/12/2024"),
])
def test_a_count_excel_turned_into_a_date_is_shown_as_typed(raw, shown):
    pf = parse(consolidated_workbook([("Huyện Yên Định", {"conferences": raw, "documents_issued": 1})],
                                     with_total=False))
    [p] = pf.problems
    assert p.code == "date_in_cell" and f"\"{shown}\"" in p.message and "00:00" not in p.message
    assert "ngày tháng" in p.message and "Number" in p.hint and "Text" in p.hint


@pytest.mark.parametrize("hidden, warned", [(0, []), (1, ["Văn bản ban hành"]), (4, [])],
                         ids=["group-row", "value-row", "below-the-form"])
def test_hidden_lines_of_a_form_are_loaded_with_a_warning(hidden, warned):
    from openpyxl import load_workbook

    from tests.workbooks import FORM_FIRST_ROW
    data = form_workbook("BAN DÂN VẬN HUYỆN ỦY YÊN ĐỊNH", {"documents_issued": 3, "dialogues": 2})
    from io import BytesIO
    wb = load_workbook(BytesIO(data))
    wb.active.row_dimensions[FORM_FIRST_ROW + hidden].hidden = True
    pf = parse(to_bytes(wb))
    assert pf.ok and pf.records[0].values == {"documents_issued": 3, "dialogues": 2}
    assert [(p.code, p.row) for p in pf.problems] == [("hidden_row", FORM_FIRST_ROW + hidden) for _ in warned]
    assert [p.message for p in pf.problems] == [
        f"Dòng {FORM_FIRST_ROW + hidden} ({w}) đang bị ẩn nhưng vẫn được nạp." for w in warned]
