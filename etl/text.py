"""Folding Vietnamese text for matching: case, diacritics, tone-mark placement, punctuation."""
from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: object) -> str:
    """'  Huyện YÊN   Định.' -> 'huyen yen dinh'; 'Hoá' and 'Hóa' both -> 'hoa'."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFD", str(text))
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    s = s.replace("đ", "d").replace("Đ", "D").lower()
    return _NON_WORD.sub(" ", s).strip()


def fold_without_prefix(text: object, prefixes: tuple[str, ...]) -> str:
    """fold(text) less the first prefix it starts with: 'Huyện Yên Định' -> 'yen dinh'."""
    key = fold(text)
    for prefix in prefixes:
        if key.startswith(prefix):
            return key[len(prefix):]
    return key


def clean(text: object) -> str:
    """Trim and collapse whitespace (incl. non-breaking spaces and line breaks); NFC."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFC", str(text)).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", s).strip()


# Text a spreadsheet would run as a formula (CSV/XLSX injection): = + - @ and tab/CR starts.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value):
    """Prefix a quote to text that would run as a formula in Excel or LibreOffice; else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
