"""Demo data: deterministic, illustrative quarterly workbooks, loaded through the user's ETL path.

For every quarter 2021-Q1 … 2026-Q3 and every cluster, the units active in that quarter (districts
until 2025-Q2, communes from 2025-Q3, as the catalogue says) get figures with a gentle upward
trend and seasonal noise. Workbooks use the layouts real sheets use (mostly consolidated per
cluster with two-line merged headers, some flat headers, a few single-unit form reports), numbers
sometimes typed as text ("4.819", "06", "-"), and a unit or two missing in some quarters. Units
differ in size and in their recognition rate (about 40-75%); a unit dissolved into another (Đông
Sơn into Thành phố Thanh Hóa from 2025, per the lineage) hands its activity on to it.
They are written to a temporary folder and loaded with etl.warehouse.load.load_file, never inserted directly.

The Đồng bằng cluster's 2024-Q1 + 2024-Q2 figures sum exactly to the real cluster report of
seed 001 (129 văn bản, 50 hội nghị, 4.819 lượt người, … 891 mô hình đăng ký, 514 công nhận).
The Ven biển cluster reports cumulatively in 2024, as many clusters do: Quý I, then 6 tháng đầu
năm, 9 tháng and the year (running totals of its units' quarters), so the pages show quarters
found by difference.
"""
from __future__ import annotations

import json
import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, func, insert, select

from etl.catalog.catalogue import UnitRow, load_clusters, load_units
from etl.demo import sheets as demo_sheets
from etl.periods import REORGANISATION_DATE, Period, periods_between, quarter

SEED = 1
FIRST, LAST = quarter(2021, 1), quarter(2026, 3)
DEMO_USER = "demo"
META_KEY = "demo_loaded"
SEED_CLUSTER = "dong-bang"
SEED_QUARTERS = (quarter(2024, 1), quarter(2024, 2))
SEED_TOTALS = {  # seed 001: Đồng bằng cluster, 6 tháng đầu năm 2024
    "documents_issued": 129, "conferences": 50, "conference_participants": 4819, "trainings": 8,
    "training_participants": 905, "review_conferences": 6, "inspections": 14,
    "inspected_party_orgs": 18, "inspected_party_members": 11, "models_registered": 891,
    "models_recognized": 514}
DIALOGUES_SEED = 21  # not in seed 001; an illustrative figure
CUMULATIVE_CLUSTER, CUMULATIVE_YEAR = "ven-bien", 2024   # reports Quý I, 6 tháng, 9 tháng, năm
CUMULATIVE_KIND = {2: "H1", 3: "9M", 4: "Y"}

# Per district-level unit and quarter, before trend and season (about seed 001 / 20).
BASE = {"documents_issued": 6.4, "conferences": 2.5, "conference_participants": 240.0, "trainings": 0.45,
        "training_participants": 50.0, "review_conferences": 0.35, "inspections": 0.7,
        "inspected_party_orgs": 0.9, "inspected_party_members": 0.55, "dialogues": 1.1,
        "models_registered": 44.0, "models_recognized": 25.0}
SEASON = {1: 0.85, 2: 1.1, 3: 0.95, 4: 1.15}
SEASON_SPECIAL = {"review_conferences": {1: 0.4, 2: 1.6, 3: 0.4, 4: 1.7},
                  "models_recognized": {1: 0.75, 2: 1.0, 3: 0.85, 4: 1.35}}
# Children allocated in proportion to their parent's allocation (so "participants only with a
# conference" holds); recognised models follow each unit's own rate, capped at what it registered.
PARENT = {"conference_participants": "conferences", "training_participants": "trainings",
          "inspected_party_orgs": "inspections", "inspected_party_members": "inspections",
          "models_recognized": "models_registered"}
COMMUNE_SCALE = 27 / 166 * 1.05  # a commune's share of a former district's activity


@dataclass
class DemoFile:
    name: str
    data: bytes
    period: Period


