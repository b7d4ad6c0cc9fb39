""".xlsx as Sheets (etl.reading.sheet): the sheet list with openpyxl in read-only mode; cell values with
python-calamine (about 5× faster than openpyxl's reader) when the sheet XML shows a plain grid,
else openpyxl's streaming reader; merged header ranges, formula cells and hidden rows from the sheet
XML either way. calamine holds a sheet as a dense grid, so it reads only sheets whose cells, by their
references, span at most MAX_GRID_CELLS within max_rows, every cell tag carrying its reference, and
no error cell (calamine gives '#DIV/0!' as empty; openpyxl keeps it, and it must be refused). A
stray far cell, a sheet of unreferenced cells or an error cell: openpyxl, which streams and stops
after max_empty_run empty rows. etl.reading.safety has already checked the bytes (zip directory, sizes, no
bomb, no DOCTYPE). Every scan of the sheet XML is linear whatever its bytes, and cell text is cut
to MAX_CELL_CHARS before any pattern sees it.
"""
from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from functools import lru_cache
from itertools import islice

import openpyxl
from openpyxl.utils import column_index_from_string

from etl.reading.sheet import HEAD_ROWS, Sheet

MAX_COLS = 80           # columns read from one sheet (the merge scans below are bounded by it too)
MAX_ROWS = 10_000       # rows read from one sheet (etl.reading.read refuses more); merges below it never matter
MAX_CELL_CHARS = 1000   # text kept per cell before any matching (names and headers are far shorter)


def open_xlsx(data: bytes, max_rows: int, max_cols: int, max_empty_run: int):
    """([(name, hidden, head(n) -> Sheet, full() -> Sheet)], close) for an .xlsx workbook."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    zf = zipfile.ZipFile(io.BytesIO(data))
    book = _LazyCalamine(data)
    sources = [_source(ws, zf, book, max_rows, max_cols, max_empty_run) for ws in wb.worksheets]
    return sources, lambda: (wb.close(), zf.close(), book.close())


class _LazyCalamine:
    """The workbook in python-calamine, opened on the first sheet it reads."""

    def __init__(self, data: bytes):
        self.data, self.book = data, None

    def rows(self, name: str) -> list[list]:
        import python_calamine as pc
        if self.book is None:
            self.book = pc.CalamineWorkbook.from_filelike(io.BytesIO(self.data))
        return self.book.get_sheet_by_name(name).to_python(skip_empty_area=False)

    def close(self) -> None:
        if self.book is not None:
            self.book.close()


def _source(ws, zf: zipfile.ZipFile, book: _LazyCalamine, max_rows: int, max_cols: int, max_empty_run: int):
    cache: dict[str, object] = {}
    hidden = ws.sheet_state != "visible"

    def sheet_xml() -> bytes:
        if "xml" not in cache:
            cache["xml"] = zf.read(ws._worksheet_path)
        return cache["xml"]

    def grid() -> list[list] | None:
        """The sheet's values from calamine, or None when openpyxl must stream it."""
        if "grid" not in cache:
            cache["grid"] = book.rows(ws.title) if calamine_fits(sheet_xml(), max_rows) else None
        return cache["grid"]

    def head(n: int) -> Sheet:
        raw = grid()
        rows = [_calamine_row(r) for r in raw[:n]] if raw is not None else \
            [_bounded(r) for r in islice(ws.iter_rows(values_only=True), n)]
        return Sheet(ws.title, rows, _merged_cells(sheet_xml()), set(), hidden=hidden)

    def full() -> Sheet:
        raw = grid()
        source = (map(_calamine_row, raw[:max_rows + 1]) if raw is not None
                  else ws.iter_rows(max_row=max_rows + 1, values_only=True))
        rows = list(_capped_rows(source, max_cols, max_empty_run))
        data = sheet_xml()
        return Sheet(ws.title, rows[:max_rows], _merged_cells(data), _formula_cells(data), len(rows) > max_rows,
                     row_merges=_row_merges(data), hidden_rows=_hidden_rows(data), hidden=hidden)

    return ws.title, hidden, head, full


MAX_GRID_CELLS = 4_000_000   # as etl.reading.calamine_sheets: 10,000 rows × 400 columns


