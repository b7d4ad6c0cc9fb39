"""Matching what people write to the catalogues: column headers, unit names, periods, row labels.

Everything compares `etl.text.fold` keys, so case, diacritics, tone-mark placement (Hóa/Hoá),
spacing and punctuation never matter. Unit matchers are built once per catalogue and period
(`unit_matcher`) and cache what they matched; folded names are cached too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from rapidfuzz import fuzz, process

from etl.catalog import IndicatorRow, UnitRow
from etl.periods import REORGANISATION_DATE, Period, find_period_in_text
from etl.text import fold as _fold

# Folding is the hot path of a 3,321-row sheet: names and labels repeat across rows and files.
fold = lru_cache(maxsize=131072)(_fold)

# ---------------------------------------------------------------- headers

_PARENS = re.compile(r"\([^)]*\)")
UNIT_HEADERS = ("don vi", "ten don vi", "don vi bao cao", "huyen thi xa thanh pho", "huyen thi thanh pho",
                "huyen thi thanh", "xa phuong", "xa phuong thi tran", "xa phuong dac khu", "dia phuong",
                "ten dia phuong", "ten huyen", "ten xa", "ten xa phuong", "don vi huyen", "don vi xa",
                "co so", "huyen", "cap huyen", "xa")
STT_HEADERS = ("stt", "tt", "so tt", "so thu tu", "thu tu")
IGNORED_HEADERS = ("ghi chu", "ty le", "ma", "ma don vi", "ma so", "ma dvhc", "xep loai", "danh gia")
FORM_LABEL_HEADERS = ("noi dung", "chi tieu", "noi dung chi tieu", "ten chi tieu", "noi dung cong viec")
FORM_VALUE_HEADERS = ("so luong", "ket qua", "so lieu", "so luong ket qua", "thuc hien", "ket qua thuc hien")


def header_key(text: object) -> str:
    """Folded header text; '' for none."""
    return fold(text)


def _starts(key: str, words: tuple[str, ...]) -> bool:
    return any(key == w or key.startswith(w + " ") for w in words)


def is_unit_header(text: object) -> bool:
    """'Đơn vị', 'Tên đơn vị', 'Huyện, thị xã, thành phố', 'Xã, phường'… (never 'Đơn vị tính')."""
    key = fold(text)
    if not key or len(key) > 50 or key.startswith("don vi tinh") or ":" in str(text):
        return False  # 'Đơn vị: Huyện Yên Định' is a title line, not a column header
    return key in UNIT_HEADERS or key.startswith(("don vi ", "ten don vi ", "huyen thi ", "xa phuong "))


def is_stt_header(text: object) -> bool:
    return fold(text) in STT_HEADERS


def is_ignored_header(text: object) -> bool:
    return _starts(fold(text), IGNORED_HEADERS)


def is_form_label_header(text: object) -> bool:
    """'Nội dung', 'Chỉ tiêu' …: the label column of a form."""
    return fold(text) in FORM_LABEL_HEADERS


def is_form_value_header(text: object) -> bool:
    """'Số lượng', 'Kết quả' …: the value column of a form."""
    return _starts(fold(text), FORM_VALUE_HEADERS)


class HeaderMatcher:
    """Maps header texts to indicator codes via each indicator's label and aliases."""

    def __init__(self, indicators: list[IndicatorRow]):
        owners: dict[str, set[str]] = {}
        for ind in indicators:
            for name in (ind.label, *ind.aliases, ind.code):
                for key in {fold(name), fold(_PARENS.sub(" ", name))}:
                    if key:
                        owners.setdefault(key, set()).add(ind.code)
        # a key claimed by two indicators is ambiguous: never used
        self._codes = {k: next(iter(v)) for k, v in owners.items() if len(v) == 1}
        self.labels = {ind.code: ind.label for ind in indicators}

    def match(self, text: object, group: object = "") -> str | None:
        """Indicator code for a header (with an optional merged group header above it)."""
        return self.match_parts([str(group or ""), str(text or "")])

    def match_parts(self, parts: list[str]) -> str | None:
        """Indicator code for stacked header lines, outermost first ('Hội nghị', 'Lượt người'): tries
        all lines joined, then without the outer groups, down to the last line alone."""
        parts = [p for i, p in enumerate(parts) if fold(p) and (i == 0 or fold(p) != fold(parts[i - 1]))]
        for i in range(len(parts)):
            t = " ".join(parts[i:])
            for key in (fold(t), fold(_PARENS.sub(" ", t)), _strip_numbering(fold(t))):
                if key in self._codes:
                    return self._codes[key]
        return None


_NUMBERING = re.compile(r"^(?:[ivxlc]+|\d+(?: \d+)*|[a-z])\s+(?=\S)")
_OF_WHICH = re.compile(r"^(?:trong do|gom|bao gom|tong so)\s+(?=\S)")


def _strip_numbering(key: str) -> str:
    """'1 2 so hoi nghi' / 'ii van ban' / 'trong do so mo hinh ...' -> the text after the numbering."""
    return _OF_WHICH.sub("", _NUMBERING.sub("", key, count=1), count=1)


