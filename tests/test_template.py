"""The consolidated template: units of the quarter, headers, validation, and it loads when filled in."""
from __future__ import annotations

import io

import openpyxl
import pytest

from etl.catalog.catalogue import load_units
from etl.catalog.template import GUIDE_SHEET, SHEET, template_bytes, template_units
from etl.periods import Period, quarter
from etl.warehouse.load import load_file
from tests.workbooks import fill_template


def unit_rows(ws) -> list[tuple[int, str]]:
    return [(r[0].value, r[1].value) for r in ws.iter_rows(min_row=7) if isinstance(r[0].value, int)]


def test_template_layout(sqlite_engine):
    wb = openpyxl.load_workbook(io.BytesIO(template_bytes(sqlite_engine, quarter(2024, 2))))
    assert wb.sheetnames == [SHEET, GUIDE_SHEET]
    ws = wb[SHEET]
    assert ws["A1"].value == "BAN DÂN VẬN TỈNH ỦY THANH HÓA"
    assert ws["A2"].value == "BIỂU TỔNG HỢP KẾT QUẢ CÔNG TÁC DÂN VẬN QUÝ II NĂM 2024"
    assert (ws["A5"].value, ws["B5"].value, ws["C5"].value) == ("STT", "Đơn vị", "Văn bản ban hành")
    assert (ws["D5"].value, ws["D6"].value, ws["E6"].value) == ("Hội nghị", "Hội nghị quán triệt, tuyên truyền",
                                                                 "Lượt người tham dự hội nghị")
    assert "D5:E5" in {str(r) for r in ws.merged_cells.ranges} and "C5:C6" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.freeze_panes == "C7"
    [dv] = ws.data_validations.dataValidation
    assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
    rows = unit_rows(ws)
    assert [n for n, _ in rows] == list(range(1, 28))
    assert str(dv.sqref) == f"C7:N{7 + 27 + 3 - 1}"  # 27 units + 3 cluster rows
    names = [name for _, name in rows]
    assert "Huyện Đông Sơn" in names and names[0] == "Huyện Mường Lát"
    clusters = [r[1].value for r in ws.iter_rows(min_row=7) if r[0].value in ("I", "II", "III")]
    assert clusters == ["Cụm Miền núi", "Cụm Ven biển", "Cụm Đồng bằng"]
    guide = "\n".join(str(c.value) for c in wb[GUIDE_SHEET]["A"] if c.value)
    assert "Ghi số nguyên" in guide and "Lượt người tập huấn" in guide


def test_template_lists_the_units_of_the_quarter(sqlite_engine):
    assert len(template_units(sqlite_engine, quarter(2024, 4))) == 27
    after_merger = [u.name for u in template_units(sqlite_engine, quarter(2025, 1))]
    assert len(after_merger) == 26 and "Huyện Đông Sơn" not in after_merger
    communes = template_units(sqlite_engine, quarter(2025, 3))
    expected = [u for u in load_units(sqlite_engine) if u.level == "commune"]
    assert len(communes) == len(expected) and {u.level for u in communes} <= {"commune"}


def test_filled_template_loads_cleanly(engine):
    data = template_bytes(engine, quarter(2024, 2))

    def value_of(i, j):  # registered (col 10) >= recognised (col 11); participants with conferences
        return [3, 2, 150, 1, 40, 1, 1, 2, 1, 0, 20, 12][j] + i

    result = load_file(engine, fill_template(data, value_of), "bieu_tong_hop.xlsx")
    assert result.status == "loaded", [p.message for p in result.problems]
    assert result.problems == []
    assert result.rows_added == 27 * 12 and result.layout == "consolidated"


@pytest.mark.parametrize("period, title", [
    (Period(2024, "H1"), "BIỂU TỔNG HỢP KẾT QUẢ CÔNG TÁC DÂN VẬN 6 THÁNG ĐẦU NĂM 2024"),
    (Period(2024, "9M"), "BIỂU TỔNG HỢP KẾT QUẢ CÔNG TÁC DÂN VẬN 9 THÁNG NĂM 2024"),
    (Period(2024, "Y"), "BIỂU TỔNG HỢP KẾT QUẢ CÔNG TÁC DÂN VẬN NĂM 2024"),
])
def test_cumulative_template_loads_as_its_period(engine, period, title):
    data = template_bytes(engine, period)
    assert openpyxl.load_workbook(io.BytesIO(data))[SHEET]["A2"].value == title
    result = load_file(engine, fill_template(data, lambda i, j: (5 if j == 0 else None) if i < 2 else None), "x.xlsx")
    assert (result.status, result.period, result.rows_added) == ("loaded", period, 2)


def test_partly_filled_template_loads_the_filled_units_only(engine):
    data = fill_template(template_bytes(engine, quarter(2024, 3)),
                         lambda i, j: (5 if j == 0 else None) if i < 3 else None)
    result = load_file(engine, data, "mot_phan.xlsx")
    assert result.status == "loaded", [p.message for p in result.problems]
    assert result.rows_added == 3


@pytest.mark.parametrize("bad, code", [(-1, "negative_number"), ("gần 50", "qualified_number")])
def test_template_with_a_bad_cell_is_refused_with_its_cell(sqlite_engine, bad, code):
    data = fill_template(template_bytes(sqlite_engine, quarter(2024, 2)),
                         lambda i, j: bad if (i, j) == (0, 0) else None)
    result = load_file(sqlite_engine, data, "loi.xlsx")
    assert result.status == "rejected"
    assert [(p.code, p.cell) for p in result.problems if p.is_error] == [(code, "C8")]


def test_commune_template_filled_in_loads_cleanly(sqlite_engine):
    period = quarter(2025, 3)
    n = len(template_units(sqlite_engine, period))
    data = fill_template(template_bytes(sqlite_engine, period),
                         lambda i, j: [1, 1, 30, 0, 0, 0, 0, 0, 0, 1, 4, 2][j])
    result = load_file(sqlite_engine, data, "bieu_xa.xlsx")
    assert result.status == "loaded", [p.message for p in result.problems[:5]]
    assert result.rows_added == n * 12 and n > 0
