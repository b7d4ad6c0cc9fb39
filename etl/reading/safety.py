"""File safety before any parser touches an upload: size caps, content sniffing, zip-bomb guard,
DOCTYPE/ENTITY and macro refusal, and caps on what openpyxl would read (sheets, per reference).

`check_upload(data, file_name)` returns Problems (empty when the bytes look like a sane .xlsx or
.docx, or an .xls/.ods that passes etl.reading.formats' own checks). For .xlsx and .docx (both zips of Office
XML) the zip directory is checked first (nothing decompressed); then every member is streamed once for
DTD markers and macros are refused (etl.reading.package), and only then is any XML of the package parsed.
Every step is linear in the declared sizes, which Python's zipfile never reads past. Each refusal
names its limit.
"""
from __future__ import annotations

import io
import lzma
import zipfile
import zlib
from xml.etree.ElementTree import ParseError

from etl.config import get_settings
from etl.problems import Problem, problem
from etl.reading import package
from etl.reading.formats import check_other_format, is_docx_names

MAX_UPLOAD_BYTES = 20 * 2**20
MAX_UNCOMPRESSED_BYTES = 200 * 2**20   # sum of the members' declared sizes
MAX_RATIO = 100                        # per member, for members above RATIO_MIN_BYTES
RATIO_MIN_BYTES = 2 * 2**20
MAX_MEMBERS = 5000
MAX_PART_BYTES = 50 * 2**20            # any one member, whatever its name
# Sheet XML is what openpyxl parses (twice when a writer left out <dimension>): bound the parse time.
# A 3,321-row × 12-indicator sheet is ~2 MB of XML. Counted per reference: 800 sheets pointing at one
# part make openpyxl read it 800 times.
MAX_SHEET_XML_BYTES = 50 * 2**20
MAX_SHEETS = 250                       # a sheet per commune of a province (Thanh Hóa: 166) fits
MAX_SHARED_STRINGS = 200_000           # a 3,321-row sheet holds ~3,500
MAX_SHARED_STRINGS_BYTES = 20 * 2**20  # all read into memory when the workbook opens
CHART_SHEET_DEPTH = 2                  # a chart sheet is read with its drawing and that drawing's charts
# A .docx's main part is parsed whole (etl.reading.docx_sheets): a 40-page report is ~1 MB of XML.
DOCUMENT_PART = "word/document.xml"
MAX_DOCUMENT_XML_BYTES = 20 * 2**20

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")


