"""Hostile and broken uploads are refused before any parser touches them, without raising, and
reading a sheet stays bounded however far its cells reach."""
import io
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from etl.reading.read import MAX_COLS, MAX_EMPTY_RUN, parse_workbook
from etl.reading.safety import (MAX_RATIO, MAX_UNCOMPRESSED_BYTES, RATIO_MIN_BYTES, check_file_count, check_upload,
                                zip_bomb_detail)
from tests.hostile import crafted
from tests.workbooks import catalogue_indicators, consolidated_workbook, first_data_row, sample_units, to_bytes

UNITS, INDICATORS = sample_units(), catalogue_indicators()
GOOD = consolidated_workbook([("Huyện Yên Định", {"conferences": 3})])


def parse(data, **kw):
    return parse_workbook(data, "upload.xlsx", units=UNITS, indicators=INDICATORS, today=date(2026, 1, 1), **kw)


def sheets_read(monkeypatch) -> list:
    """Record every sheet etl.reading.read materialises, to assert how much of a file was read."""
    import etl.reading.read
    seen, real = [], etl.reading.read._read_full

    def spy(*args, **kw):
        sheet = real(*args, **kw)
        seen.append(sheet)
        return sheet
    monkeypatch.setattr(etl.reading.read, "_read_full", spy)
    return seen


