"""Column headers (and form row labels) by meaning: what a person maps without hesitation.

    'Số VB đã ban hành'          -> normalise: fold, expand VB, drop 'số'/'đã'  -> 'van ban ban hanh'
    'HN' over 'SL người dự'      -> 'hoi nghi nguoi du'
    then score against every indicator's label, aliases and group (rapidfuzz, on tokens).

A header maps automatically only with high confidence and a clear winner. It is *uncertain* (ranked
candidates, the user chooses) when it says less than what tells two indicators apart ('Lượt người'
alone: of a conference or of a training?) unless its neighbour decides (participants follow their
event column), or when the best score is middling. The order of precedence: a mapping given for this
load, the catalogue's exact aliases (etl.reading.match), aliases learned from earlier loads, then meaning.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from etl.catalog.abbreviations import header_abbreviations
from etl.catalog.catalogue import IndicatorRow
from etl.text import fold

# Map without asking: a near-perfect score a little ahead of the next indicator, or a good one far ahead.
AUTO = ((90, 8), (80, 20))   # (at least this score, this far ahead of the next indicator)
ASK_SCORE = 72         # below this a column matches nothing (unknown); between, it is uncertain
MAX_CANDIDATES = 12
MAX_HEADER_WORDS = 30   # words of a header scored (a header is a few words; a cell of prose is not one)

_PARENS = re.compile(r"\([^)]*\)")
_NUMBERING = re.compile(r"^(?:[ivxlc]+|\d+(?: \d+)*|[a-z])\s+(?=\S)")
_LEAD = re.compile(r"^(?:trong do|bao gom|gom|tong cong|tong so|tong(?! ket\b)|so luong|so(?! ket\b))\s+(?=\S)")
_SO = re.compile(r"\bso luong\b|\bso (?!ket\b)")   # 'số lượng', 'số' (number of) anywhere, never 'sơ kết'
_HELD = re.compile(r"\b(?:da|duoc) (?:to chuc|thuc hien)\b")   # 'đã tổ chức' (held), not 'tổ chức đảng'
_FILLER = {"da", "cac", "duoc", "nhung", "cua", "va", "voi", "cho", "trong", "ki", "bao", "cao"}
# 'ki' (kỳ) and 'bao cao' are period words; 'đăng ký' keeps its 'ki' because 'dang ki' is joined first.
_JOINED = {"dang ki": "dangki"}
_I_Y = {"ky": "ki", "ly": "li", "my": "mi", "ty": "ti", "sy": "si", "hy": "hi"}   # 'đăng kí' = 'đăng ký'


@dataclass(frozen=True)
class Resolution:
    """What a header means: an indicator (how, score), or none with ranked candidates."""
    code: str | None
    how: str                                    # exact | meaning | learned | given | uncertain | unknown | left_out
    score: float = 0.0
    candidates: tuple[tuple[str, float], ...] = ()   # (indicator code, score), best first


@lru_cache(maxsize=65536)
def normalise(text: str, abbreviations: tuple[tuple[str, str], ...] = ()) -> str:
    """Folded header with abbreviations expanded and filler dropped ('Số VB đã ban hành' -> 'van ban ban hanh')."""
    key = fold(_PARENS.sub(" ", text)) or fold(text)
    key = _NUMBERING.sub("", key, count=1)
    expand = dict(abbreviations)
    key = " ".join(_I_Y.get(t, t) for t in " ".join(expand.get(t, t) for t in key.split()).split())
    for _ in range(2):
        key = _LEAD.sub("", key, count=1)
    key = _HELD.sub("", _SO.sub("", key + " ")).strip()
    for joined, token in _JOINED.items():
        key = key.replace(joined, token)
    words = [w for w in key.split() if w not in _FILLER]
    return " ".join(words).replace("dangki", "dang ki")


class MeaningMatcher:
    """Scores header texts against the indicator catalogue (built once per catalogue)."""

    def __init__(self, indicators: list[IndicatorRow], abbreviations: dict[str, str] | None = None):
        self._abbr = tuple(sorted((abbreviations if abbreviations is not None else header_abbreviations()).items()))
        self.groups = {i.code: fold(i.group_name) for i in indicators}
        self._phrases: dict[str, set[str]] = {}
        for ind in indicators:
            names = {ind.label, *ind.aliases, f"{ind.group_name} {ind.label}"}
            self._phrases[ind.code] = {p for p in (self.norm(n) for n in names) if p}
        owners: dict[str, set[str]] = {}
        for code, phrases in self._phrases.items():
            for p in phrases:
                owners.setdefault(p, set()).add(code)
        self._exact = owners
        self._vocab = {code: {w for p in phrases for w in p.split()} for code, phrases in self._phrases.items()}
        self._used: dict[tuple[str, str], bool] = {}

    def norm(self, text: str) -> str:
        return normalise(str(text or ""), self._abbr)

    def resolve(self, parts: list[str], previous: str | None = None) -> Resolution:
        """Meaning of stacked header lines (outermost first); `previous`: the code of the column to the left."""
        texts = [t for t in (self.norm(" ".join(parts[i:])) for i in range(len(parts))) if t]
        if not texts:
            return Resolution(None, "unknown")
        ranked = self._ranked(texts)
        for text in texts:   # the whole header first, then without its outer groups
            owners = self._exact.get(text, set())
            if len(owners) == 1:
                return Resolution(next(iter(owners)), "meaning", 100.0, ranked)
            if owners:
                return self._tie(sorted(owners, key=lambda c: -dict(ranked)[c]), ranked, previous)
        return self._decide(texts[0], ranked, previous)

    def _ranked(self, texts: list[str]) -> tuple[tuple[str, float], ...]:
        texts = [" ".join(t.split()[:MAX_HEADER_WORDS]) for t in texts]   # a header's meaning is in its start
        scores = {code: max(max(_score(t, p) for p in phrases) * self._coverage(t, code) for t in texts)
                  if phrases else 0.0 for code, phrases in self._phrases.items()}
        return tuple(sorted(scores.items(), key=lambda kv: -kv[1]))[:MAX_CANDIDATES]

    def _coverage(self, text: str, code: str) -> float:
        """0.3 … 1: the share of the header's words this indicator's phrases use (a word off by a typo
        counts): 'Lượt người tham dự hội nghị' fits the participants, not the conferences."""
        words = text.split()
        hits = sum(1 for w in words if self._uses(code, w))
        return 0.3 + 0.7 * hits / len(words)

    def _uses(self, code: str, word: str) -> bool:
        """Whether the indicator's phrases use the word, or one a typo away (remembered per word)."""
        key = (code, word)
        if key not in self._used:
            vocab = self._vocab[code]
            self._used[key] = word in vocab or any(fuzz.ratio(word, v) >= 80 for v in vocab if len(v) > 2)
        return self._used[key]

    def _decide(self, text: str, ranked, previous: str | None) -> Resolution:
        words = set(text.split())
        within = [code for code, phrases in self._phrases.items()
                  if any(words <= set(p.split()) for p in phrases)]
        if len(within) > 1:   # the header says less than what tells these indicators apart
            return self._tie(within, ranked, previous)
        (best, top), second = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
        if any(top >= score and top - second >= margin for score, margin in AUTO):
            return Resolution(best, "meaning", round(top, 1), ranked)
        return Resolution(None, "uncertain" if top >= ASK_SCORE else "unknown", round(top, 1), ranked)

    def _tie(self, tied: list[str], ranked, previous: str | None) -> Resolution:
        """Among indicators the header fits equally, the one in the group of the column to its left."""
        group = self.groups.get(previous or "", "")
        near = [code for code in tied if group and self.groups.get(code) == group and code != previous]
        score = dict(ranked)
        if len(near) == 1:
            return Resolution(near[0], "meaning", round(score.get(near[0], 0.0), 1), ranked)
        first = sorted(tied, key=lambda c: -score.get(c, 0.0))
        rest = tuple((c, s) for c, s in ranked if c not in tied)
        return Resolution(None, "uncertain", round(score.get(first[0], 0.0), 1),
                          tuple((c, score.get(c, 0.0)) for c in first) + rest)


def _score(text: str, phrase: str) -> float:
    """Token overlap (set) blended with whole-phrase likeness (sort): extra or missing words cost."""
    return 0.5 * fuzz.token_set_ratio(text, phrase) + 0.5 * fuzz.token_sort_ratio(text, phrase)