# ---------------------------------------------------------------- row labels

TOTAL_LABELS = {"tong cong", "cong", "tong", "tong so", "toan tinh", "tong cong toan tinh", "cong toan tinh",
                "tong toan tinh", "toan huyen", "tong cong toan huyen", "cong chung", "tong hop"}
_CLUSTER = re.compile(r"^(?:cong |tong |tong cong )?(?:cum|khoi|nhom)\b|^(?:mien nui|ven bien|dong bang|"
                      r"trung du)$")
_FOOTER = re.compile(r"^(noi nhan|nguoi lap|nguoi tong hop|truong ban|pho truong ban|ghi chu|luu y|"
                     r"t m|tm|k t|kt|xac nhan|thu truong|nguoi ky|chu tich|bi thu|ban dan van)\b")
_DATE_LINE = re.compile(r"\bngay\s+\d{1,2}\s+thang\s+\d{1,2}\s+nam\s+\d{4}")


def is_total_label(text: object) -> bool:
    return _strip_numbering(fold(text)) in TOTAL_LABELS or fold(text) in TOTAL_LABELS


def is_cluster_label(text: object) -> bool:
    return bool(_CLUSTER.search(_strip_numbering(fold(text))))


def is_footer_label(text: object) -> bool:
    """Notes and signature lines below a table ('Nơi nhận:', 'Người lập biểu', a date line)."""
    key = fold(text)
    return bool(_FOOTER.match(key) or _DATE_LINE.search(key))


# ---------------------------------------------------------------- units

_PREFIXES = [("thanh pho", ("thanh pho", "tp")), ("thi xa", ("thi xa", "tx")), ("thi tran", ("thi tran", "tt")),
             ("huyen", ("huyen", "h")), ("phuong", ("phuong", "p")), ("xa", ("xa", "x")),
             ("dac khu", ("dac khu", "dk"))]
_PREFIX_RE = re.compile(r"^(" + "|".join(sorted({v for _, vs in _PREFIXES for v in vs}, key=len, reverse=True))
                        + r")\s+(?=\S)")
_LONG = {v: k for k, vs in _PREFIXES for v in vs}
_LEADING_NUMBER = re.compile(r"^\d+(?:\s\d+)*\s+(?=\D)")


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
        found = process.extract(base_unit_key(raw), self._choices, scorer=fuzz.WRatio, limit=limit)
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


# ---------------------------------------------------------------- form titles and periods

_PROVINCE_LINE = re.compile(r"\b(tinh uy|cong hoa|doc lap|dang cong san)\b")
_ISSUER = [(re.compile(r"^(?:ban tuyen giao va dan van |ban dan van |uy ban nhan dan |ubnd )"), ""),
           (re.compile(r"^huyen uy "), "huyen "), (re.compile(r"^thi uy "), "thi xa "),
           (re.compile(r"^thanh uy "), "thanh pho "), (re.compile(r"^dang uy "), "")]
_UNIT_LABEL = re.compile(r"^(?:don vi|ten don vi|don vi bao cao|dia phuong)\s+(.+)$")


def unit_candidates_in_title(line: str) -> list[str]:
    """Texts in a title line that may name the reporting unit ('BAN DÂN VẬN HUYỆN ỦY YÊN ĐỊNH' ->
    'huyen yen dinh'; 'Đơn vị: Huyện Yên Định' -> 'huyen yen dinh')."""
    key = fold(line)
    if not key or _PROVINCE_LINE.search(key) or _DATE_LINE.search(key) or key.startswith("don vi tinh"):
        return []
    m = _UNIT_LABEL.match(key)
    if m:
        return [m.group(1)]
    for pattern, repl in _ISSUER:
        key = pattern.sub(repl, key)
    return [key]


_YEAR_ONLY = re.compile(r"\bnam (\d{4})\b")


def period_in_lines(lines: list[str]) -> Period | None:
    """The first period named in title lines; a bare 'NĂM 2024' (no quarter) reads as the year."""
    for line in lines:
        found = find_period_in_text(line)
        if found:
            return found
    for line in lines:
        key = fold(line)
        m = _YEAR_ONLY.search(key)
        if m and not _DATE_LINE.search(key) and "ngay" not in key.split():
            return Period(int(m.group(1)), "Y")
    return None


def period_problem(found: Period | None, given: Period | None, today: date) -> tuple[Period | None, str, dict]:
    """(period to use, problem code or '', template fields) from a title's period and a given one."""
    if given is not None and found is not None and found != given:
        if not (found.kind == "Y" and found.year == given.year):
            return given, "period_conflict", dict(found=found.label, given=given.label)
    period = given or found
    if period is None:
        return None, "period_missing", {}
    if period.kind != "Q":
        return None, "period_not_quarter", dict(found=period.label)
    # units report during a quarter's last month (giao ban before it ends); later months are refused
    last_month = date(period.end.year, period.end.month, 1)
    if today < last_month:
        return period, "period_in_future", dict(found=period.label)
    return period, "", {}
