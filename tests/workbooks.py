"""Workbook factory for tests: realistic .xlsx files (as bytes) in the layouts units really send.

    from tests.workbooks import consolidated_workbook, form_workbook, cell_of
    data = consolidated_workbook([("Huyện Yên Định", {"conferences": 12, "conference_participants": 905})])
    cell_of("conferences", 0)  # -> 'D7': where the first unit's value sits (two-line headers)

Consolidated sheet (default options):
    row 1  BAN DÂN VẬN TỈNH ỦY THANH HÓA
    row 2  BIỂU TỔNG HỢP KẾT QUẢ CÔNG TÁC DÂN VẬN {period_title}
    row 4  STT | Đơn vị | Văn bản ban hành | Hội nghị quán triệt, tuyên truyền | … | Ghi chú   (groups merged)
    row 5      |        |                  | Số cuộc | Lượt người              | …             (sub-headers)
    row 6  (1) | (2)    | (3) …                                  (column numbers; column_numbers=False drops it)
    row 7… one row per unit; then "Tổng cộng" (sum of the rows, or `total` overrides); notes; signatures
More title lines push the header down (it sits 2 rows below the last; first_data_row(header_row=…)).
Rows named like a cluster or total ("Cụm miền núi", "Cộng cụm …") are left out of the computed total.
A "Hướng dẫn" sheet comes *before* the table sheet when extra_sheets=True (the reader must skip it).
Values are written as given: ints, text ("4.819", "gần 50", "-"), None (empty) or formulas ("=1+1",
saved without a cached value, as openpyxl always does).

Form sheet: title lines naming the unit, then STT | Nội dung | Đơn vị tính | Số lượng from row 6,
values in column D (see FORM_FIRST_ROW / form_cell()).
"""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from etl.catalog.catalogue import IndicatorRow, UnitRow, read_csv
from etl.catalog.template import SHEET as TEMPLATE_SHEET
from etl.reading.match import is_cluster_label, is_total_label
from etl.reading.numbers import read_count

DATA = Path(__file__).resolve().parent.parent / "data"
CODES = ("documents_issued", "conferences", "conference_participants", "trainings", "training_participants",
         "review_conferences", "inspections", "inspected_party_orgs", "inspected_party_members", "dialogues",
         "models_registered", "models_recognized")
# code -> (group header or None, header under it): the two-line header of real consolidated sheets
TWO_LINE = {
    "documents_issued": (None, "Văn bản ban hành"),
    "conferences": ("Hội nghị quán triệt, tuyên truyền", "Số cuộc"),
    "conference_participants": ("Hội nghị quán triệt, tuyên truyền", "Lượt người"),
    "trainings": ("Tập huấn, bồi dưỡng", "Số cuộc"),
    "training_participants": ("Tập huấn, bồi dưỡng", "Lượt người"),
    "review_conferences": (None, "Hội nghị sơ kết, tổng kết"),
    "inspections": ("Kiểm tra, giám sát", "Số cuộc"),
    "inspected_party_orgs": ("Kiểm tra, giám sát", "Tổ chức đảng"),
    "inspected_party_members": ("Kiểm tra, giám sát", "Đảng viên"),
    "dialogues": (None, "Tiếp xúc, đối thoại với Nhân dân"),
    "models_registered": ("Mô hình Dân vận khéo", "Đăng ký"),
    "models_recognized": ("Mô hình Dân vận khéo", "Công nhận"),
}
FLAT = {"documents_issued": "Số văn bản ban hành", "conferences": "Số hội nghị",
        "conference_participants": "Lượt người tham dự", "trainings": "Số lớp tập huấn",
        "training_participants": "Lượt người tập huấn", "review_conferences": "Hội nghị sơ kết, tổng kết",
        "inspections": "Số cuộc kiểm tra, giám sát", "inspected_party_orgs": "Tổ chức đảng được kiểm tra",
        "inspected_party_members": "Đảng viên được kiểm tra", "dialogues": "Tiếp xúc, đối thoại",
        "models_registered": "Mô hình đăng ký", "models_recognized": "Mô hình được công nhận"}
