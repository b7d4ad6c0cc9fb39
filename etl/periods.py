"""Periods: quarters (the upload grain) and the review periods built from them.

Spec strings: '2024-Q2', '2024-H1' (6 tháng đầu năm), '2024-9M' (9 tháng), '2024-H2'
(6 tháng cuối năm), '2024' (cả năm). Flows over a period are sums of its quarters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from etl.text import fold

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_ROMAN_IN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
KINDS = ("Q", "H1", "9M", "H2", "Y")
KIND_LABELS = {"Q": "Quý", "H1": "6 tháng đầu năm", "9M": "9 tháng", "H2": "6 tháng cuối năm",
               "Y": "Năm"}
_KIND_QUARTERS = {"H1": (1, 2), "9M": (1, 2, 3), "H2": (3, 4), "Y": (1, 2, 3, 4)}


class PeriodError(ValueError):
    """A period spec that cannot be read."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    kind: str  # Q | H1 | 9M | H2 | Y
    quarter: int = 0  # 1..4 when kind == 'Q'

    @property
    def quarters(self) -> tuple[tuple[int, int], ...]:
        qs = (self.quarter,) if self.kind == "Q" else _KIND_QUARTERS[self.kind]
        return tuple((self.year, q) for q in qs)

    @property
    def indexes(self) -> tuple[int, ...]:
        """period_index values (year*4 + quarter - 1) of the quarters in this period."""
        return tuple(quarter_index(y, q) for y, q in self.quarters)

    @property
    def spec(self) -> str:
        if self.kind == "Q":
            return f"{self.year}-Q{self.quarter}"
        return str(self.year) if self.kind == "Y" else f"{self.year}-{self.kind}"

    @property
    def label(self) -> str:
        """'Quý II/2024', '6 tháng đầu năm 2024', '9 tháng năm 2024', 'Năm 2024'."""
        if self.kind == "Q":
            return f"Quý {ROMAN[self.quarter]}/{self.year}"
        if self.kind == "9M":
            return f"9 tháng năm {self.year}"
        return f"{KIND_LABELS[self.kind]} {self.year}"

    @property
    def short_label(self) -> str:
        """Label inside a sentence about the current year: 'quý II', '6 tháng đầu năm'."""
        return f"quý {ROMAN[self.quarter]}" if self.kind == "Q" else KIND_LABELS[self.kind].lower()

    @property
    def start(self) -> date:
        y, q = self.quarters[0]
        return date(y, 3 * q - 2, 1)

    @property
    def end(self) -> date:
        y, q = self.quarters[-1]
        return date(y, 12, 31) if q == 4 else date.fromordinal(date(y, 3 * q + 1, 1).toordinal() - 1)

    def previous(self) -> "Period":
        """The period just before: Q2 -> Q1, H1 -> H2 of last year, H2 -> H1, 9M/Y -> last year."""
        if self.kind == "Q":
            return quarter(self.year - (self.quarter == 1), 4 if self.quarter == 1 else self.quarter - 1)
        if self.kind == "H1":
            return Period(self.year - 1, "H2")
        if self.kind == "H2":
            return Period(self.year, "H1")
        return Period(self.year - 1, self.kind)

    def same_period_last_year(self) -> "Period":
        return Period(self.year - 1, self.kind, self.quarter)

    def shifted(self, steps: int) -> "Period":
        """The period `steps` periods of the same kind later (negative: earlier)."""
        p = self
        for _ in range(abs(steps)):
            p = p.previous() if steps < 0 else p.next()
        return p

    def next(self) -> "Period":
        if self.kind == "Q":
            return quarter(self.year + (self.quarter == 4), 1 if self.quarter == 4 else self.quarter + 1)
        if self.kind == "H1":
            return Period(self.year, "H2")
        if self.kind == "H2":
            return Period(self.year + 1, "H1")
        return Period(self.year + 1, self.kind)

    def __str__(self) -> str:
        return self.spec


