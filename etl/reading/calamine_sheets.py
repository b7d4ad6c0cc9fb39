""".xls and .ods as Sheets (etl.reading.sheet), with the guarantees of .xlsx: the same row and column caps,
merged header ranges, hidden rows and sheets, formula cells where the format carries them.

    values         python-calamine (Rust; reads both formats; no LibreOffice at run time)
    .xls merges    xlrd (formatting_info=True): merged ranges, hidden rows (a FORMULA record always
                   carries its result, so an .xls never holds a formula without a value)
    .ods merges    our own streaming scan of content.xml (calamine reports none there):
                   number-columns-spanned / number-rows-spanned, rows with visibility="collapse",
                   cells with table:formula; repeated rows and cells are counted, never expanded
etl.reading.formats has already checked the bytes (OLE2 workbook / ods zip, content.xml capped, no DOCTYPE).
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from xml.etree.ElementTree import iterparse

from etl.reading.sheet import HEAD_ROWS, Sheet
from etl.reading.xlsx_sheets import MAX_CELL_CHARS

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_MAX_MERGE_AREA = 400   # as etl.reading.read._merged_cells: a range larger than this is not a header
# calamine holds a sheet as a dense grid from its first to its last filled cell: one value far away
# (or an .ods cell repeated a million times) would cost gigabytes. 4M cells is 10,000 rows × 400 columns.
MAX_GRID_CELLS = 4_000_000


class SheetTooLarge(Exception):
    """A sheet whose filled cells span more than MAX_GRID_CELLS: refused before calamine reads it."""

    def __init__(self, name: str, rows: int, cols: int):
        super().__init__(name)
        self.name, self.rows, self.cols = name, rows, cols


def open_sheets(data: bytes, kind: str, max_rows: int, max_cols: int, max_empty_run: int):
    """([(name, hidden, head(n) -> Sheet, full() -> Sheet)], close) for an .xls or .ods workbook."""
    import python_calamine as pc
    extras = _xls_extras(data) if kind == "xls" else _ods_extras(data, max_rows)   # may raise SheetTooLarge
    book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    sources = []
    for meta in book.sheets_metadata:
        if str(meta.typ).rsplit(".", 1)[-1] != "WorkSheet":
            continue  # chart sheets hold no table
        hidden = str(meta.visible).rsplit(".", 1)[-1] != "Visible"
        sources.append((meta.name, hidden, *_readers(book, meta.name, hidden, extras, max_rows, max_cols,
                                                      max_empty_run)))
    return sources, book.close


def _readers(book, name: str, hidden: bool, extras: Callable, max_rows: int, max_cols: int, max_empty_run: int):
    def read(n: int) -> Sheet:
        merges, row_merges, formulas, hidden_rows = extras(name)   # first: it checks the sheet's extent
        raw = book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=n)
        rows = _capped(raw, max_cols, max_empty_run)
        truncated = len(rows) > max_rows
        return Sheet(name, rows[:max_rows], merges, formulas, truncated, row_merges=row_merges,
                     hidden_rows=hidden_rows, hidden=hidden)

    return (lambda n: read(min(n, max_rows))), (lambda: read(max_rows + 1))


def _capped(raw: list[list], max_cols: int, max_empty_run: int) -> list[tuple]:
    """Rows as tuples of openpyxl-like values, cut at max_cols, ended after max_empty_run empty rows."""
    rows, empty_run = [], 0
    for row in raw:
        values = tuple(_value(v) for v in row[:max_cols])
        empty_run = empty_run + 1 if all(v is None for v in values) else 0
        if empty_run > max_empty_run:
            break
        rows.append(values)
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return rows


def _value(v):
    """calamine -> what openpyxl gives: '' is empty, 12.0 is 12 (4.5 stays a decimal, to be refused);
    text cut to MAX_CELL_CHARS before any pattern sees it, as for .xlsx."""
    if isinstance(v, str):
        return v[:MAX_CELL_CHARS] if v != "" else None
    if type(v) is float and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


def _from_ranges(ranges: list[tuple[int, int, int, int]]):
    """(head merges {cell: top-left}, [(r1, c1, r2, c2) over two rows or more]) from 1-based ranges,
    with the bounds etl.reading.read uses for .xlsx."""
    merges: dict[tuple[int, int], tuple[int, int]] = {}
    row_merges = []
    for r1, c1, r2, c2 in ranges:
        if r2 > r1:
            row_merges.append((r1, c1, r2, c2))
        if r1 > HEAD_ROWS * 2 or (r2 - r1 + 1) * (c2 - c1 + 1) > _MAX_MERGE_AREA:
            continue
        for r in range(r1, r2 + 1):
            for c in range(c1, min(c2, 80) + 1):
                merges[(r, c)] = (r1, c1)
    return merges, row_merges


# ---------------------------------------------------------------- .xls

def _xls_extras(data: bytes) -> Callable:
    """name -> (merges, row_merges, formulas, hidden rows) of an .xls sheet (xlrd, on demand)."""
    import xlrd
    book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True, ragged_rows=True,
                              logfile=io.StringIO())
    cache: dict[str, tuple] = {}

    def extras(name: str):
        if name not in cache:
            try:
                sheet = book.sheet_by_name(name)
            except xlrd.XLRDError:
                return {}, [], set(), set()
            cols = max((sheet.row_len(r) for r in range(sheet.nrows)), default=0)
            if sheet.nrows * cols > MAX_GRID_CELLS:
                raise SheetTooLarge(name, sheet.nrows, cols)
            ranges = [(rlo + 1, clo + 1, rhi, chi) for rlo, rhi, clo, chi in sheet.merged_cells]
            hidden = {r + 1 for r, info in sheet.rowinfo_map.items() if info.hidden}
            cache[name] = (*_from_ranges(ranges), set(), hidden)
        return cache[name]

    return extras


# ---------------------------------------------------------------- .ods

def _ods_extras(data: bytes, max_rows: int) -> Callable:
    """name -> (merges, row_merges, formulas, hidden rows) of every table in content.xml, in one scan."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read("content.xml")
    found, extents = _scan_ods(xml, max_rows)
    for name, (rows, cols) in extents.items():
        if rows * cols > MAX_GRID_CELLS:
            raise SheetTooLarge(name, rows, cols)
    return lambda name: found.get(name, ({}, [], set(), set()))


