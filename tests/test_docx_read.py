"""Word reports (.docx built with python-docx in the test): the tables inside them read by the same
layouts as sheets (consolidated, form, transposed, merged header cells, several tables), cells named
'Bảng N, dòng R, cột C', title/unit/period from the heading lines; the same safety limits as a
workbook (zip of XML: caps, DOCTYPE refused, bomb guard, macros refused). No database."""
from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from etl.periods import Period, quarter
from etl.reading.docx_sheets import read_document
from etl.reading.formats import file_kind
from etl.reading.read import parse_workbook
from etl.reading.safety import check_upload
from tests.documents import (PROVINCE_HEADINGS, YD_HEADINGS, Table, consolidated_table, document, form_table,
                             transposed_table)
from tests.workbooks import catalogue_indicators, sample_units

UNITS, INDICATORS = sample_units(), catalogue_indicators()
ROWS = [("Huyện Yên Định", {"conferences": 12, "conference_participants": "4.819", "documents_issued": "06",
                            "models_registered": 30, "models_recognized": 17}),
        ("H. Nông Cống", {"conferences": 3, "conference_participants": 120})]
NOTES = ["Nơi nhận:", "- Thường trực Tỉnh ủy;", "- Lưu VT.", "TRƯỞNG BAN"]


def parse(data, **kw):
    kw.setdefault("today", date(2026, 1, 15))
    return parse_workbook(data, "bao_cao.docx", units=UNITS, indicators=INDICATORS, **kw)


def codes(pf):
    return [p.code for p in pf.problems]


def test_a_docx_is_told_by_its_bytes_and_passes_the_safety_checks():
    data = document(*PROVINCE_HEADINGS, consolidated_table(ROWS))
    assert file_kind(data) == "docx" and check_upload(data, "bao_cao.xlsx") == []


def test_consolidated_table_with_merged_two_line_header():
    pf = parse(document(*PROVINCE_HEADINGS, consolidated_table(ROWS), *NOTES))
    assert (pf.ok, pf.sheet, pf.layout, pf.period) == (True, "Bảng 1", "consolidated", quarter(2024, 2))
    assert [(r.unit_code, r.values) for r in pf.records] == [
        ("394", {"conferences": 12, "conference_participants": 4819, "documents_issued": 6, "models_registered": 30,
                 "models_recognized": 17}),
        ("404", {"conferences": 3, "conference_participants": 120})]
    assert pf.records[0].cells["conference_participants"] == "Bảng 1, dòng 3, cột 4"
    assert {m.header: m.indicator for m in pf.mapped_columns} == {
        "Hội nghị quán triệt, tuyên truyền - Số cuộc": "conferences",
        "Hội nghị quán triệt, tuyên truyền - Lượt người": "conference_participants",
        "Văn bản ban hành": "documents_issued", "Mô hình “Dân vận khéo” - Đăng ký": "models_registered",
        "Mô hình “Dân vận khéo” - Công nhận": "models_recognized"}
    assert pf.text_figures == [] and [(s.name, s.status, s.layout) for s in pf.sheets] == [
        ("Bảng 1", "read", "consolidated")]


def test_merged_cells_become_the_sheets_merges_gridspan_across_vmerge_down():
    doc = read_document(document(consolidated_table(ROWS)))
    table = doc.tables[0]
    assert table.rows[0][:4] == ("STT", "Đơn vị", "Hội nghị quán triệt, tuyên truyền", None)
    assert table.merges[(1, 4)] == (1, 3) and table.merges[(2, 1)] == (1, 1) and table.merges[(2, 5)] == (1, 5)
    assert (1, 1, 2, 1) in table.row_merges and (1, 3, 1, 4) not in table.row_merges


def test_a_total_row_that_disagrees_is_named_by_table_row_and_column():
    table = consolidated_table(ROWS)
    table.rows[-1][2] = "99"
    pf = parse(document(*PROVINCE_HEADINGS, table))
    [p] = pf.problems
    assert (p.code, p.sheet, p.cell) == ("total_mismatch", "Bảng 1", "Bảng 1, dòng 5, cột 3")


def test_form_table_with_the_unit_in_the_heading_lines():
    pf = parse(document(*YD_HEADINGS, form_table({"conferences": 12, "conference_participants": "1.250",
                                                  "models_registered": "06"})))
    assert (pf.ok, pf.layout, pf.period) == (True, "form", quarter(2024, 2))
    assert [(r.unit_code, r.values) for r in pf.records] == [
        ("394", {"conferences": 12, "conference_participants": 1250, "models_registered": 6})]
    assert pf.records[0].cells["models_registered"] == "Bảng 1, dòng 4, cột 4"


def test_letterhead_table_gives_the_unit_and_is_skipped_as_no_table():
    letterhead = [["HUYỆN ỦY YÊN ĐỊNH\nBAN DÂN VẬN", "ĐẢNG CỘNG SẢN VIỆT NAM"],
                  ["Số: 45-BC/BDV", "Yên Định, ngày 20 tháng 6 năm 2024"]]
    pf = parse(document("BÁO CÁO", "Kết quả công tác dân vận quý II năm 2024",
                        form_table({"conferences": 5}), letterhead=letterhead))
    assert pf.ok and [(r.unit_code, r.values) for r in pf.records] == [("394", {"conferences": 5})]
    assert [(s.name, s.status) for s in pf.sheets] == [("Bảng 1", "skipped"), ("Bảng 2", "read")]
    assert read_document(document("x", letterhead=letterhead)).headings[:3] == [
        "HUYỆN ỦY YÊN ĐỊNH", "BAN DÂN VẬN", "ĐẢNG CỘNG SẢN VIỆT NAM"]


