"""Catalogues are files people edit (data/*.csv); this module loads them into the warehouse.

sync_catalogues() runs on every start and is a no-op unless a file changed (hash in `meta`).
Rows that disappeared from a file are removed unless facts still refer to them. load_catalogue()
reads them back as one `Catalogue`, kept while the catalogue version is unchanged.

Indicators are data too; what the code relies on an indicator for (the two figures of the
recognition rate, an event and its participants, the inspections and whom they covered) is named
once here, below — nowhere else in the product code does an indicator code appear.
"""
from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine, delete, func, insert, select, update

from etl.config import get_settings
from etl.warehouse.schema import Cluster, Fact, Indicator, Meta, Unit, UnitLineage


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    cluster_code: str | None
    valid_from: date
    valid_to: date | None
    aliases: tuple[str, ...] = ()
    sort_order: int = 0

    def active_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def active_in(self, start: date, end: date) -> bool:
        """Existed at some point between start and end."""
        return self.valid_from <= end and (self.valid_to is None or self.valid_to >= start)


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    label: str
    group_name: str
    unit_label: str
    aliases: tuple[str, ...]
    sort_order: int
    short_label: str = ""          # the KPI card title ('' : the label)
    kpi_order: int | None = None   # place among Tổng quan's key figures (None: not one)
    phrase: str = ""               # noun phrase in report comparisons ('' : not compared)

    @property
    def short(self) -> str:
        return self.short_label or self.label


# --- roles: the indicators code relies on, each named once -------------------------------------

@dataclass(frozen=True)
class Event:
    """An event counted, and the people who attended its sessions (a rule: no participants
    without an event; a report sentence: 'tổ chức 50 hội nghị … với 4.819 lượt người tham dự')."""
    code: str
    participants: str

    @property
    def codes(self) -> tuple[str, str]:
        return self.code, self.participants


REGISTERED = "models_registered"   # models registered: the recognition rate's denominator
RECOGNISED = "models_recognized"   # models recognised: its numerator (never above REGISTERED)
RATE = "recognition_rate"          # Σ RECOGNISED / Σ REGISTERED, the one computed figure
CONFERENCES = Event("conferences", "conference_participants")
TRAININGS = Event("trainings", "training_participants")
DOCUMENTS = "documents_issued"
REVIEWS = "review_conferences"
DIALOGUES = "dialogues"
INSPECTIONS = "inspections"
INSPECTED = ("inspected_party_orgs", "inspected_party_members")  # whom the inspections covered
INSPECTION_SET = (INSPECTIONS, *INSPECTED)


def read_csv(path: str | Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(f)]


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _unit_values(row: dict[str, str]) -> dict:
    return dict(code=row["code"], name=row["name"], level=row.get("level") or "district",
                kind=row.get("kind", ""), parent_code=row.get("parent") or None,
                cluster_code=row.get("cluster") or None,
                valid_from=_date(row.get("valid_from", "")) or date(2000, 1, 1),
                valid_to=_date(row.get("valid_to", "")), aliases=row.get("aliases", ""),
                sort_order=int(row.get("sort_order") or 0))


def _indicator_values(row: dict[str, str]) -> dict:
    return dict(code=row["code"], label=row["label"], group_name=row.get("group", ""),
                unit_label=row.get("unit_label", ""), aliases=row.get("aliases", ""),
                sort_order=int(row.get("sort_order") or 0), short_label=row.get("short_label", ""),
                kpi_order=int(row["kpi_order"]) if row.get("kpi_order") else None,
                phrase=row.get("phrase", ""))


def _cluster_values(row: dict[str, str]) -> dict:
    return dict(code=row["code"], name=row["name"], sort_order=int(row.get("sort_order") or 0))


