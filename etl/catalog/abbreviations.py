"""The editable table of abbreviations (data/abbreviations.csv): VB, HN, KT, GS, TCĐ … in headers,
TP, TX, H., X., P., TT in unit names. Read once per path; folded keys (etl.text.fold) both sides.

    scope,short,long
    header,vb,văn bản        'Số VB ban hành'  -> 'so van ban ban hanh'
    unit,tp,thành phố        'TP Thanh Hóa'    -> 'thanh pho thanh hoa'
"""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from etl.config import get_settings
from etl.text import fold

# What the reader needs even when the file is missing or emptied by mistake (the shipped unit kinds).
_UNIT_FALLBACK = {"tp": "thanh pho", "tx": "thi xa", "tt": "thi tran", "h": "huyen", "p": "phuong",
                  "x": "xa", "dk": "dac khu"}


@lru_cache(maxsize=8)
def _read(path: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {"header": {}, "unit": {}}
    if not Path(path).exists():
        return out
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            scope, short, long = (fold(row.get(k)) for k in ("scope", "short", "long"))
            if scope in out and short and long:
                out[scope][short] = long
    return out


def header_abbreviations(path: str | None = None) -> dict[str, str]:
    """Folded short form -> folded long form, for column headers and row labels ('kt' -> 'kiem tra')."""
    return dict(_read(path or get_settings().abbreviations_csv)["header"])


def unit_abbreviations(path: str | None = None) -> dict[str, str]:
    """Folded short kind prefix -> folded kind ('tp' -> 'thanh pho', 't x' -> 'thi xa')."""
    return _read(path or get_settings().abbreviations_csv)["unit"] or dict(_UNIT_FALLBACK)
