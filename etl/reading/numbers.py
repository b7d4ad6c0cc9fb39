"""Vietnamese number formats (4.819; 57,7%) and reading counts from spreadsheet cells."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

EMPTY_MARKS = {"", "-", "–", "—", "--", "x", "X"}
_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+$")       # 4.819, 1.234.567
_SPACED = re.compile(r"^\d{1,3}( \d{3})+$")         # 4 819
_COMMA_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+$")  # 4,819 (English style: ambiguous here)
_DECIMAL = re.compile(r"^\d+[.,]\d+$")
_QUALIFIER = re.compile(r"^(gan|hon|tren|duoi|khoang|xap xi|it nhat|toi thieu|toi da|chung|"
                        r"~|>|<|>=|<=|\+)\s*[\d.,]+", re.I)
_RATIO = re.compile(r"^\d[\d.]*\s*/\s*\d[\d.]*$")


def fmt_int(value: float | int | None, empty: str = "–") -> str:
    """4819 -> '4.819'; None -> '–'."""
    if value is None or value != value:  # None or NaN
        return empty
    return f"{int(round(value)):,}".replace(",", ".")


def fmt_num(value: float | None, decimals: int = 1, empty: str = "–") -> str:
    """12.34 -> '12,3'; 4819.5 -> '4.819,5'."""
    if value is None or value != value:
        return empty
    s = f"{value:,.{decimals}f}"
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def fmt_pct(ratio: float | None, decimals: int = 1, empty: str = "–") -> str:
    """0.5769 -> '57,7%' (ratio in 0..1)."""
    if ratio is None or ratio != ratio:
        return empty
    return fmt_num(ratio * 100, decimals) + "%"


def fmt_delta(value: float | None, decimals: int = 0, empty: str = "–") -> str:
    """+12 -> '+12', -1234 -> '-1.234'; percentage points use fmt_num."""
    if value is None or value != value:
        return empty
    body = fmt_int(abs(value)) if decimals == 0 else fmt_num(abs(value), decimals)
    return ("+" if value > 0 else "-" if value < 0 else "±") + body


def pad2(value: int) -> str:
    """Report style keeps a leading zero under ten: 6 -> '06'."""
    return f"{value:02d}" if 0 <= value < 10 else fmt_int(value)


@dataclass(frozen=True)
class CellReading:
    """What a cell holds as a count: a value, nothing reported (value None, problem None),
    or a problem code from etl.problems with the offending text."""
    value: int | None = None
    problem: str | None = None
    text: str = ""


def read_count(raw: object) -> CellReading:
    """Read one cell as a non-negative whole count. '-'/empty -> nothing reported (not 0)."""
    if raw is None:
        return CellReading()
    if isinstance(raw, (datetime, date)):  # Excel turned "1/2" into a date: show it as the user typed it
        return CellReading(problem="date_in_cell", text=f"{raw:%d/%m/%Y}")
    if isinstance(raw, bool) or isinstance(raw, time):
        return CellReading(problem="not_a_number", text=str(raw))
    if isinstance(raw, int):
        return _checked(raw, str(raw))
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return CellReading(problem="not_a_number", text=str(raw))
        if not raw.is_integer():
            return CellReading(problem="decimal_count", text=str(raw).replace(".", ","))
        return _checked(int(raw), str(int(raw)))
    return _read_text(str(raw))


def _checked(value: int, text: str) -> CellReading:
    if value < 0:
        return CellReading(problem="negative_number", text=text)
    return CellReading(value=value, text=text)


def _read_text(raw: str) -> CellReading:
    from etl.text import fold
    s = raw.replace("\u00a0", " ").strip()
    if len(s) > 200:
        return CellReading(problem="not_a_number", text=s[:60] + "…")
    if s in EMPTY_MARKS:
        return CellReading()
    negative = s.startswith("-") and len(s) > 1 and s[1:].strip()[:1].isdigit()
    body = s[1:].strip() if negative else s
    if body.isdecimal() and body.isascii():
        value = int(body)
    elif _GROUPED.match(body):
        value = int(body.replace(".", ""))
    elif _SPACED.match(body):
        value = int(body.replace(" ", ""))
    elif _COMMA_GROUPED.match(body):
        return CellReading(problem="ambiguous_separator", text=s)
    elif _DECIMAL.match(body):
        return CellReading(problem="decimal_count", text=s)
    elif _RATIO.match(body):
        return CellReading(problem="ratio_in_cell", text=s)
    elif _QUALIFIER.match(fold(s)) or _QUALIFIER.match(s):
        return CellReading(problem="qualified_number", text=s)
    else:
        return CellReading(problem="not_a_number", text=s)
    return CellReading(problem="negative_number", text=s) if negative else CellReading(value=value, text=s)
