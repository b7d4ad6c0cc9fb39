"""What a report covers (province, one cluster, one unit) and every figure it shows, gathered once.

All figures come from etl.queries; the PPTX, DOCX and XLSX writers only lay out a `ReportData`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import Engine

from etl import narrative, queries
from etl.catalog import IndicatorRow, load_clusters, load_indicators, load_units
from etl.config import get_settings
from etl.periods import Period, parse_period, quarter

TREND_PERIODS = 8  # the trend slide covers this many periods of the report's kind
MAX_UNIT_BARS = 30  # more units than this (communes after 2025): charts go by cluster


class ScopeError(ValueError):
    """A scope text that names no province, cluster or unit (message in Vietnamese)."""


@dataclass(frozen=True)
class Scope:
    kind: str  # province | cluster | unit
    code: str = ""
    name: str = ""  # 'Toàn tỉnh', 'Cụm Đồng bằng', 'Huyện Yên Định'

    def filters(self, period: Period) -> queries.Filters:
        return queries.Filters(period, clusters=(self.code,) if self.kind == "cluster" else (),
                               units=(self.code,) if self.kind == "unit" else ())

    @property
    def spec(self) -> str:
        return "province" if self.kind == "province" else f"{self.kind}:{self.code}"


def parse_scope(engine: Engine, text: str) -> Scope:
    """'province' | 'cluster:CODE' | 'unit:CODE' -> Scope; ScopeError if unknown."""
    kind, _, code = (text or "province").strip().partition(":")
    kind, code = kind.strip().lower(), code.strip()
    if kind in ("province", "tinh", "toan-tinh") and not code:
        return Scope("province", "", "Toàn tỉnh")
    if kind == "cluster":
        clusters = load_clusters(engine)
        if code in clusters:
            return Scope("cluster", code, f"Cụm {clusters[code]}")
        raise ScopeError(f"Không có cụm mã '{code}'. Các cụm: {', '.join(clusters) or '(chưa có)'}.")
    if kind == "unit":
        for u in load_units(engine):
            if u.code == code:
                return Scope("unit", code, u.name)
        raise ScopeError(f"Không có đơn vị mã '{code}' trong danh mục đơn vị.")
    raise ScopeError(f"Phạm vi '{text}' không hợp lệ: dùng province, cluster:MÃ hoặc unit:MÃ.")


def short_name(name: str) -> str:
    """Names for crowded charts: 'Huyện Yên Định' -> 'Yên Định', 'Thị xã Bỉm Sơn' -> 'TX Bỉm Sơn'."""
    for prefix, short in (("Huyện ", ""), ("Thị xã ", "TX "), ("Thành phố ", "TP "),
                          ("Cụm ", ""), ("Phường ", "P. "), ("Xã ", "")):
        if name.startswith(prefix):
            return short + name[len(prefix):]
    return name


def unit_status(row) -> str:
    """A unit row's reporting status for the period in words: '' (reported in full), 'Thiếu Quý
    II/2024', 'Chỉ có số liệu lũy kế', 'Chưa báo cáo', or 'Tính bằng hiệu …' for derived figures."""
    if row["units_reported"]:
        return "Tính bằng hiệu giữa các báo cáo lũy kế" if row.get("units_derived") else ""
    gaps = dict(row.get("gaps") or ())
    if gaps.pop("cumulative", None):
        return "Chỉ có số liệu lũy kế, chưa tách được kỳ này"
    return "Thiếu " + ", ".join(parse_period(spec).label for spec in gaps) if gaps else "Chưa báo cáo"


