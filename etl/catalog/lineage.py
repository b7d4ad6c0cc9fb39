"""Unit lineage across the 2025 reorganisation: former unit -> successor unit(s).

data/unit_lineage.csv (former_code, successor_code, note) is data a province fills in; it is
synced into table unit_lineage with the other catalogues. validate_lineage() checks it against
the unit catalogue and returns Problems (never raises on bad data).

MINH HỌA / ILLUSTRATIVE: the lineage shipped for Thanh Hóa is not official. build_demo_lineage()
made it: a commune whose name holds a former district's name ('Xã Yên Định', 'Phường Sầm Sơn')
descends from that district; the wards of TP Thanh Hóa are listed by name; every other commune
descends from the district whose block of pre-2025 GSO commune codes holds its code (a new
commune kept the code of one of the communes it merged, and those codes ran in one block per
district). Each such row says "minh họa" in its note; the CLI says so too.
"""
from __future__ import annotations

import csv
from bisect import bisect_right
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from etl.catalog.catalogue import UnitRow, _unit_values, read_csv
from etl.problems import Problem, problem
from etl.text import fold, fold_without_prefix

ILLUSTRATIVE_NOTE = "minh họa"
LINEAGE_COLUMNS = ["former_code", "successor_code", "note"]
_UNIT_PREFIXES = ("huyen ", "thi xa ", "thanh pho ", "tp ", "tx ", "xa ", "phuong ", "dac khu ")

# Thanh Hóa, for the illustrative lineage only.
THANH_HOA_MERGERS = {"405": ("380", "sáp nhập vào Thành phố Thanh Hóa từ 01/01/2025")}
THANH_HOA_CITY_WARDS = ("Hạc Thành", "Hàm Rồng", "Nguyệt Viên", "Đông Tiến", "Đông Quang", "Quảng Phú")
# First pre-2025 commune code of each district's block (GSO list, in district order).
THANH_HOA_CODE_BLOCKS = [
    (14755, "380"), (14809, "381"), (14830, "382"), (14845, "384"), (14869, "385"), (14923, "386"),
    (14986, "387"), (15028, "388"), (15061, "389"), (15127, "390"), (15187, "391"), (15268, "392"),
    (15338, "393"), (15401, "394"), (15479, "395"), (15607, "396"), (15661, "397"), (15769, "398"),
    (15853, "399"), (16006, "400"), (16091, "401"), (16174, "402"), (16228, "403"), (16279, "404"),
    (16378, "405"), (16438, "406"), (16561, "407"),
]


@dataclass(frozen=True)
class LineageRow:
    former_code: str
    successor_code: str
    note: str = ""
    row: int | None = None  # line in the CSV (header is line 1)


def read_lineage(path: str | Path | None = None) -> list[LineageRow]:
    """The lineage CSV (default: the configured data/unit_lineage.csv); [] when there is none."""
    if path is None:
        from etl.config import get_settings
        path = get_settings().lineage_csv
    if not Path(path).exists():
        return []
    return [LineageRow(r.get("former_code", ""), r.get("successor_code", ""), r.get("note", ""), i)
            for i, r in enumerate(read_csv(path), start=2)]


