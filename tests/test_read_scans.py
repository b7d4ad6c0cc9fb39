"""The sheet-XML scans of etl.reading.read look at each byte a bounded number of times whatever the bytes
(crafted XML once made them quadratic: 12 minutes for 14 KB), agree with openpyxl on real sheets,
and the matching patterns only ever see cell text cut to MAX_CELL_CHARS, in linear time."""
from __future__ import annotations

import io
import random
import re
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

import etl.reading.read
from etl.reading import match, unit_names
from etl.reading.read import parse_workbook
from etl.reading.xlsx_sheets import MAX_CELL_CHARS, _bounded, _formula_cells, _hidden_rows, _merged_cells, _row_merges
from tests.hostile.crafted import long_texts_to_match
from tests.workbooks import catalogue_indicators, sample_units, to_bytes


class CountingBytes(bytes):
    """Bytes that add up how many bytes their find/rfind calls look at."""

    def find(self, sub, start=0, end=None):
        end = len(self) if end is None else end
        found = super().find(sub, start, end)
        self.scanned = getattr(self, "scanned", 0) + (found + len(sub) if found >= 0 else end) - start
        return found

    def rfind(self, sub, start=0, end=None):
        end = len(self) if end is None else end
        found = super().rfind(sub, start, end)
        self.scanned = getattr(self, "scanned", 0) + end - (found if found >= 0 else start)
        return found


N = 20_000
HOSTILE = {
    "f without cells": b"<f>" * N,
    "one cell, many f": b'<c r="D7">' + b"<f>1</f>" * N + b"</c>",
    "comment of fragments": b'<c r="D7"><!-- ' + b"<f <row " * N + b' --></c><row r="9" hidden="1"><c r="A9"/></row>',
    "cell tags never closed": b"<c " * N + b"<f>",
    "columns, then f": b"<col " * N + b"<f>",
    "rows never closed": b'<row r="1" hidden="1" ' * N,
    "hidden attributes only": b'hidden="' * N,
    "many formula cells": b"".join(b'<c r="A%d"><f>1</f><v>2</v></c>' % i for i in range(1, N)),
}


@pytest.mark.parametrize("name", list(HOSTILE))
@pytest.mark.parametrize("scan", [_formula_cells, _hidden_rows])
def test_scans_look_at_each_byte_a_bounded_number_of_times(name, scan):
    xml = CountingBytes(HOSTILE[name])
    scan(xml)
    assert getattr(xml, "scanned", 0) <= 3 * len(xml), f"{xml.scanned:,} bytes looked at for {len(xml):,}"


def test_scans_of_hostile_xml_find_what_is_there():
    assert _formula_cells(HOSTILE["one cell, many f"]) == {(7, 4)}
    assert _formula_cells(HOSTILE["comment of fragments"]) == {(7, 4)}
    assert _formula_cells(HOSTILE["f without cells"]) == set()
    assert _formula_cells(HOSTILE["many formula cells"]) == {(r, 1) for r in range(1, N)}
    assert _hidden_rows(HOSTILE["comment of fragments"]) == {9}
    assert _hidden_rows(HOSTILE["rows never closed"]) == set()   # no tag ever ends: nothing is a row


def test_scans_agree_with_openpyxl_on_a_real_sheet():
    wb = Workbook()
    ws = wb.active
    for r in range(1, 40):
        ws.append([r, f"Đơn vị {r}", f"=B{r}*2" if r % 3 == 0 else r, "=SUM(A1:A2)" if r % 7 == 0 else None])
    for r in (4, 9, 30):
        ws.row_dimensions[r].hidden = True
    for ref in ("A1:C2", "D5:D9", "B20:C20", "A30:B33"):
        ws.merge_cells(ref)
    full = load_workbook(io.BytesIO(to_bytes(wb)))["Sheet"]
    xml = zipfile.ZipFile(io.BytesIO(to_bytes(wb))).read("xl/worksheets/sheet1.xml")
    assert _formula_cells(xml) == {(c.row, c.column) for row in full.iter_rows() for c in row if c.data_type == "f"}
    assert _hidden_rows(xml) == {r for r, d in full.row_dimensions.items() if d.hidden}
    ranges = {(m.min_row, m.min_col, m.max_row, m.max_col) for m in full.merged_cells.ranges}
    assert set(_row_merges(xml)) == {m for m in ranges if m[2] > m[0]}
    assert _merged_cells(xml)[(2, 3)] == (1, 1) and _merged_cells(xml)[(8, 4)] == (5, 4)


