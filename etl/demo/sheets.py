"""Demo workbooks drawn the way units really make them (used by etl.demo.demo only).

consolidated_sheet():                          form_sheet():
  BAN DÂN VẬN TỈNH ỦY THANH HÓA                  BAN DÂN VẬN HUYỆN ỦY YÊN ĐỊNH
  CỤM ĐỒNG BẰNG                                  BÁO CÁO KẾT QUẢ … QUÝ I NĂM 2023
  BIỂU TỔNG HỢP … QUÝ II NĂM 2024                (Số liệu minh họa)
  (Số liệu minh họa)                             STT | Nội dung | Đơn vị tính | Số lượng
  STT | Đơn vị | Hội nghị quán triệt… | …        1   | Số văn bản ban hành | văn bản | 12
      |        | Số cuộc | Lượt người | …
  1   | H. Yên Định | 06 | "1.204" | -
  …   | Tổng cộng | …
  Ghi chú: …  /  NGƯỜI LẬP BIỂU   TRƯỞNG BAN
"""
from __future__ import annotations

import io
import random

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from etl.catalog.catalogue import UnitRow
from etl.periods import REORGANISATION_DATE, ROMAN, Period
from etl.reading.numbers import fmt_int, pad2

ILLUSTRATIVE = "(Số liệu minh họa)"
# (group over two header lines or the single header, sub-header or None, indicator)
TWO_LINE = [
    ("Văn bản ban hành", None, "documents_issued"),
    ("Hội nghị quán triệt, tuyên truyền", "Số cuộc", "conferences"),
    ("Hội nghị quán triệt, tuyên truyền", "Lượt người", "conference_participants"),
    ("Tập huấn, bồi dưỡng", "Số lớp", "trainings"),
    ("Tập huấn, bồi dưỡng", "Lượt người", "training_participants"),
    ("Hội nghị sơ kết, tổng kết", None, "review_conferences"),
    ("Kiểm tra, giám sát", "Số cuộc", "inspections"),
    ("Kiểm tra, giám sát", "Tổ chức đảng", "inspected_party_orgs"),
    ("Kiểm tra, giám sát", "Đảng viên", "inspected_party_members"),
    ("Tiếp xúc, đối thoại với Nhân dân", None, "dialogues"),
    ("Mô hình \"Dân vận khéo\"", "Đăng ký", "models_registered"),
    ("Mô hình \"Dân vận khéo\"", "Được công nhận", "models_recognized"),
]
FLAT = {"documents_issued": "Số văn bản", "conferences": "Số hội nghị",
        "conference_participants": "Lượt người tham dự", "trainings": "Số lớp tập huấn",
        "training_participants": "Số học viên", "review_conferences": "Sơ kết, tổng kết",
        "inspections": "Số cuộc KT, GS", "inspected_party_orgs": "Số tổ chức đảng",
        "inspected_party_members": "Số đảng viên", "dialogues": "Đối thoại",
        "models_registered": "Mô hình đăng ký", "models_recognized": "Mô hình được công nhận"}
FORM = {"documents_issued": ("Số văn bản ban hành", "văn bản"),
        "conferences": ("Số hội nghị quán triệt, tuyên truyền", "hội nghị"),
        "conference_participants": ("Lượt người tham dự hội nghị", "lượt người"),
        "trainings": ("Số hội nghị tập huấn", "hội nghị"),
        "training_participants": ("Số lượt người tập huấn", "lượt người"),
        "review_conferences": ("Hội nghị sơ kết, tổng kết", "hội nghị"),
        "inspections": ("Số cuộc kiểm tra, giám sát", "cuộc"),
        "inspected_party_orgs": ("Tổ chức đảng được kiểm tra, giám sát", "tổ chức"),
        "inspected_party_members": ("Đảng viên được kiểm tra, giám sát", "đảng viên"),
        "dialogues": ("Cuộc tiếp xúc, đối thoại với Nhân dân", "cuộc"),
        "models_registered": ("Số mô hình đăng ký", "mô hình"),
        "models_recognized": ("Số mô hình được công nhận", "mô hình")}
