"""What an .xlsx package holds, read the way openpyxl will read it, before openpyxl reads it.

Used by etl.reading.safety. Every function streams zip members in chunks (memory stays flat) and runs in
time linear in their size: a DTD marker scan over every part, the XML encoding each part declares,
macro parts, the workbook part and the parts its sheets point at (openpyxl follows the same
[Content_Types].xml -> workbook -> rels path), and the shared-strings count. XML is parsed here
only after `dtd_part` found no DOCTYPE/ENTITY anywhere.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from xml.etree import ElementTree

CHUNK = 2**20
_MARKS = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY")
               for enc in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"))
_OVERLAP = max(len(m) for m in _MARKS) - 1
# XML in another encoding than UTF-8 or a superset of ASCII could spell '<!DOCTYPE' in other bytes.
# How an XML parser tells UTF-16/32 and EBCDIC documents from their first bytes (XML 1.0, appendix F);
# a '<' must follow, so that media (an MP4 box may start 00 00 00 3C) never look like XML.
_WIDE_STARTS = (b"\xff\xfe<\x00", b"\xfe\xff\x00<", b"<\x00?\x00", b"\x00<\x00?",           # UTF-16
                b"\xff\xfe\x00\x00<\x00\x00\x00", b"\x00\x00\xfe\xff\x00\x00\x00<",           # UTF-32
                b"<\x00\x00\x00?\x00\x00\x00", b"\x00\x00\x00<\x00\x00\x00?", b"\x4c\x6f\xa7\x94")  # UTF-32; EBCDIC
_DECLARED = re.compile(rb'(?:\xef\xbb\xbf)?\s{0,64}<\?xml\s[^>]{0,200}?encoding\s{0,8}=\s{0,8}["\']([^"\']{0,40})')
ASCII_ENCODINGS = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252"}

WORKBOOK_TYPES = [  # the order openpyxl tries (reader.excel._find_workbook_part)
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"]
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
MACRO_TYPE_MARKS = ("macroenabled", "vbaproject", "macrosheet", "dialogsheet")   # in lower-cased content types
_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,31}:)?si[\s>/]")


def dtd_part(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> tuple[str, str]:
    """(member, why) of the first part with a DOCTYPE/ENTITY declaration or a non-UTF-8 XML encoding,
    or ('', ''). Every member is scanned, whatever its name: openpyxl parses what the rels point at."""
    for info in infos:
        why = _scan_for_dtd(zf, info)
        if why:
            return info.filename, why
    return "", ""


def _scan_for_dtd(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """'doctype', 'encoding <name>' or '' for one member (streamed in 1 MB chunks)."""
    tail, encoding = b"", ""
    with zf.open(info) as stream:
        chunk = stream.read(CHUNK)
        encoding = _foreign_encoding(chunk)
        while chunk:
            window = tail + chunk
            if b"!" in window and any(mark in window for mark in _MARKS):  # every mark holds a '!' byte
                return "doctype"
            tail = window[-_OVERLAP:]
            chunk = stream.read(CHUNK)
    return f"encoding {encoding}" if encoding else ""


def _foreign_encoding(head: bytes) -> str:
    """The encoding a part's first bytes use or declare when it is not ASCII-compatible, else ''."""
    if head.startswith(_WIDE_STARTS):
        return "UTF-16/UTF-32/EBCDIC"
    m = _DECLARED.match(head)
    name = m.group(1).decode("ascii", "replace").strip() if m else ""
    return name if name and name.lower() not in ASCII_ENCODINGS else ""


def macro_parts(infos: list[zipfile.ZipInfo]) -> list[str]:
    """Members that hold macros: a VBA project (vbaProject.bin) or Excel 4.0 macro/dialog sheets."""
    return [i.filename for i in infos if "vbaproject" in i.filename.lower()
            or i.filename.lower().startswith(("xl/macrosheets/", "xl/dialogsheets/"))]


def content_types(zf: zipfile.ZipFile) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """({extension: content type} of the Defaults, [(part, content type)] of the Overrides in order)."""
    defaults, overrides = {}, []
    for name, attrs in _elements(zf, "[Content_Types].xml", ("Default", "Override")):
        if name == "Default":
            defaults[attrs.get("Extension", "").lower()] = attrs.get("ContentType", "")
        else:
            overrides.append((attrs.get("PartName", "").lstrip("/"), attrs.get("ContentType", "")))
    return defaults, overrides


