"""The crafted files of the integrity and security review (issue 11), rebuilt at test time.

Each once held a CPU core for minutes, took gigabytes, or slipped past a check (a DOCTYPE that
loaded, macros stored and served). CRAFTED maps an upload name to (builder, the one problem code
that must refuse it); tests/test_hostile.py checks every one, bench/bench_hostile.py times them.
Sizes stay just under the zip-bomb guard's per-member ratio check (2 MB), as an attacker's would.
"""
from __future__ import annotations

import io
import random
import re
import struct
import zipfile
import zlib
from functools import lru_cache

from openpyxl import Workbook

from tests.workbooks import to_bytes

MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
UNDER_RATIO_CHECK = 1_900_000     # bytes of XML: one member below etl.reading.safety.RATIO_MIN_BYTES


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i.filename) for i in zf.infolist()}


def pack(parts: dict[str, bytes], level: int = 9) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, body in parts.items():
            zf.writestr(name, body)
    return buf.getvalue()


@lru_cache(maxsize=1)
def _good() -> bytes:
    from tests.hostile.corpus import good
    return good()


def _with_cell(xml: bytes, ref: bytes, cell: bytes) -> bytes:
    """Sheet XML with the <c r=ref> element replaced by `cell`."""
    start = xml.index(b'<c r="' + ref + b'"')
    return xml[:start] + cell + xml[xml.index(b"</c>", start) + 4:]


def _good_with_sheet(edit) -> bytes:
    parts = members(_good())
    parts["xl/worksheets/sheet2.xml"] = edit(parts["xl/worksheets/sheet2.xml"])
    return pack(parts)


# ---------------------------------------------------------------- quadratic scans of sheet XML