def test_a_merge_repeated_60_000_times_is_spread_once():
    one = b'<mergeCells><mergeCell ref="A1:T20"/></mergeCells>'
    many = b"<mergeCells>" + b'<mergeCell ref="A1:T20"/>' * 60_000 + b"</mergeCells>"
    assert _merged_cells(many) == _merged_cells(one) and len(_merged_cells(one)) == 400


def test_long_cell_text_is_cut_once_and_shared():
    text = "Số hội nghị " * 5000
    rows = [_bounded((1, text, None, text)) for _ in range(3)]
    assert {len(r[1]) for r in rows} == {MAX_CELL_CHARS}
    assert len({id(r[c]) for r in rows for c in (1, 3)}) == 1   # one copy for a string filling many cells
    short = (1, "Huyện Yên Định", 3)
    assert _bounded(short) is short


def test_the_matching_patterns_only_see_cut_text(monkeypatch):
    """Header and unit cells of 32,000 characters: every cell the reader hands on is cut."""
    seen: list = []
    real_detect, real_read = etl.reading.read.detect_layout, etl.reading.read._read_full

    def detect(sheet, *args):
        seen.extend(v for row in sheet.rows for v in row if isinstance(v, str))
        return real_detect(sheet, *args)

    def read(*args):
        sheet = real_read(*args)
        seen.extend(v for row in sheet.rows for v in row if isinstance(v, str))
        return sheet
    monkeypatch.setattr(etl.reading.read, "detect_layout", detect)
    monkeypatch.setattr(etl.reading.read, "_read_full", read)
    parsed = parse_workbook(long_texts_to_match(), "dai.xlsx", units=sample_units(), indicators=catalogue_indicators(),
                            today=date(2026, 1, 1))
    assert [p.code for p in parsed.problems if p.is_error] == ["unknown_unit", "unknown_unit"]
    assert seen and max(map(len, seen)) == MAX_CELL_CHARS


def test_brackets_are_dropped_without_running_the_pattern_over_unclosed_ones(monkeypatch):
    texts = []

    class Spy:
        def sub(self, repl, text):
            texts.append(text)
            return re.sub(r"\([^)]*\)", repl, text)
    monkeypatch.setattr(match, "_PARENS", Spy())
    assert match._drop_parens("(a" * 50_000) == "(a" * 50_000 and texts == []
    assert match._drop_parens("Số hội nghị (cuộc) (") == "Số hội nghị   ("
    assert texts == ["Số hội nghị (cuộc)"]


FORMER = {  # the patterns before issue 11: the new ones must give the same answers
    "parens": (re.compile(r"\([^)]*\)"), lambda p, s: p.sub(" ", s), match._drop_parens),
    "numbering": (re.compile(r"^(?:[ivxlc]+|\d+(?: \d+)*|[a-z])\s+(?=\S)"), lambda p, s: p.sub("", s, count=1),
                  lambda s: match._NUMBERING.sub("", s, count=1)),
    "leading number": (re.compile(r"^\d+(?:\s\d+)*\s+(?=\D)"), lambda p, s: p.sub("", s),
                       lambda s: unit_names._LEADING_NUMBER.sub("", s)),
}


@pytest.mark.parametrize("name", list(FORMER))
def test_rewritten_patterns_answer_as_before(name):
    former, apply, new = FORMER[name]
    rng = random.Random(11)
    for _ in range(20_000):
        s = "".join(rng.choice("12 ivax()\t") for _ in range(rng.randint(0, 12)))
        assert new(s) == apply(former, s), repr(s)
