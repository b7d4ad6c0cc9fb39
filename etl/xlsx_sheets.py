""".xlsx as Sheets (etl.sheet): values with openpyxl in read-only mode; merged header ranges, formula
cells and hidden rows from the sheet XML, which read-only mode does not expose, so a 3,321-row sheet
parses in one pass. etl.safety has already checked the bytes (zip directory, sizes, no bomb).
"""
from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from itertools import islice

import openpyxl
from openpyxl.utils import column_index_from_string

from etl.sheet import HEAD_ROWS, Sheet

MAX_COLS = 80           # columns read from one sheet (the merge scans below are bounded by it too)


def open_xlsx(data: bytes, max_rows: int, max_cols: int, max_empty_run: int):
    """([(name, hidden, head(n) -> Sheet, full() -> Sheet)], close) for an .xlsx workbook."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    zf = zipfile.ZipFile(io.BytesIO(data))
    return [_source(ws, zf, max_rows, max_cols, max_empty_run) for ws in wb.worksheets], lambda: (wb.close(),
                                                                                                  zf.close())


def _source(ws, zf: zipfile.ZipFile, max_rows: int, max_cols: int, max_empty_run: int):
    xml: list[bytes] = []
    hidden = ws.sheet_state != "visible"

    def sheet_xml() -> bytes:
        if not xml:
            xml.append(zf.read(ws._worksheet_path))
        return xml[0]

    def head(n: int) -> Sheet:
        return Sheet(ws.title, [r[:max_cols] for r in islice(ws.iter_rows(values_only=True), n)],
                     _merged_cells(sheet_xml()), set(), hidden=hidden)

    def full() -> Sheet:
        rows = list(_capped_rows(ws.iter_rows(max_row=max_rows + 1, values_only=True), max_cols, max_empty_run))
        data = sheet_xml()
        return Sheet(ws.title, rows[:max_rows], _merged_cells(data), _formula_cells(data), len(rows) > max_rows,
                     row_merges=_row_merges(data), hidden_rows=_hidden_rows(data), hidden=hidden)

    return ws.title, hidden, head, full


def _capped_rows(rows, max_cols: int, max_empty_run: int) -> Iterator[tuple]:
    """Rows up to max_empty_run empty ones in a row, each cut at max_cols."""
    empty_run = 0
    for row in rows:
        empty_run = empty_run + 1 if row.count(None) == len(row) else 0
        if empty_run > max_empty_run:
            break
        yield row if len(row) <= max_cols else row[:max_cols]


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})([0-9]+):([A-Z]{1,3})([0-9]+)"')
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')


def _merged_cells(xml: bytes) -> dict[tuple[int, int], tuple[int, int]]:
    """Every cell inside a merged range -> its top-left cell (merges in the table head only)."""
    out: dict[tuple[int, int], tuple[int, int]] = {}
    end = xml.rfind(b"mergeCells")          # <mergeCells> sits after the cell data: search from the end
    if end < 0:
        return out
    opening = xml.rfind(b"mergeCells", 0, end)   # `end` is usually the closing tag
    for m in _MERGE.finditer(xml, opening if opening >= 0 else end):
        c1, r1, c2, r2 = (column_index_from_string(m.group(1).decode()), int(m.group(2)),
                          column_index_from_string(m.group(3).decode()), int(m.group(4)))
        if r1 > HEAD_ROWS * 2 or (r2 - r1 + 1) * (c2 - c1 + 1) > 400:
            continue  # merges in the body (notes, signatures) never matter for headers
        for r in range(r1, r2 + 1):
            for c in range(c1, min(c2, MAX_COLS) + 1):
                out[(r, c)] = (r1, c1)
    return out


def _row_merges(xml: bytes) -> list[tuple[int, int, int, int]]:
    """(r1, c1, r2, c2) of every merged range over two rows or more, anywhere in the sheet."""
    end = xml.rfind(b"mergeCells")          # as in _merged_cells: the list sits after the cell data
    if end < 0:
        return []
    start = xml.rfind(b"mergeCells", 0, end)
    start = start if start >= 0 else end
    out = []
    for m in _MERGE.finditer(xml, start):
        r1, r2 = int(m.group(2)), int(m.group(4))
        if r2 > r1:
            out.append((r1, column_index_from_string(m.group(1).decode()), r2,
                        column_index_from_string(m.group(3).decode())))
    return out


_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\s[^>]*?\bhidden="(?:1|true)"[^>]*>')


def _hidden_rows(xml: bytes) -> set[int]:
    """Numbers of the rows hidden in Excel (<row r="10" hidden="1">): read-only mode does not expose them."""
    if b'hidden="' not in xml:
        return set()
    out = set()
    for m in _HIDDEN_ROW.finditer(xml):
        ref = re.search(rb'\br="([0-9]+)"', m.group(0))
        if ref:
            out.add(int(ref.group(1)))
    return out


def _formula_cells(xml: bytes) -> set[tuple[int, int]]:
    """(row, col) of every cell holding a formula: find each <f> and read its cell's r="D7"."""
    out: set[tuple[int, int]] = set()
    pos = xml.find(b"<f")
    while pos >= 0:
        if xml[pos + 2:pos + 3] in (b">", b" ", b"/"):
            m = _REF.search(xml, xml.rfind(b"<c", 0, pos), pos)
            if m:
                out.add((int(m.group(2)), column_index_from_string(m.group(1).decode())))
        pos = xml.find(b"<f", pos + 2)
    return out


