"""Files as people really save them: the template and the exported biểu tổng hợp, opened and saved
again by LibreOffice Calc (as a clerk without Microsoft Office would), still load through the ETL."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from etl.catalog.template import template_bytes
from etl.export.outputs import export
from etl.periods import parse_period, quarter
from etl.queries.selection import Selection
from etl.queries.summary import summary
from etl.warehouse.load import load_file
from tests.workbooks import fill_template


def resave_with_calc(src: Path, tmp: Path) -> bytes:
    """Open `src` in LibreOffice Calc and save it again as .xlsx (formulas recalculated, LibreOffice's
    own shared strings, styles and dimensions)."""
    if shutil.which("soffice") is None:
        if not os.environ.get("CI"):
            pytest.skip("soffice not installed (scripts/test installs it)")
        pytest.fail("CI must have LibreOffice: scripts/test installs libreoffice-calc")
    out = tmp / "calc"
    out.mkdir(exist_ok=True)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp}/lo-profile", "--headless",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=300)
    return (out / src.name).read_bytes()


def test_template_filled_and_saved_by_libreoffice_loads(sqlite_engine, tmp_path):
    filled = fill_template(template_bytes(sqlite_engine, quarter(2024, 2)),
                  lambda i, j: (i + 1) * 10 + j if j != 11 else i + 1)  # recognised small
    src = tmp_path / "bieu_mau_quy_II_2024.xlsx"
    src.write_bytes(filled)
    result = load_file(sqlite_engine, resave_with_calc(src, tmp_path), src.name)
    assert result.status == "loaded", [p.message for p in result.problems]
    df = summary(sqlite_engine, Selection(quarter(2024, 2)), "province")
    n = result.rows_added // 12
    assert n >= 26
    assert int(df["conferences"].iloc[0]) == sum((i + 1) * 10 + 1 for i in range(n))


def test_exported_summary_saved_by_libreoffice_loads_unchanged(sqlite_engine, tmp_path):
    from tests.seeding import seed_province
    seed_province(sqlite_engine)
    dest = tmp_path / "tong_hop_2024_Q2.xlsx"
    export(sqlite_engine, parse_period("2024-Q2").spec, "province", xlsx=dest)
    result = load_file(sqlite_engine, resave_with_calc(dest, tmp_path), dest.name)
    assert result.status == "unchanged", [p.message for p in result.problems]
    assert result.rows_changed == 0 and result.rows_added == 0
