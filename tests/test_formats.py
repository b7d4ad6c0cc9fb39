""".xls and .ods as units send them: made here by LibreOffice Calc from .xlsx files built in the test,
they read and load with the same figures, cells and problems as the .xlsx they came from; hand-written
.ods files for what Calc never writes (a formula without its value, huge repeated rows, a DOCTYPE)."""
from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import select

from etl.reading.formats import file_kind
from etl.reading.read import parse_workbook
from etl.warehouse.load import load_file
from etl.warehouse.schema import Fact
from tests.workbooks import (catalogue_indicators, consolidated_workbook, convert_with_calc, form_workbook, ods_bytes,
                             ods_row, sample_units, transposed_workbook, workbook_of_sheets)

UNITS, INDICATORS = sample_units(), catalogue_indicators()


def _hidden_row(data: bytes, row: int) -> bytes:
    from io import BytesIO

    from openpyxl import load_workbook

    from tests.workbooks import to_bytes
    wb = load_workbook(BytesIO(data))
    wb.worksheets[-1].row_dimensions[row].hidden = True
    return to_bytes(wb)


CONSOLIDATED = _hidden_row(consolidated_workbook([
    ("Huyện Yên Định", {"documents_issued": 12, "conferences": 8, "conference_participants": "4.819",
                        "models_registered": 30, "models_recognized": 17}),
    "Cụm miền núi",
    ("H. Mường Lát", {"documents_issued": "06", "conferences": 2, "conference_participants": 300}),
    ("TP. Thanh Hoá", {"conferences": "-", "inspections": 3, "inspected_party_orgs": 4})]), 9)
SOURCES = {
    "tong_hop.xlsx": CONSOLIDATED,
    "bieu_mau.xlsx": form_workbook("BAN DÂN VẬN HUYỆN ỦY YÊN ĐỊNH", {"documents_issued": 5, "conferences": 3,
                                                                   "conference_participants": "1.200"}),
    "ngang.xlsx": transposed_workbook(["H. Yên Định", "Huyện Hà Trung"], {"conferences": [5, 1],
                                                                        "conference_participants": [905, 20]}),
    "ba_trang.xlsx": workbook_of_sheets({
        "Cụm miền núi": consolidated_workbook([("Huyện Mường Lát", {"conferences": 2})]),
        "Cụm ven biển": consolidated_workbook([("Huyện Nga Sơn", {"conferences": 4})]),
        "Cụm đồng bằng": consolidated_workbook([("Huyện Yên Định", {"conferences": 5})]),
        "Bản cũ": consolidated_workbook([("Huyện Yên Định", {"conferences": 99})])}, hidden=("Bản cũ",)),
    "cot_la.xlsx": consolidated_workbook([("Huyện Yên Định", {"documents_issued": 3, "conference_participants": 40})],
                                         headers="flat", codes=("documents_issued", "conference_participants"),
                                         header_text={"conference_participants": "Lượt người"}),
}


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    folder = tmp_path_factory.mktemp("calc")
    return {fmt: convert_with_calc(SOURCES, fmt, folder) for fmt in ("xls", "ods")}


def parse(data, name, **kw):
    return parse_workbook(data, name, units=UNITS, indicators=INDICATORS, today=date(2026, 1, 15), **kw)


def reading(pf) -> tuple:
    """Everything a reader reports, less the file name."""
    return (pf.sheet, pf.layout, pf.period,
            [(r.unit_code, r.values, r.cells, r.sheet, r.period) for r in pf.records],
            [(p.code, p.sheet, p.cell, p.row, p.message) for p in pf.problems],
            [(s.name, s.status, s.reason, s.layout, s.period, s.mapped_columns) for s in pf.sheets])


@pytest.mark.parametrize("fmt", ["xls", "ods"])
@pytest.mark.parametrize("name", list(SOURCES))
def test_calc_files_read_exactly_as_the_xlsx_they_came_from(converted, fmt, name):
    data = converted[fmt][name.replace(".xlsx", f".{fmt}")]
    assert file_kind(data) == fmt
    assert reading(parse(data, name)) == reading(parse(SOURCES[name], name))


def test_what_the_comparison_covers():
    """The sources hold what must survive the conversion: merged two-line headers, a hidden row, a
    number typed as text, a form, a transposed table, four sheets one of them hidden, an uncertain column."""
    pf = parse(SOURCES["tong_hop.xlsx"], "tong_hop.xlsx")
    assert [p.code for p in pf.problems] == ["hidden_row"] and pf.records[0].values["conference_participants"] == 4819
    assert [s.status for s in parse(SOURCES["ba_trang.xlsx"], "b.xlsx").sheets] == ["read"] * 3 + ["skipped"]
    assert parse(SOURCES["ngang.xlsx"], "n.xlsx").layout == "transposed"
    assert parse(SOURCES["bieu_mau.xlsx"], "f.xlsx").layout == "form"
    assert [p.code for p in parse(SOURCES["cot_la.xlsx"], "c.xlsx").problems] == ["uncertain_column"]


