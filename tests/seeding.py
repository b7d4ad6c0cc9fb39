"""Warehouse seeding shared by the report tests (narrative, exports, render, LibreOffice round trip).

`seed_province(engine)`: facts for the 27 district units, 2023–2024, written directly (one batch);
cụm Đồng bằng's 6 tháng đầu năm 2024 sums exactly to seed 001's figures, and Đông Sơn (405) has not
reported 2024-Q1/Q2.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import insert

from etl.catalog.catalogue import load_units
from etl.periods import Period, parse_period, periods_between, quarter
from etl.warehouse.schema import Batch, Fact

H1_2024 = Period(2024, "H1")
DONG_BANG_REPORTING = ["392", "393", "394", "395", "398", "397", "404", "381", "380"]  # not 405
SEED_001 = {"documents_issued": 129, "conferences": 50, "conference_participants": 4819,
            "trainings": 8, "training_participants": 905, "review_conferences": 6,
            "inspections": 14, "inspected_party_orgs": 18, "inspected_party_members": 11,
            "models_registered": 891, "models_recognized": 514}
_PARENT = {"conference_participants": "conferences", "training_participants": "trainings",
           "inspected_party_orgs": "inspections", "inspected_party_members": "inspected_party_members"}
BASE = {"documents_issued": 6, "conferences": 4, "conference_participants": 310, "trainings": 1,
        "training_participants": 95, "review_conferences": 1, "inspections": 2,
        "inspected_party_orgs": 2, "inspected_party_members": 1, "dialogues": 3,
        "models_registered": 40, "models_recognized": 22}


def seed_province(engine, first="2023-Q1", last="2024-Q4", missing=("405",)) -> None:
    """Facts for every district unit and quarter; cụm đồng bằng's 6 tháng đầu năm 2024 sums to seed
    001's figures; `missing` units report nothing in 2024-Q1/Q2."""
    with engine.begin() as conn:
        batch = conn.execute(insert(Batch).values(
            file_name="seed.xlsx", sha256="1" * 64, period=last, status="loaded",
            created_at=datetime.now(timezone.utc))).inserted_primary_key[0]
    units = [u for u in load_units(engine) if u.level == "district"]
    rows = []
    for p in periods_between(parse_period(first), parse_period(last)):
        for k, u in enumerate(units):
            if not u.active_in(p.start, p.end):
                continue
            in_h1 = p in (quarter(2024, 1), quarter(2024, 2))
            if in_h1 and (u.code in missing or u.cluster_code == "dong-bang"):
                continue
            for ind, base in BASE.items():
                value = base + (k * 7 + p.quarter * 3 + p.year) % (base + 3)
                if ind == "models_recognized":
                    value = min(value, base + 18 - k % 9)
                rows.append((u.code, p, ind, value))
    for ind, total in SEED_001.items():  # 18 slots: 9 units × 2 quarters; participants follow their meetings
        base = SEED_001[_PARENT.get(ind, ind)]
        slots = list(range(min(base, 18)))
        parts = [total // len(slots)] * len(slots)
        parts[0] += total - sum(parts)
        for k, value in zip(slots, parts):
            rows.append((DONG_BANG_REPORTING[k % 9], quarter(2024, 1 + (k >= 9)), ind, value))
    values = [dict(unit_code=c, year=p.year, quarter=p.quarter, indicator_code=i,
                   period_index=p.indexes[0], value=v, batch_id=batch) for c, p, i, v in rows]
    with engine.begin() as conn:
        conn.execute(insert(Fact), values)