_DIMENSION = re.compile(rb'<(?:\w{1,32}:)?dimension\s{1,64}ref="[A-Z]{1,3}[0-9]{1,7}:([A-Z]{1,3})([0-9]{1,7})"')
_ROW_REF = re.compile(rb'<(?:\w{1,32}:)?row\s[^>]{0,512}?\br="([0-9]{1,7})"')


def calamine_fits(xml: bytes, max_rows: int) -> bool:
    """Whether calamine may read the sheet as a dense grid: no error cell, the last row within
    max_rows + 1 and the stated dimension within MAX_GRID_CELLS. Cheap (the regex engine looks at the
    head and the tail of the XML). A sheet that lies about its extent costs at most the parse
    worker's memory limit (etl.reading.sandbox), which then refuses it, naming the limit."""
    if b't="e"' in xml:
        return False
    last = xml.rfind(b"<row ")
    if last < 0:
        last = max(xml.rfind(b":row "), 0)
    row = _ROW_REF.match(xml, xml.rfind(b"<", 0, last + 1))
    rows = int(row.group(1)) if row else 0
    dim = _DIMENSION.search(xml, 0, 4096)
    cols = column_index_from_string(dim.group(1).decode()) if dim else 1
    return rows <= max_rows + 1 and max(rows, int(dim.group(2)) if dim else 0) * cols <= MAX_GRID_CELLS


def _calamine_row(row: list) -> tuple:
    """A calamine row as openpyxl gives it: '' is empty, 12.0 is 12 (4.5 stays), text cut."""
    return _bounded(tuple(_calamine_value(v) for v in row))


def _calamine_value(v):
    if type(v) is str:
        return v if v != "" else None
    if type(v) is float and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if type(v) is date:  # openpyxl gives a date cell as a datetime
        return datetime(v.year, v.month, v.day)
    return v


def _capped_rows(rows, max_cols: int, max_empty_run: int) -> Iterator[tuple]:
    """Rows up to max_empty_run empty ones in a row, each cut at max_cols."""
    empty_run = 0
    for row in rows:
        empty_run = empty_run + 1 if row.count(None) == len(row) else 0
        if empty_run > max_empty_run:
            break
        yield _bounded(row)


def _bounded(row: tuple) -> tuple:
    """The row cut to MAX_COLS cells and each text to MAX_CELL_CHARS characters, so that no pattern
    downstream ever sees more (a 32,767-character cell times 80 columns would)."""
    row = row[:MAX_COLS]
    for v in row:
        if type(v) is str and len(v) > MAX_CELL_CHARS:
            return tuple(_clipped(v) if type(v) is str else v for v in row)
    return row


@lru_cache(maxsize=64)
def _clipped(text: str) -> str:
    return text[:MAX_CELL_CHARS]  # cached: one shared string may fill a million cells


# Every scan below is linear in the sheet XML, whatever its bytes: quantifiers are bounded, and no
# search runs back over bytes an earlier search already covered (a hostile sheet of 2 MB must not
# cost 2 MB × 2 MB). Excel's own limits bound the numbers: 3 letters, 7 digits.
_MERGE = re.compile(rb'<(?:\w{1,32}:)?mergeCell\s{1,64}ref="([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})"')
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
MERGE_AREA = 400        # cells of a head merge worth spreading; larger ones are body notes or junk


def _merge_ranges(xml: bytes):
    """(r1, c1, r2, c2) of every <mergeCell>, read from the <mergeCells> list after the cell data."""
    end = xml.rfind(b"mergeCells")          # <mergeCells> sits after the cell data: search from the end
    if end < 0:
        return
    opening = xml.rfind(b"mergeCells", 0, end)   # `end` is usually the closing tag
    for m in _MERGE.finditer(xml, opening if opening >= 0 else end):
        yield (int(m.group(2)), column_index_from_string(m.group(1).decode()),
               int(m.group(4)), column_index_from_string(m.group(3).decode()))


