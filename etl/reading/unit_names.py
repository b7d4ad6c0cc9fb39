"""Matching unit names as people write them to the catalogue units active in a period.

'H. Yên Định', 'Huyện Yên Định', 'yen dinh' and an alias all name unit 'YD'; a name of a unit that
was merged away, or not yet created, in the file's period is a Problem that says so. Matchers are
built once per catalogue and period (`unit_matcher`) and cache what they matched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from etl.catalog.abbreviations import unit_abbreviations
from etl.catalog.catalogue import UnitRow
from etl.periods import REORGANISATION_DATE, Period
from etl.text import fold as _fold

# Folding is the hot path of a 3,321-row sheet: names and labels repeat across rows and files.
fold = lru_cache(maxsize=131072)(_fold)


# Kinds written in full, and their short forms from the editable table (data/abbreviations.csv:
# TP, T.P, TX, T.X, TT, H., P., X., ĐK …).
_KINDS = ("thanh pho", "thi xa", "thi tran", "huyen", "phuong", "xa", "dac khu")
_LONG = {k: k for k in _KINDS} | {short: long for short, long in unit_abbreviations().items() if long in _KINDS}
_PREFIX_RE = re.compile(r"^(" + "|".join(re.escape(v) for v in sorted(_LONG, key=len, reverse=True))
                        + r")\s+(?=\S)")
# possessive: giving back a digit or a group could never be followed by a space then a non-digit
_LEADING_NUMBER = re.compile(r"^\d++(?:\s\d++)*+\s+(?=\D)")
CLOSEST_CHARS = 100   # a name is never longer; fuzzy-matching more costs time for no better hint


@lru_cache(maxsize=131072)
def canonical_unit_key(text: object) -> str:
    """'H. Yên Định' -> 'huyen yen dinh'; 'TP.Thanh Hoá' -> 'thanh pho thanh hoa'."""
    key = _LEADING_NUMBER.sub("", fold(text))
    m = _PREFIX_RE.match(key)
    return _LONG[m.group(1)] + key[m.end(1):] if m else key


@lru_cache(maxsize=131072)
def base_unit_key(text: object) -> str:
    """The name without its kind prefix: 'Thị xã Bỉm Sơn' -> 'bim son'."""
    key = _LEADING_NUMBER.sub("", fold(text))
    return _PREFIX_RE.sub("", key, count=1)


@dataclass(frozen=True)
class UnitMatch:
    """The unit a text names (unit set) or why not (problem code + template fields)."""
    text: str
    unit: UnitRow | None = None
    problem: str | None = None
    fields: dict = field(default_factory=dict)

    @property
    def code(self) -> str | None:
        return self.unit.code if self.unit else None


class UnitMatcher:
    """Matches unit names of one file against the catalogue units active in its period."""

    def __init__(self, units: list[UnitRow], period: Period | None = None):
        self.period = period
        active = [u for u in units if period is None or u.active_in(period.start, period.end)]
        self.active = active
        self._all = _index(units)
        codes = {u.code for u in active}
        self._active = tuple({k: [u for u in v if u.code in codes] for k, v in index.items()}
                             for index in self._all)
        self._choices = {u.code: base_unit_key(u.name) for u in active}
        self._names = {u.code: u.name for u in units}
        self._cache: dict[str, UnitMatch] = {}

    def name(self, code: str) -> str:
        return self._names.get(code, code)

    def match(self, text: object) -> UnitMatch:
        raw = str(text or "").strip()
        if len(self._cache) > 50_000:  # matchers are reused across files: keep memory bounded
            self._cache.clear()
        if raw not in self._cache:
            self._cache[raw] = self._match(raw)
        return self._cache[raw]

    def _match(self, raw: str) -> UnitMatch:
        kind = prefix_kind(raw)
        # exact names first, then base names of the written kind (a xã and a phường may share a
        # base name; "Huyện Yên Định" after 2025 is the former district, not "Xã Yên Định")
        for index, active in ((self._active, True), (self._all, False)):
            hit = _lookup(index, raw, kind)
            if hit is not None:
                return UnitMatch(raw, unit=hit) if active else self._inactive(raw, hit)
        for index, active in ((self._active, True), (self._all, False)):
            hits = index[1].get(base_unit_key(raw), [])
            if len(hits) == 1 and _other_level(kind, hits[0]):   # "TT Hà Trung" is not "Huyện Hà Trung"
                return UnitMatch(raw, problem="unit_kind_mismatch", fields=dict(
                    unit=raw, kind=_KIND_TEXT[kind], closest=hits[0].name))
            if len(hits) == 1:
                return UnitMatch(raw, unit=hits[0]) if active else self._inactive(raw, hits[0])
            if len(hits) > 1:
                return UnitMatch(raw, problem="ambiguous_unit", fields=dict(
                    unit=raw, closest=", ".join(u.name for u in hits[:3])))
        return UnitMatch(raw, problem="unknown_unit", fields=dict(unit=raw, closest=self.closest(raw)))

    def _inactive(self, raw: str, unit: UnitRow) -> UnitMatch:
        p = self.period
        fields = dict(unit=raw, period=p.label, closest=self.closest(raw))
        if unit.level == "district" and p.start >= REORGANISATION_DATE:
            return UnitMatch(raw, problem="district_after_reorganisation", fields=fields)
        if unit.valid_to and unit.valid_to < p.start:
            span = f"chỉ hoạt động đến hết ngày {unit.valid_to:%d/%m/%Y}"
        else:
            span = f"chỉ hoạt động từ ngày {unit.valid_from:%d/%m/%Y}"
        detail = f"{unit.name} {span}. Các đơn vị gần nhất trong kỳ: {fields['closest']}."
        return UnitMatch(raw, problem="unit_not_active", fields=dict(fields, detail=detail))

    def closest(self, raw: str, limit: int = 3) -> str:
        """The names of the `limit` active units closest to a text, for hints."""
        key = base_unit_key(raw[:CLOSEST_CHARS])
        found = process.extract(key, self._choices, scorer=fuzz.WRatio, limit=limit)
        return ", ".join(self._names[code] for _, _, code in found) or "(danh mục trống)"


def _index(units: list[UnitRow]) -> tuple[dict[str, list[UnitRow]], dict[str, list[UnitRow]]]:
    full: dict[str, list[UnitRow]] = {}
    base: dict[str, list[UnitRow]] = {}
    for u in units:
        for name in (u.name, *u.aliases):
            for key in {canonical_unit_key(name), fold(name)}:
                _add(full, key, u)
            _add(base, base_unit_key(name), u)
    return full, base


def _add(index: dict, key: str, unit: UnitRow) -> None:
    if key and unit not in index.setdefault(key, []):
        index[key].append(unit)


def _lookup(index, text: object, kind: str = "") -> UnitRow | None:
    """The one unit with this exact full name, or with this base name and the written kind."""
    full, base = index
    for key in (canonical_unit_key(text), fold(text)):
        if len(full.get(key, ())) == 1:
            return full[key][0]
    hits = [u for u in base.get(base_unit_key(text), []) if not kind or (fold(u.kind) or prefix_kind(u.name)) == kind]
    return hits[0] if len(hits) == 1 else None


_LEVEL_OF_KIND = {"huyen": "district", "thi xa": "district", "thanh pho": "district",
                  "xa": "commune", "phuong": "commune", "thi tran": "commune", "dac khu": "commune"}
_KIND_TEXT = {"huyen": "huyện", "thi xa": "thị xã", "thanh pho": "thành phố", "xa": "xã", "phuong": "phường",
              "thi tran": "thị trấn", "dac khu": "đặc khu"}


def _other_level(kind: str, unit: UnitRow) -> bool:
    """The kind written ('thi tran') names another level than the unit's: a thị trấn is never its
    huyện. Kinds of the same level may differ (Huyện Nghi Sơn became Thị xã Nghi Sơn)."""
    return bool(kind) and unit.level in ("district", "commune") and _LEVEL_OF_KIND.get(kind, unit.level) != unit.level


def prefix_kind(text: object) -> str:
    """The kind a name is written with, folded ('H. Yên Định' -> 'huyen'), or ''."""
    m = _PREFIX_RE.match(_LEADING_NUMBER.sub("", fold(text)))
    return _LONG[m.group(1)] if m else ""


def match_unit(text: object, units: list[UnitRow], period: Period | None = None) -> UnitMatch:
    """One-off match (build a UnitMatcher to match many names of one file)."""
    return UnitMatcher(units, period).match(text)


@lru_cache(maxsize=8)
def _cached_matcher(units: tuple[UnitRow, ...], period: Period | None) -> UnitMatcher:
    return UnitMatcher(list(units), period)


def unit_matcher(units: list[UnitRow], period: Period | None) -> UnitMatcher:
    """A UnitMatcher for this catalogue and period, reused across files (the index of 3,321 communes
    costs more to build than to look up; UnitRow is frozen, so an equal catalogue is the same key)."""
    try:
        return _cached_matcher(tuple(units), period)
    except TypeError:  # a UnitRow built with a list of aliases is unhashable: no reuse
        return UnitMatcher(units, period)
