"""A corpus of hostile or broken uploads, generated at test time (small on disk: nothing is stored).

CORPUS maps a file name (as a user would upload it) to a builder returning the bytes and the
problem codes acceptable for refusing it (any one of them). Every file must be refused with a
Vietnamese message, without a traceback and without touching the warehouse.
"""
from __future__ import annotations

import io
import struct
import zipfile

from openpyxl import Workbook
from openpyxl.drawing.image import Image

from tests.documents import document, seed_document
from tests.hostile.crafted import CRAFTED
from tests.workbooks import consolidated_workbook, form_workbook, to_bytes

YD = "Huyện Yên Định"
NOT_XLSX = {"file_not_xlsx"}
UNREADABLE = {"file_unreadable", "file_not_xlsx"}
BOMB = {"file_zip_bomb", "file_too_large", "file_unreadable"}
DOCTYPE = {"file_doctype"}  # refused before any parser sees the XML (it once loaded)


def _docx_with(part: str, change) -> bytes:
    """A real Word report with one part changed (or added): change(old bytes or b'') -> new bytes."""
    members = dict(_members(document("HUYỆN ỦY YÊN ĐỊNH", "BÁO CÁO QUÝ II NĂM 2024", "Tổ chức 12 hội nghị.")))
    members[part] = change(members.get(part, b""))
    return _zip(members)


def _members(data: bytes):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i.filename, zf.read(i.filename)) for i in zf.infolist()]


def good() -> bytes:
    return consolidated_workbook([(YD, {"conferences": 12, "conference_participants": 905}),
                                  ("Huyện Nông Cống", {"conferences": 3, "conference_participants": 120})])


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _replace_member(data: bytes, name: str, content: bytes) -> bytes:
    """The workbook `data` with one zip member replaced (e.g. a sheet's XML)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    members = {i.filename: src.read(i.filename) for i in src.infolist()}
    members[name] = content
    return _zip(members)


def _sheet_xml(data: bytes, index: int = 2) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(f"xl/worksheets/sheet{index}.xml")


def zip_bomb() -> bytes:
    """A real .xlsx skeleton whose sheet inflates 1000:1 (60 MB of zeros, ~60 KB on disk)."""
    skeleton = zipfile.ZipFile(io.BytesIO(good()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in skeleton.infolist():
            if info.filename != "xl/worksheets/sheet2.xml":
                zf.writestr(info.filename, skeleton.read(info.filename))
        with zf.open("xl/worksheets/sheet2.xml", "w") as out:
            head = _sheet_xml(good())
            out.write(head[:head.index(b"<sheetData>")] + b"<sheetData>")
            chunk = b" " * 2**20
            for _ in range(60):
                out.write(chunk)
            out.write(b"</sheetData></worksheet>")
    return buf.getvalue()


def lying_zip_bomb() -> bytes:
    """Like zip_bomb(), but the zip directory claims the sheet is 1 KB: only the stream knows."""
    data = bytearray(zip_bomb())
    zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = zf.getinfo("xl/worksheets/sheet2.xml")
    struct.pack_into("<I", data, info.header_offset + 22, 1024)  # local header: uncompressed size
    cd = zf.start_dir
    while True:  # find the central directory entry of the sheet and patch its size too
        name_len = struct.unpack_from("<H", data, cd + 28)[0]
        if bytes(data[cd + 46:cd + 46 + name_len]) == b"xl/worksheets/sheet2.xml":
            struct.pack_into("<I", data, cd + 24, 1024)
            break
        extra, comment = struct.unpack_from("<HH", data, cd + 30)
        cd += 46 + name_len + extra + comment
    return bytes(data)


def many_members() -> bytes:
    members = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}
    members.update({f"xl/junk/{i}.xml": b"" for i in range(6000)})
    return _zip(members, zipfile.ZIP_STORED)


def encrypted_ole() -> bytes:
    """What Excel writes for a password-protected workbook: an OLE2 container."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    return header + b"\x00" * 480 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 4096


def empty_workbook() -> bytes:
    return to_bytes(Workbook())


def images_only() -> bytes:
    from PIL import Image as PILImage
    img = io.BytesIO()
    PILImage.new("RGB", (40, 20), "red").save(img, "PNG")
    wb = Workbook()
    wb.active.add_image(Image(io.BytesIO(img.getvalue())), "B2")
    return to_bytes(wb)


def junk_rows(n: int = 100_000) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Biểu 01")
    ws.append(["BIỂU TỔNG HỢP KẾT QUẢ CÔNG TÁC DÂN VẬN QUÝ II NĂM 2024"])
    ws.append(["STT", "Đơn vị", "Số hội nghị", "Lượt người tham dự"])
    for i in range(n):
        ws.append([i, f"rác {i}", "x", None])
    return to_bytes(wb)


def huge_cell() -> bytes:
    return consolidated_workbook([(YD, {"conferences": "9" * 10 + "x" * 2_000_000})])


