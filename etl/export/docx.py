"""The written report (DOCX): heading in the Party's administrative layout, the narrative, and a
summary table by cluster and unit with Vietnamese number formats."""
from __future__ import annotations

import io

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from etl.catalog.catalogue import CONFERENCES, INSPECTIONS, RATE, RECOGNISED, REGISTERED, TRAININGS
from etl.config import get_settings
from etl.export.scope import ReportData
from etl.periods import ROMAN
from etl.queries.selection import PROVINCE_NAME
from etl.reading.numbers import fmt_int, fmt_pct

FONT = "Times New Roman"
# The summary table's columns: (indicator, header narrow enough for a 1,35 cm column).
TABLE = ((CONFERENCES.code, "Hội nghị quán triệt"), (CONFERENCES.participants, "Lượt người dự"),
         (TRAININGS.code, "Hội nghị tập huấn"), (TRAININGS.participants, "Lượt người tập huấn"),
         (INSPECTIONS, "Cuộc KT, GS"), (REGISTERED, "Mô hình đăng ký"), (RECOGNISED, "Được công nhận"))
TABLE_CODES = tuple(code for code, _ in TABLE)
TABLE_HEADERS = tuple(header for _, header in TABLE)


def build_docx(data: ReportData) -> bytes:
    """The report as .docx bytes."""
    doc = Document()
    _page(doc)
    _heading(doc, data)
    _section(doc, "I. KẾT QUẢ CHỦ YẾU")
    for text in data.paragraphs:
        p = doc.add_paragraph(text)
        p.paragraph_format.first_line_indent = Cm(1)
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _section(doc, f"II. BIỂU TỔNG HỢP {data.period.label.upper()}")
    _summary_table(doc, data)
    note = doc.add_paragraph("Ô “–”: đơn vị chưa báo cáo chỉ tiêu (không phải số 0). "
                             "KT, GS: kiểm tra, giám sát. Tỷ lệ = được công nhận / đăng ký.")
    note.runs[0].italic, note.runs[0].font.size = True, Pt(10)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _page(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.orientation = WD_ORIENT.PORTRAIT
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(13)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)  # keep Times for every script
    style.paragraph_format.space_after = Pt(6)


def _heading(doc, d: ReportData) -> None:
    grid = doc.add_table(rows=1, cols=2)
    left, right = grid.rows[0].cells
    _cell_text(left, [(d.agency.upper(), True, 12)], WD_ALIGN_PARAGRAPH.CENTER)
    _cell_text(right, [("ĐẢNG CỘNG SẢN VIỆT NAM", True, 12),
                       (f"{get_settings().province_name}, ngày {d.made_on.day:02d} tháng "
                        f"{d.made_on.month:02d} năm {d.made_on.year}", False, 12)],
               WD_ALIGN_PARAGRAPH.CENTER, italic_last=True)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(18)
    run = title.add_run("BÁO CÁO")
    run.bold, run.font.size = True, Pt(15)
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = sub.add_run(f"Kết quả công tác dân vận và phong trào thi đua “Dân vận khéo”\n"
                      f"{d.period.label} – {d.selection.name}")
    run.bold, run.font.size = True, Pt(14)


def _cell_text(cell, lines, align, italic_last: bool = False) -> None:
    for i, (text, bold, size) in enumerate(lines):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        p.alignment = align
        run = p.add_run(text)
        run.bold, run.font.size = bold, Pt(size)
        run.italic = italic_last and i == len(lines) - 1


def _section(doc, text: str) -> None:
    p = doc.add_paragraph()
    p.paragraph_format.space_before = Pt(12)
    run = p.add_run(text)
    run.bold = True


def _summary_table(doc, d: ReportData) -> None:
    rows = _table_rows(d)
    table = doc.add_table(rows=1, cols=3 + len(TABLE_CODES))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = ("STT", "Đơn vị", *TABLE_HEADERS, "Tỷ lệ công nhận")
    for cell, text in zip(table.rows[0].cells, header):
        _fill(cell, text, bold=True, shade="DCE6F1", align=WD_ALIGN_PARAGRAPH.CENTER)
    _repeat_header(table.rows[0])
    for stt, name, row, kind in rows:
        cells = table.add_row().cells
        bold = kind != "unit"
        shade = {"cluster": "F2F2F2", "total": "DCE6F1"}.get(kind)
        _fill(cells[0], stt, bold, shade, WD_ALIGN_PARAGRAPH.CENTER)
        _fill(cells[1], name, bold, shade)
        for cell, code in zip(cells[2:], TABLE_CODES):
            _fill(cell, fmt_int(_num(row.get(code))), bold, shade, WD_ALIGN_PARAGRAPH.RIGHT)
        _fill(cells[-1], fmt_pct(_num(row.get(RATE))), bold, shade, WD_ALIGN_PARAGRAPH.RIGHT)
    widths = [Cm(1.1), Cm(3.2)] + [Cm(1.35)] * len(TABLE_CODES) + [Cm(1.4)]  # 16.5 cm: the text width
    table.autofit = False  # LibreOffice and Word follow the grid columns, not only the cells
    for column, w in zip(table.columns, widths):
        column.width = w
    for r in table.rows:
        for cell, w in zip(r.cells, widths):
            cell.width = w


def _num(v):
    return None if v is None or pd.isna(v) else v


def _table_rows(d: ReportData) -> list[tuple[str, str, dict, str]]:
    """(STT, name, figures, kind) with cluster subtotal rows for the province, then the total."""
    units = d.units
    out, number = [], 0
    if d.selection.level == "province" and len(d.clusters) > 1:
        groups = [(c, units[[(d.unit_clusters.get(u) or "") == c["code"] for u in units["code"]]])
                  for _, c in d.clusters.iterrows()]
    else:
        groups = [(None, units)]
    for k, (cluster, rows) in enumerate(groups, start=1):
        if cluster is not None:
            out.append((ROMAN.get(k, str(k)), f"Cụm {cluster['name']}", cluster.to_dict(), "cluster"))
        for _, row in rows.iterrows():
            number += 1
            out.append((str(number), row["name"], row.to_dict(), "unit"))
    out.append(("", PROVINCE_NAME if d.selection.level == "province" else "Tổng cộng", d.current, "total"))
    return out


def _fill(cell, text: str, bold: bool = False, shade: str | None = None,
          align=WD_ALIGN_PARAGRAPH.LEFT) -> None:
    p = cell.paragraphs[0]
    p.alignment = align
    p.paragraph_format.space_after = Pt(0)
    run = p.add_run(text)
    run.bold, run.font.size = bold, Pt(10)
    run.font.color.rgb = RGBColor(0, 0, 0)
    if shade:
        props = cell._tc.get_or_add_tcPr()
        fill = OxmlElement("w:shd")
        fill.set(qn("w:val"), "clear")
        fill.set(qn("w:color"), "auto")
        fill.set(qn("w:fill"), shade)
        props.append(fill)


def _repeat_header(row) -> None:
    """The header row repeats on every printed page."""
    props = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    props.append(flag)
