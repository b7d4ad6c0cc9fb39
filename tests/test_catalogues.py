"""Catalogues are data: a province adds an indicator or a header alias by editing
data/indicators.csv, and the next start loads sheets that use it — no code."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

from etl.periods import quarter
from etl.queries.selection import Selection
from etl.queries.summary import summary
from etl.warehouse.db import ensure_schema, make_engine
from etl.warehouse.load import load_file
from tests.workbooks import DATA, consolidated_workbook


def edited_catalogue(tmp_path: Path) -> Path:
    """A copy of indicators.csv with a new indicator and a new alias for an existing one."""
    path = tmp_path / "indicators.csv"
    shutil.copy(DATA / "indicators.csv", path)
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row["code"] == "dialogues":
            row["aliases"] += "|Gặp gỡ, đối thoại"
    rows.append({"code": "models_economic", "label": "Mô hình lĩnh vực kinh tế",
                 "group": "Mô hình Dân vận khéo", "unit_label": "mô hình",
                 "aliases": "Lĩnh vực kinh tế|Mô hình kinh tế", "sort_order": "13"})
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_new_indicator_and_alias_in_the_csv_load_without_code(tmp_path, monkeypatch):
    monkeypatch.setenv("DVK_INDICATORS_CSV", str(edited_catalogue(tmp_path)))
    engine = make_engine(f"sqlite:///{tmp_path}/w.db")
    ensure_schema(engine)
    sheet = consolidated_workbook(
        [("Huyện Yên Định", {"conferences": 4}), ("Huyện Hà Trung", {"conferences": 2})],
        headers="flat", codes=("conferences",),
        extra_columns={"Gặp gỡ, đối thoại": [3, 5], "Lĩnh vực kinh tế": ["06", 1]})
    result = load_file(engine, sheet, "bieu_moi.xlsx")
    assert result.status == "loaded", [p.message for p in result.problems]
    row = summary(engine, Selection(quarter(2024, 2)), "province").iloc[0]
    assert (int(row["dialogues"]), int(row["models_economic"]), int(row["conferences"])) == (8, 7, 6)


def test_without_the_alias_the_same_column_is_refused_naming_its_header(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/w.db")
    ensure_schema(engine)
    sheet = consolidated_workbook([("Huyện Yên Định", {"conferences": 4})], headers="flat",
                                  codes=("conferences",), extra_columns={"Lĩnh vực kinh tế": [6]})
    result = load_file(engine, sheet, "bieu_moi.xlsx")
    assert result.status == "rejected"
    [p] = [p for p in result.problems if p.code == "unknown_column"]
    assert "Lĩnh vực kinh tế" in p.message and "Tải lên" in p.hint and '--map "Lĩnh vực kinh tế=' in p.hint
