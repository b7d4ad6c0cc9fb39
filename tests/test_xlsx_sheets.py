"""The .xlsx values read by python-calamine equal openpyxl's, sheet for sheet, on the layouts units
send; sheets calamine must not hold as a dense grid (an error cell, rows past the cap, a dimension
beyond the grid cap) are streamed by openpyxl instead."""
from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from etl.reading import xlsx_sheets
from etl.reading.xlsx_sheets import MAX_COLS, calamine_fits, open_xlsx
from tests.workbooks import consolidated_workbook, form_workbook, to_bytes


def sheets(data: bytes, calamine: bool, monkeypatch) -> list:
    with monkeypatch.context() as m:
        if not calamine:
            m.setattr(xlsx_sheets, "calamine_fits", lambda xml, max_rows: False)
        sources, close = open_xlsx(data, 10_000, MAX_COLS, 500)
        try:
            return [(name, hidden, head(25).rows, full().rows) for name, hidden, head, full in sources]
        finally:
            close()


def trimmed(rows: list[tuple]) -> list[tuple]:
    """Rows without their trailing empty cells (the two readers pad rows to different widths)."""
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        out.append(tuple(row))
    return out


def odd_values() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["Đơn vị", "Số hội nghị", "Ngày", "Ghi chú"])
    ws.append(["Huyện Yên Định", 12, dt.datetime(2024, 6, 1), "4.819"])
    ws.append(["H. Nông Cống", 3.5, None, True])
    ws.append(["TP Thanh Hóa", "06", "gần 50", "x" * 2000])
    ws.append([None, None, None, None])
    ws.append(["Tổng cộng", "=B2+B3", None, None])
    return to_bytes(wb)


@pytest.mark.parametrize("name, data", [
    ("two-line", consolidated_workbook([("Huyện Yên Định", {"conferences": 12, "conference_participants": "4.819"}),
                                        ("H. Nông Cống", {"conferences": "-", "models_registered": 7})])),
    ("flat", consolidated_workbook([("Thọ Xuân", {"documents_issued": 1})], headers="flat")),
    ("form", form_workbook("BAN DÂN VẬN HUYỆN ỦY YÊN ĐỊNH", {"conferences": "06", "dialogues": "-"})),
    ("odd values", odd_values()),
])
def test_calamine_reads_what_openpyxl_reads(name, data, monkeypatch):
    fast, slow = sheets(data, True, monkeypatch), sheets(data, False, monkeypatch)
    assert [(n, h) for n, h, *_ in fast] == [(n, h) for n, h, *_ in slow]
    for (_, _, head_f, full_f), (_, _, head_s, full_s) in zip(fast, slow):
        assert trimmed(head_f) == trimmed(head_s) and trimmed(full_f) == trimmed(full_s)
    assert max(len(v) for *_, rows in fast for row in rows for v in row if isinstance(v, str)) <= 1000


def sheet_xml(data: bytes) -> bytes:
    import zipfile
    with zipfile.ZipFile(BytesIO(data)) as zf:
        return zf.read("xl/worksheets/sheet1.xml")


def test_sheets_calamine_must_not_hold_are_streamed():
    wb = Workbook()
    wb.active.append(["Đơn vị", 1])
    plain = to_bytes(wb)
    assert calamine_fits(sheet_xml(plain), 10_000)
    wb.active["B1"] = "#DIV/0!"
    wb.active["B1"].data_type = "e"
    assert not calamine_fits(sheet_xml(to_bytes(wb)), 10_000)   # error cells: openpyxl keeps the text
    wb = Workbook()
    wb.active.append(["Đơn vị", 1])
    wb.active.cell(20_000, 1, "xa")
    assert not calamine_fits(sheet_xml(to_bytes(wb)), 10_000)   # rows past the cap
    wb = Workbook()
    wb.active.append(["Đơn vị", 1])
    wb.active.cell(9_000, 1_000, "xa")
    assert not calamine_fits(sheet_xml(to_bytes(wb)), 10_000)   # a dimension past the grid cap


def test_an_error_cell_is_still_refused_with_its_cell():
    from etl.reading.read import parse_workbook
    from tests.workbooks import catalogue_indicators, cell_of, sample_units
    wb = load_workbook(BytesIO(consolidated_workbook([("Huyện Yên Định", {"conferences": 1})], extra_sheets=False)))
    ws = wb.active
    ws[cell_of("conferences", 0)] = "#DIV/0!"
    ws[cell_of("conferences", 0)].data_type = "e"
    parsed = parse_workbook(to_bytes(wb), "loi.xlsx", units=sample_units(), indicators=catalogue_indicators(),
                            today=dt.date(2026, 1, 1))
    assert [(p.code, p.cell) for p in parsed.problems if p.is_error][:1] == [("cell_error_value", cell_of("conferences", 0))]
