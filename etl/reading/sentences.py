"""Report sentences taken apart: paragraphs into sentences, sentences into tokens, the counts written
in them, and the time each count is said of. Mechanics of written Vietnamese only: which indicator a
count counts is etl.reading.text_figures' business.

    "Trong 6 tháng đầu năm, đã tổ chức 50 hội nghị với 4.819 lượt người tham dự; …"
     └── a time: the report's ──┘       count ┘             count ┘        clause ends ┘

Not counts: dates (21/6, 23-6), decree numbers (25-NQ/TW), percentages (57,7%, 100%), ranks
(thứ 3), years and phases (năm 2024, giai đoạn 2020–2025), approximations and changes (gần 50,
tăng 5), per-unit and target figures (mỗi xã, phấn đấu … ít nhất 05), counts said of another period
(cùng kỳ năm trước, quý I in a 6-month report) and the sections of a report that plan ahead
("PHƯƠNG HƯỚNG, NHIỆM VỤ …").
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from etl.periods import Period, quarter
from etl.text import fold

# A count with thousands dots ('4.819', never '4.8190') or a run of word characters; else one mark.
_TOKEN = re.compile(r"\d{1,3}(?:\.\d{3})+(?!\d|\.\d)|\w+|[^\w\s]")
_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+")
# A sentence ends at . ! ? … before a capital (or an opening quote/bracket and a capital); not after
# a one- or two-letter abbreviation ('TP. Thanh Hóa', 'H. Yên Định').
_SENTENCE_END = re.compile(r"[.!?…]+[\"”»)]*\s+")
_SENTENCE_START = re.compile(r"[\"“«(]?[A-ZÀ-ỸĐ0-9]")
_ABBREVIATION = re.compile(r"(?:^|[\s(])[A-ZĐ][A-Za-zĐđ]?$")
MAX_COUNT = 10_000_000
NOT_AFTER = {  # a number right after these words is no count of the period (folded words)
    "thu", "hang", "lan", "khoa", "nam", "quy", "thang", "ngay", "tuan", "ky", "doan", "dieu", "khoan", "muc",
    "chuong", "phan", "bieu", "bang", "trang", "luc", "gan", "hon", "tren", "duoi", "khoang", "chung", "tang",
    "giam", "vuot", "them", "tu", "den"}
NOT_AFTER_PAIRS = {"it nhat", "toi thieu", "toi da", "xap xi", "binh quan", "trung binh", "gan nhu"}
TARGET_WORDS = ("phan dau", "chi tieu", "muc tieu", "du kien", "de ra", "can dat", "phai dat")  # + 'sẽ' as written
_TARGETS_SECTION = re.compile(r"^(?:(?:phan|muc)\s+)?(?:[ivx]{1,4}|\d{1,2}|[a-d])?\s*(?:phuong huong|nhiem vu|"
                              r"giai phap|kien nghi|de xuat|ke hoach|muc tieu|chi tieu)\b")
_RESULTS_SECTION = re.compile(r"^(?:(?:phan|muc)\s+)?(?:[ivx]{1,4}|\d{1,2}|[a-d])?\s*(?:ket qua|tinh hinh|danh gia)\b")
SECTION_CHARS = 150

# Times a clause is said of, on the sentence's folded words (first alternatives first: '6 tháng đầu
# năm 2024' is one time, not '… năm 2024').
_TIME = re.compile(
    r"\b(?P<same>tu dau nam(?: den nay)?|nam nay|ky nay|trong ky|ky bao cao)\b"
    r"|\b(?P<other>cung ky|nam truoc|ky truoc|nam ngoai|quy truoc|thang truoc|den nay|luy ke|thoi gian toi|"
    r"sap toi|nam sau|nam toi|giai doan|nhiem ky|thoi ky)\b"
    r"|\bquy (?P<qn>iv|iii|ii|i|[1-4])(?: nam)?(?: (?P<qy>\d{4}))?\b"
    r"|\b(?P<mn>\d{1,2}|ba|sau|chin|muoi hai) thang(?: (?P<md>dau|cuoi))?(?: nam)?(?: (?P<my>\d{4}))?\b"
    r"|\bthang (?P<month>\d{1,2})\b"
    r"|\bnam (?P<year>\d{4})\b")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_MONTHS = {"ba": 3, "sau": 6, "chin": 9, "muoi hai": 12}
_SPANS = {(3, ""): "Q1", (3, "dau"): "Q1", (6, ""): "H1", (6, "dau"): "H1", (6, "cuoi"): "H2", (9, ""): "9M",
          (9, "dau"): "9M", (12, ""): "Y", (12, "dau"): "Y"}


@dataclass(frozen=True)
class Token:
    text: str       # as written
    key: str        # folded ('so', 'hoi', '4819'); '' for a mark such as ',' or ';'
    start: int      # offset in the sentence
    end: int


def split_sentences(paragraph: str) -> list[tuple[int, str]]:
    """(offset in the paragraph, sentence) of each sentence."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(paragraph):
        if not _SENTENCE_START.match(paragraph, m.end()) or _ABBREVIATION.search(paragraph, max(0, m.start() - 3),
                                                                                  m.start()):
            continue
        out.append((start, paragraph[start:m.end()].rstrip()))
        start = m.end()
    if paragraph[start:].strip():
        out.append((start, paragraph[start:]))
    return out


def tokenize(sentence: str) -> list[Token]:
    """Words, counts ('4.819' is one token, key '4819') and marks of a sentence."""
    return [Token(m.group(), m.group().replace(".", "") if _GROUPED.fullmatch(m.group()) else fold(m.group()),
                  m.start(), m.end()) for m in _TOKEN.finditer(sentence)]


