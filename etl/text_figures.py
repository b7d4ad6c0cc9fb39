"""Figures proposed from a report's sentences: each count followed by a noun the catalogue knows
("50 hội nghị", "4.819 lượt người", "514 mô hình") gets the indicator its words point to, by the
phrasings in data/text_phrases.csv (a catalogue: edit it, no code):

    code,nouns,cues,follows
    conferences,hội nghị*,,                          '*': taken without a cue ("tổ chức 50 hội nghị")
    trainings,hội nghị|lớp*,tập huấn|bồi dưỡng,       a cue near the count decides ("08 hội nghị … tập huấn")
    conference_participants,lượt người,,conferences   follows its event ("50 hội nghị với 4.819 lượt người")

For one count, in order: the indicator that follows the figure before it in the clause; else the
candidate whose cue is nearest (after the noun, or before the count); else the noun's default. A
count after "trong đó" / "gồm" (a breakdown) needs a cue, for another indicator than the one it breaks
down. What is no count of the period is etl.sentences' business. Nothing here is loaded: etl.doc_read
loads the proposals a user accepts.
"""
from __future__ import annotations

import csv
import re
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from etl import sentences as st
from etl.abbreviations import header_abbreviations
from etl.catalog import IndicatorRow
from etl.config import get_settings
from etl.periods import Period
from etl.text import clean, fold

Words = tuple[str, ...]
BREAKDOWN = (("trong", "do"), ("trong", "so"), ("bao", "gom"), ("gom",))
_PER_UNIT = re.compile(r"\bmoi (?:xa|phuong|huyen|don vi|co so|chi bo|thon|to chuc|dia phuong|cap|khu dan cu)\b")
_COMPARED = re.compile(r"\bso voi\b")
_AT_LEAST = ("tro", "len")


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


@dataclass(frozen=True)
class Phrasing:
    code: str
    nouns: tuple[Words, ...]          # folded words that may follow the count
    defaults: frozenset[Words]        # nouns that name this indicator without a cue
    cues: tuple[Words, ...]           # words near the count that point to this indicator
    follows: frozenset[str]           # indicators whose figure this one follows ("với … lượt người")


class Phrasebook:
    """The phrasings of the catalogue's indicators: candidates for a noun, and the choice among them."""

    def __init__(self, indicators: list[IndicatorRow], path: str | None = None):
        self.by_code = {p.code: p for p in phrasings(indicators, path)}
        nouns: dict[Words, list[str]] = defaultdict(list)
        for p in self.by_code.values():
            for noun in p.nouns:
                nouns[noun].append(p.code)
        self._nouns = sorted(nouns.items(), key=lambda kv: -len(kv[0]))   # longest first
        self._abbreviations = header_abbreviations()

    def words(self, tokens: list[st.Token]) -> tuple[list[str], list[int]]:
        """(folded words, token index of each): header abbreviations written in capitals expanded
        ('KT, GS' -> kiểm tra, giám sát; 'MH' -> mô hình)."""
        out, at = [], []
        for n, t in enumerate(tokens):
            key = self._abbreviations.get(t.key, t.key) if t.text.isupper() and len(t.text) <= 4 else t.key
            for w in key.split():
                out.append(w)
                at.append(n)
        return out, at

    def noun_at(self, ws: list[str], k: int) -> tuple[Words, tuple[str, ...]] | None:
        """The longest known noun starting at word k, with the indicators it may name."""
        for noun, codes in self._nouns:
            if tuple(ws[k:k + len(noun)]) == noun:
                return noun, tuple(codes)
        return None

    def choose(self, noun: Words, codes: tuple[str, ...], previous: str | None, before: list[str],
               after: list[str]) -> tuple[str | None, str]:
        """(indicator, how: follows|cue|default) for a count, or (None, '') when nothing decides."""
        followers = [c for c in codes if previous in self.by_code[c].follows]
        if previous and len(followers) == 1:
            return followers[0], "follows"
        scored = sorted((d, c) for c in codes if (d := _nearest(self.by_code[c].cues, before, after)))
        if scored:
            tied = len(scored) > 1 and scored[0][0] == scored[1][0]
            return (None, "") if tied else (scored[0][1], "cue")
        defaults = [c for c in codes if noun in self.by_code[c].defaults]
        return (defaults[0], "default") if len(defaults) == 1 else (None, "")

    def dependent(self, codes: tuple[str, ...]) -> bool:
        """Every indicator the noun may name follows another ('lượt người' follows its event)."""
        return all(self.by_code[c].follows for c in codes)