_ISSUER = {"Huyện": "HUYỆN ỦY", "Thị xã": "THỊ ỦY", "Thành phố": "THÀNH ỦY"}


def agency_line(period: Period) -> str:
    if period.start >= REORGANISATION_DATE:
        return "BAN TUYÊN GIÁO VÀ DÂN VẬN TỈNH ỦY THANH HÓA"
    return "BAN DÂN VẬN TỈNH ỦY THANH HÓA"


def period_title(period: Period, rng: random.Random) -> str:
    if period.kind != "Q":  # '6 THÁNG ĐẦU NĂM 2024', '9 THÁNG NĂM 2024', 'NĂM 2024'
        return period.label.upper()
    if rng.random() < 0.7:
        return f"QUÝ {ROMAN[period.quarter]} NĂM {period.year}"
    return f"Quý {ROMAN[period.quarter]}/{period.year}"


def cell_value(value: int, rng: random.Random):
    """A figure as people type it: mostly a number, sometimes '4.819', '06', '-' or text."""
    roll = rng.random()
    if value == 0:
        return "-" if roll < 0.5 else 0
    if value >= 1000 and roll < 0.4:
        return fmt_int(value)
    if value < 10 and roll < 0.2:
        return pad2(value)
    if roll < 0.05:
        return str(value)
    return value


def unit_label(unit: UnitRow, rng: random.Random) -> str:
    """'Huyện Yên Định' | 'H. Yên Định' | 'Yên Định' | 'YÊN ĐỊNH' | 'TP Thanh Hóa' | 'TX Bỉm Sơn' …"""
    for long, shorts in (("Huyện ", ("H. ", "", "")), ("Thị xã ", ("TX ", "TX. ")),
                         ("Thành phố ", ("TP ", "TP. ")), ("Phường ", ("P. ",)), ("Xã ", ("X. ", "xã "))):
        if unit.name.startswith(long):
            base = unit.name[len(long):]
            roll = rng.random()
            if roll < 0.5:
                return unit.name
            if unit.level == "district" and long == "Huyện " and roll < 0.6:
                return base.upper()
            return rng.choice(shorts) + base
    return unit.name


def consolidated_sheet(cluster_name: str, rows: list[tuple[UnitRow, dict]], period: Period,
                       rng: random.Random, flat: bool = False) -> bytes:
    """One cluster's consolidated sheet for the quarter."""
    wb = Workbook()
    ws = wb.active
    ws.title = rng.choice(["Tổng hợp", "Biểu tổng hợp", "Sheet1",
                           f"Quý {ROMAN[period.quarter]}" if period.kind == "Q" else "Lũy kế"])
    lines = [agency_line(period), f"CỤM {cluster_name.upper()}",
             f"BIỂU TỔNG HỢP KẾT QUẢ CÔNG TÁC DÂN VẬN {period_title(period, rng)}", ILLUSTRATIVE]
    for i, text in enumerate(lines, start=1):
        ws.cell(row=i, column=1, value=text).font = Font(bold=i != len(lines))
    r = len(lines) + 2
    unit_header = "Xã, phường" if period.start >= REORGANISATION_DATE else "Đơn vị"
    r = _flat_header(ws, r, unit_header) if flat else _two_line_header(ws, r, unit_header, rng)
    codes = [code for _, _, code in TWO_LINE]
    totals = dict.fromkeys(codes, 0)
    for n, (unit, values) in enumerate(rows, start=1):
        ws.cell(row=r, column=1, value=n)
        ws.cell(row=r, column=2, value=unit_label(unit, rng) + (" " if rng.random() < 0.1 else ""))
        for j, code in enumerate(codes, start=3):
            ws.cell(row=r, column=j, value=cell_value(values[code], rng))
            totals[code] += values[code]
        r += 1
    ws.cell(row=r, column=2, value=rng.choice(["Tổng cộng", "Cộng"])).font = Font(bold=True)
    for j, code in enumerate(codes, start=3):
        ws.cell(row=r, column=j, value=totals[code]).font = Font(bold=True)
    ws.cell(row=r + 2, column=2, value="Ghi chú: số liệu minh họa do hệ thống tạo ra, không phải số liệu thật.")
    ws.cell(row=r + 4, column=2, value="NGƯỜI LẬP BIỂU")
    ws.cell(row=r + 4, column=10, value="TRƯỞNG BAN")
    ws.column_dimensions["B"].width = 24
    if rng.random() < 0.3:
        wb.create_sheet("Hướng dẫn").cell(row=1, column=1, value="Ghi số nguyên; để trống nếu không có.")
    return _save(wb)


