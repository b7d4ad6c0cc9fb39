"""One worksheet's values and its table head: layout detection and header columns.

A header may span up to three lines, with group headers merged (or typed once) over sub-headers:
  STT | Đơn vị | Hội nghị          | …        ->  columns 'STT', 'Đơn vị', 'Hội nghị - Số cuộc',
      |        | Số cuộc | Lượt    |              'Hội nghị - Lượt người', …
Each file format yields Sheets (etl.reading.read for .xlsx, etl.reading.calamine_sheets for .xls/.ods; a later
reader may yield the tables of a .docx): values, merges, formula cells, hidden rows and state, and a
way to name a cell — Excel-style 'D7' by default, pluggable ('Bảng 2, dòng 5, cột 4').
Pure helpers shared by etl.reading.read (which finds the sheet) and etl.reading.layouts (which parses it).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from etl.reading import match, unit_names
from etl.reading.headers import Resolution
from etl.reading.numbers import CellReading, read_count
from etl.text import clean

HEAD_ROWS = 25          # the header row is searched in the first ~20 rows


_LETTERS = [""] + [get_column_letter(c) for c in range(1, 16385)]


def excel_cell_name(r: int, c: int) -> str:
    """(7, 4) -> 'D7'."""
    return f"{_LETTERS[c] if 0 < c < len(_LETTERS) else get_column_letter(c)}{r}"


@dataclass
class Sheet:
    """One worksheet's values (row 1 = rows[0]) with what read-only mode cannot see."""
    name: str
    rows: list[tuple]
    merges: dict[tuple[int, int], tuple[int, int]]   # (row, col) -> top-left (row, col), 1-based
    formulas: set[tuple[int, int]]                   # formula cells (row, col), 1-based
    truncated: bool = False
    row_merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # (r1, c1, r2, c2) over 2+ rows
    hidden_rows: set[int] = field(default_factory=set)                         # rows hidden in Excel
    hidden: bool = False                                                       # the sheet itself
    namer: Callable[[int, int], str] = excel_cell_name                         # how messages name a cell

    def value(self, r: int, c: int):
        """Value at 1-based (r, c), taking merged ranges into account."""
        r, c = self.merges.get((r, c), (r, c))
        if r > len(self.rows):
            return None
        row = self.rows[r - 1]
        return row[c - 1] if c <= len(row) else None

    def cell(self, r: int, c: int) -> str:
        """The name of cell (r, c) in messages ('D7')."""
        return self.namer(r, c)

    def span(self, r1: int, c1: int, r2: int, c2: int) -> str:
        """The name of a range ('D7:D9')."""
        return f"{self.namer(r1, c1)}:{self.namer(r2, c2)}"


@dataclass(frozen=True)
class MappedColumn:
    """How one column header was mapped to an indicator (listed in the preview and in --json)."""
    header: str                    # as written
    cell: str                      # where the header is ('D5')
    indicator: str | None          # indicator code; None = left out
    how: str                       # exact | meaning | learned | given
    score: float = 100.0


@dataclass(frozen=True)
class ColumnQuestion:
    """A column (or form line) with figures whose meaning is not certain: the user chooses."""
    header: str                                   # as written: what a mapping is keyed by
    cell: str                                     # where the header is
    candidates: tuple[tuple[str, float], ...]     # (indicator code, score), best first
    kind: str = "uncertain"                       # uncertain | unknown
    what: str = "cột"                             # cột (a column header) | dòng (a line of a form)


@dataclass
class Column:
    index: int                  # 1-based
    header: str                 # as written ('Hội nghị - Lượt người')
    code: str | None = None     # indicator code
    kind: str = "other"         # indicator | uncertain | left_out | unit | stt | ignored | other
    letter: str = ""
    cell: str = ""              # where the header is written
    resolution: Resolution | None = None

    def __post_init__(self):
        self.letter = get_column_letter(self.index)

    def mapped(self) -> MappedColumn | None:
        """The mapping to list, or None for a column that is not an indicator."""
        r = self.resolution
        if r is None or self.kind not in ("indicator", "left_out"):
            return None
        return MappedColumn(self.header, self.cell, self.code, "given" if r.how == "left_out" else r.how, r.score)

    def question(self) -> ColumnQuestion:
        r = self.resolution
        return ColumnQuestion(self.header, self.cell, r.candidates if r else (),
                              "uncertain" if self.kind == "uncertain" else "unknown")


def detect_layout(sheet: Sheet, headers: match.HeaderMatcher, units: unit_names.UnitMatcher | None = None) -> tuple[str, int]:
    """(layout, header row) of the table headed in the sheet's first rows: 'consolidated', 'form',
    'transposed' (indicators down, units across; needs `units`) or ''."""
    for r in range(1, min(len(sheet.rows), HEAD_ROWS - 1) + 1):
        row = [sheet.value(r, c) for c in range(1, len(sheet.rows[r - 1]) + 1)]
        if any(match.is_unit_header(v) for v in row):
            columns, _ = header_columns(sheet, r, headers)
            if any(c.kind in ("indicator", "uncertain") for c in columns):
                return "consolidated", r
        if any(match.is_form_label_header(v) for v in row):
            if any(match.is_form_value_header(v) for v in row):
                return "form", r
            if units is not None and any(is_text(v) and units.match(clean(v)).unit for v in row):
                return "transposed", r
    return "", 0