def words(tokens: list[Token]) -> list[str]:
    """The folded words of tokens, marks left out."""
    return [t.key for t in tokens if t.key]


def count_at(sentence: str, tokens: list[Token], i: int) -> int | None:
    """The count token i states, or None: not a number, or a number that counts nothing of the period
    (a date, a decree number, a percentage, a rank, a year, an approximation, a change)."""
    tok = tokens[i]
    if not (tok.text.isdecimal() and tok.text.isascii() or _GROUPED.fullmatch(tok.text)):
        return None
    before, after = sentence[tok.start - 1:tok.start], sentence[tok.end:tok.end + 2]
    if before and before in "/-–.,:" or after[:1] in ("/", "-", "–", ":", "%") or re.match(r"[.,]\d", after):
        return None                                   # 21/6, 25-NQ/TW, 2020–2025, 57,7%, 06:53
    if i + 1 < len(tokens) and (tokens[i + 1].text == "%" or tokens[i + 1].key == "phan"):
        return None                                   # 80 %, 80 phần trăm
    value = int(tok.text.replace(".", ""))
    if len(tok.text) == 4 and 1900 <= value <= 2100 or value > MAX_COUNT:
        return None                                   # a year
    prev = [t.key for t in tokens[max(0, i - 2):i]]
    if prev and prev[-1] in NOT_AFTER or " ".join(prev) in NOT_AFTER_PAIRS:
        return None                                   # thứ 3, gần 50, tăng 5, ít nhất 05
    if prev and prev[-1] == "so" and prev[0] != "tong":
        return None                                   # Nghị quyết số 25 (but: tổng số 50 hội nghị)
    return value


def first_target(tokens: list[Token]) -> int:
    """The token where a target or plan begins ('phấn đấu', 'chỉ tiêu', 'dự kiến', 'sẽ'): counts after
    it are no results; len(tokens) when the sentence has none."""
    keys = [t.key for t in tokens]
    phrases = [tuple(w.split()) for w in TARGET_WORDS]
    for k, t in enumerate(tokens):
        if t.text.lower() == "sẽ" or any(tuple(keys[k:k + len(p)]) == p for p in phrases):
            return k
    return len(tokens)


def section_kind(paragraph: str) -> str:
    """'targets' for a heading that opens a plan ('II. PHƯƠNG HƯỚNG, NHIỆM VỤ …'), 'results' for one
    that opens results ('I. KẾT QUẢ …'), '' for any other paragraph."""
    if len(paragraph) > SECTION_CHARS:
        return ""
    key = fold(paragraph)
    return "targets" if _TARGETS_SECTION.match(key) else "results" if _RESULTS_SECTION.match(key) else ""


@dataclass(frozen=True)
class TimeMark:
    first: int      # token indexes it spans
    last: int
    fits: bool      # said of the report's period (or of nothing else)
    compared: bool  # inside a comparison ('so với cùng kỳ năm trước'): frames no count


def time_marks(tokens: list[Token], period: Period | None) -> list[TimeMark]:
    """Every time a sentence names, and whether it is the report's period."""
    keys, index = [], []
    for n, t in enumerate(tokens):
        if t.key:
            index += [n] * (len(t.key) + 1)
            keys.append(t.key)
    joined = " ".join(keys)
    return [TimeMark(index[m.start()], index[m.end() - 1], _fits(m, period), _compared(tokens, index[m.start()]))
            for m in _TIME.finditer(joined)]


def _compared(tokens: list[Token], first: int) -> bool:
    """Whether 'so với' comes before token `first` within its comma-clause."""
    start = next((k + 1 for k in range(first - 1, -1, -1) if tokens[k].text in ",;()"), 0)
    return "so voi" in " ".join(words(tokens[start:first]))


def _fits(m: re.Match, period: Period | None) -> bool:
    if m.group("same") or period is None and not m.group("other") and not m.group("month"):
        return True
    if m.group("other") or m.group("month"):
        return False
    if m.group("year"):
        return int(m.group("year")) == period.year
    if m.group("qn"):
        return quarter(int(m.group("qy") or period.year), _ROMAN[m.group("qn")]) == period
    months = _MONTHS.get(m.group("mn")) or int(m.group("mn"))
    kind = _SPANS.get((months, m.group("md") or ""))
    if kind is None:
        return False                                  # '4 tháng đầu năm': no reporting period
    year = int(m.group("my") or period.year)
    return (quarter(year, 1) if kind == "Q1" else Period(year, kind)) == period


class TimeFrames:
    """Which counts of a sentence are said of the report's period: the last time named before a count,
    and any named after it before token `upto`, are the report's. A time a comparison names ('so với
    cùng kỳ năm trước') frames nothing. Each question costs a bisection."""

    def __init__(self, marks: list[TimeMark]):
        own = [m for m in marks if not m.compared]
        self._firsts, self._lasts, self._fits = [m.first for m in own], [m.last for m in own], [m.fits for m in own]
        self._misfits = [0]
        for fits in self._fits:
            self._misfits.append(self._misfits[-1] + (not fits))

    def fits(self, i: int, upto: int) -> bool:
        k = bisect_left(self._lasts, i)             # the marks ending before count i: [0, k)
        if k and not self._fits[k - 1]:
            return False
        a, b = bisect_right(self._firsts, i), bisect_left(self._firsts, upto)
        return b <= a or self._misfits[b] == self._misfits[a]
