"""What a report covers (a Selection: the province, one cluster or one unit, over a period) and
every figure it shows, gathered once.

All figures come from etl.queries; the PPTX, DOCX and XLSX writers only lay out a `ReportData`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import Engine

from etl.catalog.catalogue import RATE, REGISTERED, IndicatorRow, load_catalogue
from etl.config import get_settings
from etl.periods import Period, parse_period, quarter
from etl.queries import narrative
from etl.queries.selection import Selection, parse_scope
from etl.queries.summary import summary, totals
from etl.queries.trend import trend

TREND_PERIODS = 8  # the trend slide covers this many periods of the report's kind
MAX_UNIT_BARS = 30  # more units than this (communes after 2025): charts go by cluster


def report_selection(engine: Engine, period: Period, scope: str = "province",
                     compare: str = "last_year") -> Selection:
    """The Selection of one report: 'province' | 'cluster:CODE' | 'unit:CODE' over `period`,
    compared with the same period last year (the giao ban convention) or the one before;
    ScopeError when the scope names nothing."""
    return parse_scope(load_catalogue(engine), scope, period, compare)


def short_name(name: str) -> str:
    """Names for crowded charts: 'Huyện Yên Định' -> 'Yên Định', 'Thị xã Bỉm Sơn' -> 'TX Bỉm Sơn'."""
    for prefix, short in (("Huyện ", ""), ("Thị xã ", "TX "), ("Thành phố ", "TP "),
                          ("Cụm ", ""), ("Phường ", "P. "), ("Xã ", "")):
        if name.startswith(prefix):
            return short + name[len(prefix):]
    return name


def rate_names(rows: pd.DataFrame) -> list[str]:
    """Short names for a rate chart; a row without a rate says why, as its bar would be missing:
    'Đông Sơn (chưa báo cáo)', 'Nga Sơn (không có mô hình đăng ký)'."""
    registered = rows[REGISTERED] if REGISTERED in rows else pd.Series([None] * len(rows), index=rows.index)
    out = []
    for name, rate, count in zip(rows["name"], rows[RATE], registered):
        why = "" if not pd.isna(rate) else " (chưa báo cáo)" if pd.isna(count) else " (không có mô hình đăng ký)"
        out.append(short_name(name) + why)
    return out


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
    selection: Selection
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
        if self.selection.level == "province" and len(self.units) > MAX_UNIT_BARS and len(self.clusters):
            return self.clusters
        if self.selection.level == "unit" and self.peers is not None and len(self.peers) > 1:
            return self.peers
        return self.units

    @property
    def highlight(self) -> str | None:
        """The row name to set apart in comparison charts (a unit among its cluster's units)."""
        return self.selection.name if self.selection.level == "unit" else None

    @property
    def unit_noun(self) -> str:
        return "cụm" if self.chart_rows is self.clusters else "đơn vị"

    def label(self, code: str) -> str:
        return next((i.label for i in self.indicators if i.code == code), code)


def _quarterly_trend(engine: Engine, selection: Selection) -> pd.DataFrame:
    """Scope totals for the TREND_PERIODS quarters up to the period's last, from the first with data."""
    last = quarter(*selection.period.quarters[-1])
    df = trend(engine, selection.at(last), last.shifted(-(TREND_PERIODS - 1)), "province")
    reported = [i for i, n in enumerate(df["units_reported"]) if n] if len(df) else []
    return df.iloc[reported[0]:].reset_index(drop=True) if reported else df.iloc[0:0]


def gather(engine: Engine, selection: Selection, made_on: date | None = None) -> ReportData:
    """Run every query a report needs, once. The narrative compares with the selection's comparison
    period (report_selection: the same period last year unless asked otherwise)."""
    catalogue, period = load_catalogue(engine), selection.period
    current = totals(engine, selection)
    previous = totals(engine, selection.at(period.previous()))
    last_year = totals(engine, selection.at(period.same_period_last_year()))
    units = summary(engine, selection, "unit")
    clusters = summary(engine, Selection(period), "cluster") if selection.level == "province" else pd.DataFrame()
    missing = ([n for n, r, p in zip(units["name"], units["units_reported"], units["units_partial"]) if not r and not p]
               if len(units) else [])   # nothing at all; units with part of the period are in current's gaps
    data = ReportData(period, selection, get_settings().agency_name, made_on or date.today(),
                      list(catalogue.indicators), current, previous, last_year, units, clusters,
                      _quarterly_trend(engine, selection), missing,
                      {u.code: u.cluster_code for u in catalogue.units})
    cluster = data.unit_clusters.get(selection.units[0]) if selection.level == "unit" else None
    if cluster:
        data.peers = summary(engine, Selection(period, clusters=(cluster,)), "unit")
    data.paragraphs = _paragraphs(data, catalogue.clusters.get(cluster, cluster))
    return data


def _rates(rows: pd.DataFrame, codes: bool = False) -> list[tuple]:
    """(name, rate) — with the code first when asked — of chart rows, short names, None for no rate."""
    out = [(short_name(n), None if pd.isna(r) else float(r)) for n, r in zip(rows["name"], rows[RATE])]
    return [(c, *x) for c, x in zip(rows["code"], out)] if codes else out


def _paragraphs(data: ReportData, cluster_name: str | None) -> list[str]:
    """The written summary of a report and, for a unit, its place in its cluster."""
    s, period = data.selection, data.period
    basis = data.previous if s.compare == "previous" else data.last_year
    paragraphs = narrative.report_paragraphs(
        data.current, basis, period, s.label, scope_kind=s.level, previous_period=s.comparison,
        unit_rates=_rates(data.chart_rows) if s.level != "unit" else (), missing=data.missing,
        rank_noun=data.unit_noun, indicators=data.indicators)
    if s.level == "unit" and data.peers is not None:
        place = narrative.position_sentence(s.units[0], short_name(s.name), _rates(data.peers, codes=True),
                                            "cụm " + (cluster_name or "").lower())
        if place:
            paragraphs.insert(-1 if len(paragraphs) > 1 else 1, place)
    return paragraphs
