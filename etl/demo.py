"""Demo data: deterministic, illustrative quarterly workbooks, loaded through the user's ETL path.

For every quarter 2021-Q1 … 2026-Q3 and every cluster, the units active in that quarter (districts
until 2025-Q2, communes from 2025-Q3, as the catalogue says) get figures with a gentle upward
trend and seasonal noise. Workbooks use the layouts real sheets use (mostly consolidated per
cluster with two-line merged headers, some flat headers, a few single-unit form reports), numbers
sometimes typed as text ("4.819", "06", "-"), and a unit or two missing in some quarters.
They are written to a temporary folder and loaded with etl.load.load_file, never inserted directly.

The Đồng bằng cluster's 2024-Q1 + 2024-Q2 figures sum exactly to the real cluster report of
seed 001 (129 văn bản, 50 hội nghị, 4.819 lượt người, … 891 mô hình đăng ký, 514 công nhận).
"""
from __future__ import annotations

import json
import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, func, insert, select

from etl import demo_sheets
from etl.catalog import UnitRow, load_clusters, load_units
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

# Per district-level unit and quarter, before trend and season (about seed 001 / 20).
BASE = {"documents_issued": 6.4, "conferences": 2.5, "conference_participants": 240.0, "trainings": 0.45,
        "training_participants": 50.0, "review_conferences": 0.35, "inspections": 0.7,
        "inspected_party_orgs": 0.9, "inspected_party_members": 0.55, "dialogues": 1.1,
        "models_registered": 44.0, "models_recognized": 25.0}
SEASON = {1: 0.85, 2: 1.1, 3: 0.95, 4: 1.15}
SEASON_SPECIAL = {"review_conferences": {1: 0.4, 2: 1.6, 3: 0.4, 4: 1.7},
                  "models_recognized": {1: 0.75, 2: 1.0, 3: 0.85, 4: 1.35}}
# Children allocated in proportion to their parent's allocation (so "participants only with a
# conference" holds, and recognised never exceeds registered).
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


def _unit_weight(code: str) -> float:
    return random.Random(f"weight:{code}").uniform(0.6, 1.5)


def cluster_totals(cluster: str, period: Period, n_units: int, scale: float, rng: random.Random) -> dict:
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


def unit_values(units: list[UnitRow], totals: dict, rng: random.Random) -> dict[str, dict[str, int]]:
    """Allocate cluster totals to units: {unit code: {indicator: value}}."""
    weights = [_unit_weight(u.code) for u in units]
    alloc: dict[str, list[int]] = {}
    for code in BASE:  # parents come before their children in BASE
        parent = PARENT.get(code)
        w = [p * rng.uniform(0.8, 1.2) for p in alloc[parent]] if parent else \
            [x * rng.uniform(0.7, 1.3) for x in weights]
        if code == "models_recognized":  # proportional to registered: never above it
            w = [float(p) for p in alloc[parent]]
        alloc[code] = allocate(totals.get(code, 0), w)
    return {u.code: {code: alloc[code][i] for code in BASE} for i, u in enumerate(units)}


def generate(units: list[UnitRow], clusters: dict[str, str], *, seed: int = SEED,
             first: Period = FIRST, last: Period = LAST) -> list[DemoFile]:
    """Every demo workbook, in load order (by quarter)."""
    files: list[DemoFile] = []
    for period in periods_between(first, last):
        level = "commune" if period.start >= REORGANISATION_DATE else "district"
        scale = COMMUNE_SCALE if level == "commune" else 1.0
        for cluster in clusters:
            members = [u for u in units if u.cluster_code == cluster and u.level == level
                       and u.active_in(period.start, period.end)]
            if members:
                files += _cluster_files(cluster, clusters[cluster], members, period, scale, seed)
    return files


def _cluster_files(cluster: str, cluster_name: str, members: list[UnitRow], period: Period,
                   scale: float, seed: int) -> list[DemoFile]:
    rng = random.Random(f"demo:{seed}:{cluster}:{period.spec}")
    values = unit_values(members, cluster_totals(cluster, period, len(members), scale, rng), rng)
    is_seed = cluster == SEED_CLUSTER and period in SEED_QUARTERS
    gaps = 0 if is_seed or rng.random() > 0.3 else rng.choice((1, 1, 2))
    missing = {u.code for u in rng.sample(members, min(gaps, len(members) - 1))}
    rows = [(u, values[u.code]) for u in members if u.code not in missing]
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
    from etl.load import load_file
    from etl.schema import Batch
    with engine.connect() as conn:
        batches = conn.execute(select(func.count()).select_from(Batch)).scalar_one()
    if if_empty and batches:
        return DemoResult(True, f"Kho dữ liệu đã có {batches} lô số liệu; không nạp dữ liệu minh họa.")
    files = generate(load_units(engine), load_clusters(engine), seed=seed, first=first, last=last)
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
    from etl.audit import now
    from etl.schema import Meta
    value = json.dumps({"at": now().isoformat(), "seed": seed, "files": result.files,
                        "batches": result.loaded}, ensure_ascii=False)
    with engine.begin() as conn:
        conn.execute(delete(Meta).where(Meta.key == META_KEY))
        conn.execute(insert(Meta).values(key=META_KEY, value=value))