def comment_of_fragments() -> bytes:
    """Cell D7 holds only an XML comment of '<f <row ' fragments (~1.9 MB, a few KB zipped) and a row
    is hidden: each '<f' once searched back to D7's tag and each '<row' scanned to the comment's end."""
    body = b"<f <row " * (UNDER_RATIO_CHECK // 8)
    return _good_with_sheet(lambda xml: _with_cell(xml, b"D7", b'<c r="D7"><!-- ' + body + b" --></c>")
                            .replace(b'<row r="8"', b'<row r="8" hidden="1"', 1))


def formulas_far_from_their_cell() -> bytes:
    """Cell D7 holds 230,000 <f> children and no saved value: each once searched back to D7's tag."""
    body = b"<f>1</f>" * (UNDER_RATIO_CHECK // 8)
    return _good_with_sheet(lambda xml: _with_cell(xml, b"D7", b'<c r="D7">' + body + b"</c>"))


def merges_repeated() -> bytes:
    """60,000 copies of one 400-cell merge over the table head: each was spread cell by cell."""
    merges = b'<mergeCell ref="A1:T20"/>' * 60_000
    return _good_with_sheet(lambda xml: re.sub(rb"<mergeCells[^>]*>", b"<mergeCells>" + merges, xml, count=1)
                            if b"<mergeCells" in xml else xml)


def long_texts_to_match() -> bytes:
    """Header and unit cells of 32,000 characters that the matching patterns once scanned in
    quadratic time ('(a(a(a…' without a closing bracket; '1 1 1 …')."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Biểu"
    ws.append(["BIỂU TỔNG HỢP KẾT QUẢ CÔNG TÁC DÂN VẬN QUÝ II NĂM 2024"])
    ws.append(["STT", "Đơn vị", "Số hội nghị"] + ["(a" * 16_000] * 12)
    ws.append([1, "(a" * 16_000, 3])
    ws.append([2, "1 " * 16_000 + "x", 4])
    return to_bytes(wb)


# ---------------------------------------------------------------- many sheets, one part

def sheets_sharing_one_part(count: int) -> bytes:
    """`count` sheets whose entries all point at one part outside xl/worksheets/: a table head over
    9,000 rows without numbers, which the reader once read in full for every sheet."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Biểu")
    ws.append(["BIỂU TỔNG HỢP KẾT QUẢ CÔNG TÁC DÂN VẬN QUÝ II NĂM 2024"])
    ws.append(["STT", "Đơn vị", "Số hội nghị", "Lượt người tham dự"])
    for i in range(9_000):
        ws.append([None, f"Đơn vị {i}", "-", "-"])
    parts = members(to_bytes(wb))
    parts["xl/data/shared.xml"] = parts.pop("xl/worksheets/sheet1.xml")
    for name in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
        parts[name] = parts[name].replace(b"worksheets/sheet1.xml", b"data/shared.xml")
    entries = b"".join(b'<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
                       b'name="Trang %d" sheetId="%d" r:id="rId1"/>' % (i, i) for i in range(1, count + 1))
    parts["xl/workbook.xml"] = re.sub(rb"<sheets>.*</sheets>", b"<sheets>" + entries + b"</sheets>",
                                      parts["xl/workbook.xml"], flags=re.S)
    return pack(parts)


# ---------------------------------------------------------------- shared strings

SHARED_STRINGS_TYPE = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                       b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
SST_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="' + MAIN_NS + b'">'


def _good_declaring_shared_strings() -> dict[str, bytes]:
    """good()'s parts, its content types declaring xl/sharedStrings.xml as openpyxl finds it."""
    parts = members(_good())
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", SHARED_STRINGS_TYPE)
    return parts


def shared_strings_counted(count: int) -> bytes:
    """`count` tiny distinct shared strings (a few MB)."""
    parts = _good_declaring_shared_strings()
    parts["xl/sharedStrings.xml"] = SST_HEAD + b"".join(b"<si><t>%d</t></si>" % i for i in range(count)) + b"</sst>"
    return pack(parts)


def _strings_block(seed: int) -> bytes:
    """~1 MB of <si> entries of random words from a small vocabulary (deflates ~10:1)."""
    rng = random.Random(seed)
    words = [w.encode() for w in ("dân", "vận", "khéo", "hội", "nghị", "mô", "hình")]
    out, size = [], 0
    while size < 2**20:
        out.append(b"<si><t>" + b" ".join(rng.choices(words, k=6)) + b"</t></si>")
        size += len(out[-1])
    return b"".join(out)


def shared_strings_of(megabytes: int) -> bytes:
    """A workbook under 20 MB whose shared strings inflate to `megabytes` MB (~10:1, under the zip-bomb
    guard's ratio); openpyxl reads them all when the workbook opens (1.3 GB and 36 s for 174 MB).
    The member is deflated once per distinct 1 MB block and the blocks repeated (each block is
    flushed with Z_FULL_FLUSH, so it decodes on its own): building it takes a second, not minutes."""
    blocks = [_strings_block(seed) for seed in range(4)]
    pieces = [SST_HEAD] + [blocks[i % 4] for i in range(megabytes)] + [b"</sst>"]
    deflated = {id(p): _deflate_alone(p) for p in [SST_HEAD, *blocks]}
    stream = b"".join(deflated[id(p)] for p in pieces[:-1]) + _deflate_alone(b"</sst>", last=True)
    crc = 0
    for piece in pieces:
        crc = zlib.crc32(piece, crc)
    return _with_raw_member(pack(_good_declaring_shared_strings()), "xl/sharedStrings.xml", stream,
                            sum(map(len, pieces)), crc)


def _deflate_alone(data: bytes, last: bool = False) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)


def _with_raw_member(data: bytes, name: str, deflated: bytes, size: int, crc: int) -> bytes:
    """The zip `data` with one more member given as its raw deflate stream."""
    cd_start, = struct.unpack_from("<I", data, len(data) - 6)
    count, = struct.unpack_from("<H", data, len(data) - 12)
    head = data[:cd_start]
    central = data[cd_start:len(data) - 22]
    fields = (20, 0, 8, 0, 0x21, crc, len(deflated), size, len(name), 0)
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + name.encode()
    entry = struct.pack("<IH" + "HHHHHIIIHH" + "HHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, len(head)) + name.encode()
    central += entry
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count + 1, count + 1, len(central),
                      len(head) + len(local) + len(deflated), 0)
    return head + local + deflated + central + end


# ---------------------------------------------------------------- DOCTYPE in any part, any encoding

def doctype_in_unreferenced_part() -> bytes:
    """A DOCTYPE in a part nothing points at (the scan must not trust names or references)."""
    parts = members(_good())
    parts["xl/ghi_chu.xml"] = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    return pack(parts)