def _merged_cells(xml: bytes) -> dict[tuple[int, int], tuple[int, int]]:
    """Every cell inside a merged range -> its top-left cell (merges in the table head only)."""
    out: dict[tuple[int, int], tuple[int, int]] = {}
    for r1, c1, r2, c2 in _merge_ranges(xml):
        if r1 > HEAD_ROWS * 2 or c1 > MAX_COLS or (r2 - r1 + 1) * (c2 - c1 + 1) > MERGE_AREA:
            continue  # merges in the body (notes, signatures) or beyond the columns read never matter
        if (r1, c1) in out:
            continue  # Excel's merges never overlap: a repeated corner is junk (and would cost 400× each)
        for r in range(r1, r2 + 1):
            for c in range(c1, min(c2, MAX_COLS) + 1):
                out[(r, c)] = (r1, c1)
    return out


def _row_merges(xml: bytes) -> list[tuple[int, int, int, int]]:
    """(r1, c1, r2, c2) of every merged range over two rows or more within the rows and columns read."""
    return [(r1, c1, r2, c2) for r1, c1, r2, c2 in _merge_ranges(xml)
            if r2 > r1 and r1 <= MAX_ROWS and c1 <= MAX_COLS]


_ROW_TAG = re.compile(rb"<(?:\w{1,32}:)?row\s")
_ROW_NUMBER = re.compile(rb'\br="([0-9]{1,7})"')


def _hidden_rows(xml: bytes) -> set[int]:
    """Numbers of the rows hidden in Excel (<row r="10" hidden="1">): read-only mode does not expose them.
    Visits each hidden="…" once; the tag around it is searched only back to the previous tag's end."""
    out: set[int] = set()
    done = 0                                   # everything before this has been looked at
    pos = xml.find(b'hidden="')
    while pos >= 0:
        end = xml.find(b">", pos)
        start = xml.rfind(b"<", done, pos)
        if (end >= 0 and start >= 0 and xml.startswith((b'hidden="1"', b'hidden="true"'), pos)
                and xml[pos - 1:pos].isspace() and xml.find(b">", start, pos) < 0 and _ROW_TAG.match(xml, start)):
            ref = _ROW_NUMBER.search(xml, start, end)
            if ref:
                out.add(int(ref.group(1)))
        if end < 0:
            break
        done = end
        pos = xml.find(b'hidden="', end)
    return out


def _formula_cells(xml: bytes) -> set[tuple[int, int]]:
    """(row, col) of every cell holding a formula (a <f> after the cell's own <c> tag). Every search
    starts where the previous one ended, so the XML is read once, whatever it holds."""
    out: set[tuple[int, int]] = set()
    after = 0                                  # the <c> tag of the next <f> lies at or after this
    pos = xml.find(b"<f")
    while pos >= 0:
        if xml[pos + 2:pos + 3] not in (b">", b" ", b"/"):  # <font>, <fill> …
            pos = xml.find(b"<f", pos + 2)
            continue
        start = _last_cell_tag(xml, after, pos)
        if start >= 0:
            end = xml.find(b">", start, pos)
            m = _REF.search(xml, start, end if end >= 0 else pos)
            if m:
                out.add((int(m.group(2)), column_index_from_string(m.group(1).decode())))
        after = _next_cell_tag(xml, pos)       # later <f> of the same cell add nothing: skip them
        pos = xml.find(b"<f", after) if after >= 0 else -1
    return out


def _is_cell_tag(xml: bytes, pos: int) -> bool:
    return xml[pos + 2:pos + 3] in (b" ", b">", b"\t", b"\n", b"\r")   # '<c ', not '<col', '<cfRule'


def _last_cell_tag(xml: bytes, lo: int, hi: int) -> int:
    """Position of the last cell tag ('<c ' or '<c>') in xml[lo:hi], or -1."""
    pos = xml.rfind(b"<c", lo, hi)
    while pos >= 0 and not _is_cell_tag(xml, pos):
        pos = xml.rfind(b"<c", lo, pos)
    return pos


def _next_cell_tag(xml: bytes, lo: int) -> int:
    """Position of the first cell tag at or after lo, or -1."""
    pos = xml.find(b"<c", lo)
    while pos >= 0 and not _is_cell_tag(xml, pos):
        pos = xml.find(b"<c", pos + 2)
    return pos