def merged_chaos() -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in range(1, 60):
        for c in range(1, 30):
            ws.cell(r, c, "Đơn vị" if (r + c) % 7 == 0 else ("Số hội nghị" if (r * c) % 5 == 0 else None))
    for r in range(1, 58, 3):
        for c in range(1, 28, 4):
            ws.merge_cells(start_row=r, start_column=c, end_row=r + 1 + (c % 2), end_column=c + 2)
    return to_bytes(wb)


def xxe() -> bytes:
    """An external entity in the sheet XML pointing at a local file."""
    xml = _sheet_xml(good()).replace(b"<worksheet", b'<!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                                     b"<worksheet", 1)
    xml = xml.replace(b"<v>12</v>", b"<v>&xxe;</v>", 1)
    return _replace_member(good(), "xl/worksheets/sheet2.xml", xml)


def _with_shared_strings(sst_body: bytes, dtd: bytes) -> bytes:
    """good() with cell B7 (the first unit name) moved into a sharedStrings part with a DTD."""
    data = good()
    src = zipfile.ZipFile(io.BytesIO(data))
    members = {i.filename: src.read(i.filename) for i in src.infolist()}
    members["xl/sharedStrings.xml"] = (b'<?xml version="1.0" encoding="UTF-8"?>' + dtd +
                                       b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                                       b'count="1" uniqueCount="1"><si><t>' + sst_body + b"</t></si></sst>")
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                     b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdSS" Type="http://schemas.openxmlformats.org/'
                             b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                             b"</Relationships>")
    sheet = members["xl/worksheets/sheet2.xml"]
    start = sheet.index(b'<c r="B7"')
    members["xl/worksheets/sheet2.xml"] = sheet[:start] + b'<c r="B7" t="s"><v>0</v></c>' + \
        sheet[sheet.index(b"</c>", start) + 4:]
    return _zip(members)


def xxe_shared_strings() -> bytes:
    return _with_shared_strings(b"&xxe;", b'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>')


def xxe_workbook() -> bytes:
    data = good()
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml")
    xml = xml.replace(b"<workbook", b'<!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><workbook', 1)
    xml = xml.replace("Biểu 01".encode(), b"&xxe;", 1)
    return _replace_member(data, "xl/workbook.xml", xml)


def billion_laughs() -> bytes:
    ents = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    return _with_shared_strings(b"&l9;", f'<!DOCTYPE sst [<!ENTITY l0 "ha">{ents}]>'.encode())


def corrupt_sheet_xml() -> bytes:
    return _replace_member(good(), "xl/worksheets/sheet2.xml", b"<worksheet><sheetData><row><c r=")


def many_sheets() -> bytes:
    wb = Workbook()
    for i in range(150):
        wb.create_sheet(f"Trang {i}").cell(1, 1, "ghi chú")
    return to_bytes(wb)


def rows(values: dict) -> bytes:
    return consolidated_workbook([(YD, values)])


