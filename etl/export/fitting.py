"""How much text a slide's box holds: the font size at which paragraphs fit (Arial's average glyph
is about half an em wide), so that a long list continues on the next slide rather than shrinking."""
from __future__ import annotations

import math

from pptx.util import Emu


def fits(paras: list[str], width: int, height: int, size: float, spacing: float = 1.25,
         gap_lines: float = 0.4) -> bool:
    """Whether the paragraphs fit the box at this size (Arial: ~0.5 em a character)."""
    per_line = max(1, int(Emu(width).pt * 0.94 / (size * 0.5)))
    lines = sum(max(1, math.ceil(len(p) / per_line)) for p in paras)
    return (lines + gap_lines * (len(paras) - 1)) * size * spacing <= Emu(height).pt * 0.92


def fit_size(text: str | list[str], width: int, height: int, largest: int, smallest: int,
             spacing: float = 1.25, gap_lines: float = 0.4) -> int:
    """Largest font size (pt) at which the paragraphs fit the box; `smallest` if none does."""
    paras = [text] if isinstance(text, str) else text
    for size in range(largest, smallest - 1, -1):
        if fits(paras, width, height, size, spacing, gap_lines):
            return size
    return smallest