def _nearest(cues: tuple[Words, ...], before: list[str], after: list[str]) -> tuple[int, int] | None:
    """(distance in words, 0 after the noun / 1 before the count) of the nearest cue, or None."""
    best = None
    for cue in cues:
        n = len(cue)
        for k in range(len(after) - n + 1):
            if tuple(after[k:k + n]) == cue:
                best = min(best or (k, 0), (k, 0))
                break
        for k in range(len(before) - n, -1, -1):
            if tuple(before[k:k + n]) == cue:
                best = min(best or (len(before) - k - n, 1), (len(before) - k - n, 1))
                break
    return best


def phrasings(indicators: list[IndicatorRow], path: str | None = None) -> list[Phrasing]:
    """The catalogue's phrasings, in catalogue order; an indicator the table leaves out is named by
    its unit word (indicators.csv unit_label), without a cue when no other indicator uses that word."""
    rows = _read(path or get_settings().text_phrases_csv)
    known = {i.code for i in indicators}
    listed = {code: p for code, p in rows.items() if code in known}
    used = {n for p in listed.values() for n in p.nouns}
    out = []
    for ind in indicators:
        if ind.code in listed:
            out.append(listed[ind.code])
        elif fold(ind.unit_label):
            noun = tuple(fold(ind.unit_label).split())
            out.append(Phrasing(ind.code, (noun,), frozenset() if noun in used else frozenset({noun}), (),
                                frozenset()))
            used.add(noun)
    return out


