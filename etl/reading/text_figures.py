"""Figures proposed from a report's sentences: each count followed by a noun the catalogue knows
("50 hội nghị", "4.819 lượt người", "514 mô hình") gets the indicator its words point to (etl.catalog.phrasebook:
data/text_phrases.csv), when etl.reading.sentences says it counts something of the report's period.

    "Tổ chức 08 hội nghị với 905 lượt người tham gia để quán triệt, tập huấn …; tổ chức 06 hội nghị sơ kết"
              └ trainings: the cue 'tập huấn' ┘                                        └ review_conferences
                          └ training_participants: follows its event

The words read after a count run through the counts that follow it (participants) up to the next count
of its own, a breakdown ("trong đó", "gồm") or the clause's end (';'). A count after a breakdown needs
words of its own, for another indicator than the one it breaks down ("891 mô hình, trong đó được công
nhận 514 mô hình"). Every step is linear in the sentence. Nothing here is loaded: etl.reading.doc_read loads
the proposals a user accepts.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, replace

from etl.catalog.phrasebook import Phrasebook, Words
from etl.periods import Period
from etl.reading import sentences as st
from etl.text import clean

BREAKDOWN = (("trong", "do"), ("trong", "so"), ("bao", "gom"), ("gom",))
_PER_UNIT = re.compile(r"\bmoi (?:xa|phuong|huyen|don vi|co so|chi bo|thon|to chuc|dia phuong|cap|khu dan cu)\b")
_COMPARED = re.compile(r"\bso voi\b")
_AT_LEAST = ("tro", "len")
_DIGIT = re.compile(r"\d")
WINDOW = 40                 # words read on each side of a count: its cues are near it
MAX_SENTENCE_CHARS = 3000   # a longer "sentence" (no full stop in a page) is read up to here
MAX_FIGURES = 1000          # proposals per document: a report states dozens
MAX_COMPETING = 20


@dataclass(frozen=True)
class TextFigure:
    """A figure proposed from a sentence; `key` (paragraph:offset) is the same for the same file."""
    key: str
    indicator: str
    value: int
    quote: str                        # the sentence, as written
    where: str                        # 'đoạn 12'
    unit: str | None = None           # unit code; None: the report names no unit of the catalogue
    period: Period | None = None
    competing: tuple[str, ...] = ()   # keys of proposals giving another value for the indicator
    table_value: int | None = None    # a table of the same file gives the indicator this value …
    table_cell: str = ""              # … in this cell
    accepted: bool = False


def propose(paragraphs: list[str], book: Phrasebook, period: Period | None) -> list[TextFigure]:
    """Every figure the report's sentences state for its period: equal repeats once, different values
    for one indicator marked as competing. Sections that plan ahead are skipped."""
    found, planning = [], False
    for n, paragraph in enumerate(paragraphs, 1):
        section = st.section_kind(paragraph)
        if section:
            planning = section == "targets"
            continue
        if planning:
            continue
        for offset, sentence in st.split_sentences(paragraph):
            if _DIGIT.search(sentence) and len(found) < MAX_FIGURES:
                found += sentence_figures(clean(sentence[:MAX_SENTENCE_CHARS]), n, offset, book, period)
    return settle(found[:MAX_FIGURES])


@dataclass
class _Spot:
    i: int                  # the count's token
    value: int
    noun: Words
    end: int                # the token after the noun
    codes: tuple[str, ...]  # indicators the noun may name


class _Sentence:
    """A tokenised sentence with what every count asks of it, found once (bisect, not rescans)."""

    def __init__(self, text: str, book: Phrasebook, period: Period | None):
        self.text, self.tokens = text, st.tokenize(text)
        self.ws, self.at = book.words(self.tokens)
        self.semis = [k for k, t in enumerate(self.tokens) if t.text == ";"]
        self.bounds = [k for k, t in enumerate(self.tokens) if t.text in ",;()"]
        keys = [t.key for t in self.tokens]
        self.breaks = [k for k in range(len(keys)) if any(tuple(keys[k:k + len(b)]) == b for b in BREAKDOWN)]
        self.target = st.first_target(self.tokens)
        self.frames = st.TimeFrames(st.time_marks(self.tokens, period))

    def clause(self, i: int) -> int:
        return bisect_left(self.semis, i)

    def clause_start(self, i: int) -> int:
        c = self.clause(i)
        return self.semis[c - 1] + 1 if c else 0

    def clause_end(self, i: int) -> int:
        c = self.clause(i)
        return self.semis[c] if c < len(self.semis) else len(self.tokens)

    def bound_before(self, i: int) -> int:
        k = bisect_left(self.bounds, i)
        return self.bounds[k - 1] + 1 if k else 0

    def bound_after(self, i: int) -> int:
        k = bisect_left(self.bounds, i)
        return self.bounds[k] if k < len(self.bounds) else len(self.tokens)

    def words(self, start: int, stop: int, last: bool = False) -> list[str]:
        """The words of tokens [start, stop), at most WINDOW of them (the last ones when `last`)."""
        a, b = bisect_left(self.at, start), bisect_left(self.at, stop)
        return self.ws[max(a, b - WINDOW):b] if last else self.ws[a:min(b, a + WINDOW)]


def sentence_figures(text: str, paragraph: int, offset: int, book: Phrasebook,
                     period: Period | None) -> list[TextFigure]:
    """The figures one sentence states for the report's period."""
    s = _Sentence(text, book, period)
    spots = _spots(s, book)
    stops = _stops(s, spots, book)
    out, last = [], {}                        # clause -> (indicator, spot index) of its last figure
    for n, spot in enumerate(spots):
        previous = last.get(s.clause(spot.i))
        before = s.words(max(s.clause_start(spot.i), spots[previous[1]].end if previous else 0), spot.i, last=True)
        after = s.words(spot.end, stops[n])
        code, how = book.choose(spot.noun, spot.codes, previous[0] if previous else None, before, after)
        if code is None or not _of_the_period(s, spots, n):
            continue
        if _breakdown(before) and (how == "default" or previous and code == previous[0]):
            continue                          # '50 hội nghị, trong đó 10 hội nghị trực tuyến'
        last[s.clause(spot.i)] = (code, n)
        out.append(TextFigure(f"{paragraph}:{offset + s.tokens[spot.i].start}", code, spot.value, text,
                              f"đoạn {paragraph}", period=period))
    return out