def one_unit_sheet(below: list[list]) -> bytes:
    """Sheet "Biểu": a title, a header, Yên Định's row, then the rows `below`."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Biểu")
    for row in [["BIỂU TỔNG HỢP QUÝ II NĂM 2024"], ["STT", "Đơn vị", "Số hội nghị"],
                [1, "Huyện Yên Định", 3], *below]:
        ws.append(row)
    return to_bytes(wb)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return buf.getvalue()


@pytest.mark.parametrize("data, code, looks_like", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "file_not_xlsx", "PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "file_unreadable", ".xls"),  # a broken .xls
    ("STT,Đơn vị,Số hội nghị\n1,Huyện Yên Định,12\n".encode(), "file_not_xlsx", "CSV"),
    (b"\xef\xbb\xbf<html><body><table><tr><td>1</td></tr></table></body></html>", "file_not_xlsx", "HTML"),
    (b"<?xml version='1.0'?><Workbook xmlns='urn:schemas-microsoft-com:office:spreadsheet'/>", "file_not_xlsx",
     "XML"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "file_not_xlsx", "hình ảnh"),
    (_zip({"[Content_Types].xml": b"<x/>", "ppt/presentation.xml": b"<x/>"}), "file_not_xlsx", "PowerPoint"),
    (_zip({"readme.txt": b"hello"}), "file_not_xlsx", ".zip"),
    (b"", "file_unreadable", "rỗng"),
    (GOOD[: len(GOOD) // 2], "file_unreadable", "hỏng"),
    (b"PK\x03\x04" + b"\x00" * 50, "file_unreadable", "hỏng"),
])
def test_files_that_are_not_xlsx(data, code, looks_like):
    [p] = check_upload(data, "upload.xlsx")
    assert (p.code, p.severity, p.file) == (code, "error", "upload.xlsx")
    assert looks_like in p.message
    assert parse(data).problems == [p]


def test_a_real_xlsx_passes():
    assert check_upload(GOOD, "a.xlsx") == []


def test_size_cap():
    [p] = check_upload(GOOD, "upload.xlsx", max_bytes=1000)
    assert p.code == "file_too_large" and "1000 byte" in p.message
    assert parse(GOOD, max_bytes=1000).problems == [p]


def test_zip_bomb_member_ratio_is_refused_before_parsing():
    bomb = b"\x00" * (RATIO_MIN_BYTES * 4)
    with zipfile.ZipFile(io.BytesIO(GOOD)) as src:
        members = {i.filename: src.read(i.filename) for i in src.infolist()}
    members["xl/media/padding.bin"] = bomb
    data = _zip(members)
    [p] = check_upload(data, "a.xlsx")
    assert p.code == "file_zip_bomb" and "xl/media/padding.bin" in p.message


def _info(name: str, size: int, compressed: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.file_size, info.compress_size = size, compressed
    return info


@pytest.mark.parametrize("infos, bomb", [
    ([_info("xl/worksheets/sheet1.xml", 5 * 2**20, 400 * 2**10)], False),             # ordinary 13:1
    ([_info("xl/worksheets/sheet1.xml", 150 * 2**10, 1 * 2**10)], False),              # small member, any ratio
    ([_info("xl/worksheets/sheet1.xml", 50 * 2**20, 50 * 2**20 // (MAX_RATIO + 1))], True),
    ([_info(f"xl/m{i}.xml", 60 * 2**20, 10 * 2**20) for i in range(4)], True),           # 240 MB in total
    ([_info(f"x{i}", 10, 10) for i in range(6000)], True),                              # member count
])
def test_zip_bomb_limits(infos, bomb):
    assert bool(zip_bomb_detail(infos)) is bomb
    assert MAX_UNCOMPRESSED_BYTES == 200 * 2**20


def test_corrupt_xml_inside_a_real_zip_is_unreadable_not_a_crash():
    data = _zip({"[Content_Types].xml": b"<Types", "xl/workbook.xml": b"not xml at all"})
    pf = parse(data)
    assert [p.code for p in pf.problems] == ["file_unreadable"]


def test_corrupt_sheet_xml_is_unreadable_not_a_crash():
    with zipfile.ZipFile(io.BytesIO(GOOD)) as src:
        members = {i.filename: src.read(i.filename) for i in src.infolist()}
    members["xl/worksheets/sheet2.xml"] = members["xl/worksheets/sheet2.xml"][:300]
    pf = parse(_zip(members))
    assert [p.code for p in pf.problems] == ["file_unreadable"]


def test_many_junk_rows_below_a_table_are_refused_without_reading_them_all(monkeypatch):
    monkeypatch.setattr("etl.reading.read.MAX_ROWS", 2000)  # the real cap is 10.000 rows; same code path
    below = [[None, "x", None]] * 2500
    seen = sheets_read(monkeypatch)
    pf = parse(one_unit_sheet(below))
    assert seen and max(len(s.rows) for s in seen) <= 2000
    [p] = pf.problems
    assert (p.code, p.sheet) == ("too_many_rows", "Biểu") and "2.000" in p.message


def test_formatted_empty_rows_end_the_scan(monkeypatch):
    monkeypatch.setattr("etl.reading.read.MAX_EMPTY_RUN", 50)
    below = [[None, None, None]] * 100 + [[2, "Huyện Hà Trung", 4]]  # beyond a long empty run
    pf = parse(one_unit_sheet(below))
    assert pf.ok and [r.unit_code for r in pf.records] == ["394"]


def test_a_stray_cell_far_below_and_far_right_is_not_read(monkeypatch):
    data = consolidated_workbook([("Huyện Yên Định", {"conferences": 3})], notes=False)
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Biểu 01"]
    ws.cell(1_000_000, 1, "x")
    ws.cell(first_data_row() + 1, 16_000, "y")
    seen = sheets_read(monkeypatch)
    pf = parse(to_bytes(wb))
    assert seen and all(len(s.rows) < first_data_row() + MAX_EMPTY_RUN + 5 for s in seen)
    assert all(len(row) <= MAX_COLS for s in seen for row in s.rows)
    assert pf.ok and [r.unit_code for r in pf.records] == ["394"]


def test_huge_sheet_xml_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr("etl.reading.safety.MAX_SHEET_XML_BYTES", 2000)
    [p] = check_upload(GOOD, "a.xlsx")
    assert p.code == "file_too_large" and "trang tính" in p.message


# ---------------------------------------------------------------- DOCTYPE, macros, caps (issue 11)

DOCTYPE = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def good_parts() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(GOOD)) as src:
        return {i.filename: src.read(i.filename) for i in src.infolist()}


@pytest.mark.parametrize("part", ["[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                                  "xl/worksheets/sheet2.xml", "xl/styles.xml", "docProps/core.xml",
                                  "xl/khong_ai_tro_toi.xml"])
def test_a_doctype_in_any_part_is_refused_before_parsing_naming_the_part(part):
    parts = good_parts()
    body = parts.get(part, b"<x/>")
    parts[part] = body.replace(b"?>", b"?>" + DOCTYPE, 1) if body.startswith(b"<?xml") else DOCTYPE + body
    [p] = check_upload(_zip(parts), "upload.xlsx")
    assert (p.code, p.file) == ("file_doctype", "upload.xlsx") and part in p.message
    assert parse(_zip(parts)).problems == [p]


@pytest.mark.parametrize("build, named", [
    (crafted.macro_workbook, "vbaProject.bin"),
    (lambda: crafted.macro_workbook(renamed=True), "macroenabled"),
    (crafted.excel4_macro_sheet, "macrosheets"),
])
def test_a_macro_workbook_is_refused_with_how_to_save_it_without_macros(build, named):
    [p] = check_upload(build(), "bao_cao.xlsm")
    assert p.code == "file_has_macros" and named in p.message
    assert ".xlsx" in p.hint and "macro" in p.hint


def test_every_part_is_capped_not_only_the_sheets(monkeypatch):
    monkeypatch.setattr("etl.reading.safety.MAX_PART_BYTES", 5000)
    [p] = check_upload(GOOD, "a.xlsx")   # the theme (10 KB) is the largest part of GOOD
    assert p.code == "file_too_large" and "xl/theme/theme1.xml" in p.message
    assert "4,9 KB mỗi thành phần" in p.message


def test_sheets_per_workbook_are_capped(monkeypatch):
    monkeypatch.setattr("etl.reading.safety.MAX_SHEETS", 7)
    monkeypatch.setattr("etl.reading.safety.MAX_SHEET_XML_BYTES", 10**9)
    assert check_upload(crafted.sheets_sharing_one_part(7), "a.xlsx") == []
    [p] = check_upload(crafted.sheets_sharing_one_part(8), "a.xlsx")
    assert p.code == "too_many_sheets" and "8 trang tính" in p.message and "giới hạn 7" in p.message


def test_sheet_xml_is_counted_once_per_sheet_pointing_at_it(monkeypatch):
    one, three = crafted.sheets_sharing_one_part(1), crafted.sheets_sharing_one_part(3)
    size = zipfile.ZipFile(io.BytesIO(one)).getinfo("xl/data/shared.xml").file_size  # outside xl/worksheets/
    monkeypatch.setattr("etl.reading.safety.MAX_SHEET_XML_BYTES", 2 * size + 5000)
    assert check_upload(one, "a.xlsx") == []
    [p] = check_upload(three, "a.xlsx")
    assert p.code == "file_too_large" and "mỗi lần một trang tính được đọc" in p.message


def test_shared_strings_are_capped_by_size_and_by_count(monkeypatch):
    data = crafted.shared_strings_counted(1000)
    assert check_upload(data, "a.xlsx") == []
    monkeypatch.setattr("etl.reading.safety.MAX_SHARED_STRINGS", 999)
    [p] = check_upload(data, "a.xlsx")
    assert p.code == "too_many_shared_strings" and "999 chuỗi" in p.message
    monkeypatch.setattr("etl.reading.safety.MAX_SHARED_STRINGS_BYTES", 10_000)
    [p] = check_upload(data, "a.xlsx")
    assert p.code == "too_many_shared_strings" and "9,8 KB" in p.message


def test_xml_in_an_encoding_that_could_hide_a_doctype_is_refused():
    [p] = check_upload(crafted.doctype_in_utf7(), "a.xlsx")
    assert p.code == "file_unreadable" and "UTF-7" in p.message and "xl/sharedStrings.xml" in p.message


@pytest.mark.parametrize("count, refused", [(30, False), (31, True)])
def test_files_per_upload_are_capped(count, refused):
    problems = check_file_count(count)
    assert bool(problems) is refused
    if refused:
        assert problems[0].code == "too_many_files" and "31 tệp" in problems[0].message
        assert "30 tệp" in problems[0].hint


def test_a_member_whose_compressed_bytes_are_damaged_is_unreadable_not_a_crash():
    data = bytearray(crafted.pack(good_parts(), level=1))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/theme/theme1.xml")
    start = info.header_offset + 30 + len(info.filename)
    data[start:start + 40] = b"\xff" * 40   # the deflate stream, not the directory
    [p] = check_upload(bytes(data), "a.xlsx")
    assert p.code == "file_unreadable"
