"""The period's biểu tổng hợp: units × indicators, cluster subtotals, a total row and the rate.

Shape (province scope) — the reader (etl.reading.read) loads it back unchanged:

    BAN DÂN VẬN TỈNH ỦY …                       (title lines; the period is named in them)
    BIỂU TỔNG HỢP … QUÝ II NĂM 2024
    STT | Đơn vị | <indicator labels> | Tỷ lệ công nhận (%) | Ghi chú
    I   | Cụm Miền núi     | subtotals …      (skipped by the reader)
    1   | Huyện Mường Lát  | figures …        (blank = not reported, never 0)
    …
        | Toàn tỉnh        | totals …         (checked against the rows by the reader)
    Ghi chú: …                                 (a footer: the reader stops here)

Text cells are formula-injection safe: a value starting with = + - @ is stored as text with a
leading apostrophe.
"""
from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from etl.catalog.catalogue import RATE
from etl.export.scope import ReportData, unit_status
from etl.periods import ROMAN
from etl.queries.narrative import derived_note, gaps_sentence
from etl.queries.selection import PROVINCE_NAME
from etl.text import neutralise_formula

FONT = "Times New Roman"  # the administrative standard for printed documents (Nghị định 30/2020)
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
GROUP_FILL = PatternFill("solid", fgColor="F2F2F2")
RATE_HEADER = "Tỷ lệ công nhận (%)"  # 'Tỷ lệ …' columns are ignored by the reader
NOTE_HEADER = "Ghi chú"
safe_text = neutralise_formula  # text a spreadsheet would run as a formula gets a quote


def _set(ws, row: int, col: int, value, bold: bool = False, fill=None, fmt: str | None = None,
         align: str | None = None, size: int = 11):
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        cell.value = safe_text(value)
        cell.data_type = "s"
    else:
        cell.value = value
    cell.font = Font(name=FONT, bold=bold, size=size)
    cell.border = BORDER
    if fill is not None:
        cell.fill = fill
    if fmt:
        cell.number_format = fmt
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
    return cell


def _figures(ws, r: int, first_col: int, row: pd.Series, codes: list[str], bold=False, fill=None) -> None:
    for j, code in enumerate(codes):
        v = row.get(code)
        _set(ws, r, first_col + j, None if v is None or pd.isna(v) else int(v), bold, fill, "#,##0", "right")
    rate = row.get(RATE)
    _set(ws, r, first_col + len(codes), None if rate is None or pd.isna(rate) else round(float(rate), 3),
         bold, fill, "0.0%", "right")


def _titles(ws, d: ReportData, width: int) -> int:
    lines = [(d.agency.upper(), 12, False),
             ("BIỂU TỔNG HỢP KẾT QUẢ CÔNG TÁC DÂN VẬN VÀ PHONG TRÀO THI ĐUA “DÂN VẬN KHÉO”", 14, True),
             (d.period.label.upper(), 13, True),
             (f"Phạm vi: {d.selection.name}", 12, False)]
    for i, (text, size, bold) in enumerate(lines, start=1):
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=width)
        cell = ws.cell(row=i, column=1, value=safe_text(text))
        cell.font = Font(name=FONT, size=size, bold=bold)
        cell.alignment = Alignment(horizontal="left" if i == 1 else "center")
    return len(lines) + 2  # one blank line before the header


def build_xlsx(data: ReportData) -> bytes:
    """The biểu tổng hợp as .xlsx bytes."""
    d = data
    codes = [i.code for i in d.indicators]
    headers = ["STT", "Đơn vị"] + [i.label for i in d.indicators] + [RATE_HEADER, NOTE_HEADER]
    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    header_row = _titles(ws, d, len(headers))
    for j, text in enumerate(headers, start=1):
        _set(ws, header_row, j, text, bold=True, fill=HEAD_FILL, align="center", size=10)
    ws.row_dimensions[header_row].height = 78
    r = _body(ws, d, codes, header_row + 1)
    _footer(ws, d, r + 1, len(headers))
    _layout(ws, header_row, len(headers), len(codes))
    _narrative_sheet(wb, d)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _body(ws, d: ReportData, codes: list[str], r: int) -> int:
    """Unit rows (grouped under cluster subtotals for the province); returns the next free row."""
    units = d.units
    number = 0
    groups: list[tuple[pd.Series | None, pd.DataFrame]] = [(None, units)]
    if d.selection.level == "province" and len(d.clusters) > 1:
        of = d.unit_clusters
        groups = [(c, units[[(of.get(code) or "") == c["code"] for code in units["code"]]])
                  for _, c in d.clusters.iterrows()]
    for k, (cluster, rows) in enumerate(groups, start=1):
        if cluster is not None:
            _set(ws, r, 1, ROMAN.get(k, str(k)), True, GROUP_FILL, align="center")
            _set(ws, r, 2, f"Cụm {cluster['name']}", True, GROUP_FILL)
            _figures(ws, r, 3, cluster, codes, True, GROUP_FILL)
            _set(ws, r, 4 + len(codes), "", True, GROUP_FILL)
            r += 1
        for _, row in rows.iterrows():
            number += 1
            _set(ws, r, 1, number, align="center")
            _set(ws, r, 2, row["name"])
            _figures(ws, r, 3, row, codes)
            _set(ws, r, 4 + len(codes), unit_status(row))
            r += 1
    total = pd.Series(d.current)
    _set(ws, r, 1, "", True, HEAD_FILL)
    _set(ws, r, 2, PROVINCE_NAME if d.selection.level == "province" else "Tổng cộng", True, HEAD_FILL)
    _figures(ws, r, 3, total, codes, True, HEAD_FILL)
    _set(ws, r, 4 + len(codes), "", True, HEAD_FILL)
    return r + 1


def _footer(ws, d: ReportData, r: int, width: int) -> None:
    coverage = " ".join(t for t in (gaps_sentence(d.current.get("gaps")),
                                    derived_note(d.current.get("units_derived"))) if t)
    notes = ["Ghi chú: ô để trống là đơn vị chưa báo cáo chỉ tiêu đó (không phải số 0); tỷ lệ công nhận "
             "= số mô hình được công nhận / số mô hình đăng ký." + (" " + coverage if coverage else ""),
             f"{d.agency}, ngày {d.made_on.day:02d} tháng {d.made_on.month:02d} năm {d.made_on.year}"]
    for i, text in enumerate(notes):
        ws.merge_cells(start_row=r + i, start_column=1, end_row=r + i, end_column=width)
        cell = ws.cell(row=r + i, column=1, value=safe_text(text))
        cell.font = Font(name=FONT, size=10, italic=i == 0)
        cell.alignment = Alignment(horizontal="left" if i == 0 else "right", wrap_text=True)
    ws.row_dimensions[r].height = 30


def _layout(ws, header_row: int, width: int, n_codes: int) -> None:
    """Column widths, frozen header, A4 landscape fitted to one page wide, header repeated."""
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 24
    for j in range(3, 3 + n_codes):
        ws.column_dimensions[get_column_letter(j)].width = 11
    ws.column_dimensions[get_column_letter(3 + n_codes)].width = 11
    ws.column_dimensions[get_column_letter(width)].width = 14
    ws.freeze_panes = ws.cell(row=header_row + 1, column=3)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.print_options.horizontalCentered = True


def _narrative_sheet(wb: Workbook, d: ReportData) -> None:
    ws = wb.create_sheet("Nhận định")
    ws.column_dimensions["A"].width = 120
    for i, text in enumerate(d.paragraphs, start=1):
        cell = ws.cell(row=i, column=1, value=safe_text(text))
        cell.font = Font(name=FONT, size=12)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