def workbook_part(defaults: dict[str, str], overrides: list[tuple[str, str]]) -> str:
    """The part openpyxl reads as the workbook (its own rules), or '' when it finds none."""
    for wanted in WORKBOOK_TYPES:
        for part, ctype in overrides:
            if ctype == wanted:
                return part
    return "xl/workbook.xml" if set(defaults.values()) & set(WORKBOOK_TYPES) else ""


def sheet_targets(zf: zipfile.ZipFile, workbook: str, limit: int) -> tuple[int, list[tuple[str, str]]]:
    """(number of <sheet> entries, (part, relationship type) each of the first `limit` points at,
    repeats kept: 800 sheets may point at one part, and openpyxl then reads it 800 times)."""
    if not workbook:
        return 0, []
    count, ids = 0, []
    for _name, attrs in _elements(zf, workbook, ("sheet",)):
        count += 1
        if count <= limit:
            ids.append(next((v for k, v in attrs.items() if k.endswith("}id")), ""))
    targets = relationship_targets(zf, rels_path(workbook))
    return count, [targets[i] for i in ids if i in targets]


def relationship_targets(zf: zipfile.ZipFile, rels: str) -> dict[str, tuple[str, str]]:
    """{Id: (target part, type)} of a .rels part, targets resolved as openpyxl resolves them."""
    if rels not in zf.NameToInfo:
        return {}
    parent = posixpath.split(posixpath.dirname(rels))[0]
    out = {}
    for _name, attrs in _elements(zf, rels, ("Relationship",)):
        target = attrs.get("Target", "")
        if attrs.get("TargetMode") == "External" or not target:
            continue
        part = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(parent, target))
        out[attrs.get("Id", "")] = (part, attrs.get("Type", ""))
    return out


def read_bytes(zf: zipfile.ZipFile, part: str, depth: int, memo: dict) -> int:
    """Uncompressed bytes openpyxl reads for one reference to `part`: the part, its rels and, `depth`
    levels down, what those rels point at (a chart sheet's drawing and chart are read with it)."""
    key = (part, depth)
    if key not in memo:
        memo[key] = 0  # a reference cycle counts once
        info = zf.NameToInfo.get(part)
        rels = zf.NameToInfo.get(rels_path(part))
        total = (info.file_size if info else 0) + (rels.file_size if rels else 0)
        if depth > 0 and info and rels:
            total += sum(read_bytes(zf, target, depth - 1, memo)
                         for target, _type in relationship_targets(zf, rels.filename).values())
        memo[key] = total
    return memo[key]


def rels_path(part: str) -> str:
    """'xl/workbook.xml' -> 'xl/_rels/workbook.xml.rels'."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def count_shared_strings(zf: zipfile.ZipFile, part: str, limit: int) -> int:
    """How many <si> strings a shared-strings part holds, reading no further than past limit."""
    count, tail = 0, b""
    with zf.open(part) as stream:
        while count <= limit:
            chunk = stream.read(CHUNK)
            if not chunk:
                return count + sum(1 for _ in _SHARED_STRING.finditer(tail))
            window = tail + chunk
            cut = max(len(window) - 40, 0)   # a tag cut at the chunk's end is counted with the next one
            count += sum(1 for m in _SHARED_STRING.finditer(window) if m.start() < cut)
            tail = window[cut:]
    return count


def _elements(zf: zipfile.ZipFile, part: str, names: tuple[str, ...]):
    """(local name, attributes) of each element named in `names`, streamed: each element is dropped
    from the tree when it ends, so a part of millions of elements costs time, never memory."""
    if part not in zf.NameToInfo:
        return
    with zf.open(part) as stream:
        open_elements = []
        for event, elem in ElementTree.iterparse(stream, events=("start", "end")):
            if event == "start":
                open_elements.append(elem)
                continue
            open_elements.pop()
            local = elem.tag.rpartition("}")[2]
            if local in names:
                yield local, dict(elem.attrib)
            if open_elements:
                del open_elements[-1][-1]   # an element that ends is its parent's last child