@dataclass
class DemoResult:
    ok: bool
    message: str
    files: int = 0
    loaded: int = 0
    rejected: list[str] = field(default_factory=list)


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split a whole total over weights exactly (largest remainder); zero weight gets zero."""
    w_sum = sum(weights)
    if total <= 0 or w_sum <= 0:
        return [0] * len(weights)
    shares = [total * w / w_sum for w in weights]
    out = [int(s) for s in shares]
    order = sorted((i for i, w in enumerate(weights) if w > 0), key=lambda i: (out[i] - shares[i], i))
    for i in order[:total - sum(out)]:
        out[i] += 1
    return out


def allocate_capped(total: int, weights: list[float], caps: list[int]) -> list[int]:
    """allocate(), but no part above its cap: what a capped part cannot take goes to the others in
    proportion. Exact whenever total <= the caps of the parts with weight."""
    out = [0] * len(weights)
    open_parts = [i for i, w in enumerate(weights) if w > 0 and caps[i] > 0]
    left = total
    while open_parts and left > 0:
        parts = allocate(left, [weights[i] for i in open_parts])
        full = {i for i, part in zip(open_parts, parts) if part >= caps[i]}
        if not full:
            for i, part in zip(open_parts, parts):
                out[i] = part
            return out
        for i in full:
            out[i], left = caps[i], left - caps[i]
        open_parts = [i for i in open_parts if i not in full]
    return out


def _unit_weight(code: str) -> float:
    """A unit's size (its share of the cluster's activity), fixed per unit."""
    return random.Random(f"weight:{code}").uniform(0.6, 1.5)


def _unit_rate(code: str) -> float:
    """A unit's usual recognition rate (recognised / registered models), fixed per unit: some units
    get most of their models recognised, others under half."""
    return random.Random(f"rate:{code}").uniform(0.40, 0.76)


def cluster_totals(cluster: str, period: Period, n_units: float, scale: float, rng: random.Random) -> dict:
    """A cluster's quarterly totals: base × units × trend × season × noise (or seed 001 figures)."""
    if cluster == SEED_CLUSTER and period in SEED_QUARTERS:
        return _seed_quarter(period)
    years = period.year - 2021 + (period.quarter - 1) / 4
    trend = 1 + 0.05 * years
    out = {}
    for code, base in BASE.items():
        season = SEASON_SPECIAL.get(code, SEASON)[period.quarter]
        out[code] = round(base * n_units * scale * trend * season * rng.uniform(0.85, 1.15))
    rate = min(0.5 + 0.025 * years + rng.uniform(-0.04, 0.04), 0.85)
    out["models_recognized"] = min(out["models_recognized"], round(out["models_registered"] * rate))
    return out


def _seed_quarter(period: Period) -> dict:
    """Seed 001's half-year figures split over Q1 and Q2 (Q2 the larger, as in real years)."""
    out = {}
    for code, total in SEED_TOTALS.items():
        q1 = round(total * 0.44)
        out[code] = q1 if period.quarter == 1 else total - q1
    out["dialogues"] = round(DIALOGUES_SEED * (0.44 if period.quarter == 1 else 0.56))
    return out


def unit_values(units: list[UnitRow], totals: dict, rng: random.Random,
                absorbed: dict[str, float] | None = None) -> dict[str, dict[str, int]]:
    """Allocate cluster totals to units: {unit code: {indicator: value}}. `absorbed`: extra size of
    a unit that took over a dissolved one (Thành phố Thanh Hóa with Đông Sơn from 2025)."""
    weights = [_unit_weight(u.code) + (absorbed or {}).get(u.code, 0.0) for u in units]
    alloc: dict[str, list[int]] = {}
    for code in BASE:  # parents come before their children in BASE
        parent = PARENT.get(code)
        if code == "models_recognized":  # each unit its own rate, never above what it registered
            w = [p * _unit_rate(u.code) * rng.uniform(0.9, 1.1) for p, u in zip(alloc[parent], units)]
            alloc[code] = allocate_capped(totals.get(code, 0), w, alloc[parent])
            continue
        w = [p * rng.uniform(0.8, 1.2) for p in alloc[parent]] if parent else \
            [x * rng.uniform(0.7, 1.3) for x in weights]
        alloc[code] = allocate(totals.get(code, 0), w)
    return {u.code: {code: alloc[code][i] for code in BASE} for i, u in enumerate(units)}