@dataclass
class ReportData:
    """Every figure of one report: scope totals, comparisons, breakdown rows, trend, narrative."""
    period: Period
    scope: Scope
    agency: str
    made_on: date
    indicators: list[IndicatorRow]
    current: dict
    previous: dict
    last_year: dict
    units: pd.DataFrame  # summary by unit within the scope (one row per active/reporting unit)
    clusters: pd.DataFrame  # summary by cluster (province scope; empty otherwise)
    trend: pd.DataFrame  # scope totals per period, last TREND_PERIODS periods
    missing: list[str] = field(default_factory=list)  # units that have reported nothing of the period
    unit_clusters: dict[str, str | None] = field(default_factory=dict)  # unit code -> cluster code
    peers: pd.DataFrame | None = None  # unit scope: the units of its cluster, to compare with
    paragraphs: list[str] = field(default_factory=list)

    @property
    def chart_rows(self) -> pd.DataFrame:
        """Rows the comparison charts show: units, or clusters when units are too many."""
        if self.scope.kind == "province" and len(self.units) > MAX_UNIT_BARS and len(self.clusters):
            return self.clusters
        if self.scope.kind == "unit" and self.peers is not None and len(self.peers) > 1:
            return self.peers
        return self.units

    @property
    def highlight(self) -> str | None:
        """The row name to set apart in comparison charts (a unit among its cluster's units)."""
        return self.scope.name if self.scope.kind == "unit" else None

    @property
    def unit_noun(self) -> str:
        return "cụm" if self.chart_rows is self.clusters else "đơn vị"

    def label(self, code: str) -> str:
        return next((i.label for i in self.indicators if i.code == code), code)


def _quarterly_trend(engine: Engine, period: Period, f: queries.Filters) -> pd.DataFrame:
    """Scope totals for the TREND_PERIODS quarters up to the period's last, from the first with data."""
    last = quarter(*period.quarters[-1])
    df = queries.trend(engine, last.shifted(-(TREND_PERIODS - 1)), last, "province",
                       clusters=f.clusters, units=f.units)
    reported = [i for i, n in enumerate(df["units_reported"]) if n] if len(df) else []
    return df.iloc[reported[0]:].reset_index(drop=True) if reported else df.iloc[0:0]


def gather(engine: Engine, period: Period, scope: Scope, made_on: date | None = None,
           compare: str = "last_year") -> ReportData:
    """Run every query a report needs, once. The narrative compares with the same period last year
    (the giao ban convention, "so với cùng kỳ") or, with compare="previous", the period before."""
    f = scope.filters(period)
    current = queries.totals(engine, f)
    previous = queries.totals(engine, scope.filters(period.previous()))
    last_year = queries.totals(engine, scope.filters(period.same_period_last_year()))
    units = queries.summary(engine, period, "unit", f.clusters, f.units)
    clusters = (queries.summary(engine, period, "cluster") if scope.kind == "province"
                else pd.DataFrame())
    trend = _quarterly_trend(engine, period, f)
    missing = ([n for n, r, p in zip(units["name"], units["units_reported"], units["units_partial"]) if not r and not p]
               if len(units) else [])   # nothing at all; units with part of the period are in current's gaps
    data = ReportData(period, scope, get_settings().agency_name, made_on or date.today(),
                      load_indicators(engine), current, previous, last_year, units, clusters,
                      trend, missing, {u.code: u.cluster_code for u in load_units(engine)})
    if scope.kind == "unit":
        cluster = data.unit_clusters.get(scope.code)
        data.peers = queries.summary(engine, period, "unit", (cluster,)) if cluster else None
    rates = [(short_name(n), None if pd.isna(r) else float(r))
             for n, r in zip(data.chart_rows["name"], data.chart_rows["recognition_rate"])]
    basis, basis_period = ((previous, period.previous()) if compare == "previous"
                           else (last_year, period.same_period_last_year()))
    data.paragraphs = narrative.report_paragraphs(
        current, basis, period, f.scope_label(engine), scope_kind=scope.kind,
        previous_period=basis_period,
        unit_rates=rates if scope.kind != "unit" else (), missing=missing,
        rank_noun=data.unit_noun)
    if scope.kind == "unit" and data.peers is not None:
        coded = [(c, short_name(n), None if pd.isna(r) else float(r))
                 for c, n, r in zip(data.peers["code"], data.peers["name"], data.peers["recognition_rate"])]
        place = narrative.position_sentence(scope.code, short_name(scope.name), coded,
                                            "cụm " + load_clusters(engine).get(cluster, cluster).lower())
        if place:
            data.paragraphs.insert(-1 if len(data.paragraphs) > 1 else 1, place)
    return data