def _scan_ods(xml: bytes, max_rows: int) -> tuple[dict[str, tuple], dict[str, tuple[int, int]]]:
    """({table: (merges, row_merges, formulas, hidden rows)}, {table: (last filled row, last filled column)})."""
    out: dict[str, tuple] = {}
    extents: dict[str, tuple[int, int]] = {}
    name, r, ranges, formulas, hidden, last = "", 0, [], set(), set(), [0, 0]
    for event, el in iterparse(io.BytesIO(xml), events=("start", "end")):
        tag = el.tag
        if event == "start" and tag == _TABLE + "table":
            name, r, ranges, formulas, hidden, last = el.get(_TABLE + "name", ""), 0, [], set(), set(), [0, 0]
        elif event == "end" and tag == _TABLE + "table-row":
            repeat = _int(el.get(_TABLE + "number-rows-repeated"))
            filled = _scan_row(el, r + 1, ranges, formulas, r < max_rows)
            if filled:
                last[0], last[1] = r + repeat, max(last[1], filled)
            if r < max_rows and el.get(_TABLE + "visibility") in ("collapse", "filter"):
                hidden.update(range(r + 1, min(r + repeat, max_rows) + 1))
            r += repeat
            el.clear()
        elif event == "end" and tag == _TABLE + "table":
            out[name], extents[name] = (*_from_ranges(ranges), formulas, hidden), (last[0], last[1])
            el.clear()
    return out, extents


def _scan_row(row, r: int, ranges: list, formulas: set, keep: bool) -> int:
    """Merges and formulas of one row (when `keep`); returns the column of its last filled cell (0: none)."""
    c, filled = 0, 0
    for cell in row:
        if cell.tag not in (_TABLE + "table-cell", _TABLE + "covered-table-cell"):
            continue
        repeat = _int(cell.get(_TABLE + "number-columns-repeated"))
        if cell.get(_OFFICE + "value-type") is not None or len(cell):
            filled = c + repeat
        if keep and c < 16384 and cell.tag == _TABLE + "table-cell":
            cols, rows = _int(cell.get(_TABLE + "number-columns-spanned")), _int(cell.get(_TABLE + "number-rows-spanned"))
            if cols > 1 or rows > 1:
                ranges.append((r, c + 1, r + rows - 1, c + cols))
            if cell.get(_TABLE + "formula") is not None and repeat <= 80:
                formulas.update((r, c + 1 + i) for i in range(repeat))
        c += repeat
    return filled


def _int(text: str | None) -> int:
    try:
        return max(1, min(int(text), 1 << 20)) if text else 1
    except ValueError:
        return 1