def absorbed_weights(units: list[UnitRow], members: list[UnitRow], period: Period,
                     lineage: list) -> dict[str, float]:
    """{member code: size it took over} from same-level units dissolved before `period` into it
    (lineage '405 -> 380': Đông Sơn's activity goes on in Thành phố Thanh Hóa, not out of the cluster)."""
    by_code = {u.code: u for u in units}
    active = {u.code: u for u in members}
    out: dict[str, float] = {}
    for row in lineage:
        former, successor = by_code.get(row.former_code), active.get(row.successor_code)
        if former and successor and former.level == successor.level and former.valid_to \
                and former.valid_to < period.start:
            out[successor.code] = out.get(successor.code, 0.0) + _unit_weight(former.code)
    return out


def generate(units: list[UnitRow], clusters: dict[str, str], *, seed: int = SEED,
             first: Period = FIRST, last: Period = LAST, lineage: list | None = None) -> list[DemoFile]:
    """Every demo workbook, in load order (by quarter); lineage: default the configured CSV."""
    from etl.catalog.lineage import read_lineage
    lineage = read_lineage() if lineage is None else lineage
    files: list[DemoFile] = []
    running: dict[str, dict[str, int]] = {}   # the cumulative cluster's running totals per unit
    for period in periods_between(first, last):
        level = "commune" if period.start >= REORGANISATION_DATE else "district"
        scale = COMMUNE_SCALE if level == "commune" else 1.0
        for cluster in clusters:
            members = [u for u in units if u.cluster_code == cluster and u.level == level
                       and u.active_in(period.start, period.end)]
            if members:
                absorbed = absorbed_weights(units, members, period, lineage)
                if cluster == CUMULATIVE_CLUSTER and period.year == CUMULATIVE_YEAR:
                    files += _cumulative_files(clusters[cluster], members, period, scale, seed, absorbed, running)
                else:
                    files += _cluster_files(cluster, clusters[cluster], members, period, scale, seed, absorbed)
    return files


def _quarter_rows(cluster: str, members: list[UnitRow], period: Period, scale: float, seed: int,
                  absorbed: dict[str, float], rng: random.Random, keep_all: bool = False) -> list[tuple]:
    """(unit, values) of the units reporting the quarter (a unit or two missing, sometimes)."""
    size = len(members) + sum(absorbed.values())  # a dissolved unit's activity stays in the cluster
    values = unit_values(members, cluster_totals(cluster, period, size, scale, rng), rng, absorbed)
    gaps = 0 if keep_all or rng.random() > 0.3 else rng.choice((1, 1, 2))
    missing = {u.code for u in rng.sample(members, min(gaps, len(members) - 1))}
    return [(u, values[u.code]) for u in members if u.code not in missing]


def _cumulative_files(cluster_name: str, members: list[UnitRow], period: Period, scale: float, seed: int,
                      absorbed: dict[str, float], running: dict) -> list[DemoFile]:
    """Quý I as usual, then one cumulative sheet per quarter: each unit's total since January."""
    rng = random.Random(f"demo:{seed}:{CUMULATIVE_CLUSTER}:{period.spec}")
    rows = _quarter_rows(CUMULATIVE_CLUSTER, members, period, scale, seed, absorbed, rng, keep_all=True)
    for unit, values in rows:
        total = running.setdefault(unit.code, dict.fromkeys(values, 0))
        for code, value in values.items():
            total[code] += value
    shown = period if period.quarter == 1 else Period(period.year, CUMULATIVE_KIND[period.quarter])
    sheet_rows = [(unit, dict(running[unit.code])) for unit, _values in rows]
    data = demo_sheets.consolidated_sheet(cluster_name, sheet_rows, shown, rng)
    return [DemoFile(f"DEMO_{shown.spec}_{CUMULATIVE_CLUSTER}.xlsx", data, shown)]


