"""The biểu tổng hợp (etl.export.xlsx): loads back into the warehouse unchanged through our own ETL,
has cluster subtotals and a province row, leaves unreported figures blank, prints on A4 landscape,
and cannot carry a formula in a text cell."""
from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import insert, update

from etl.export.outputs import xlsx_bytes
from etl.export.scope import gather, report_selection
from etl.export.xlsx import RATE_HEADER, safe_text
from etl.periods import quarter
from etl.warehouse.load import load_file
from etl.warehouse.schema import Fact, Unit
from tests.seeding import H1_2024, seed_province

Q2 = quarter(2024, 2)


def sheet(engine, scope: str, period=Q2):
    data = gather(engine, report_selection(engine, period, scope), made_on=date(2024, 7, 5))
    content = xlsx_bytes(data)
    return data, content, load_workbook(io.BytesIO(content))["Tổng hợp"]


def rows_by_label(ws) -> dict[str, list]:
    return {r[1]: list(r) for r in ws.iter_rows(values_only=True) if isinstance(r[1], str)}


def test_round_trip_through_our_etl_is_unchanged(engine):
    seed_province(engine)
    for scope in ("province", "cluster:ven-bien"):
        _data, content, _ws = sheet(engine, scope)
        result = load_file(engine, content, f"tong-hop-{scope}.xlsx")
        assert result.status == "unchanged", [p.message for p in result.problems]
        assert result.period == Q2 and result.rows_unchanged > 0
        assert result.rows_added == 0 and result.rows_changed == 0
        assert not [p for p in result.problems if p.severity == "error"]


def test_round_trip_changes_exactly_what_was_edited(sqlite_engine):
    seed_province(sqlite_engine)
    _data, content, _ws = sheet(sqlite_engine, "province")
    with sqlite_engine.begin() as conn:  # the warehouse moves on; the exported sheet still holds the old figure
        conn.execute(update(Fact).where(Fact.unit_code == "384", Fact.year == 2024, Fact.quarter == 2,
                                        Fact.indicator_code == "dialogues").values(value=999))
    result = load_file(sqlite_engine, content, "tong-hop.xlsx", dry_run=True)
    assert result.status == "preview" and result.rows_changed == 1
    change = next(c for c in result.changes if c.old != c.new)
    assert (change.unit_code, change.indicator_code, change.old) == ("384", "dialogues", 999)


def test_subtotals_total_rate_and_blanks(engine):
    seed_province(engine)
    data, _content, ws = sheet(engine, "province", H1_2024)
    headers = next(r for r in ws.iter_rows(values_only=True) if r[0] == "STT")
    col = {h: i for i, h in enumerate(headers)}
    rows = rows_by_label(ws)
    dong_bang = rows["Cụm Đồng bằng"]
    assert dong_bang[0] == "III"
    assert dong_bang[col["Hội nghị quán triệt, tuyên truyền"]] == 50
    assert dong_bang[col["Lượt người tham dự hội nghị"]] == 4819
    assert dong_bang[col["Mô hình được công nhận"]] == 514
    assert dong_bang[col[RATE_HEADER]] == 0.577
    total = rows["Toàn tỉnh"]
    assert total[col["Mô hình “Dân vận khéo” đăng ký"]] == data.current["models_registered"]
    units = [r for r in ws.iter_rows(values_only=True) if isinstance(r[0], int)]
    assert len(units) == 27 and [r[0] for r in units] == list(range(1, 28))
    dong_son = rows["Huyện Đông Sơn"]  # did not report: blank cells, never 0
    assert all(v is None for v in dong_son[2:col[RATE_HEADER] + 1])
    assert dong_son[col["Ghi chú"]] == "Chưa báo cáo"
    dialogues = rows["Huyện Yên Định"][col["Cuộc tiếp xúc, đối thoại với Nhân dân"]]
    assert dialogues is None  # seed 001's cluster reported no dialogues
    cell = ws.cell(row=next(i for i, r in enumerate(ws.iter_rows(values_only=True), 1) if r[1] == "Toàn tỉnh"),
                   column=col[RATE_HEADER] + 1)
    assert cell.number_format == "0.0%"


def test_print_setup(sqlite_engine):
    seed_province(sqlite_engine)
    _data, _content, ws = sheet(sqlite_engine, "province")
    header_row = next(i for i, r in enumerate(ws.iter_rows(values_only=True), 1) if r[0] == "STT")
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == f"${header_row}:${header_row}"
    assert ws.freeze_panes == f"C{header_row + 1}"


def test_text_cells_cannot_hold_formulas(sqlite_engine):
    seed_province(sqlite_engine)
    with sqlite_engine.begin() as conn:
        conn.execute(insert(Unit).values(code="999", name="=HYPERLINK(\"http://x\",\"bấm\")", level="district",
                                         kind="huyện", parent_code="38", cluster_code="ven-bien",
                                         valid_from=date(2000, 1, 1), valid_to=None, aliases="", sort_order=99))
    _data, _content, ws = sheet(sqlite_engine, "cluster:ven-bien")
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.value.startswith("'=") and c.data_type == "s" for c in cells)
    assert [safe_text(t) for t in ("+1", "-2", "@x", "Huyện A")] == ["'+1", "'-2", "'@x", "Huyện A"]
