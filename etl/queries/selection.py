"""The selection: what is being looked at — a period, the period it is compared with, and the
clusters or units chosen — and what it is called in Vietnamese. The sidebar builds it for the
pages, the CLI and the exports from their options; every read takes it.

    s = Selection.named(catalogue, quarter(2024, 2), clusters=("dong-bang", "ven-bien"))
    s.level    'cluster'                                   (province | cluster | unit)
    s.header   'Quý II/2024 · Cụm Đồng bằng, Ven biển'     (the page's header line: every name chosen)
    s.name     'Cụm Đồng bằng, Ven biển'                   (titles, chart references, report covers)
    s.label    'cụm Đồng bằng, Ven biển'                   (inside a sentence)
    s.caption  'Quý II/2024 · Cụm Đồng bằng, Ven biển'     (chart captions)

Names come from the catalogue (etl.catalog.catalogue.load_catalogue, read once per catalogue version).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from etl.catalog.catalogue import Catalogue
from etl.periods import Period

PROVINCE_NAME = "Toàn tỉnh"  # the whole province, unfiltered
TOTAL_NAME = "Cộng"          # the total row of a filtered selection
COMPARE = {"previous": "Kỳ trước", "last_year": "Cùng kỳ năm trước"}
UNITS_NAMED = 6              # units named in the header line; more are counted
UNITS_LISTED = 3             # units named in a sentence; more are counted


class ScopeError(ValueError):
    """A scope text that names no province, cluster or unit (message in Vietnamese)."""


@dataclass(frozen=True)
class Selection:
    """A period compared with the one before (or the same one last year), over the clusters and
    units chosen (none: the whole province); their catalogue names, in the same order."""
    period: Period
    compare: str = "previous"          # previous | last_year
    clusters: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    cluster_names: tuple[str, ...] = ()
    unit_names: tuple[str, ...] = ()

    def __post_init__(self):
        if self.compare not in COMPARE:
            raise ValueError(f"compare must be one of {tuple(COMPARE)}, got {self.compare!r}")

    @classmethod
    def named(cls, catalogue: Catalogue, period: Period, *, compare: str = "previous", clusters=(),
              units=()) -> "Selection":
        """A selection with its clusters' and units' names from the catalogue (codes when unknown)."""
        return cls(period, compare, tuple(clusters), tuple(units),
                   tuple(catalogue.clusters.get(c, c) for c in clusters),
                   tuple(catalogue.unit_names.get(c, c) for c in units))

    @property
    def level(self) -> str:
        """'unit' when units are chosen, else 'cluster' when clusters are, else 'province'."""
        return "unit" if self.units else "cluster" if self.clusters else "province"

    @property
    def comparison(self) -> Period:
        return self.period.previous() if self.compare == "previous" else self.period.same_period_last_year()

    def at(self, period: Period) -> "Selection":
        """The same scope over another period."""
        return replace(self, period=period)

    def within(self, cluster: str, name: str = "") -> "Selection":
        """The selection narrowed to one cluster (its units, if any, kept)."""
        return replace(self, clusters=(cluster,), cluster_names=(name or cluster,))

    def reports(self) -> list["Selection"]:
        """The reports the selection allows (a report covers one unit, one cluster or the
        province): one per unit chosen, else one per cluster chosen, else the province's."""
        if self.units:
            return [replace(self, clusters=(), cluster_names=(), units=(c,), unit_names=(n,))
                    for c, n in zip(self.units, self._names(self.unit_names, self.units))]
        if self.clusters:
            return [replace(self, clusters=(c,), cluster_names=(n,))
                    for c, n in zip(self.clusters, self._names(self.cluster_names, self.clusters))]
        return [self]

    def compared(self) -> "Selection":
        """The same scope over the comparison period."""
        return self.at(self.comparison)

    def _names(self, names: tuple[str, ...], codes: tuple[str, ...]) -> list[str]:
        return list(names) if len(names) == len(codes) else list(codes)

    @property
    def name(self) -> str:
        """'Toàn tỉnh', 'Cụm Đồng bằng', 'Huyện Yên Định', 'Huyện A, Huyện B' or '4 đơn vị'."""
        if self.units:
            shown = self._names(self.unit_names, self.units)
            return ", ".join(shown) if len(shown) <= UNITS_LISTED else f"{len(shown)} đơn vị"
        if self.clusters:
            return "Cụm " + ", ".join(self._names(self.cluster_names, self.clusters))
        return PROVINCE_NAME

    @property
    def label(self) -> str:
        """The name inside a sentence: 'toàn tỉnh', 'cụm Đồng bằng', 'Huyện Yên Định'."""
        return self.name if self.units else self.name[:1].lower() + self.name[1:]

    @property
    def caption(self) -> str:
        """'Quý II/2024 · Cụm Đồng bằng', for chart captions and messages."""
        return f"{self.period.label} · {self.name}"

    @property
    def header(self) -> str:
        """'Quý II/2024 · Cụm Đồng bằng, Ven biển · Huyện Yên Định, Huyện Thọ Xuân': the period and
        every cluster and unit chosen (the first UNITS_NAMED units by name), so that a shared link
        explains itself."""
        parts = [self.period.label]
        if self.clusters:
            parts.append("Cụm " + ", ".join(self._names(self.cluster_names, self.clusters)))
        if self.units:
            names = self._names(self.unit_names, self.units)
            more = len(names) - UNITS_NAMED
            parts.append(", ".join(names[:UNITS_NAMED]) + (f" và {more} đơn vị khác" if more > 0 else ""))
        return " · ".join(parts + ([] if len(parts) > 1 else [PROVINCE_NAME]))

    @property
    def compare_text(self) -> str:
        """'so sánh với kỳ trước (Quý I/2024)'."""
        return f"so sánh với {COMPARE[self.compare].lower()} ({self.comparison.label})"

    @property
    def total_name(self) -> str:
        """The name of the selection's total row: 'Toàn tỉnh' unfiltered, else 'Cộng'."""
        return TOTAL_NAME if self.clusters or self.units else PROVINCE_NAME

    @property
    def scope(self) -> str:
        """The scope as the CLI writes it: 'province', 'cluster:CODE' or 'unit:CODE'."""
        return {"unit": "unit:" + ",".join(self.units), "cluster": "cluster:" + ",".join(self.clusters)
                }.get(self.level, "province")


def parse_scope(catalogue: Catalogue, text: str, period: Period, compare: str = "last_year") -> Selection:
    """'province' | 'cluster:CODE' | 'unit:CODE' -> the Selection of one report; ScopeError if unknown."""
    kind, _, code = (text or "province").strip().partition(":")
    kind, code = kind.strip().lower(), code.strip()
    if kind in ("province", "tinh", "toan-tinh") and not code:
        return Selection(period, compare)
    if kind == "cluster":
        if code in catalogue.clusters:
            return Selection.named(catalogue, period, compare=compare, clusters=(code,))
        raise ScopeError(f"Không có cụm mã '{code}'. Các cụm: {', '.join(catalogue.clusters) or '(chưa có)'}.")
    if kind == "unit":
        if code in catalogue.unit_names:
            return Selection.named(catalogue, period, compare=compare, units=(code,))
        raise ScopeError(f"Không có đơn vị mã '{code}' trong danh mục đơn vị.")
    raise ScopeError(f"Phạm vi '{text}' không hợp lệ: dùng province, cluster:MÃ hoặc unit:MÃ.")
