"""Unit lineage (etl.catalog.lineage, data/unit_lineage.csv, `python -m etl units check-lineage`)."""
from __future__ import annotations

from collections import Counter

import pytest

from etl.catalog.lineage import (LineageRow, build_demo_lineage, is_illustrative, load_lineage, predecessors,
                                 read_lineage, successors, unit_rows_from_csv, validate_lineage, write_lineage)
from etl.catalog.official import find_province, official_communes
from etl.cli import main
from etl.config import DATA_DIR

UNITS = unit_rows_from_csv(DATA_DIR / "units.csv")
LINEAGE = read_lineage(DATA_DIR / "unit_lineage.csv")
BY_CODE = {u.code: u for u in UNITS}


def _pairs(rows):
    return sorted((r.former_code, r.successor_code, r.note) for r in rows)


def test_shipped_lineage_is_valid_and_marked_illustrative():
    assert validate_lineage(UNITS, LINEAGE) == []
    assert is_illustrative(LINEAGE)
    assert all(r.note == "minh họa" for r in LINEAGE if r.former_code != "405")


def test_every_former_district_maps_to_successors_and_every_commune_to_one_district():
    formers = Counter(r.former_code for r in LINEAGE)
    districts = [u.code for u in UNITS if u.level == "district"]
    assert len(districts) == 27 and all(formers[code] >= 1 for code in districts)
    assert successors("405", LINEAGE) == ["380"]
    for u in UNITS:
        if u.level == "commune":
            former = predecessors(u.code, LINEAGE)
            assert len(former) == 1 and BY_CODE[former[0]].level == "district", u.name
            assert u.cluster_code == BY_CODE[former[0]].cluster_code, u.name


@pytest.mark.parametrize("commune, district", [
    ("14797", "380"),  # Phường Hạc Thành -> TP Thanh Hóa
    ("16378", "380"),  # Phường Đông Sơn: Đông Sơn had merged into TP Thanh Hóa
    ("14812", "381"),  # Phường Bỉm Sơn
    ("16531", "382"),  # Phường Sầm Sơn
    ("16516", "382"),  # Phường Nam Sầm Sơn
    ("15469", "394"),  # Xã Yên Định
    ("16654", "407"),  # Phường Nghi Sơn
    ("14866", "384"),  # Xã Mường Chanh: by its code block
])
def test_demo_lineage_places_communes_plausibly(commune, district):
    assert predecessors(commune, LINEAGE) == [district]


def test_shipped_lineage_is_what_the_builder_makes():
    built = build_demo_lineage(UNITS, official_communes(find_province("Thanh Hóa")))
    assert _pairs(built) == _pairs(LINEAGE)


def test_transitive_successors_follow_the_merger():
    after_dong_son = successors("405", LINEAGE, transitive=True)
    assert after_dong_son[0] == "380" and "14797" in after_dong_son and "16378" in after_dong_son
    assert predecessors("380", LINEAGE) == ["405"]
    assert successors("14797", LINEAGE) == []


def _without(rows, former):
    return [r for r in rows if r.former_code != former]


BROKEN = [  # name, how to break the shipped lineage, expected (code, row or None, text in message)
    ("unknown successor", lambda rows: rows + [LineageRow("384", "99999", "", 169)],
     ("lineage_unknown_code", 169, "99999")),
    ("unknown former", lambda rows: rows + [LineageRow("999", "14797", "", 169)],
     ("lineage_unknown_code", 169, "999")),
    ("district unmapped", lambda rows: _without(rows, "384"),
     ("lineage_former_unmapped", None, "Huyện Mường Lát")),
    ("successor ended too", lambda rows: rows + [LineageRow("384", "385", "", 169)],
     ("lineage_successor_not_active", 169, "01/7/2025")),
    ("former still active", lambda rows: rows + [LineageRow("14797", "14758", "", 169)],
     ("lineage_former_still_active", 169, "Phường Hạc Thành")),
    ("duplicate pair", lambda rows: rows + [LineageRow("384", "14845", "", 169)],
     ("lineage_duplicate", 169, "384 → 14845")),
    ("self", lambda rows: rows + [LineageRow("384", "384", "", 169)], ("lineage_self", 169, "384")),
]


@pytest.mark.parametrize("name, breaker, expected", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_lineage_is_reported(name, breaker, expected):
    code, row, text = expected
    problems = validate_lineage(UNITS, breaker(list(LINEAGE)))
    found = [p for p in problems if p.code == code]
    assert len(found) == 1 and found[0].row == row and found[0].is_error, problems
    assert text in found[0].message and found[0].hint


def test_commune_without_predecessor_is_a_warning():
    problems = validate_lineage(UNITS, [r for r in LINEAGE if r.successor_code != "14797"])
    assert [(p.code, p.severity) for p in problems] == [("lineage_no_predecessor", "warning")]
    assert "Phường Hạc Thành" in problems[0].message


def test_cli_check_lineage(tmp_path, capsys):
    assert main(["units", "check-lineage"]) == 0
    out = capsys.readouterr().out
    assert "0 lỗi" in out and "MINH HỌA" in out
    broken = tmp_path / "lineage.csv"
    write_lineage(broken, _without(LINEAGE, "384") + [LineageRow("385", "99999")])
    assert main(["units", "check-lineage", "--lineage", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "99999" in out and "(cột successor_code)" in out and "Huyện Mường Lát" in out
    assert "2 lỗi, 8 cảnh báo" in out and "MINH HỌA" in out
    assert read_lineage(broken)[-1] == LineageRow("385", "99999", "", len(LINEAGE) - 8 + 2)


def test_cli_demo_lineage_refuses_to_overwrite(tmp_path, capsys):
    target = tmp_path / "lineage.csv"
    assert main(["units", "demo-lineage", "--lineage", str(target)]) == 0
    assert _pairs(read_lineage(target)) == _pairs(LINEAGE)
    assert "MINH HỌA" in capsys.readouterr().out
    assert main(["units", "demo-lineage", "--lineage", str(target)]) == 1


def test_lineage_syncs_into_the_warehouse(engine):
    assert _pairs(load_lineage(engine)) == _pairs(LINEAGE)
