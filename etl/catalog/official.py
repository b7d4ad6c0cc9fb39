"""Official post-2025 communes (xã, phường, đặc khu) from `vietnam-provinces` into the unit catalogue.

Since 1 July 2025 there is no district level: a province's units are its communes, with the
official statistical codes the package carries. `import_official` appends them to data/units.csv
(valid from 2025-07-01) and closes the province's district rows on 2025-06-30. The catalogue stays
data the province edits: on re-import, rows already present keep their name, cluster, aliases and
sort order; only empty fields are filled (a commune's cluster comes from its former district in
data/unit_lineage.csv). Running it twice changes nothing.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from etl.catalog.catalogue import read_csv
from etl.text import fold, fold_without_prefix

UNIT_COLUMNS = ["code", "name", "level", "kind", "parent", "cluster", "valid_from", "valid_to",
                "aliases", "sort_order"]
COMMUNES_FROM = date(2025, 7, 1)
DISTRICTS_UNTIL = COMMUNES_FROM - timedelta(days=1)
_PROVINCE_PREFIXES = ("tinh ", "thanh pho ", "tp ")


class ProvinceNotFound(LookupError):
    """No province of that name or code in the official list."""


@dataclass(frozen=True)
class OfficialProvince:
    code: str  # '38'
    name: str  # 'Thanh Hóa'


@dataclass(frozen=True)
class OfficialCommune:
    code: str  # '14797': 5 digits, leading zeros kept
    name: str  # 'Phường Hạc Thành'
    kind: str  # 'xã' | 'phường' | 'đặc khu'
    province_code: str


@dataclass
class ImportResult:
    province: OfficialProvince
    communes: int = 0
    added: list[str] = field(default_factory=list)
    districts_closed: list[str] = field(default_factory=list)
    clusters_filled: list[str] = field(default_factory=list)
    without_cluster: list[str] = field(default_factory=list)
    name_differs: list[tuple[str, str, str]] = field(default_factory=list)  # code, in CSV, official
    not_official: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.districts_closed or self.clusters_filled)


def _province_key(name: str) -> str:
    return fold_without_prefix(name, _PROVINCE_PREFIXES)


def find_province(name_or_code: str) -> OfficialProvince:
    """The official province named 'Thanh Hóa', 'thanh hoa', 'Tỉnh Thanh Hóa' or coded '38'."""
    from vietnam_provinces import Province

    wanted = _province_key(name_or_code)
    for p in Province.iter_all():
        code = str(p.code.value).zfill(2)
        if wanted in (_province_key(p.name), code, code.lstrip("0")):
            return OfficialProvince(code=code, name=p.name)
    raise ProvinceNotFound(name_or_code)


def official_communes(province: OfficialProvince) -> list[OfficialCommune]:
    """The province's communes as the package lists them, by code."""
    from vietnam_provinces import Ward

    wards = [w for w in Ward.iter_all() if str(w.province_code.value).zfill(2) == province.code]
    return sorted((OfficialCommune(code=str(w.code.value).zfill(5), name=w.name,
                                   kind=w.division_type.value, province_code=province.code)
                   for w in wards), key=lambda c: c.code)


def read_unit_rows(path: str | Path) -> list[dict[str, str]]:
    """The catalogue CSV as dicts, every column present."""
    return [row | {col: "" for col in UNIT_COLUMNS if col not in row} for row in read_csv(path)]


def write_unit_rows(path: str | Path, rows: list[dict[str, str]]) -> None:
    columns = list(rows[0]) if rows else UNIT_COLUMNS
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def derived_clusters(rows: list[dict[str, str]], lineage: list) -> dict[str, str]:
    """successor code -> cluster, when all its former units share one cluster."""
    cluster_of = {r["code"]: r["cluster"] for r in rows}
    found: dict[str, set[str]] = {}
    for link in lineage:
        found.setdefault(link.successor_code, set()).add(cluster_of.get(link.former_code, ""))
    return {code: clusters.pop() for code, clusters in found.items()
            if len(clusters) == 1 and "" not in clusters}


def _sort_key(commune: OfficialCommune, former_order: dict[str, int]) -> tuple:
    return (former_order.get(commune.code, 10**6), fold(commune.name.split(" ", 1)[-1]), commune.code)


def _former_order(rows: list[dict[str, str]], lineage: list) -> dict[str, int]:
    """commune code -> sort order of its (first) former unit, to list communes by former district."""
    order = {r["code"]: int(r.get("sort_order") or 0) for r in rows}
    result: dict[str, int] = {}
    for link in lineage:
        if link.former_code in order:
            result[link.successor_code] = min(result.get(link.successor_code, 10**6),
                                              order[link.former_code])
    return result


def _close_districts(rows: list[dict[str, str]], province: OfficialProvince, result: ImportResult) -> None:
    for row in rows:
        if row["level"] == "district" and row["parent"] == province.code and not row["valid_to"]:
            row["valid_to"] = DISTRICTS_UNTIL.isoformat()
            result.districts_closed.append(row["code"])


def plan_import(rows: list[dict[str, str]], province: OfficialProvince,
                communes: list[OfficialCommune], lineage: list = ()) -> tuple[list[dict], ImportResult]:
    """Pure: the catalogue rows after importing `communes`, and what changed."""
    rows = [dict(r) for r in rows]
    result = ImportResult(province=province, communes=len(communes))
    _close_districts(rows, province, result)
    clusters = derived_clusters(rows, list(lineage))
    by_code = {r["code"]: r for r in rows}
    official = {c.code: c for c in communes}
    for c in communes:
        row = by_code.get(c.code)
        if row is not None and fold(row["name"]) != fold(c.name):
            result.name_differs.append((c.code, row["name"], c.name))
    next_order = max((int(r.get("sort_order") or 0) for r in rows), default=0) + 1
    former_order = _former_order(rows, list(lineage))
    for c in sorted((c for c in communes if c.code not in by_code),
                    key=lambda c: _sort_key(c, former_order)):
        row = dict.fromkeys(rows[0] if rows else UNIT_COLUMNS, "")
        row.update(code=c.code, name=c.name, level="commune", kind=c.kind, parent=province.code,
                   valid_from=COMMUNES_FROM.isoformat(), sort_order=str(next_order))
        next_order += 1
        rows.append(row)
        by_code[c.code] = row
        result.added.append(c.code)
    for code in official:
        row = by_code[code]
        if not row["cluster"] and code in clusters:
            row["cluster"] = clusters[code]
            if code not in result.added:
                result.clusters_filled.append(code)
        if not row["cluster"]:
            result.without_cluster.append(code)
    result.not_official = [r["code"] for r in rows if r["level"] == "commune"
                           and r["parent"] == province.code and r["code"] not in official]
    return rows, result


def import_official(province_name: str, csv_path: str | Path, lineage_path: str | Path | None = None
                    ) -> ImportResult:
    """Import a province's official communes into the catalogue CSV (idempotent)."""
    from etl.catalog.lineage import read_lineage

    province = find_province(province_name)
    lineage = read_lineage(lineage_path) if lineage_path and Path(lineage_path).exists() else []
    before = read_unit_rows(csv_path)
    rows, result = plan_import(before, province, official_communes(province), lineage)
    if rows != before:
        write_unit_rows(csv_path, rows)
    return result
