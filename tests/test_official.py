"""Official commune import (etl.catalog.official, `python -m etl units import-official`)."""
from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest

from etl.catalog.lineage import LineageRow, write_lineage
from etl.catalog.official import (UNIT_COLUMNS, ProvinceNotFound, find_province, import_official, official_communes,
                                  plan_import, read_unit_rows)
from etl.cli import main
from etl.config import DATA_DIR

UNITS_CSV = DATA_DIR / "units.csv"
KNOWN_COMMUNES = [  # code, name, kind
    ("14797", "Phường Hạc Thành", "phường"),
    ("14812", "Phường Bỉm Sơn", "phường"),
    ("15469", "Xã Yên Định", "xã"),
    ("16279", "Xã Nông Cống", "xã"),
    ("16654", "Phường Nghi Sơn", "phường"),
    ("14845", "Xã Mường Lát", "xã"),
]


@pytest.fixture
def district_csv(tmp_path) -> Path:
    """The 27 district rows of the shipped catalogue, with their end dates blanked except Đông Sơn's."""
    rows = [r for r in read_unit_rows(UNITS_CSV) if r["level"] == "district"]
    for r in rows:
        if r["code"] != "405":
            r["valid_to"] = ""
    path = tmp_path / "units.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=UNIT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("name", ["Thanh Hóa", "thanh hoa", "THANH HOÁ", "Tỉnh Thanh Hóa", "38"])
def test_find_province_ignores_case_diacritics_and_prefix(name):
    assert find_province(name).code == "38"
    assert find_province(name).name == "Thanh Hóa"


def test_unknown_province_is_a_named_error():
    with pytest.raises(ProvinceNotFound):
        find_province("Thanh Hoa Moi")


def test_thanh_hoa_has_166_communes_147_xa_19_phuong():
    communes = official_communes(find_province("Thanh Hóa"))
    assert len(communes) == 166
    assert Counter(c.kind for c in communes) == {"xã": 147, "phường": 19}
    assert {(c.code, c.name, c.kind) for c in communes} >= set(KNOWN_COMMUNES)
    assert all(len(c.code) == 5 and c.code.isdigit() and c.province_code == "38" for c in communes)


def test_codes_keep_leading_zeros():
    hanoi = {c.name: c.code for c in official_communes(find_province("Hà Nội"))}
    assert hanoi["Phường Ba Đình"] == "00004"


def test_import_appends_communes_and_closes_districts(district_csv):
    before = district_csv.read_text(encoding="utf-8").splitlines()
    result = import_official("Thanh Hóa", district_csv)
    rows = read_unit_rows(district_csv)
    assert len(result.added) == 166 and len(rows) == 27 + 166
    assert sorted(result.districts_closed) == sorted(r["code"] for r in rows[:27] if r["code"] != "405")
    assert [r["code"] for r in rows[:27]] == [line.split(",")[0] for line in before[1:]]
    ends = {r["code"]: r["valid_to"] for r in rows[:27]}
    assert ends["405"] == "2024-12-31" and set(ends.values()) == {"2024-12-31", "2025-06-30"}
    hac_thanh = next(r for r in rows if r["code"] == "14797")
    assert hac_thanh == {"code": "14797", "name": "Phường Hạc Thành", "level": "commune", "kind": "phường",
                         "parent": "38", "cluster": "", "valid_from": "2025-07-01", "valid_to": "",
                         "aliases": "", "sort_order": hac_thanh["sort_order"]}
    assert int(hac_thanh["sort_order"]) > 27
    assert district_csv.read_text(encoding="utf-8").splitlines()[0] == ",".join(UNIT_COLUMNS)


def test_import_is_idempotent(district_csv):
    import_official("Thanh Hóa", district_csv)
    first = district_csv.read_bytes()
    again = import_official("Thanh Hóa", district_csv)
    assert not again.changed and again.added == [] and again.communes == 166
    assert district_csv.read_bytes() == first


def test_clusters_come_from_lineage_and_edits_survive_reimport(district_csv, tmp_path):
    lineage = tmp_path / "lineage.csv"
    write_lineage(lineage, [LineageRow("394", "15469", "minh họa"), LineageRow("384", "14845", "minh họa")])
    import_official("Thanh Hóa", district_csv, lineage)
    clusters = {r["code"]: r["cluster"] for r in read_unit_rows(district_csv)}
    assert (clusters["15469"], clusters["14845"], clusters["14797"]) == ("dong-bang", "mien-nui", "")
    # the province moves Yên Định to another cluster and renames a ward: a re-import keeps both
    text = district_csv.read_text(encoding="utf-8")
    text = text.replace("15469,Xã Yên Định,commune,xã,38,dong-bang", "15469,Xã Yên Định,commune,xã,38,ven-bien")
    text = text.replace("14797,Phường Hạc Thành,", "14797,P. Hạc Thành,")
    district_csv.write_text(text, encoding="utf-8")
    result = import_official("Thanh Hóa", district_csv, lineage)
    clusters = {r["code"]: (r["name"], r["cluster"]) for r in read_unit_rows(district_csv)}
    assert clusters["15469"] == ("Xã Yên Định", "ven-bien")
    assert clusters["14797"] == ("P. Hạc Thành", "")
    assert result.name_differs == [("14797", "P. Hạc Thành", "Phường Hạc Thành")]
    assert not result.changed and district_csv.read_text(encoding="utf-8") == text


def test_empty_cluster_is_filled_on_reimport(district_csv, tmp_path):
    import_official("Thanh Hóa", district_csv)
    lineage = tmp_path / "lineage.csv"
    write_lineage(lineage, [LineageRow("382", "16531", "minh họa")])
    result = import_official("Thanh Hóa", district_csv, lineage)
    assert result.clusters_filled == ["16531"]
    assert {r["code"]: r["cluster"] for r in read_unit_rows(district_csv)}["16531"] == "ven-bien"


def test_shipped_catalogue_is_the_import_result():
    """data/units.csv holds the 27 districts and the 166 communes; importing again changes nothing."""
    rows = read_unit_rows(UNITS_CSV)
    communes = [r for r in rows if r["level"] == "commune"]
    assert Counter(r["level"] for r in rows) == {"district": 27, "commune": 166}
    assert all(r["cluster"] and r["valid_from"] == "2025-07-01" and not r["valid_to"] for r in communes)
    after, result = plan_import(rows, find_province("Thanh Hóa"), official_communes(find_province("38")))
    assert after == rows and not result.changed and result.name_differs == []


def test_cli_import_and_unknown_province(district_csv, tmp_path, capsys):
    lineage = tmp_path / "none.csv"
    args = ["units", "import-official", "--province", "Thanh Hóa", "--csv", str(district_csv),
            "--lineage", str(lineage)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "166 đơn vị cấp xã" in out and "147 xã" in out and "19 phường" in out and "thêm 166" in out
    assert main(args) == 0
    assert "không có thay đổi" in capsys.readouterr().out
    assert main(["units", "import-official", "--province", "Atlantis", "--csv", str(district_csv)]) == 2
    assert "Atlantis" in capsys.readouterr().err


def test_cli_list_communes_of_a_period(capsys, tmp_path):
    path = tmp_path / "units.csv"
    shutil.copy(UNITS_CSV, path)
    assert main(["units", "list", "--period", "2025-Q3", "--csv", str(path)]) == 0
    out = capsys.readouterr().out
    assert "166 đơn vị." in out and "Phường Hạc Thành" in out and "Huyện Yên Định" not in out
    assert main(["units", "list", "--period", "2025-Q1", "--level", "district", "--csv", str(path)]) == 0
    assert "26 đơn vị." in capsys.readouterr().out