HEADER_ROW = 4
NOTES = ["Ghi chú: Số liệu tính đến ngày 15/6/2024.", "Nơi nhận:", "- Như trên;", "- Lưu: VT."]
SIGNATURE = ["Thanh Hóa, ngày 20 tháng 6 năm 2024", "TRƯỞNG BAN", "Người lập biểu", "Nguyễn Văn An"]


def first_data_row(headers: str = "two-line", column_numbers: bool = True, header_row: int = HEADER_ROW) -> int:
    """Row number of the first unit row of consolidated_workbook()."""
    return header_row + (2 if headers == "two-line" else 1) + (1 if column_numbers else 0)


def cell_of(code: str, index: int, *, headers: str = "two-line", column_numbers: bool = True,
            codes=CODES) -> str:
    """Cell ('D7') of indicator `code` in the index-th unit row (0-based) of consolidated_workbook()."""
    return f"{get_column_letter(3 + list(codes).index(code))}{first_data_row(headers, column_numbers) + index}"


def consolidated_workbook(rows, period_title: str = "QUÝ II NĂM 2024", *, headers: str = "two-line",
                          with_total: bool = True, total: dict | None = None, total_label: str = "Tổng cộng",
                          extra_sheets: bool = True, notes: bool = True, column_numbers: bool = True,
                          codes=CODES, header_text: dict | None = None, unit_header: str = "Đơn vị",
                          extra_columns: dict | None = None, title_lines=None, sheet_name: str = "Biểu 01",
                          merge_headers: bool = True) -> bytes:
    """A biểu tổng hợp. rows: [(unit name as written, {indicator code: raw cell value})] — a row may
    also be a plain string (written in the unit column: a cluster heading such as "Cụm miền núi").
    total: {code: value} overriding the computed total row; header_text: {code: header} renames
    flat headers (or sub-headers); extra_columns: {header: [raw value per row]} appended before
    "Ghi chú"; merge_headers=False types group headers once without merging (two-line only)."""
    wb = Workbook()
    if extra_sheets:
        guide = wb.active
        guide.title = "Hướng dẫn"
        for i, line in enumerate(["HƯỚNG DẪN ĐIỀN BIỂU", "1. Mỗi đơn vị một dòng.", "2. Ghi số nguyên."], 1):
            guide.cell(i, 1, line)
        ws = wb.create_sheet(sheet_name)
    else:
        ws = wb.active
        ws.title = sheet_name
    titles = title_lines if title_lines is not None else [
        "BAN DÂN VẬN TỈNH ỦY THANH HÓA", f"BIỂU TỔNG HỢP KẾT QUẢ CÔNG TÁC DÂN VẬN {period_title}"]
    for i, line in enumerate(titles, 1):
        ws.cell(i, 1, line)
    extra = dict(extra_columns or {})
    h = max(HEADER_ROW, len(titles) + 2)
    _write_headers(ws, h, headers, list(codes), dict(header_text or {}), unit_header, list(extra), merge_headers)
    r = first_data_row(headers, column_numbers, h)
    if column_numbers:
        for c in range(1, 3 + len(codes) + len(extra) + 1):
            ws.cell(r - 1, c, f"({c})")
    r = _write_rows(ws, r, rows, codes, extra)
    if with_total:
        ws.cell(r, 2, total_label)
        sums = _sums([row for row in rows if not isinstance(row, str) and not is_cluster_label(row[0])
                      and not is_total_label(row[0])], codes)
        sums.update(total or {})
        for j, code in enumerate(codes):
            ws.cell(r, 3 + j, sums.get(code))
        r += 1
    if notes:
        _write_notes(ws, r)
    return to_bytes(wb)


def _write_rows(ws, r: int, rows, codes, extra: dict) -> int:
    """Unit rows (STT, name, values, extra columns) and cluster headings from row r; returns the next row."""
    unit_rows = 0
    for i, row in enumerate(rows):
        if isinstance(row, str):
            ws.cell(r, 2, row)
        else:
            unit_rows += 1
            name, values = row
            ws.cell(r, 1, unit_rows)
            ws.cell(r, 2, name)
            for j, code in enumerate(codes):
                ws.cell(r, 3 + j, values.get(code))
            for j, header in enumerate(extra):
                ws.cell(r, 3 + len(codes) + j, extra[header][i] if i < len(extra[header]) else None)
        r += 1
    return r