CORPUS: dict[str, tuple] = {
    "rong_0_byte.xlsx": (lambda: b"", {"file_unreadable"}),
    "zip_bi_cat_cut.xlsx": (lambda: good()[: len(good()) // 2], UNREADABLE),
    "pdf_doi_ten.xlsx": (lambda: b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", NOT_XLSX),
    # .xls is read now: an OLE2 header over zeros is a broken .xls, an encrypted one cannot be opened
    "excel_97_2003.xlsx": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000, UNREADABLE),
    "co_mat_khau.xlsx": (encrypted_ole, UNREADABLE),
    "bang_html.xlsx": (lambda: "<html><body><table><tr><td>Đơn vị</td><td>Số hội nghị</td></tr>"
                       "<tr><td>Yên Định</td><td>12</td></tr></table></body></html>".encode(), NOT_XLSX),
    "csv_doi_ten.xlsx": (lambda: "Đơn vị,Số hội nghị\nYên Định,12\n".encode(), NOT_XLSX),
    "csv_utf16.xlsx": (lambda: "Đơn vị\tSố hội nghị\nYên Định\t12\n".encode("utf-16"), NOT_XLSX),
    "anh_png.xlsx": (lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, NOT_XLSX),
    "word_doi_ten.xlsx": (lambda: _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
                          {"document_no_figures", "file_unreadable"}),   # a Word report now: one without figures
    "xxe_van_ban.docx": (lambda: _docx_with("word/document.xml", lambda xml: xml.replace(
        b"?>", b'?><!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', 1)), DOCTYPE),
    "bom_nen_van_ban.docx": (lambda: _docx_with("word/media/a.bin", lambda _: b"\x00" * (5 * 2**20)), BOMB),
    "van_ban_macro.docm": (lambda: _docx_with("word/vbaProject.bin", lambda _: b"\xd0\xcf\x11\xe0" + b"\x00" * 64),
                           {"file_has_macros"}),
    "van_ban_hong.docx": (lambda: _docx_with("word/document.xml", lambda xml: xml[: len(xml) // 2]),
                          {"file_unreadable"}),
    "van_ban_cum_khong_don_vi.docx": (lambda: seed_document(), {"text_figures_no_unit"}),
    "ods_doi_ten.xlsx": (lambda: _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                       "content.xml": b"<office/>"}), UNREADABLE | {"no_table_found"}),
    "ods_doctype.ods": (lambda: _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                      "content.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
                                                     b'<office>&a;</office>'}), UNREADABLE),
    "zip_thuong.xlsx": (lambda: _zip({"ghichu.txt": b"xin chao"}), NOT_XLSX),
    "bom_nen.xlsx": (zip_bomb, BOMB),
    "bom_nen_khai_gian.xlsx": (lying_zip_bomb, BOMB),
    "qua_nhieu_thanh_phan.xlsx": (many_members, BOMB),
    "qua_lon.xlsx": (lambda: b"PK\x03\x04" + b"\x00" * (21 * 2**20), {"file_too_large"}),
    "so_cai_rong.xlsx": (empty_workbook, {"no_table_found"}),
    "chi_co_hinh.xlsx": (images_only, {"no_table_found"}),
    "100k_dong_rac.xlsx": (junk_rows, {"too_many_rows", "unknown_unit", "not_a_number", "too_many_problems"}),
    "cong_thuc_chua_tinh.xlsx": (lambda: rows({"conferences": "=1+1", "conference_participants": "=SUM(A1:A2)"}),
                                 {"formula_without_value", "no_data_rows"}),
    "cong_thuc_lan_so.xlsx": (lambda: rows({"conferences": 12, "conference_participants": "=SUM(D7:D7)"}),
                              {"formula_without_value"}),
    "ky_trong_tuong_lai.xlsx": (lambda: consolidated_workbook([(YD, {"conferences": 1})], "QUÝ II NĂM 2099"),
                                {"period_in_future"}),
    "ky_4_thang.xlsx": (lambda: consolidated_workbook([(YD, {"conferences": 1})], "4 THÁNG ĐẦU NĂM 2024"),
                        {"period_unsupported"}),
    "khong_ghi_ky.xlsx": (lambda: consolidated_workbook([(YD, {"conferences": 1})], "",
                                                        title_lines=["BAN DÂN VẬN", "BIỂU TỔNG HỢP"]),
                          {"period_missing"}),
    "don_vi_la.xlsx": (lambda: consolidated_workbook([("Huyện Hogwarts", {"conferences": 1})]), {"unknown_unit"}),
    "so_am.xlsx": (lambda: rows({"conferences": -5}), {"negative_number"}),
    "so_uoc_luong.xlsx": (lambda: rows({"conferences": "gần 50", "conference_participants": "hơn 200"}),
                          {"qualified_number"}),
    "hai_so_mot_o.xlsx": (lambda: rows({"models_registered": "105/130"}), {"ratio_in_cell"}),
    "so_thap_phan.xlsx": (lambda: rows({"conferences": 4.5}), {"decimal_count", "ambiguous_separator"}),
    "o_rat_lon.xlsx": (huge_cell, {"not_a_number"}),
    "o_gop_hon_loan.xlsx": (merged_chaos, {"no_table_found", "no_unit_column", "no_data_rows", "unknown_unit",
                                           "period_missing"}),
    "xxe_trang_tinh.xlsx": (xxe, DOCTYPE),
    "xxe_chuoi_chung.xlsx": (xxe_shared_strings, DOCTYPE),
    "xxe_so_cai.xlsx": (xxe_workbook, DOCTYPE),
    "billion_laughs.xlsx": (billion_laughs, DOCTYPE),
    "xml_hong.xlsx": (corrupt_sheet_xml, {"file_unreadable"}),
    "150_trang_tinh.xlsx": (many_sheets, {"no_table_found"}),
    "trung_don_vi.xlsx": (lambda: consolidated_workbook([(YD, {"conferences": 1}), ("Yên Định", {"conferences": 2})]),
                          {"duplicate_unit"}),
    "cong_nhan_vuot_dang_ky.xlsx": (lambda: rows({"models_registered": 5, "models_recognized": 9}),
                                    {"recognized_exceeds_registered"}),
    "ma_html_trong_o.xlsx": (lambda: consolidated_workbook([("<img src=x onerror=alert(1)>", {"conferences": 1})]),
                             {"unknown_unit"}),
    "cong_thuc_doc_hai.xlsx": (lambda: consolidated_workbook([("=HYPERLINK(\"http://x\",\"bấm\")", {"conferences": 1})]),
                               {"unknown_unit", "formula_without_value", "no_data_rows"}),
    "chi_co_tieu_de.xlsx": (lambda: consolidated_workbook([], with_total=False), {"no_data_rows"}),
    "bieu_mau_khong_don_vi.xlsx": (lambda: form_workbook("BÁO CÁO", {"conferences": 3}), {"form_unit_missing"}),
    **{name: (build, {code}) for name, (build, code) in CRAFTED.items()},
}