def _sync_table(conn, model, rows: list[dict], keep_if_used=None) -> None:
    key = model.__table__.primary_key.columns.values()[0]
    existing = {r[0] for r in conn.execute(select(key))}
    wanted = {r[key.name] for r in rows}
    for r in rows:
        if r[key.name] in existing:
            conn.execute(update(model).where(key == r[key.name]).values(**r))
        else:
            conn.execute(insert(model).values(**r))
    stale = existing - wanted
    if keep_if_used is not None and stale:
        stale -= {r[0] for r in conn.execute(select(keep_if_used).distinct())}
    if stale:
        conn.execute(delete(model).where(key.in_(stale)))


def sync_catalogues(engine: Engine, settings=None) -> bool:
    """Load the catalogue files into the warehouse if any changed. True when something was synced."""
    s = settings or get_settings()
    paths = [s.clusters_csv, s.units_csv, s.indicators_csv, s.lineage_csv]
    digest = hashlib.sha256(b"".join(Path(p).read_bytes() if Path(p).exists() else b"-"
                                     for p in paths)).hexdigest()
    with engine.begin() as conn:
        stored = conn.execute(select(Meta.value).where(Meta.key == "catalogue_sha256")).scalar()
        if stored == digest:
            return False
        _sync_table(conn, Cluster, [_cluster_values(r) for r in read_csv(s.clusters_csv)])
        _sync_table(conn, Unit, [_unit_values(r) for r in read_csv(s.units_csv)], Fact.unit_code)
        _sync_table(conn, Indicator, [_indicator_values(r) for r in read_csv(s.indicators_csv)],
                    Fact.indicator_code)
        conn.execute(delete(UnitLineage))
        if Path(s.lineage_csv).exists():
            for r in read_csv(s.lineage_csv):
                conn.execute(insert(UnitLineage).values(
                    former_code=r["former_code"], successor_code=r["successor_code"],
                    note=r.get("note", "")))
        if stored is None:
            conn.execute(insert(Meta).values(key="catalogue_sha256", value=digest))
        else:
            conn.execute(update(Meta).where(Meta.key == "catalogue_sha256").values(value=digest))
    return True


_UNITS_MEMO: dict[str, tuple[tuple, list[UnitRow]]] = {}


def load_units(engine: Engine) -> list[UnitRow]:
    """The unit catalogue in display order. Building 3,321 UnitRows is what costs, on every load and
    every page, so they are reused while the catalogue is unchanged: units are only written by
    sync_catalogues (which records the files' hash in meta) — the row count guards the rest."""
    url = engine.url.render_as_string(hide_password=False)
    digest = select(Meta.value).where(Meta.key == "catalogue_sha256").scalar_subquery()
    with engine.connect() as conn:
        key = tuple(conn.execute(select(digest, select(func.count()).select_from(Unit).scalar_subquery())).one())
        hit = _UNITS_MEMO.get(url)
        if hit and hit[0] == key:
            return hit[1]
        rows = conn.execute(select(Unit).order_by(Unit.sort_order, Unit.name)).mappings().all()
    units = [UnitRow(code=r["code"], name=r["name"], level=r["level"], kind=r["kind"],
                     parent_code=r["parent_code"], cluster_code=r["cluster_code"],
                     valid_from=r["valid_from"], valid_to=r["valid_to"],
                     aliases=tuple(a.strip() for a in (r["aliases"] or "").split("|") if a.strip()),
                     sort_order=r["sort_order"]) for r in rows]
    _UNITS_MEMO[url] = (key, units)
    return units


def load_indicators(engine: Engine) -> list[IndicatorRow]:
    with engine.connect() as conn:
        rows = conn.execute(select(Indicator).order_by(Indicator.sort_order)).mappings().all()
    return [IndicatorRow(code=r["code"], label=r["label"], group_name=r["group_name"],
                         unit_label=r["unit_label"],
                         aliases=tuple(a.strip() for a in (r["aliases"] or "").split("|") if a.strip()),
                         sort_order=r["sort_order"], short_label=r["short_label"] or "",
                         kpi_order=r["kpi_order"], phrase=r["phrase"] or "") for r in rows]