def write_lineage(path: str | Path, rows: list[LineageRow]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(LINEAGE_COLUMNS)
        writer.writerows([r.former_code, r.successor_code, r.note] for r in rows)


def load_lineage(engine) -> list[LineageRow]:
    """The lineage as synced into the warehouse."""
    from sqlalchemy import select

    from etl.warehouse.schema import UnitLineage
    with engine.connect() as conn:
        rows = conn.execute(select(UnitLineage.former_code, UnitLineage.successor_code, UnitLineage.note)
                            .order_by(UnitLineage.former_code, UnitLineage.successor_code)).all()
    return [LineageRow(f, s, n or "") for f, s, n in rows]


def unit_rows_from_csv(path: str | Path) -> list[UnitRow]:
    """The unit catalogue CSV as UnitRows, read as the catalogue sync reads it."""
    result = []
    for r in read_csv(path):
        values = _unit_values(r)
        values["aliases"] = tuple(a.strip() for a in values["aliases"].split("|") if a.strip())
        result.append(UnitRow(**values))
    return result


def is_illustrative(rows: list[LineageRow]) -> bool:
    """True when any row is marked 'minh họa' (the demo lineage)."""
    return any(fold(ILLUSTRATIVE_NOTE) in fold(r.note) for r in rows)


def successors(code: str, rows: list[LineageRow] | None = None, transitive: bool = False) -> list[str]:
    """Codes that took over `code` ('405' -> ['380']); transitive follows them on to the end."""
    rows = read_lineage() if rows is None else rows
    direct = [r.successor_code for r in rows if r.former_code == code]
    if not transitive:
        return direct
    result, queue = [], list(direct)
    while queue:
        nxt = queue.pop(0)
        if nxt not in result and nxt != code:
            result.append(nxt)
            queue.extend(r.successor_code for r in rows if r.former_code == nxt)
    return result


def predecessors(code: str, rows: list[LineageRow] | None = None) -> list[str]:
    """Codes that `code` took over ('14797' -> ['380'])."""
    rows = read_lineage() if rows is None else rows
    return [r.former_code for r in rows if r.successor_code == code]


def _row_problems(units: dict[str, UnitRow], rows: list[LineageRow], file: str) -> list[Problem]:
    problems, seen = [], {}
    for r in rows:
        where = dict(file=file, row=r.row)
        for column, code in (("former_code", r.former_code), ("successor_code", r.successor_code)):
            if code not in units:
                problems.append(problem("lineage_unknown_code", column=column, field=column, unit_code=code or "(trống)", **where))
        if r.former_code == r.successor_code and r.former_code:
            problems.append(problem("lineage_self", unit_code=r.former_code, **where))
        key = (r.former_code, r.successor_code)
        if key in seen:
            problems.append(problem("lineage_duplicate", first_row=seen[key], former=r.former_code,
                                    successor=r.successor_code, **where))
        seen.setdefault(key, r.row)
        former, successor = units.get(r.former_code), units.get(r.successor_code)
        if former is None or successor is None or former.code == successor.code:
            continue
        if former.valid_to is None:
            problems.append(problem("lineage_former_still_active", unit=former.name, **where))
        elif not successor.active_on(former.valid_to + timedelta(days=1)):
            day = former.valid_to + timedelta(days=1)
            problems.append(problem("lineage_successor_not_active", unit=former.name, successor=successor.name,
                                    day=_vn_date(day), **where))
    return problems


def _vn_date(day) -> str:
    return f"{day.day:02d}/{day.month}/{day.year}"  # '01/7/2025', as official documents write it


def validate_lineage(units: list[UnitRow], rows: list[LineageRow], file: str = "unit_lineage.csv"
                     ) -> list[Problem]:
    """Everything wrong with a lineage: unknown codes, unmapped former units, successors not yet valid."""
    by_code = {u.code: u for u in units}
    problems = _row_problems(by_code, rows, file)
    formers = {r.former_code for r in rows}
    latest = max((u.valid_to for u in units if u.valid_to), default=None)
    for u in units:
        if u.valid_to is not None and u.code not in formers:
            problems.append(problem("lineage_former_unmapped", file=file, unit=u.name, unit_code=u.code,
                                    day=_vn_date(u.valid_to)))
    has_predecessor = {r.successor_code for r in rows}
    for u in units:
        if (u.level == "commune" and u.code not in has_predecessor and latest is not None
                and u.valid_from > latest):
            problems.append(problem("lineage_no_predecessor", file=file, unit=u.name, unit_code=u.code))
    return problems


def _short(name: str) -> str:
    return fold_without_prefix(name, _UNIT_PREFIXES)


def _former_district(commune, districts: list[UnitRow]) -> str | None:
    """Thanh Hóa demo rule: name holds a district's name > city ward list > block of old codes."""
    name = f" {_short(commune.name)} "
    named = [d for d in districts if f" {_short(d.name)} " in name]
    if named:
        return max(named, key=lambda d: len(_short(d.name))).code
    if commune.kind == "phường" and _short(commune.name) in {fold(w) for w in THANH_HOA_CITY_WARDS}:
        return "380"
    starts = [start for start, _ in THANH_HOA_CODE_BLOCKS]
    i = bisect_right(starts, int(commune.code)) - 1
    return THANH_HOA_CODE_BLOCKS[i][1] if i >= 0 else None


def build_demo_lineage(units: list[UnitRow], communes: list) -> list[LineageRow]:
    """The illustrative Thanh Hóa lineage (see the module docstring); communes: OfficialCommune-like."""
    districts = [u for u in units if u.level == "district"]
    codes = {d.code for d in districts}
    rows = [LineageRow(former, successor, note) for former, (successor, note) in THANH_HOA_MERGERS.items()
            if former in codes and successor in codes]
    merged_into = {r.former_code: r.successor_code for r in rows}
    for c in communes:
        former = _former_district(c, districts)
        former = merged_into.get(former, former)
        if former in codes:
            rows.append(LineageRow(former, c.code, ILLUSTRATIVE_NOTE))
    return sorted(rows, key=lambda r: (r.former_code, r.successor_code))
