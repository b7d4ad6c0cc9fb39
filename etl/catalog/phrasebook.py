"""How report sentences name the catalogue's indicators: data/text_phrases.csv (a catalogue, editable
without code) read into a Phrasebook that etl.reading.text_figures asks which indicator a count counts.

    code,nouns,cues,follows
    conferences,hội nghị*,,                          '*': taken without a cue ("tổ chức 50 hội nghị")
    trainings,hội nghị|lớp*,tập huấn|bồi dưỡng,     a cue near the count decides ("08 hội nghị … tập huấn")
    conference_participants,lượt người,,conferences   follows its event ("50 hội nghị với 4.819 lượt người")

For one count, in order: the indicator that follows the figure before it in the clause; else the
candidate whose cue is nearest (after the noun, or before the count); else the noun's default. An
indicator the table leaves out is named by its unit word (indicators.csv unit_label).
"""
from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from etl.catalog.abbreviations import header_abbreviations
from etl.catalog.catalogue import IndicatorRow
from etl.config import get_settings
from etl.reading import sentences as st
from etl.text import fold

Words = tuple[str, ...]


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