def _cluster_files(cluster: str, cluster_name: str, members: list[UnitRow], period: Period,
                   scale: float, seed: int, absorbed: dict[str, float]) -> list[DemoFile]:
    rng = random.Random(f"demo:{seed}:{cluster}:{period.spec}")
    is_seed = cluster == SEED_CLUSTER and period in SEED_QUARTERS
    rows = _quarter_rows(cluster, members, period, scale, seed, absorbed, rng, keep_all=is_seed)
    out = []
    if not is_seed and members[0].level == "district" and rng.random() < 0.1 and len(rows) > 2:
        unit, vals = rows.pop(rng.randrange(len(rows)))  # this unit sent its own form report
        out.append(DemoFile(f"DEMO_{period.spec}_{_slug(unit.name)}_bao_cao.xlsx",
                            demo_sheets.form_sheet(unit, vals, period, rng), period))
    flat = not is_seed and rng.random() < 0.25
    data = demo_sheets.consolidated_sheet(cluster_name, rows, period, rng, flat=flat)
    out.insert(0, DemoFile(f"DEMO_{period.spec}_{cluster}.xlsx", data, period))
    if cluster == "ven-bien" and period == quarter(2023, 4):  # one revised file, for the history
        revised = [(u, dict(v, conferences=v["conferences"] + 1)) if i < 2 else (u, v)
                   for i, (u, v) in enumerate(rows)]
        out.append(DemoFile(f"DEMO_{period.spec}_{cluster}_dieu_chinh.xlsx",
                            demo_sheets.consolidated_sheet(cluster_name, revised, period, rng), period))
    return out


def _slug(name: str) -> str:
    from etl.text import fold
    return fold(name).replace(" ", "_")


def load_demo(engine, *, if_empty: bool = False, user: str = DEMO_USER, seed: int = SEED,
              first: Period = FIRST, last: Period = LAST) -> DemoResult:
    """Generate the demo workbooks and load them with load_file; `if_empty`: only into a warehouse
    that has no batch yet."""
    from etl.warehouse.load import load_file
    from etl.warehouse.schema import Batch
    with engine.connect() as conn:
        batches = conn.execute(select(func.count()).select_from(Batch)).scalar_one()
    if if_empty and batches:
        return DemoResult(True, f"Kho dữ liệu đã có {batches} lô số liệu; không nạp dữ liệu minh họa.")
    from etl.catalog.lineage import load_lineage
    files = generate(load_units(engine), load_clusters(engine), seed=seed, first=first, last=last,
                     lineage=load_lineage(engine))
    result = DemoResult(True, "", files=len(files))
    with tempfile.TemporaryDirectory(prefix="dvk-demo-") as tmp:
        for f in files:
            path = Path(tmp) / f.name
            path.write_bytes(f.data)
            r = load_file(engine, path.read_bytes(), f.name, user=user)
            result.loaded += r.status == "loaded"
            if r.status == "rejected":
                result.rejected.append(f"{f.name}: " + "; ".join(p.message for p in r.problems[:3]))
    _mark_demo(engine, result, seed)
    result.ok = not result.rejected
    span = f"{first.label} – {last.label}"
    unchanged = result.files - result.loaded - len(result.rejected)
    same = f"; {unchanged} tệp không có gì thay đổi (đã có trong kho)" if unchanged else ""
    result.message = (f"Đã nạp dữ liệu minh họa ({span}): {result.loaded} lô mới từ {result.files} tệp{same}."
                      if result.ok else "Một số tệp minh họa bị từ chối:\n" + "\n".join(result.rejected))
    return result


def _mark_demo(engine, result: DemoResult, seed: int) -> None:
    from etl.accounts.audit import now
    from etl.warehouse.schema import Meta
    value = json.dumps({"at": now().isoformat(), "seed": seed, "files": result.files,
                        "batches": result.loaded}, ensure_ascii=False)
    with engine.begin() as conn:
        conn.execute(delete(Meta).where(Meta.key == META_KEY))
        conn.execute(insert(Meta).values(key=META_KEY, value=value))