def human_size(n: int) -> str:
    """2_500_000 -> '2,4 MB' (Vietnamese decimal comma)."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}".replace(".", ",")
    return f"{n} byte"


def describe_content(data: bytes) -> str:
    """What non-zip bytes look like, in Vietnamese ('tệp PDF', 'tệp Excel 97-2003 (.xls)' …)."""
    head = data[:2048]
    if head.startswith(b"%PDF"):
        return "nội dung là tệp PDF"
    if head.startswith(_OLE2):
        return "nội dung là tệp Office 97-2003 nhưng không phải bảng tính"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head")) or b"<html" in text:
        return "nội dung là trang web HTML"
    if text.startswith(b"<?xml"):
        return "nội dung là tệp XML (có thể là bảng tính XML 2003)"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "nội dung là hình ảnh"
    if b"\x00" not in head and _is_text(head):
        return "nội dung là văn bản thuần hoặc CSV"
    return "không nhận ra định dạng"


def _is_text(head: bytes) -> bool:
    for encoding in ("utf-8", "utf-16", "cp1258"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _describe_zip(names: set[str]) -> str:
    if "ppt/presentation.xml" in names:
        return "nội dung là tệp PowerPoint .pptx"
    if "mimetype" in names or "content.xml" in names:
        return "nội dung là tệp OpenDocument nhưng không phải bảng tính .ods (có thể là .odt)"
    return "tệp nén .zip không chứa bảng tính Excel"


def check_file_count(count: int, limit: int | None = None) -> list[Problem]:
    """A Problem when one upload (page) or one `load` command holds more files than allowed."""
    limit = get_settings().upload_max_files if limit is None else limit
    return [problem("too_many_files", count=_count(count), limit=_count(limit))] if count > limit else []


def check_size(data: bytes, file_name: str = "", max_bytes: int = MAX_UPLOAD_BYTES) -> list[Problem]:
    """The upload-size refusal alone (reads nothing), for a page to answer before any parse."""
    if len(data) > max_bytes:
        return [problem("file_too_large", detail=f"{human_size(len(data))}, tối đa {human_size(max_bytes)}",
                        file=file_name)]
    return []


def check_upload(data: bytes, file_name: str = "", max_bytes: int = MAX_UPLOAD_BYTES) -> list[Problem]:
    """Problems that refuse the bytes before parsing (empty list: safe to open with openpyxl)."""
    where = dict(file=file_name)
    if len(data) > max_bytes:
        return check_size(data, file_name, max_bytes)
    if not data:
        return [problem("file_unreadable", detail="tệp rỗng", **where)]
    other = check_other_format(data, file_name)   # .xls and .ods have their own checks (etl.reading.formats)
    if other is not None:
        return other
    if not data.startswith(_ZIP):
        return [problem("file_not_xlsx", detail=describe_content(data), **where)]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return _check_package(zf, where)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, ParseError, zlib.error,
            lzma.LZMAError, NotImplementedError, RuntimeError):  # damaged, encrypted or oddly compressed members
        return [problem("file_unreadable", detail="tệp bị hỏng hoặc tải lên chưa trọn vẹn", **where)]


def _check_package(zf: zipfile.ZipFile, where: dict) -> list[Problem]:
    infos = zf.infolist()
    names = {i.filename for i in infos}
    document = is_docx_names(names)
    if "[Content_Types].xml" not in names or not ("xl/workbook.xml" in names or document):
        return [problem("file_not_xlsx", detail=_describe_zip(names), **where)]
    bomb = zip_bomb_detail(infos)
    if bomb:
        return [problem("file_zip_bomb", detail=bomb, **where)]
    big = max(infos, key=lambda i: i.file_size)
    if big.file_size > MAX_PART_BYTES:
        detail = (f"thành phần {big.filename} giải nén ra {human_size(big.file_size)}, "
                  f"tối đa {human_size(MAX_PART_BYTES)} mỗi thành phần")
        return [problem("file_too_large", detail=detail, **where)]
    macros = package.macro_parts(infos)
    if macros:
        return [problem("file_has_macros", detail=f"thành phần {macros[0]}", **where)]
    part, why = package.dtd_part(zf, infos)
    if why == "doctype":
        return [problem("file_doctype", part=part, **where)]
    if why:
        return [problem("file_unreadable", detail=f"thành phần {part} dùng bảng mã {why.split(' ', 1)[1]}, "
                                                  "không phải UTF-8 như Excel lưu", **where)]
    return _check_document(zf, where) if document else _check_contents(zf, where)


def _check_document(zf: zipfile.ZipFile, where: dict) -> list[Problem]:
    """A .docx, now that its XML is known to hold no DTD: no macro content type (.docm), and a main
    document part etl.reading.docx_sheets may parse whole."""
    defaults, overrides = package.content_types(zf)
    macro = next((t for t in (*defaults.values(), *(t for _p, t in overrides))
                  if any(m in t.lower() for m in package.MACRO_TYPE_MARKS)), "")
    if macro:
        return [problem("file_has_macros", detail=f"kiểu nội dung {macro}", **where)]
    size = zf.getinfo(DOCUMENT_PART).file_size
    if size > MAX_DOCUMENT_XML_BYTES:
        detail = (f"nội dung văn bản giải nén ra {human_size(size)}, tối đa {human_size(MAX_DOCUMENT_XML_BYTES)}")
        return [problem("file_too_large", detail=detail, **where)]
    return []


def _check_contents(zf: zipfile.ZipFile, where: dict) -> list[Problem]:
    """What openpyxl will read, now that the XML is known to hold no DTD: macros by content type,
    shared strings, sheets (count, and bytes per reference)."""
    defaults, overrides = package.content_types(zf)
    types = [t.lower() for t in [*defaults.values(), *(t for _p, t in overrides)]]
    macro = next((t for t in types if any(m in t for m in package.MACRO_TYPE_MARKS)), "")
    if macro:
        return [problem("file_has_macros", detail=f"kiểu nội dung {macro}", **where)]
    return _check_shared_strings(zf, overrides, where) or _check_sheets(zf, defaults, overrides, where)


def _check_shared_strings(zf: zipfile.ZipFile, overrides: list, where: dict) -> list[Problem]:
    parts = [p for p, t in overrides if t == package.SHARED_STRINGS_TYPE and p in zf.NameToInfo]
    size = sum(zf.getinfo(p).file_size for p in parts)
    if size > MAX_SHARED_STRINGS_BYTES:
        return [problem("too_many_shared_strings", detail=f"giải nén ra {human_size(size)}",
                        limit=human_size(MAX_SHARED_STRINGS_BYTES), **where)]
    count = sum(package.count_shared_strings(zf, p, MAX_SHARED_STRINGS) for p in parts)
    if count > MAX_SHARED_STRINGS:
        return [problem("too_many_shared_strings", detail=f"hơn {_count(MAX_SHARED_STRINGS)} chuỗi",
                        limit=f"{_count(MAX_SHARED_STRINGS)} chuỗi", **where)]
    return []


def _check_sheets(zf: zipfile.ZipFile, defaults: dict, overrides: list, where: dict) -> list[Problem]:
    workbook = package.workbook_part(defaults, overrides)
    count, targets = package.sheet_targets(zf, workbook, MAX_SHEETS)
    if count > MAX_SHEETS:
        return [problem("too_many_sheets", count=_count(count), limit=_count(MAX_SHEETS), **where)]
    memo: dict = {}
    size = sum(package.read_bytes(zf, part, CHART_SHEET_DEPTH if "chartsheet" in kind else 0, memo)
               for part, kind in targets)
    if size > MAX_SHEET_XML_BYTES:
        detail = (f"các trang tính giải nén ra {human_size(size)}, tính mỗi lần một trang tính được đọc; "
                  f"tối đa {human_size(MAX_SHEET_XML_BYTES)}")
        return [problem("file_too_large", detail=detail, **where)]
    return []


def _count(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def zip_bomb_detail(infos: list[zipfile.ZipInfo]) -> str:
    """Why the zip directory looks like a decompression bomb, or '' when it does not."""
    if len(infos) > MAX_MEMBERS:
        return f"{len(infos)} thành phần"
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        return f"giải nén ra {human_size(total)}, tối đa {human_size(MAX_UNCOMPRESSED_BYTES)}"
    for i in infos:
        if i.file_size > RATIO_MIN_BYTES and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            return f"thành phần {i.filename} nén {i.file_size // max(i.compress_size, 1)}:1"
    return ""