def facts(engine) -> dict:
    with engine.connect() as conn:
        return {(u, i, y, q): v for u, i, y, q, v in conn.execute(
            select(Fact.unit_code, Fact.indicator_code, Fact.year, Fact.quarter, Fact.value))}


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_calc_files_load_with_the_figures_of_the_xlsx(engine, converted, fmt):
    name = "ba_trang.xlsx"
    assert load_file(engine, SOURCES[name], name).status == "loaded"
    expected = facts(engine)
    assert len(expected) == 3
    from etl.warehouse.undo import undo_batch
    assert undo_batch(engine, 1).ok and facts(engine) == {}
    other = name.replace(".xlsx", f".{fmt}")
    result = load_file(engine, converted[fmt][other], other)
    assert result.status == "loaded", [p.message for p in result.problems]
    assert facts(engine) == expected
    assert [s.name for s in result.sheets if s.status == "skipped"] == ["Bản cũ"]


# ---------------------------------------------------------------- hand-written .ods

HEAD = [ods_row("BIỂU TỔNG HỢP QUÝ II NĂM 2024"), ods_row(),
        ods_row("STT", "Đơn vị", "Số hội nghị", "Lượt người tham dự")]


def test_an_ods_formula_without_its_value_is_named():
    cell = '<table:table-cell table:formula="of:=1+1"/>'
    data = ods_bytes({"Biểu": "".join(HEAD + [ods_row(1, "Huyện Yên Định", cell, 30)])})
    pf = parse(data, "tay.ods")
    assert [(p.code, p.cell) for p in pf.problems] == [("formula_without_value", "C4")]


def test_ods_merges_hidden_rows_and_huge_repeats_cost_nothing():
    merged = ('<table:table-cell office:value-type="string" table:number-columns-spanned="2">'
              '<text:p>Hội nghị</text:p></table:table-cell><table:covered-table-cell/>')
    rows = [ods_row("BIỂU TỔNG HỢP QUÝ II NĂM 2024"), ods_row(),
            ods_row("STT", "Đơn vị", merged), ods_row(None, None, "Số cuộc", "Lượt người"),
            ods_row(1, "Huyện Yên Định", 4, 200), ods_row(2, "Huyện Hà Trung", 1, 30, hidden=True),
            ods_row("Nơi nhận:"), ods_row(None, None, None, repeat=1_048_000)]   # as Calc ends a sheet
    started = time.perf_counter()
    pf = parse(ods_bytes({"Biểu": "".join(rows)}), "tay.ods")
    assert time.perf_counter() - started < 30   # a guard against expanding a million rows, not a benchmark
    assert [(r.unit_code, r.values) for r in pf.records] == [
        ("394", {"conferences": 4, "conference_participants": 200}),
        ("392", {"conferences": 1, "conference_participants": 30})]
    assert [(p.code, p.row) for p in pf.problems] == [("hidden_row", 6)]


@pytest.mark.parametrize("content, code", [
    (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "x">]><d>&a;</d>', "file_unreadable"),
    (b"<office:document-content", "file_unreadable"),
])
def test_hostile_ods_is_refused_before_parsing(content, code):
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content)
    pf = parse(buf.getvalue(), "x.ods")
    assert [p.code for p in pf.problems] == [code] and not pf.records


def test_an_ods_repeating_a_filled_cell_a_million_times_is_refused_before_calamine_reads_it():
    cell = ('<table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16000">'
            '<text:p>1</text:p></table:table-cell>')
    rows = "".join(HEAD) + f'<table:table-row table:number-rows-repeated="100000">{cell}</table:table-row>'
    started = time.perf_counter()
    pf = parse(ods_bytes({"Biểu": rows}), "bom.ods")
    assert time.perf_counter() - started < 30
    [p] = pf.problems
    assert (p.code, p.sheet) == ("file_too_large", "Biểu") and "100.003" in p.message and "16.000" in p.message


def test_an_xls_cell_far_away_is_refused_before_calamine_reads_it(converted, tmp_path, monkeypatch):
    monkeypatch.setattr("etl.reading.calamine_sheets.MAX_GRID_CELLS", 10)   # the real cap is 4M cells: same path
    pf = parse(converted["xls"]["ngang.xls"], "ngang.xls")
    assert [p.code for p in pf.problems] == ["file_too_large"] and "trang tính Tổng hợp" in pf.problems[0].message