def load_clusters(engine: Engine) -> dict[str, str]:
    """cluster code -> name, in display order."""
    with engine.connect() as conn:
        return dict(conn.execute(select(Cluster.code, Cluster.name).order_by(Cluster.sort_order)).all())


RATE_LABEL = "Tỷ lệ công nhận"


def field_indicators(indicators) -> list[IndicatorRow]:
    """Models by field (kinh tế, văn hóa – xã hội, …): the rest of the registered models' group."""
    group = next((i.group_name for i in indicators if i.code == REGISTERED), None)
    return [i for i in indicators if group is not None and i.group_name == group
            and i.code not in (REGISTERED, RECOGNISED)]


def main_codes(indicators) -> list[str]:
    """Every indicator but the models' field breakdowns, in catalogue order (a report's key figures)."""
    left_out = {i.code for i in field_indicators(indicators)}
    return [i.code for i in indicators if i.code not in left_out]


@dataclass(frozen=True, eq=False)
class Catalogue:
    """Units, clusters and indicators as the warehouse holds them, read once per catalogue version
    (load_catalogue); what pages, reports and the CLI look up in them."""
    version: tuple
    units: tuple[UnitRow, ...]
    clusters: dict[str, str]          # code -> name, in display order
    indicators: tuple[IndicatorRow, ...]
    _active: dict = field(default_factory=dict, repr=False)

    @cached_property
    def unit_names(self) -> dict[str, str]:
        """unit code -> name, every unit (former districts included)."""
        return {u.code: u.name for u in self.units}

    @cached_property
    def labels(self) -> dict[str, str]:
        """indicator code -> label, and the recognition rate's."""
        return {**{i.code: i.label for i in self.indicators}, RATE: RATE_LABEL}

    @cached_property
    def codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    def short(self, code: str) -> str:
        """The KPI card title of an indicator (or the rate)."""
        found = next((i for i in self.indicators if i.code == code), None)
        return found.short if found else self.labels.get(code, code)

    @cached_property
    def kpis(self) -> list[str]:
        """The key figures of Tổng quan, in their order (data/indicators.csv kpi_order)."""
        return [i.code for i in sorted((i for i in self.indicators if i.kpi_order is not None),
                                       key=lambda i: i.kpi_order)]

    @cached_property
    def fields(self) -> list[IndicatorRow]:
        return field_indicators(self.indicators)

    @cached_property
    def main(self) -> list[str]:
        return main_codes(self.indicators)

    def active(self, start: date, end: date, clusters=()) -> list[UnitRow]:
        """Units that existed at some time in [start, end] (within `clusters`), in display order."""
        key = (start, end, tuple(clusters))
        if key not in self._active:
            self._active[key] = [u for u in self.units if u.active_in(start, end)
                                 and (not clusters or u.cluster_code in clusters)]
        return self._active[key]


_CATALOGUE_MEMO: dict[str, Catalogue] = {}


def load_catalogue(engine: Engine) -> Catalogue:
    """The catalogues as one Catalogue, read again only when their version changed (the files'
    hash, which sync_catalogues records, and the row counts: one small query otherwise)."""
    url = engine.url.render_as_string(hide_password=False)
    count = lambda model: select(func.count()).select_from(model).scalar_subquery()  # noqa: E731
    with engine.connect() as conn:
        version = tuple(conn.execute(select(
            select(Meta.value).where(Meta.key == "catalogue_sha256").scalar_subquery(),
            count(Unit), count(Cluster), count(Indicator))).one())
    hit = _CATALOGUE_MEMO.get(url)
    if hit is None or hit.version != version:
        hit = Catalogue(version, tuple(load_units(engine)), load_clusters(engine),
                        tuple(load_indicators(engine)))
        _CATALOGUE_MEMO[url] = hit
    return hit