def _spots(s: _Sentence, book: Phrasebook) -> list[_Spot]:
    """Counts followed by a known noun (a comma may sit inside the noun: 'cấp ủy, tổ chức đảng')."""
    out, ws, at, tokens = [], s.ws, s.at, s.tokens
    for k, i in enumerate(at):
        if (k and at[k - 1] == i) or (value := st.count_at(s.text, tokens, i)) is None:
            continue
        found = book.noun_at(ws, k + 1)
        if found is None or at[k + 1] != i + 1:
            continue
        noun, codes = found
        end = at[k + len(noun)] + 1
        if any(t.key == "" and t.text != "," for t in tokens[i + 1:end]):
            continue
        after = tuple(ws[k + 1 + len(noun):k + 3 + len(noun)])
        if end < len(tokens) and tokens[end].text == "/" or after == _AT_LEAST:
            continue                          # 05 mô hình/xã, 05 mô hình trở lên
        out.append(_Spot(i, value, noun, end, codes))
    return out


def _stops(s: _Sentence, spots: list[_Spot], book: Phrasebook) -> list[int]:
    """Where the words after each count stop: the next count that does not depend on it, a breakdown
    ('trong đó'), or the clause's end; counts that follow it ('với 905 lượt người …') are read through."""
    out, next_own = [0] * len(spots), len(s.tokens)
    for n in range(len(spots) - 1, -1, -1):
        spot = spots[n]
        end = min(s.clause_end(spot.end), next_own)
        k = bisect_left(s.breaks, spot.end)
        out[n] = min(end, s.breaks[k]) if k < len(s.breaks) else end
        if not book.dependent(spot.codes):
            next_own = spot.i
    return out


def _of_the_period(s: _Sentence, spots: list[_Spot], n: int) -> bool:
    """Not a target, not said of another period, not compared with one ('so với 45 hội nghị'), not per
    unit ('mỗi xã 03 mô hình'): the last two within the count's comma-clause."""
    spot = spots[n]
    upto = min(s.bound_after(spot.end), spots[n + 1].i if n + 1 < len(spots) else len(s.tokens))
    text = " ".join(s.words(s.bound_before(spot.i), spot.i, last=True))
    return not (spot.i > s.target or not s.frames.fits(spot.i, upto) or _COMPARED.search(text)
                or _PER_UNIT.search(text))


def _breakdown(before: list[str]) -> bool:
    return any(tuple(before[k:k + len(b)]) == b for b in BREAKDOWN for k in range(len(before)))


def settle(figures: list[TextFigure]) -> list[TextFigure]:
    """Equal figures for one indicator kept once (the first sentence); different ones all kept and
    marked as competing with each other."""
    kept: dict[str, dict[int, TextFigure]] = defaultdict(dict)
    for f in figures:
        kept[f.indicator].setdefault(f.value, f)
    order = [f for f in figures if kept[f.indicator][f.value] is f]
    return [replace(f, competing=tuple(g.key for g in kept[f.indicator].values() if g is not f)[:MAX_COMPETING])
            for f in order]