def _two_line_header(ws, r: int, unit_header: str, rng: random.Random) -> int:
    for col, text in ((1, "STT"), (2, unit_header)):
        ws.cell(row=r, column=col, value=text)
        ws.merge_cells(start_row=r, start_column=col, end_row=r + 1, end_column=col)
    col = 3
    while col - 3 < len(TWO_LINE):
        group, sub, _ = TWO_LINE[col - 3]
        width = sum(1 for g, _, _ in TWO_LINE if g == group)
        ws.cell(row=r, column=col, value=group)
        if sub is None:
            ws.merge_cells(start_row=r, start_column=col, end_row=r + 1, end_column=col)
        else:
            ws.merge_cells(start_row=r, start_column=col, end_row=r, end_column=col + width - 1)
            for k in range(width):
                ws.cell(row=r + 1, column=col + k, value=TWO_LINE[col - 3 + k][1])
        col += width
    for row in (r, r + 1):
        for c in range(1, col):
            ws.cell(row=row, column=c).alignment = Alignment(horizontal="center", wrap_text=True)
            ws.cell(row=row, column=c).font = Font(bold=True)
    if rng.random() < 0.4:  # the "(1) (2) (3) …" column-number line many sheets have
        for c in range(1, col):
            ws.cell(row=r + 2, column=c, value=f"({c})")
        return r + 3
    return r + 2


def _flat_header(ws, r: int, unit_header: str) -> int:
    for col, text in enumerate(["STT", unit_header] + [FLAT[code] for _, _, code in TWO_LINE], start=1):
        ws.cell(row=r, column=col, value=text).font = Font(bold=True)
    return r + 1


def form_sheet(unit: UnitRow, values: dict, period: Period, rng: random.Random) -> bytes:
    """One unit's own report: one row per indicator (Nội dung | Đơn vị tính | Số lượng)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    kind, _, base = unit.name.partition(" ")
    if unit.name.startswith(("Thị xã ", "Thành phố ")):
        kind, base = " ".join(unit.name.split()[:2]), " ".join(unit.name.split()[2:])
    issuer = _ISSUER.get(kind, kind.upper())
    lines = [f"BAN DÂN VẬN {issuer} {base.upper()}",
             f"BÁO CÁO KẾT QUẢ CÔNG TÁC DÂN VẬN {period_title(period, rng)}", ILLUSTRATIVE]
    for i, text in enumerate(lines, start=1):
        ws.cell(row=i, column=1, value=text).font = Font(bold=True)
    r = len(lines) + 2
    for col, text in enumerate(["STT", "Nội dung", "Đơn vị tính", "Số lượng"], start=1):
        ws.cell(row=r, column=col, value=text).font = Font(bold=True)
    for n, (code, (label, unit_text)) in enumerate(FORM.items(), start=1):
        r += 1
        for col, value in enumerate([n, label, unit_text, cell_value(values[code], rng)], start=1):
            ws.cell(row=r, column=col, value=value)
    ws.cell(row=r + 2, column=2, value="NGƯỜI LẬP BIỂU")
    ws.column_dimensions["B"].width = 40
    return _save(wb)


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
