""".docx as text and Sheets (etl.reading.sheet): the body's paragraphs in order, its tables with merged cells
(gridSpan across, vMerge down), and the heading lines that name the unit and the period.

    HUYỆN ỦY YÊN ĐỊNH        ĐẢNG CỘNG SẢN VIỆT NAM       heading lines: the paragraphs (and a small
    BAN DÂN VẬN              Yên Định, ngày 20/6/2024      table) before the first body paragraph
    BÁO CÁO Kết quả công tác dân vận 6 tháng đầu năm 2024
    1. Trong 6 tháng đầu năm, đã tổ chức 50 hội nghị …   body paragraphs (etl.reading.doc_read reads them)
    Biểu 01: … QUÝ II NĂM 2024                           a caption right above a table
    STT | Đơn vị | Hội nghị …                            'Bảng 2': a Sheet whose first rows are the
                                                         caption and heading lines, then the table
A table cell is named 'Bảng 2, dòng 5, cột 4' (row and grid column within the table). etl.reading.safety has
checked the package (zip directory, sizes, no DOCTYPE/ENTITY, no macros) before anything here parses
XML; every walk below is iterative, whatever the nesting.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from xml.etree import ElementTree

from etl.reading.safety import DOCUMENT_PART, MAX_DOCUMENT_XML_BYTES
from etl.reading.sheet import HEAD_ROWS, Sheet
from etl.reading.xlsx_sheets import MAX_CELL_CHARS, MERGE_AREA
from etl.text import clean

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_WRAPPERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "smartTag", W + "ins"}   # their content counts
_BREAKS = {W + "br": "\n", W + "cr": "\n", W + "tab": " ", W + "noBreakHyphen": "-"}
MAX_TABLES = 250         # as etl.reading.safety.MAX_SHEETS for a workbook
HEADING_LINES = 12       # at most this many heading lines
BODY_CHARS = 200         # a paragraph this long is body text, not a heading
HEADING_TABLE_ROWS = 4   # a table this small before the body is the letterhead (quốc hiệu)
_NUMBERED = re.compile(r"^(?:[IVX]{1,4}|\d{1,2}|[a-dđ])[.)]\s", re.I)   # 'I. KẾT QUẢ', '1. Công tác …'
_COUNT = re.compile(r"\d{1,3}(?:\.\d{3})+|\d{1,9}")


class TooManyTables(ValueError):
    """A document with more tables than a reader looks at (MAX_TABLES)."""


@dataclass
class Table:
    number: int                               # 1-based, in document order
    rows: list[tuple]                         # values: int for a count, str, None
    merges: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)   # head merges
    row_merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    caption: list[str] = field(default_factory=list)   # the paragraphs right above it
    truncated: bool = False


@dataclass
class Document:
    paragraphs: list[str]        # body paragraphs with text, in order ('đoạn 1' is the first)
    headings: list[str]          # the heading lines (title, unit, period)
    tables: list[Table]
    too_many_tables: bool = False


@lru_cache(maxsize=2)
def read_document(data: bytes, max_rows: int = 10_000, max_cols: int = 80) -> Document:
    """The paragraphs, heading lines and tables of a .docx (parsed once per file: the reader asks twice)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open(DOCUMENT_PART) as stream:
        xml = stream.read(MAX_DOCUMENT_XML_BYTES + 1)   # the declared size may lie: never past the cap
    if len(xml) > MAX_DOCUMENT_XML_BYTES:
        raise ValueError("document part over its cap")
    body = ElementTree.fromstring(xml).find(W + "body")
    blocks = list(_blocks(body)) if body is not None else []
    paragraphs, tables, last = [], [], []
    for kind, item in blocks:
        if kind == "p":
            text = clean(item)
            if text:
                paragraphs.append(text)
                last = (last + [text])[-2:]
        elif len(tables) < MAX_TABLES:
            caption = [t for t in last if len(t) <= BODY_CHARS]
            tables.append(_table(item, len(tables) + 1, caption, max_rows, max_cols))
            last = []
    count = sum(1 for kind, _ in blocks if kind == "tbl")
    return Document(paragraphs, _headings(blocks), tables, count > MAX_TABLES)


def open_docx(data: bytes, max_rows: int, max_cols: int, max_empty_run: int):
    """([(name, hidden, head(n) -> Sheet, full() -> Sheet)], close) for the tables of a .docx, as
    etl.reading.read opens a workbook's sheets (max_empty_run: empty rows inside a table are its own)."""
    doc = read_document(data, max_rows, max_cols)
    if doc.too_many_tables:
        raise TooManyTables(f"more than {MAX_TABLES} tables")
    return [_source(t, doc.headings) for t in doc.tables], lambda: None


def _source(table: Table, headings: list[str]):
    titles = [line for line in table.caption if line not in headings] + headings
    sheet = table_sheet(table, titles)
    name = f"Bảng {table.number}"

    def head(n: int) -> Sheet:
        return Sheet(name, sheet.rows[:n], sheet.merges, set(), namer=sheet.namer)

    return name, False, head, lambda: sheet


