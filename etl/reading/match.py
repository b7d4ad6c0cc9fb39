"""Matching what people write to the catalogues: column headers, unit names, periods, row labels.

Everything compares `etl.text.fold` keys, so case, diacritics, tone-mark placement (Hóa/Hoá),
spacing and punctuation never matter. Unit matchers are built once per catalogue and period
(`unit_matcher`) and cache what they matched; folded names are cached too.
"""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from etl.catalog.catalogue import IndicatorRow
from etl.periods import Period, find_period_in_text, unsupported_period_in_text
from etl.reading.headers import MeaningMatcher, Resolution
from etl.reading.unit_names import fold, unit_matcher

# ---------------------------------------------------------------- headers

_PARENS = re.compile(r"\([^)]*\)")   # only through _drop_parens: alone it is quadratic on '((((…'


def _drop_parens(text: str) -> str:
    """'Số hội nghị (cuộc)' -> 'Số hội nghị  ', in linear time: the pattern runs only up to the last
    ')', so every '(' it starts at has a ')' to stop at (same result as _PARENS.sub on the whole)."""
    end = text.rfind(")") + 1
    return _PARENS.sub(" ", text[:end]) + text[end:] if end else text
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
    """Maps header texts to indicator codes: exactly via each indicator's label and aliases (`match`),
    or by meaning with mappings given for this load and aliases learned before (`resolve`)."""

    def __init__(self, indicators: list[IndicatorRow], learned: dict[str, str] | None = None,
                 mappings: dict[str, str | None] | None = None):
        owners: dict[str, set[str]] = {}
        for ind in indicators:
            for name in (ind.label, *ind.aliases, ind.code):
                for key in {fold(name), fold(_drop_parens(name))}:
                    if key:
                        owners.setdefault(key, set()).add(ind.code)
        # a key claimed by two indicators is ambiguous: never used
        self._codes = {k: next(iter(v)) for k, v in owners.items() if len(v) == 1}
        self.labels = {ind.code: ind.label for ind in indicators}
        self._learned = {fold(k): v for k, v in (learned or {}).items() if v in self.labels}
        self._given = {fold(k): (v or None) for k, v in (mappings or {}).items() if not v or v in self.labels}
        try:
            self._meaning = _meaning_matcher(tuple(indicators))
        except TypeError:  # an IndicatorRow built with a list of aliases is unhashable: no reuse
            self._meaning = MeaningMatcher(list(indicators))

    def match(self, text: object, group: object = "") -> str | None:
        """Indicator code for a header (with an optional merged group header above it)."""
        return self.match_parts([str(group or ""), str(text or "")])

    def match_parts(self, parts: list[str]) -> str | None:
        """Indicator code for stacked header lines, outermost first ('Hội nghị', 'Lượt người'): tries
        all lines joined, then without the outer groups, down to the last line alone."""
        parts = [p for i, p in enumerate(parts) if fold(p) and (i == 0 or fold(p) != fold(parts[i - 1]))]
        for i in range(len(parts)):
            t = " ".join(parts[i:])
            for key in (fold(t), fold(_drop_parens(t)), _strip_numbering(fold(t))):
                if key in self._codes:
                    return self._codes[key]
        return None

    def resolve(self, parts: list[str], previous: str | None = None, key: str | None = None) -> Resolution:
        """What stacked header lines mean, in order: a mapping given for this load, an exact alias, an
        alias learned before, then meaning (`previous`: the indicator of the column to the left).
        `key`: the text mappings are looked up by (default: all lines)."""
        key = fold(key if key is not None else " ".join(parts))
        if key in self._given:
            code = self._given[key]
            return Resolution(code, "given" if code else "left_out", 100.0)
        code = self.match_parts(parts)
        if code:
            return Resolution(code, "exact", 100.0)
        if key in self._learned:
            return Resolution(self._learned[key], "learned", 100.0)
        return self._meaning.resolve([p for p in parts if fold(p)], previous)


@lru_cache(maxsize=8)
def _meaning_matcher(indicators: tuple[IndicatorRow, ...]) -> MeaningMatcher:
    return MeaningMatcher(list(indicators))


# Anchored, and possessive (++) wherever giving back characters could never lead to a match, so a
# long run of numbers or letters is read once (texts are also cut to etl.reading.read.MAX_CELL_CHARS).
_NUMBERING = re.compile(r"^(?:[ivxlc]++|\d++(?: \d++)*|[a-z])\s+(?=\S)")
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
    """The first period named in title lines; a bare 'NĂM 2024' (no quarter) reads as the year,
    unless a line names a span that is no reporting period ('4 tháng đầu năm 2024')."""
    for line in lines:
        found = find_period_in_text(line)
        if found:
            return found
    if unsupported_in_lines(lines):
        return None
    for line in lines:
        key = fold(line)
        m = _YEAR_ONLY.search(key)
        if m and not _DATE_LINE.search(key) and "ngay" not in key.split():
            return Period(int(m.group(1)), "Y")
    return None


def unsupported_in_lines(lines: list[str]) -> str:
    """The first title line naming a span that is no reporting period ('BÁO CÁO 4 THÁNG ĐẦU NĂM
    2024'), as written (at most 120 characters), or ''."""
    return next((str(line)[:120] for line in lines if unsupported_period_in_text(line)), "")


def period_problem(found: Period | None, given: Period | None, today: date,
                   unsupported: str = "") -> tuple[Period | None, str, dict]:
    """(period to use, problem code or '', template fields) from a title's period and a given one;
    `unsupported`: a span the title names that is no reporting period."""
    if given is not None and found is not None and found != given:
        if not (found.kind == "Y" and found.year == given.year):
            return given, "period_conflict", dict(found=found.label, given=given.label)
    period = given or found
    if period is None and unsupported:
        return None, "period_unsupported", dict(found=unsupported)
    if period is None:
        return None, "period_missing", {}
    # units report during a period's last month (giao ban before it ends); later months are refused
    last_month = date(period.end.year, period.end.month, 1)
    if today < last_month:
        return period, "period_in_future", dict(found=period.label)
    return period, "", {}