def cell_count(raw) -> CellReading:
    """etl.reading.numbers.read_count, shielded: digits such as '¹' pass str.isdigit() but not int()."""
    try:
        return read_count(raw)
    except (ValueError, OverflowError):
        return CellReading(problem="not_a_number", text=str(raw)[:60])


def is_text(v) -> bool:
    """A cell holding words (not empty, not a number typed as text)."""
    return isinstance(v, str) and bool(v.strip()) and cell_count(v).value is None


def header_columns(sheet: Sheet, r: int, headers: match.HeaderMatcher) -> tuple[list[Column], int]:
    """Columns of a header starting at row r, over up to 3 lines (groups merged over sub-headers).
    Returns (columns, number of header lines)."""
    width = max(_last_filled(sheet, r + i) for i in range(3))
    unit_col = next(c for c in range(1, width + 1) if match.is_unit_header(sheet.value(r, c)))
    lines = 1
    while lines < 3 and _is_subheader_row(sheet, r + lines, unit_col, width):
        lines += 1
    parts: list[list[str]] = [[] for _ in range(width + 1)]
    where: dict[int, tuple[int, int]] = {}     # column -> its first header cell (top-left of a merge)
    for line in range(r, r + lines):
        group = ""
        for c in range(1, width + 1):
            own = sheet.merges.get((line, c), (line, c))[0] == line   # not the continuation of a merge above
            text = clean(sheet.value(line, c)) if own else ""
            below = line + 1 < r + lines and clean(sheet.value(line + 1, c))
            if not text and below and (line, c) not in sheet.merges and own:
                text = group   # a group header typed once, not merged, over several sub-headers
            group = text if below else ""
            if text:
                parts[c].append(text)
                where.setdefault(c, sheet.merges.get((line, c), (line, c)))
    columns, previous = [], None
    for c in range(1, width + 1):
        col = _column(c, parts[c], unit_col, headers, previous)
        col.cell = sheet.cell(*where.get(c, (r, c)))
        previous = col.code
        columns.append(col)
    return columns, lines


def _is_subheader_row(sheet: Sheet, r: int, unit_col: int, width: int) -> bool:
    """Row r continues the header: nothing of its own in the unit column, text sub-headers, no numbers."""
    if r > len(sheet.rows):
        return False
    row = sheet.rows[r - 1]
    if (row[unit_col - 1] if unit_col <= len(row) else None) is not None or is_column_numbers(row, width):
        return False
    cells = [v for v in row[:width] if v is not None]
    return bool(cells) and all(is_text(v) for v in cells)


def _last_filled(sheet: Sheet, r: int) -> int:
    if r > len(sheet.rows):
        return 0
    row = sheet.rows[r - 1]
    return next((c for c in range(len(row), 0, -1) if sheet.value(r, c) is not None), 0)


def _column(c: int, parts: list[str], unit_col: int, headers: match.HeaderMatcher, previous: str | None) -> Column:
    distinct = [p for i, p in enumerate(parts) if i == 0 or p != parts[i - 1]]
    header = " - ".join(distinct)
    if c == unit_col:
        return Column(c, header, kind="unit")
    if any(match.is_stt_header(p) for p in distinct):
        return Column(c, header, kind="stt")
    if not distinct:
        return Column(c, header)
    found = headers.resolve(distinct, previous)
    if found.how in ("meaning", "uncertain", "unknown") and match.is_ignored_header(header):
        return Column(c, header, kind="ignored")   # notes, rates, codes: never asked about
    kind = {"uncertain": "uncertain", "unknown": "other", "left_out": "left_out"}.get(found.how, "indicator")
    return Column(c, header, found.code, kind, resolution=found)


_COLUMN_NUMBER = re.compile(r"^\(?[0-9]{1,2}\)?$|^\(?[a-eA-E]\)?$|^\(?[0-9]{1,2}\)?\s*=.*$")


def is_column_numbers(row: tuple, width: int = 0) -> bool:
    """A row '(1) (2) (3) …', 'A B 1 2 …' or '(5)=(3)+(4)' under a header `width` columns wide:
    increasing numbers in most columns."""
    marks = [str(v).strip() for v in row if v is not None and str(v).strip()]
    if len(marks) < max(2, 0.6 * width) or not all(_COLUMN_NUMBER.match(m) for m in marks):
        return False
    numbers = [int(re.match(r"\(?([0-9]+)", m).group(1)) for m in marks if m[:2].strip("(")[:1].isdigit()]
    return all(a < b for a, b in zip(numbers, numbers[1:]))