def table_sheet(table: Table, titles: list[str]) -> Sheet:
    """The table as a Sheet whose first rows are its title lines (one per row), named as in the document."""
    offset, number = len(titles), table.number

    def namer(r: int, c: int) -> str:
        if r <= offset:
            return f"Bảng {number}, dòng tiêu đề {r}"
        return f"Bảng {number}, dòng {r - offset}, cột {c}"

    shift = lambda cell: (cell[0] + offset, cell[1])  # noqa: E731
    return Sheet(f"Bảng {number}", [(t,) for t in titles] + table.rows,
                 {shift(k): shift(v) for k, v in table.merges.items()}, set(), table.truncated,
                 row_merges=[(r1 + offset, c1, r2 + offset, c2) for r1, c1, r2, c2 in table.row_merges],
                 namer=namer)


# ---------------------------------------------------------------- the body

def _blocks(body):
    """('p', text) and ('tbl', element) of the body in order; content controls are unwrapped."""
    stack = list(reversed(list(body)))
    while stack:
        e = stack.pop()
        if e.tag == W + "p":
            yield "p", paragraph_text(e)
        elif e.tag == W + "tbl":
            yield "tbl", e
        elif e.tag in _WRAPPERS:
            stack.extend(reversed(list(e)))


def paragraph_text(p) -> str:
    """The text of a paragraph as a reader sees it: runs joined, tabs as spaces, line breaks as '\\n';
    deleted text and the fallback copy of a text box (mc:Fallback) left out."""
    out, stack = [], [p]
    while stack:
        e = stack.pop()
        if e.tag == W + "t":
            out.append(e.text or "")
        elif e.tag in _BREAKS:
            out.append(_BREAKS[e.tag])
        elif e.tag != _FALLBACK and e.tag != W + "tbl":
            stack.extend(reversed(list(e)))
    return "".join(out)


def _headings(blocks) -> list[str]:
    """The lines before the first body paragraph or table: short paragraphs, and the cells of a small
    table that opens the document (a letterhead), at most HEADING_LINES."""
    lines: list[str] = []
    for kind, item in blocks:
        if kind == "tbl":   # only a letterhead: first in the document, small, no counts in it
            rows = item.findall(W + "tr")
            texts = [paragraph_text(p) for tr in rows for tc in tr.findall(W + "tc") for p in tc.iter(W + "p")]
            if lines or len(rows) > HEADING_TABLE_ROWS or any(_COUNT.fullmatch(clean(t)) for t in texts):
                break
        else:
            if len(clean(item)) > BODY_CHARS or (lines and _NUMBERED.match(clean(item))):
                break
            texts = [item]
        lines += [clean(line) for text in texts for line in text.split("\n") if clean(line)]
        if len(lines) >= HEADING_LINES:
            break
    return lines[:HEADING_LINES]


# ---------------------------------------------------------------- tables

def _table(tbl, number: int, caption: list[str], max_rows: int, max_cols: int) -> Table:
    """Rows of values with every merge: gridSpan spreads a cell across, vMerge continues the cell above."""
    table = Table(number, [], caption=caption)
    origin: dict[int, tuple[int, int]] = {}      # grid column -> the vMerge 'restart' cell above
    spans: dict[tuple[int, int], tuple[int, int]] = {}   # merge origin -> (last row, last column)
    for r, tr in enumerate(tr for tr in _children(tbl, "tr")):
        if r >= max_rows:
            table.truncated = True
            break
        table.rows.append(_row(tr, r + 1, origin, spans, max_cols))
    for (r1, c1), (r2, c2) in spans.items():
        if r2 > r1:
            table.row_merges.append((r1, c1, r2, c2))
        if r1 <= HEAD_ROWS * 2 and (r2 - r1 + 1) * (c2 - c1 + 1) <= MERGE_AREA:   # head merges, as .xlsx
            table.merges.update({(r, c): (r1, c1) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)})
    return table


def _row(tr, r: int, origin: dict, spans: dict, max_cols: int) -> tuple:
    values: list = [None] * _int(tr.find(f"{W}trPr/{W}gridBefore"), 0)
    for tc in _children(tr, "tc"):
        c = len(values) + 1
        if c > max_cols:
            break
        props = tc.find(W + "tcPr")
        span = max(1, min(_int(props.find(W + "gridSpan") if props is not None else None, 1), max_cols))
        vmerge = props.find(W + "vMerge") if props is not None else None
        values += [None] * span
        if vmerge is not None and vmerge.get(W + "val", "continue") == "continue" and c in origin:
            first = origin[c]
            spans[first] = (r, spans[first][1])
            continue
        values[c - 1] = cell_value("\n".join(paragraph_text(p) for p in _children(tc, "p")))
        origin.pop(c, None)     # a cell of its own ends any vertical merge in its column
        if vmerge is not None:  # 'restart': the rows below may continue it
            origin[c] = (r, c)
        if vmerge is not None or span > 1:
            spans[(r, c)] = (r, c + span - 1)
    return tuple(values[:max_cols])


def _children(e, name: str):
    """The `name` children of e, looking through content controls (a row or cell inside <w:sdt>)."""
    stack = list(reversed(list(e)))
    while stack:
        x = stack.pop()
        if x.tag == W + name:
            yield x
        elif x.tag in _WRAPPERS:
            stack.extend(reversed(list(x)))


def cell_value(text: str):
    """A cell's value: None when empty, an int for a plain count ('06', '4.819'), else the text."""
    text = clean(text[:MAX_CELL_CHARS])
    if not text:
        return None
    return int(text.replace(".", "")) if _COUNT.fullmatch(text) else text


def _int(e, default: int) -> int:
    value = e.get(W + "val") if e is not None else None
    return int(value) if value and value.isdigit() and len(value) < 4 else default