def test_transposed_table_units_across():
    pf = parse(document(*PROVINCE_HEADINGS, transposed_table(
        ["Huyện Yên Định", "Huyện Hà Trung"], {"conferences": [3, 4], "conference_participants": [100, 200]})))
    assert (pf.ok, pf.layout) == (True, "transposed")
    assert [(r.unit_code, r.values) for r in pf.records] == [
        ("394", {"conferences": 3, "conference_participants": 100}),
        ("392", {"conferences": 4, "conference_participants": 200})]
    assert pf.records[1].cells["conferences"] == "Bảng 1, dòng 2, cột 5"


def test_two_tables_in_one_document_are_one_batch_and_a_disagreement_names_both_cells():
    west = consolidated_table([("Huyện Yên Định", {"conferences": 12})], codes=("conferences",))
    east = consolidated_table([("Huyện Hà Trung", {"conferences": 4}), ("Huyện Yên Định", {"conferences": 12})],
                              codes=("conferences",))
    pf = parse(document(*PROVINCE_HEADINGS, "Biểu 01: Cụm đồng bằng", west, "Biểu 02: Cụm ven biển", east))
    assert pf.ok and [(r.unit_code, r.sheet, r.values) for r in pf.records] == [
        ("394", "Bảng 1", {"conferences": 12}), ("392", "Bảng 2", {"conferences": 4})]
    assert codes(pf) == ["cross_sheet_repeat"]
    east.rows[3][2] = "13"
    east.rows[4][2] = "17"
    [p] = parse(document(*PROVINCE_HEADINGS, west, east)).problems
    assert p.code == "cross_sheet_conflict" and p.cell == "Bảng 2, dòng 4, cột 3"
    assert "Bảng 1, dòng 3, cột 3" in p.message


def test_a_bad_cell_in_the_second_table_is_named_bang_2_dong_5_cot_4():
    form = form_table({"documents_issued": 3, "conferences": 2, "conference_participants": 40,
                       "models_registered": "gần 50"})
    pf = parse(document(*YD_HEADINGS, consolidated_table(ROWS), form))
    bad = next(p for p in pf.problems if p.code == "qualified_number")
    assert (bad.sheet, bad.cell) == ("Bảng 2", "Bảng 2, dòng 5, cột 4")
    assert "Bảng 2, dòng 5, cột 4" in bad.message and not pf.ok


def test_a_caption_above_the_table_gives_its_period():
    pf = parse(document("BAN DÂN VẬN TỈNH ỦY THANH HÓA", "Biểu tổng hợp 6 tháng đầu năm 2024",
                        consolidated_table(ROWS)))
    assert pf.ok and pf.period == Period(2024, "H1")


def test_a_document_without_a_period_asks_for_one_and_takes_the_given_one():
    data = document("BAN DÂN VẬN TỈNH ỦY THANH HÓA", consolidated_table(ROWS))
    assert codes(parse(data)) == ["period_missing"]
    assert parse(data, period=quarter(2024, 3)).ok


def test_a_document_with_neither_a_table_nor_a_figure_is_refused():
    pf = parse(document(*YD_HEADINGS, "Tình hình nhân dân ổn định."))
    assert codes(pf) == ["document_no_figures"] and not pf.ok


# ---------------------------------------------------------------- the same safety limits as a workbook

DOCTYPE = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i.filename) for i in zf.infolist()}


def _pack(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in parts.items():
            zf.writestr(name, body)
    return buf.getvalue()


GOOD = document(*YD_HEADINGS, form_table({"conferences": 5}))


@pytest.mark.parametrize("part", ["word/document.xml", "word/styles.xml", "[Content_Types].xml", "word/x.xml"])
def test_a_doctype_in_any_part_of_a_docx_is_refused_before_parsing(part):
    parts = _parts(GOOD)
    body = parts.get(part, b"<x/>")
    parts[part] = body.replace(b"?>", b"?>" + DOCTYPE, 1) if body.startswith(b"<?xml") else DOCTYPE + body
    [p] = check_upload(_pack(parts), "bao_cao.docx")
    assert p.code == "file_doctype" and part in p.message and "Word" in p.hint
    assert parse(_pack(parts)).problems == [p]


def test_a_macro_document_is_refused():
    parts = _parts(GOOD)
    parts["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0" + b"\x00" * 100
    [p] = check_upload(_pack(parts), "bao_cao.docm")
    assert p.code == "file_has_macros" and "vbaProject" in p.message
    parts = _parts(GOOD)
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml")
    assert [p.code for p in check_upload(_pack(parts), "bao_cao.docx")] == ["file_has_macros"]


def test_a_docx_zip_bomb_and_an_oversized_document_part_are_refused(monkeypatch):
    parts = _parts(GOOD)
    parts["word/media/padding.bin"] = b"\x00" * (5 * 2**20)
    [p] = check_upload(_pack(parts), "bao_cao.docx")
    assert p.code == "file_zip_bomb" and "word/media/padding.bin" in p.message
    monkeypatch.setattr("etl.reading.safety.MAX_DOCUMENT_XML_BYTES", 1000)
    [p] = check_upload(GOOD, "bao_cao.docx")
    assert p.code == "file_too_large" and "nội dung văn bản" in p.message


def test_a_broken_document_part_is_unreadable_not_a_crash():
    parts = _parts(GOOD)
    parts["word/document.xml"] = b"<w:document><w:body><w:p>"
    [p] = parse(_pack(parts)).problems
    assert p.code == "file_unreadable" and ".docx" in p.message


def test_tables_per_document_are_capped(monkeypatch):
    monkeypatch.setattr("etl.reading.docx_sheets.MAX_TABLES", 2)
    data = document(*YD_HEADINGS, *[Table([["a", "b"]]) for _ in range(3)])
    [p] = parse(data).problems
    assert p.code == "file_too_large" and "bảng" in p.message