def doctype_in_utf16() -> bytes:
    """The sheet XML re-encoded as UTF-16, with an external entity: no '<!DOCTYPE' bytes in ASCII."""
    def edit(xml: bytes) -> bytes:
        text = xml.decode("utf-8").replace("<worksheet", '<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                                         "<worksheet", 1)
        return text.replace('<?xml version="1.0" encoding="UTF-8"?>', "").encode("utf-16")
    return _good_with_sheet(edit)


def doctype_in_utf7() -> bytes:
    """Shared strings declared UTF-7, spelling '<!DOCTYPE' as '+ADwAIQ-DOCTYPE' (a classic filter bypass)."""
    parts = _good_declaring_shared_strings()
    parts["xl/sharedStrings.xml"] = (b'<?xml version="1.0" encoding="UTF-7"?>+ADwAIQ-DOCTYPE sst +AFs-'
                                     b'+ADwAIQ-ENTITY x SYSTEM +ACI-file:///etc/passwd+ACI-+AD4AXQA+-'
                                     b'<sst xmlns="' + MAIN_NS + b'"><si><t>+ACY-x;</t></si></sst>')
    return pack(parts)


# ---------------------------------------------------------------- macros

_VBA = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"Attribute VB_Name = \"Module1\"\r\nSub Auto_Open()"


def macro_workbook(renamed: bool = False) -> bytes:
    """What Excel saves as .xlsm: a vbaProject.bin and the macro-enabled workbook type. `renamed`:
    the vbaProject.bin left out, only the content type still says macro-enabled (saved as .xlsx)."""
    parts = members(_good())
    types = parts["[Content_Types].xml"].replace(b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml")
    types = types.replace(b"application/vnd.openxmlformats-officedocument.sheet.macroEnabled",
                          b"application/vnd.ms-excel.sheet.macroEnabled")
    if not renamed:
        parts["xl/vbaProject.bin"] = _VBA
        types = types.replace(b"</Types>", b'<Default Extension="bin" ContentType="application/'
                                           b'vnd.ms-office.vbaProject"/></Types>')
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>", b'<Relationship Type="http://schemas.microsoft.com/office/2006/relationships/'
                                 b'vbaProject" Target="vbaProject.bin" Id="rIdVBA"/></Relationships>')
    parts["[Content_Types].xml"] = types
    return pack(parts)


def excel4_macro_sheet() -> bytes:
    """An Excel 4.0 macro sheet (xl/macrosheets/), which runs without VBA."""
    parts = members(_good())
    parts["xl/macrosheets/sheet1.xml"] = (b'<xm:macrosheet xmlns:xm="http://schemas.microsoft.com/office/excel/'
                                          b'2006/main"><sheetData/></xm:macrosheet>')
    return pack(parts)


CRAFTED: dict[str, tuple] = {
    "binh_luan_chua_the_f.xlsx": (comment_of_fragments, "formula_without_value"),
    "cong_thuc_xa_o.xlsx": (formulas_far_from_their_cell, "formula_without_value"),
    "o_gop_lap_lai.xlsx": (merges_repeated, "no_table_found"),
    "chu_dai_bac_hai.xlsx": (long_texts_to_match, "unknown_unit"),
    "800_trang_tinh_mot_phan.xlsx": (lambda: sheets_sharing_one_part(800), "too_many_sheets"),
    "200_trang_tinh_mot_phan.xlsx": (lambda: sheets_sharing_one_part(200), "file_too_large"),
    "chuoi_chung_170mb.xlsx": (lambda: shared_strings_of(170), "file_too_large"),
    "chuoi_chung_30mb.xlsx": (lambda: shared_strings_of(30), "too_many_shared_strings"),
    "300k_chuoi_chung.xlsx": (lambda: shared_strings_counted(300_000), "too_many_shared_strings"),
    "xxe_thanh_phan_le.xlsx": (doctype_in_unreferenced_part, "file_doctype"),
    "xxe_utf16.xlsx": (doctype_in_utf16, "file_doctype"),
    "xxe_utf7.xlsx": (doctype_in_utf7, "file_unreadable"),
    "macro.xlsm": (macro_workbook, "file_has_macros"),
    "macro_doi_ten.xlsx": (lambda: macro_workbook(renamed=True), "file_has_macros"),
    "macro_excel4.xlsx": (excel4_macro_sheet, "file_has_macros"),
}