def _write_notes(ws, r: int) -> None:
    """Notes from row r+1 in column A; the signature block sits over the data columns (H)."""
    for i, line in enumerate(NOTES, 1):
        ws.cell(r + i, 1, line)
    ws.cell(r + 1, 8, SIGNATURE[0])
    ws.cell(r + 2, 8, SIGNATURE[1])
    ws.cell(r + len(NOTES) + 3, 2, SIGNATURE[2])
    ws.cell(r + len(NOTES) + 3, 8, SIGNATURE[3])


def _write_headers(ws, h, headers, codes, header_text, unit_header, extra, merge_headers) -> None:
    ws.cell(h, 1, "STT")
    ws.cell(h, 2, unit_header)
    last = 3 + len(codes) + len(extra)
    if headers != "two-line":
        for j, code in enumerate(codes):
            ws.cell(h, 3 + j, header_text.get(code, FLAT[code]))
        for j, header in enumerate(extra):
            ws.cell(h, 3 + len(codes) + j, header)
        ws.cell(h, last, "Ghi chú")
        return
    for col in (1, 2):
        ws.merge_cells(start_row=h, start_column=col, end_row=h + 1, end_column=col)
    groups: dict[str, list[int]] = {}
    for j, code in enumerate(codes):
        group, sub = TWO_LINE[code]
        col = 3 + j
        if group is None:
            ws.cell(h, col, header_text.get(code, sub))
            ws.merge_cells(start_row=h, start_column=col, end_row=h + 1, end_column=col)
        else:
            groups.setdefault(group, []).append(col)
            ws.cell(h + 1, col, header_text.get(code, sub))
    for group, cols in groups.items():
        ws.cell(h, cols[0], group)
        if merge_headers and len(cols) > 1:
            ws.merge_cells(start_row=h, start_column=cols[0], end_row=h, end_column=cols[-1])
    for j, header in enumerate([*extra, "Ghi chú"]):
        ws.cell(h, 3 + len(codes) + j, header)
        ws.merge_cells(start_row=h, start_column=3 + len(codes) + j, end_row=h + 1, end_column=3 + len(codes) + j)


def _sums(rows, codes) -> dict:
    out = {}
    for code in codes:
        nums = [read_count(v.get(code)).value for _, v in rows]
        nums = [v for v in nums if v is not None]
        out[code] = sum(nums) if nums else None
    return out


FORM_HEADER_ROW = 5
FORM_FIRST_ROW = 6