@lru_cache(maxsize=8)
def _read(path: str) -> dict[str, Phrasing]:
    if not Path(path).exists():
        return {}
    out = {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            nouns = [n.strip() for n in (row.get("nouns") or "").split("|") if n.strip()]
            split = lambda text: tuple(fold(text).split())  # noqa: E731
            out[(row.get("code") or "").strip()] = Phrasing(
                (row.get("code") or "").strip(), tuple(split(n.rstrip("*")) for n in nouns),
                frozenset(split(n.rstrip("*")) for n in nouns if n.endswith("*")),
                tuple(split(c) for c in (row.get("cues") or "").split("|") if fold(c)),
                frozenset(c.strip() for c in (row.get("follows") or "").split("|") if c.strip()))
    return out


# ---------------------------------------------------------------- reading a report

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
            found += sentence_figures(clean(sentence), n, offset, book, period)
    return settle(found)


@dataclass
class _Spot:
    i: int                  # the count's token
    value: int
    noun: Words
    end: int                # the token after the noun
    codes: tuple[str, ...]  # indicators the noun may name


def sentence_figures(sentence: str, paragraph: int, offset: int, book: Phrasebook,
                     period: Period | None) -> list[TextFigure]:
    """The figures one sentence states for the report's period."""
    tokens = st.tokenize(sentence)
    ws, at = book.words(tokens)
    spots = _spots(sentence, tokens, ws, at, book)
    marks = st.time_marks(tokens, period)
    clause = [sum(1 for t in tokens[:s.i] if t.text == ";") for s in spots]
    out, last = [], {}                        # clause -> (indicator, spot index) of its last figure
    for n, spot in enumerate(spots):
        previous = last.get(clause[n])
        start = max(_clause_start(tokens, spot.i), spots[previous[1]].end if previous else 0)
        stop = _after_end(tokens, spots, n, clause, book)
        before = ws[bisect_left(at, start):bisect_left(at, spot.i)]
        after = ws[bisect_left(at, spot.end):bisect_left(at, stop)]
        code, how = book.choose(spot.noun, spot.codes, previous[0] if previous else None, before, after)
        if code is None or not _of_the_period(tokens, spots, n, marks):
            continue
        if _breakdown(before) and (how == "default" or previous and code == previous[0]):
            continue                          # '50 hội nghị, trong đó 10 hội nghị trực tuyến'

        last[clause[n]] = (code, n)
        out.append(TextFigure(f"{paragraph}:{offset + tokens[spot.i].start}", code, spot.value, sentence,
                              f"đoạn {paragraph}", period=period))
    return out


def _spots(sentence: str, tokens, ws: list[str], at: list[int], book: Phrasebook) -> list[_Spot]:
    """Counts followed by a known noun (a comma may sit inside the noun: 'cấp ủy, tổ chức đảng')."""
    out = []
    for k, i in enumerate(at):
        if (k and at[k - 1] == i) or (value := st.count_at(sentence, tokens, i)) is None:
            continue
        found = book.noun_at(ws, k + 1)
        if found is None or at[k + 1] != i + 1:
            continue
        noun, codes = found
        end = at[k + len(noun)] + 1
        if any(t.key == "" and t.text != "," for t in tokens[i + 1:end]):
            continue
        follower = tokens[end] if end < len(tokens) else None
        if follower is not None and (follower.text == "/" or tuple(ws[k + 1 + len(noun):k + 3 + len(noun)]) == _AT_LEAST):
            continue                          # 05 mô hình/xã, 05 mô hình trở lên
        out.append(_Spot(i, value, noun, end, codes))
    return out


def _clause_start(tokens, i: int) -> int:
    return next((k + 1 for k in range(i - 1, -1, -1) if tokens[k].text == ";"), 0)


def _after_end(tokens, spots: list[_Spot], n: int, clause: list[int], book: Phrasebook) -> int:
    """Where the words after count n stop: the next count that does not depend on it, a breakdown
    ('trong đó'), or the clause's end; counts that follow it ('với 905 lượt người …') are read through."""
    end = next((k for k in range(spots[n].end, len(tokens)) if tokens[k].text == ";"), len(tokens))
    for m in range(n + 1, len(spots)):
        if clause[m] != clause[n] or not book.dependent(spots[m].codes):
            end = min(end, spots[m].i)
            break
    keys = [t.key for t in tokens]
    for k in range(spots[n].end, end):
        if any(tuple(keys[k:k + len(b)]) == b for b in BREAKDOWN):
            return k
    return end


def _of_the_period(tokens, spots: list[_Spot], n: int, marks) -> bool:
    """Not a target, not said of another period, not compared with one ('so với 45 hội nghị'), not per
    unit ('mỗi xã 03 mô hình'): the last two within the count's comma-clause."""
    spot = spots[n]
    upto = next((k for k in range(spot.end, len(tokens)) if tokens[k].text in (",", ";", "(")), len(tokens))
    if n + 1 < len(spots):
        upto = min(upto, spots[n + 1].i)
    start = next((k + 1 for k in range(spot.i - 1, -1, -1) if tokens[k].text in (",", ";", "(", ")")), 0)
    text = " ".join(st.words(tokens[start:spot.i]))
    return not (st.targets_before(tokens, spot.i) or not st.time_fits(marks, spot.i, upto)
                or _COMPARED.search(text) or _PER_UNIT.search(text))


def _breakdown(before: list[str]) -> bool:
    return any(tuple(before[k:k + len(b)]) == b for b in BREAKDOWN for k in range(len(before)))


def settle(figures: list[TextFigure]) -> list[TextFigure]:
    """Equal figures for one indicator kept once (the first sentence); different ones all kept and
    marked as competing with each other."""
    kept: dict[str, list[TextFigure]] = defaultdict(list)
    order = []
    for f in figures:
        if all(g.value != f.value for g in kept[f.indicator]):
            kept[f.indicator].append(f)
            order.append(f)
    return [replace(f, competing=tuple(g.key for g in kept[f.indicator] if g.key != f.key)) for f in order]
