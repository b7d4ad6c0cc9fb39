"""The consolidated template (biểu tổng hợp) for one period: what a unit fills in and uploads — a
quarter, or a cumulative period (6 tháng, 9 tháng, năm) for units that report so.

Sheet "Biểu tổng hợp" (read back by etl.reading.read like any consolidated sheet):

    BAN DÂN VẬN TỈNH ỦY THANH HÓA
    BIỂU TỔNG HỢP KẾT QUẢ CÔNG TÁC DÂN VẬN QUÝ II NĂM 2024
    STT | Đơn vị | Văn bản ban hành | Hội nghị            | Tập huấn ...    <- group (merged)
        |        |    (merged)      | Hội nghị quán triệt | Lượt người ...  <- indicator labels
    I   | Cụm Miền núi                                                       <- cluster row, no data
    1   | Huyện Mường Lát |   |   | ...                                      <- one row per active unit
    Ghi chú: ...

plus a "Hướng dẫn" sheet. No formulas: openpyxl-filled files carry no cached results.
"""
from __future__ import annotations

import io
from itertools import groupby

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from etl.catalog.catalogue import IndicatorRow, UnitRow, load_clusters, load_indicators, load_units
from etl.config import get_settings
from etl.periods import ROMAN, Period

SHEET = "Biểu tổng hợp"
GUIDE_SHEET = "Hướng dẫn"
FIRST_COL = 3  # A: STT, B: Đơn vị, then one column per indicator
HEADER_ROW = 5
_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_CLUSTER_FILL = PatternFill("solid", fgColor="F2F2F2")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

GUIDE = [
    "HƯỚNG DẪN ĐIỀN BIỂU TỔNG HỢP",
    "1. Mỗi đơn vị một dòng; không đổi tên, không xóa các cột tiêu đề.",
    "2. Ghi số nguyên không âm (ví dụ 12 hoặc 4819). Không ghi \"gần 50\", \"hơn 200\", 105/130.",
    "3. Không có số liệu: để trống hoặc ghi \"-\" (khác với số 0).",
    "4. Số lượt người tham dự chỉ ghi khi có hội nghị; số mô hình được công nhận không vượt số đăng ký.",
    "5. Kỳ báo cáo ghi ở dòng tiêu đề (ví dụ \"QUÝ II NĂM 2024\" hoặc \"6 THÁNG ĐẦU NĂM 2024\"); mỗi tệp là "
    "số liệu của một kỳ, ghi đúng số của cả kỳ (số lũy kế 6 tháng, 9 tháng, cả năm).",
    "6. Có thể xóa dòng của đơn vị chưa báo cáo hoặc để trống cả dòng.",
    "   Khi nạp lại biểu đã sửa, ô để trống không xóa số đã nạp trước đó; muốn bỏ cả lần nạp, dùng Hoàn tác.",
    "7. Lưu tệp dạng .xlsx rồi tải lên trang \"Tải lên\" hoặc nạp bằng lệnh: python -m etl load TÊN_TỆP.xlsx",
    "Ý nghĩa các cột:",
]


def template_title(period: Period) -> str:
    """'BIỂU TỔNG HỢP KẾT QUẢ CÔNG TÁC DÂN VẬN QUÝ II NĂM 2024' / '… 6 THÁNG ĐẦU NĂM 2024'."""
    if period.kind == "Q":
        words = f"QUÝ {ROMAN[period.quarter]} NĂM {period.year}"
    elif period.kind == "Y":
        words = f"NĂM {period.year}"
    else:  # '6 THÁNG ĐẦU NĂM 2024', '9 THÁNG NĂM 2024'
        words = period.label.upper()
    return f"BIỂU TỔNG HỢP KẾT QUẢ CÔNG TÁC DÂN VẬN {words}"


def template_file_name(period: Period) -> str:
    """'bieu_tong_hop_2024_Q2.xlsx', 'bieu_tong_hop_2024_H1.xlsx', 'bieu_tong_hop_2024.xlsx'."""
    return f"bieu_tong_hop_{period.spec.replace('-', '_')}.xlsx"


def template_units(engine, period: Period) -> list[UnitRow]:
    """Units active in the quarter (districts before 1/7/2025, communes after), by cluster."""
    clusters = list(load_clusters(engine))
    order = {c: i for i, c in enumerate(clusters)}
    active = [u for u in load_units(engine) if u.active_in(period.start, period.end)]
    return sorted(active, key=lambda u: (order.get(u.cluster_code, len(order)), u.sort_order, u.name))