def form_workbook(unit_title: str | list[str], values, period_title: str = "QUÝ II NĂM 2024", *,
                  groups: bool = True, value_header: str = "Số lượng") -> bytes:
    """A unit's own report form. unit_title: the title line naming the unit ("BAN DÂN VẬN HUYỆN ỦY
    YÊN ĐỊNH") or a list of title lines. values: {indicator code: raw value} (default labels, one row
    each, under group rows "I. …" when groups=True) or [(label as written, raw value)] rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    lines = [unit_title] if isinstance(unit_title, str) else list(unit_title)
    for i, line in enumerate(lines, 1):
        ws.cell(i, 1, line)
    ws.cell(1, 5, "ĐẢNG CỘNG SẢN VIỆT NAM")
    ws.cell(min(len(lines) + 1, 3), 2, f"BÁO CÁO KẾT QUẢ CÔNG TÁC DÂN VẬN {period_title}")
    header_row = max(FORM_HEADER_ROW, len(lines) + 2)
    for c, text in enumerate(["STT", "Nội dung", "Đơn vị tính", value_header, "Ghi chú"], 1):
        ws.cell(header_row, c, text)
    r = header_row + 1
    for stt, label, value in _form_rows(values, groups):
        ws.cell(r, 1, stt)
        ws.cell(r, 2, label)
        ws.cell(r, 3, "" if stt is None else "cuộc")
        ws.cell(r, 4, value)
        r += 1
    ws.cell(r + 1, 1, "Nơi nhận:")
    ws.cell(r + 1, 4, "Yên Định, ngày 20 tháng 6 năm 2024")
    ws.cell(r + 2, 4, "TRƯỞNG BAN")
    return to_bytes(wb)


FORM_GROUPS = {"documents_issued": "I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO", "dialogues": "I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO",
               "conferences": "II. HỘI NGHỊ, TẬP HUẤN", "conference_participants": "II. HỘI NGHỊ, TẬP HUẤN",
               "trainings": "II. HỘI NGHỊ, TẬP HUẤN", "training_participants": "II. HỘI NGHỊ, TẬP HUẤN",
               "review_conferences": "II. HỘI NGHỊ, TẬP HUẤN", "inspections": "III. KIỂM TRA, GIÁM SÁT",
               "inspected_party_orgs": "III. KIỂM TRA, GIÁM SÁT", "inspected_party_members": "III. KIỂM TRA, GIÁM SÁT",
               "models_registered": "IV. PHONG TRÀO THI ĐUA “DÂN VẬN KHÉO”",
               "models_recognized": "IV. PHONG TRÀO THI ĐUA “DÂN VẬN KHÉO”"}


def _form_rows(values, groups: bool):
    """(STT, label, value) rows; group rows carry no value and no arabic number."""
    if not isinstance(values, dict):
        yield from ((i, label, value) for i, (label, value) in enumerate(values, 1))
        return
    labels = catalogue_labels()
    group, n = None, 0
    for code, value in values.items():
        if groups and FORM_GROUPS[code] != group:
            group, n = FORM_GROUPS[code], 0
            yield None, group, None
        n += 1
        yield n, labels[code], value


def form_cell(index: int) -> str:
    """Cell ('D7') of the index-th row (0-based, counting group rows) of form_workbook()."""
    return f"D{FORM_FIRST_ROW + index}"


def to_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def catalogue_indicators() -> list[IndicatorRow]:
    """The default indicator catalogue (data/indicators.csv) without a database."""
    return [IndicatorRow(code=r["code"], label=r["label"], group_name=r.get("group", ""),
                         unit_label=r.get("unit_label", ""),
                         aliases=tuple(a.strip() for a in r.get("aliases", "").split("|") if a.strip()),
                         sort_order=int(r.get("sort_order") or 0), short_label=r.get("short_label", ""),
                         kpi_order=int(r["kpi_order"]) if r.get("kpi_order") else None,
                         phrase=r.get("phrase", "")) for r in read_csv(DATA / "indicators.csv")]


def catalogue_labels() -> dict[str, str]:
    return {i.code: i.label for i in catalogue_indicators()}


COMMUNES = [("16378", "Phường Hạc Thành", "phường"), ("16390", "Phường Quảng Phú", "phường"),
            ("15982", "Xã Định Tân", "xã"), ("15985", "Xã Yên Định", "xã"), ("16000", "Phường Yên Định", "phường"),
            ("16100", "Xã Hoằng Hóa", "xã"), ("16200", "Phường Bỉm Sơn", "phường")]


def sample_units() -> list[UnitRow]:
    """The 27 districts (data/units.csv, valid until 2025-06-30; Đông Sơn until 2024-12-31) plus a few
    post-2025 communes (valid from 2025-07-01), independent of the commune rows in data/units.csv."""
    districts = [UnitRow(code=r["code"], name=r["name"], level="district", kind=r["kind"],
                         parent_code=r.get("parent") or None, cluster_code=r.get("cluster") or None,
                         valid_from=date.fromisoformat(r["valid_from"]),
                         valid_to=date.fromisoformat(r["valid_to"]) if r.get("valid_to") else None,
                         aliases=tuple(a for a in r.get("aliases", "").split("|") if a), sort_order=i)
                 for i, r in enumerate(read_csv(DATA / "units.csv")) if (r.get("level") or "district") == "district"]
    communes = [UnitRow(code=code, name=name, level="commune", kind=kind, parent_code="38", cluster_code=None,
                        valid_from=date(2025, 7, 1), valid_to=None, sort_order=100 + i)
                for i, (code, name, kind) in enumerate(COMMUNES)]
    return districts + communes


def fill_template(data: bytes, value_of) -> bytes:
    """Fill every unit row of etl.catalog.template's sheet the way a user would in Excel
    (value_of(row index, column index))."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb[TEMPLATE_SHEET]
    n = 0
    for row in ws.iter_rows(min_row=7):
        if isinstance(row[0].value, int):
            for j, cell in enumerate(row[2:2 + len(CODES)]):
                cell.value = value_of(n, j)
            n += 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def convert_with_calc(sources: dict[str, bytes], fmt: str, folder: Path) -> dict[str, bytes]:
    """Files as LibreOffice Calc saves them in another format ('xls' or 'ods'): {name.xlsx: bytes} ->
    {name.xls: bytes}. One soffice run for all, with a private profile so parallel workers never share one."""
    import os
    import shutil
    import subprocess

    import pytest
    if shutil.which("soffice") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have LibreOffice: scripts/test installs libreoffice-calc")
        pytest.skip("soffice not installed (scripts/test installs it)")
    src, out = folder / f"src-{fmt}", folder / f"out-{fmt}"
    src.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in sources.items():
        (src / name).write_bytes(data)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{folder}/lo-profile-{fmt}", "--headless",
                    "--convert-to", fmt, "--outdir", str(out), *[str(src / n) for n in sources]],
                   check=True, capture_output=True, timeout=300)
    return {Path(n).with_suffix("." + fmt).name: (out / Path(n).with_suffix("." + fmt).name).read_bytes()
            for n in sources}