def quarter(year: int, q: int) -> Period:
    if q not in ROMAN:
        raise PeriodError(f"quarter must be 1..4, got {q}")
    return Period(year, "Q", q)


def quarter_index(year: int, q: int) -> int:
    return year * 4 + q - 1


def from_index(index: int) -> Period:
    return quarter(index // 4, index % 4 + 1)


_SPEC = re.compile(r"^\s*(\d{4})(?:-(Q[1-4]|H1|H2|9M))?\s*$", re.I)


def parse_period(spec: str) -> Period:
    """'2024-Q2' | '2024-H1' | '2024-9M' | '2024-H2' | '2024' -> Period."""
    m = _SPEC.match(spec or "")
    if not m:
        raise PeriodError(f"'{spec}' is not a period: use 2024-Q2, 2024-H1, 2024-9M, 2024-H2 or 2024")
    year, part = int(m.group(1)), (m.group(2) or "").upper()
    if not part:
        return Period(year, "Y")
    if part.startswith("Q"):
        return quarter(year, int(part[1]))
    return Period(year, part)


def periods_between(first: Period, last: Period) -> list[Period]:
    """Every period of first's kind from first to last inclusive."""
    out, p = [], first
    while p.start <= last.start and len(out) < 1000:
        out.append(p)
        p = p.next()
    return out


# Title-line detection: "QUÝ II NĂM 2024", "Quý III/2024", "quý 2 - 2024", "6 THÁNG ĐẦU NĂM 2024",
# "9 THÁNG NĂM 2024", "6 THÁNG CUỐI NĂM 2024", "3 tháng đầu năm 2024" (= Quý I), "12 tháng năm 2024".
_Q_TEXT = re.compile(r"\bquy (iv|iii|ii|i|[1-4]) (?:nam )?(\d{4})\b")
_MONTHS_TEXT = re.compile(r"\b(\d{1,2}|ba|sau|chin|muoi hai)\s+thang\s+(?:(dau|cuoi)\s+)?(?:nam\s+)?(\d{4})\b")
_MONTH_WORDS = {"ba": 3, "sau": 6, "chin": 9, "muoi hai": 12}
_MONTH_SPANS = {(3, "dau"): "Q1", (3, ""): "Q1", (6, "dau"): "H1", (6, ""): "H1", (6, "cuoi"): "H2",
                (9, "dau"): "9M", (9, ""): "9M", (12, ""): "Y", (12, "dau"): "Y"}
_PHASE_TEXT = re.compile(r"\bgiai doan (\d{4}) (\d{4})\b")


def find_period_in_text(text: str) -> Period | None:
    """The first reporting period named in a title line, or None."""
    f = fold(text)  # punctuation such as '/' and '-' folds to a space
    m = _Q_TEXT.search(f)
    if m:
        return quarter(int(m.group(2)), _ROMAN_IN[m.group(1)])
    m = _MONTHS_TEXT.search(f)
    if m:
        months = _MONTH_WORDS.get(m.group(1)) or int(m.group(1))
        kind = _MONTH_SPANS.get((months, m.group(2) or ""))
        if kind == "Q1":
            return quarter(int(m.group(3)), 1)
        if kind:
            return Period(int(m.group(3)), kind)
    return None


def unsupported_period_in_text(text: str) -> str | None:
    """A span named in a title line that is no reporting period ('4 tháng đầu năm 2024',
    'giai đoạn 2020–2022'), as folded text; None when there is none."""
    f = fold(text)
    m = _MONTHS_TEXT.search(f)
    if m and find_period_in_text(text) is None:
        return m.group(0)
    m = _PHASE_TEXT.search(f)
    return m.group(0) if m and m.group(1) != m.group(2) else None


REORGANISATION_DATE = date(2025, 7, 1)
REORGANISATION_LABEL = "Sắp xếp đơn vị hành chính, 01/7/2025"
