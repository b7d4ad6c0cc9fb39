"""etl.reading.package reads an .xlsx package as openpyxl will, before openpyxl does: DTD markers in any part
and encoding, the workbook part and its sheets (repeats kept), shared strings counted exactly."""
from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.packaging.manifest import Manifest
from openpyxl.reader.excel import _find_workbook_part
from openpyxl.xml.functions import fromstring

from etl.reading import package
from tests.hostile.crafted import members, pack, sheets_sharing_one_part
from tests.workbooks import to_bytes


def zipped(parts: dict[str, bytes]) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(pack(parts)))


@pytest.mark.parametrize("body, found", [
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "1">]><x/>', "doctype"),
    (b"<x>" + b" " * 5000 + b"<!ENTITY e SYSTEM 'file:///etc/passwd'></x>", "doctype"),
    ('<!DOCTYPE x><x/>'.encode("utf-16"), "doctype"),
    ('<!DOCTYPE x><x/>'.encode("utf-16-be"), "doctype"),
    ('<!DOCTYPE x><x/>'.encode("utf-32"), "doctype"),
    ("<x>ĐƠN VỊ</x>".encode("utf-16"), "encoding UTF-16/UTF-32/EBCDIC"),
    (b'<?xml version="1.0" encoding="UTF-7"?><x/>', "encoding UTF-7"),
    (b'<?xml version="1.0" encoding="ebcdic-cp-us"?><x/>', "encoding ebcdic-cp-us"),
    (b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8" standalone="yes"?><x>&lt;!DOCTYPE</x>', ""),
    (b"<?xml version='1.0' encoding='windows-1252'?><x/>", ""),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, ""),
    (b"\x00\x00\x00<ftypisom" + bytes(range(256)) * 40, ""),   # an MP4 whose first box is 60 bytes long
    ("<?xml version='1.0'?><x/>".encode("utf-32"), "encoding UTF-16/UTF-32/EBCDIC"),
    ("<?xml version='1.0'?><x/>".encode("cp037"), "encoding UTF-16/UTF-32/EBCDIC"),
])
def test_dtd_markers_and_foreign_encodings_are_found_in_any_member(monkeypatch, body, found):
    monkeypatch.setattr(package, "CHUNK", 1024)   # markers across chunk boundaries are found too
    zf = zipped({"a.xml": b"<a/>", "xl/anything.bin": body})
    assert package.dtd_part(zf, zf.infolist()) == (("xl/anything.bin", found) if found else ("", ""))


def test_macro_parts_by_name():
    infos = [zipfile.ZipInfo(n) for n in ("xl/vbaProject.bin", "xl/VBAPROJECTSIGNATURE.bin",
                                          "xl/macrosheets/sheet1.xml", "xl/dialogsheets/d.xml",
                                          "xl/worksheets/sheet1.xml", "xl/media/vba.png")]
    assert package.macro_parts(infos) == ["xl/vbaProject.bin", "xl/VBAPROJECTSIGNATURE.bin",
                                          "xl/macrosheets/sheet1.xml", "xl/dialogsheets/d.xml"]


@pytest.mark.parametrize("types", [
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    b'spreadsheetml.sheet.main+xml"/>',
    b'<Override PartName="/xl/other/book.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    b'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml"/>',
    b'<Default Extension="xml" ContentType="application/vnd.openxmlformats-officedocument.'
    b'spreadsheetml.sheet.main+xml"/>',
    b'<Default Extension="xml" ContentType="application/xml"/>',
])
def test_the_workbook_part_is_the_one_openpyxl_reads(types):
    xml = b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' + types + b"</Types>"
    zf = zipped({"[Content_Types].xml": xml})
    try:
        expected = _find_workbook_part(Manifest.from_tree(fromstring(xml))).PartName[1:]
    except OSError:
        expected = ""
    assert package.workbook_part(*package.content_types(zf)) == expected


def test_sheets_pointing_at_one_part_are_listed_once_per_sheet():
    zf = zipfile.ZipFile(io.BytesIO(sheets_sharing_one_part(7)))
    count, targets = package.sheet_targets(zf, "xl/workbook.xml", limit=5)
    assert count == 7
    assert [part for part, _kind in targets] == ["xl/data/shared.xml"] * 5


def test_sheet_targets_resolve_relative_absolute_and_external_as_openpyxl_does():
    wb = Workbook()
    wb.create_sheet("Hai")
    parts = members(to_bytes(wb))
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b'Target="/xl/worksheets/sheet2.xml"', b'Target="worksheets/../worksheets/sheet2.xml"').replace(
        b'Target="/xl/worksheets/sheet1.xml"', b'Target="http://example.com/x.xml" TargetMode="External"')
    count, targets = package.sheet_targets(zipped(parts), "xl/workbook.xml", limit=10)
    assert count == 2 and [t for t, _ in targets] == ["xl/worksheets/sheet2.xml"]


def test_a_chart_sheet_counts_its_drawing_and_charts_for_every_reference():
    rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="r1" Type="t" Target="{}"/></Relationships>')
    parts = {"xl/chartsheets/c.xml": b"c" * 100, "xl/chartsheets/_rels/c.xml.rels": rels.format("../d/d.xml").encode(),
             "xl/d/d.xml": b"d" * 1000, "xl/d/_rels/d.xml.rels": rels.format("../charts/k.xml").encode(),
             "xl/charts/k.xml": b"k" * 10_000}
    zf = zipped(parts)
    sizes = {name: zf.getinfo(name).file_size for name in parts}
    assert package.read_bytes(zf, "xl/chartsheets/c.xml", 0, {}) == 100 + sizes["xl/chartsheets/_rels/c.xml.rels"]
    assert package.read_bytes(zf, "xl/chartsheets/c.xml", 2, {}) == sum(sizes.values())


@pytest.mark.parametrize("chunk", [7, 64, 2**20])
def test_shared_strings_are_counted_exactly_whatever_the_chunks(monkeypatch, chunk):
    monkeypatch.setattr(package, "CHUNK", chunk)
    table = b"".join([b"<si><t>a</t></si>", b'<x:si xml:space="p"><x:t>b</x:t></x:si>', b"<si/>",
                      b"<sis>no</sis>", b"</si>"] * 50)
    zf = zipped({"xl/s.xml": b"<sst>" + table + b"</sst>"})
    assert package.count_shared_strings(zf, "xl/s.xml", limit=10**6) == 150
    assert 11 <= package.count_shared_strings(zf, "xl/s.xml", limit=10) <= 150   # stops soon after the limit