def ods_bytes(tables: dict[str, str]) -> bytes:
    """A minimal .ods as a hand-written one: {table name: the XML of its rows}."""
    import zipfile
    body = "".join(f'<table:table table:name="{name}">{rows}</table:table>' for name, rows in tables.items())
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body>'
               '</office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def ods_row(*cells, hidden: bool = False, repeat: int = 1) -> str:
    """One table row: a cell is a str (text), an int (a number), None (empty) or a raw XML string
    starting with '<'."""
    xml = []
    for v in cells:
        if isinstance(v, str) and v.startswith("<"):
            xml.append(v)
        elif isinstance(v, str):
            xml.append(f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>')
        elif isinstance(v, int):
            xml.append(f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p>'
                       '</table:table-cell>')
        else:
            xml.append("<table:table-cell/>")
    attrs = (' table:visibility="collapse"' if hidden else "") + (
        f' table:number-rows-repeated="{repeat}"' if repeat > 1 else "")
    return f"<table:table-row{attrs}>{''.join(xml)}</table:table-row>"


def workbook_of_sheets(sheets: dict[str, bytes], hidden: tuple[str, ...] = ()) -> bytes:
    """One workbook holding, under the given names, the table sheet (the last) of each workbook given:
    values and merged ranges copied. Sheets named in `hidden` are hidden."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, data in sheets.items():
        src = load_workbook(io.BytesIO(data)).worksheets[-1]
        ws = wb.create_sheet(name)
        for row in src.iter_rows():
            for cell in row:
                if cell.value is not None:
                    ws.cell(cell.row, cell.column, cell.value)
        for rng in src.merged_cells.ranges:
            ws.merge_cells(str(rng))
        if name in hidden:
            ws.sheet_state = "hidden"
    return to_bytes(wb)


def transposed_workbook(units: list[str], values: dict, period_title: str = "QUÝ II NĂM 2024", *,
                        total: dict | None = None, with_total: bool = True, labels: dict | None = None) -> bytes:
    """Indicators down, units across: STT | Nội dung | ĐVT | unit … | Tổng cộng, header on row 4.
    values: {indicator code: [raw value per unit]}; total overrides the computed total column."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    ws.cell(1, 1, "BAN DÂN VẬN TỈNH ỦY THANH HÓA")
    ws.cell(2, 1, f"BIỂU TỔNG HỢP KẾT QUẢ CÔNG TÁC DÂN VẬN {period_title}")
    heads = ["STT", "Nội dung", "ĐVT", *units] + (["Tổng cộng"] if with_total else [])
    for c, text in enumerate(heads, 1):
        ws.cell(4, c, text)
    names = labels or catalogue_labels()
    for i, (code, row) in enumerate(values.items()):
        r = 5 + i
        ws.cell(r, 1, i + 1)
        ws.cell(r, 2, names.get(code, code))
        ws.cell(r, 3, "cuộc")
        for j, v in enumerate(row):
            ws.cell(r, 4 + j, v)
        if with_total:
            nums = [read_count(v).value for v in row]
            ws.cell(r, 4 + len(units), (total or {}).get(code, sum(n for n in nums if n is not None)))
    ws.cell(6 + len(values), 1, "Nơi nhận:")
    return to_bytes(wb)