def template_bytes(engine, period: Period) -> bytes:
    """The template workbook for the quarter, as .xlsx bytes."""
    units = template_units(engine, period)
    clusters = load_clusters(engine)
    indicators = load_indicators(engine)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    _titles(ws, period, len(indicators))
    _headers(ws, indicators)
    last = _unit_rows(ws, units, clusters, len(indicators))
    _validation(ws, len(indicators), last)
    _notes(ws, last + 2)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 2, column=FIRST_COL)
    _guide(wb.create_sheet(GUIDE_SHEET), indicators)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _titles(ws, period: Period, n: int) -> None:
    agency = get_settings().agency_name.upper()
    last_col = get_column_letter(FIRST_COL + n - 1)
    for row, text, bold in ((1, agency, True), (2, template_title(period), True),
                            (3, f"(Kỳ báo cáo: {period.label})", False)):
        ws.cell(row=row, column=1, value=text).font = Font(bold=bold, size=13 if row == 2 else 11)
        ws.merge_cells(f"A{row}:{last_col}{row}")
        ws.cell(row=row, column=1).alignment = Alignment(horizontal="center")


def _headers(ws, indicators: list[IndicatorRow]) -> None:
    """Two header lines: a group merged over its indicators, or one label merged over both."""
    top, sub = HEADER_ROW, HEADER_ROW + 1
    for col, text in ((1, "STT"), (2, "Đơn vị")):
        ws.cell(row=top, column=col, value=text)
        ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
    col = FIRST_COL
    for group, members in groupby(indicators, key=lambda i: i.group_name):
        members = list(members)
        if len(members) == 1 or not group:
            for ind in members:
                ws.cell(row=top, column=col, value=ind.label)
                ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
                col += 1
            continue
        ws.cell(row=top, column=col, value=group)
        ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + len(members) - 1)
        for ind in members:
            ws.cell(row=sub, column=col, value=ind.label)
            col += 1
    for row in (top, sub):
        for c in range(1, col):
            cell = ws.cell(row=row, column=c)
            cell.font, cell.fill, cell.alignment, cell.border = Font(bold=True), _HEAD_FILL, _CENTER, _BOX
    ws.row_dimensions[sub].height = 60
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 30
    for c in range(FIRST_COL, col):
        ws.column_dimensions[get_column_letter(c)].width = 14


def _unit_rows(ws, units: list[UnitRow], clusters: dict[str, str], n: int) -> int:
    """Cluster heading rows (I, II, …) and numbered unit rows; returns the last row used."""
    row, number = HEADER_ROW + 1, 0
    for g, (code, members) in enumerate(groupby(units, key=lambda u: u.cluster_code), start=1):
        row += 1
        ws.cell(row=row, column=1, value=_roman(g))
        ws.cell(row=row, column=2, value=f"Cụm {clusters.get(code, code or 'khác')}")
        for c in range(1, FIRST_COL + n):
            cell = ws.cell(row=row, column=c)
            cell.font, cell.fill, cell.border = Font(bold=True), _CLUSTER_FILL, _BOX
        for unit in members:
            row, number = row + 1, number + 1
            ws.cell(row=row, column=1, value=number).alignment = Alignment(horizontal="center")
            ws.cell(row=row, column=2, value=unit.name)
            for c in range(1, FIRST_COL + n):
                ws.cell(row=row, column=c).border = _BOX
    return row


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def _validation(ws, n: int, last: int) -> None:
    dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                        showErrorMessage=True, errorTitle="Số liệu không hợp lệ",
                        error="Ghi số nguyên không âm (ví dụ 12); để trống nếu không có số liệu.")
    dv.add(f"{get_column_letter(FIRST_COL)}{HEADER_ROW + 2}:{get_column_letter(FIRST_COL + n - 1)}{last}")
    ws.add_data_validation(dv)


def _notes(ws, row: int) -> None:
    ws.cell(row=row, column=2, value="Ghi chú: ghi số nguyên; để trống hoặc \"-\" nếu không có số liệu. "
                                     "Xem trang \"Hướng dẫn\".").font = Font(italic=True)
    ws.cell(row=row + 2, column=2, value="NGƯỜI LẬP BIỂU").font = Font(bold=True)


def _guide(ws, indicators: list[IndicatorRow]) -> None:
    ws.column_dimensions["A"].width = 110
    for i, text in enumerate(GUIDE, start=1):
        ws.cell(row=i, column=1, value=text).font = Font(bold=(i == 1))
    for j, ind in enumerate(indicators, start=len(GUIDE) + 1):
        group = f"{ind.group_name} – " if ind.group_name and ind.group_name != ind.label else ""
        ws.cell(row=j, column=1, value=f"• {group}{ind.label} ({ind.unit_label})")
