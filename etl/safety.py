"""File safety before any parser touches an upload: size cap, content sniffing, zip-bomb guard.

`check_upload(data, file_name)` returns Problems (empty when the bytes look like a sane .xlsx, or an
.xls/.ods that passes etl.formats' checks).
Everything here reads only the zip directory (`infolist`), never decompresses a member, so a
hostile file costs nothing to refuse.
"""
from __future__ import annotations

import io
import zipfile

from etl.formats import check_other_format
from etl.problems import Problem, problem

MAX_UPLOAD_BYTES = 20 * 2**20
MAX_UNCOMPRESSED_BYTES = 200 * 2**20   # sum of the members' declared sizes
MAX_RATIO = 100                        # per member, for members above RATIO_MIN_BYTES
RATIO_MIN_BYTES = 2 * 2**20
MAX_MEMBERS = 5000
# Sheet XML is what openpyxl parses (twice when a writer left out <dimension>): bound the parse time.
# A 3,321-row × 12-indicator sheet is ~2 MB of XML.
MAX_SHEET_XML_BYTES = 50 * 2**20

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
    if "word/document.xml" in names:
        return "nội dung là văn bản Word .docx"
    if "ppt/presentation.xml" in names:
        return "nội dung là tệp PowerPoint .pptx"
    if "mimetype" in names or "content.xml" in names:
        return "nội dung là tệp OpenDocument nhưng không phải bảng tính .ods (có thể là .odt)"
    return "tệp nén .zip không chứa bảng tính Excel"


def check_upload(data: bytes, file_name: str = "", max_bytes: int = MAX_UPLOAD_BYTES) -> list[Problem]:
    """Problems that refuse the bytes before parsing (empty list: safe to open with openpyxl)."""
    where = dict(file=file_name)
    if len(data) > max_bytes:
        return [problem("file_too_large", detail=f"{human_size(len(data))}, tối đa {human_size(max_bytes)}",
                        **where)]
    if not data:
        return [problem("file_unreadable", detail="tệp rỗng", **where)]
    other = check_other_format(data, file_name)   # .xls and .ods have their own checks (etl.formats)
    if other is not None:
        return other
    if not data.startswith(_ZIP):
        return [problem("file_not_xlsx", detail=describe_content(data), **where)]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return [problem("file_unreadable", detail="tệp bị hỏng hoặc tải lên chưa trọn vẹn", **where)]
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        return [problem("file_not_xlsx", detail=_describe_zip(names), **where)]
    bomb = zip_bomb_detail(infos)
    if bomb:
        return [problem("file_zip_bomb", detail=bomb, **where)]
    sheets = sum(i.file_size for i in infos if i.filename.startswith("xl/worksheets/"))
    if sheets > MAX_SHEET_XML_BYTES:
        return [problem("file_too_large", detail=f"các trang tính giải nén ra {human_size(sheets)}, "
                                                 f"tối đa {human_size(MAX_SHEET_XML_BYTES)}", **where)]
    return []


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
