"""Which format the bytes are (never the file name), and the safety checks for .xls and .ods before
any reader touches them (etl.reading.safety dispatches here; .xlsx and .docx, zips of Office XML, keep their
checks there).

    .xls  an OLE2 compound file holding a 'Workbook' (or 'Book') stream; not encrypted
    .ods  a zip whose 'mimetype' member says opendocument.spreadsheet, with content.xml: zip-bomb
          guard on the directory, content.xml capped, and no DOCTYPE (no entity can be declared,
          so none expands) before calamine or our own streaming scan parses it
    .docx a zip holding word/document.xml and no workbook (a written report; etl.reading.docx_sheets)
"""
from __future__ import annotations

import io
import zipfile

from etl.problems import Problem, problem

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
MAX_CONTENT_XML_BYTES = 50 * 2**20     # as etl.reading.safety.MAX_SHEET_XML_BYTES for .xlsx
MAX_XLS_SHEETS = 200


def file_kind(data: bytes) -> str:
    """'xlsx', 'xls', 'ods', 'docx' or '' from the bytes themselves."""
    if data.startswith(OLE2):
        return "xls"
    if data.startswith(b"PK\x03\x04"):
        # an .ods stores its mimetype first and uncompressed: name at 30, content right after it
        if data[30:38] == b"mimetype" and data[38:38 + len(ODS_MIMETYPE)] == ODS_MIMETYPE:
            return "ods"
        return "ods" if _ods_elsewhere(data) else "docx" if is_docx(data) else "xlsx"
    return ""


def is_docx(data: bytes) -> bool:
    """A Word document: a zip holding word/document.xml and no workbook (the directory only)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.NameToInfo)
    except Exception:  # a broken zip: etl.reading.safety says so with its .xlsx checks
        return False
    return is_docx_names(names)


def is_docx_names(names) -> bool:
    return "word/document.xml" in names and "xl/workbook.xml" not in names


def _ods_elsewhere(data: bytes) -> bool:
    """An .ods whose writer did not store 'mimetype' first (the directory only; a tiny member read)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            info = {i.filename: i for i in zf.infolist()}
            m = info.get("mimetype")
            return ("xl/workbook.xml" not in info and "content.xml" in info and m is not None
                    and m.file_size < 100 and zf.read(m).strip() == ODS_MIMETYPE)
    except Exception:  # a broken zip: etl.reading.safety says so with its .xlsx checks
        return False


def check_other_format(data: bytes, file_name: str) -> list[Problem] | None:
    """Problems refusing an .xls or .ods before parsing ([] = safe to read), or None when the bytes
    are neither (etl.reading.safety goes on with its .xlsx checks)."""
    kind = file_kind(data)
    if kind == "xls":
        return _check_xls(data, file_name)
    if kind == "ods":
        return _check_ods(data, file_name)
    return None


def _check_xls(data: bytes, file_name: str) -> list[Problem]:
    import xlrd
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
    except Exception as exc:  # xlrd's errors for a Word file, an encrypted workbook, a broken one
        text = str(exc).lower()
        if "encrypt" in text or "password" in text:
            detail = "tệp Excel có đặt mật khẩu"
        elif "workbook" in text and "ole2" in text:
            return [problem("file_not_xlsx", file=file_name,
                            detail="tệp Office 97-2003 nhưng không phải bảng tính (có thể là .doc, .ppt)")]
        else:
            detail = "tệp .xls bị hỏng hoặc tải lên chưa trọn vẹn"
        return [problem("file_unreadable", file=file_name, detail=detail)]
    try:
        if book.nsheets > MAX_XLS_SHEETS:
            return [problem("file_too_large", file=file_name, detail=f"{book.nsheets} trang tính")]
    finally:
        book.release_resources()
    return []


def _check_ods(data: bytes, file_name: str) -> list[Problem]:
    from etl.reading.safety import human_size, zip_bomb_detail
    where = dict(file=file_name)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = {i.filename: i for i in zf.infolist()}
            bomb = zip_bomb_detail(list(infos.values()))
            if bomb:
                return [problem("file_zip_bomb", detail=bomb, **where)]
            content = infos.get("content.xml")
            if content is None:
                return [problem("file_unreadable", detail="tệp .ods không có nội dung (content.xml)", **where)]
            if content.file_size > MAX_CONTENT_XML_BYTES:
                return [problem("file_too_large", detail=f"nội dung giải nén ra {human_size(content.file_size)}, "
                                                         f"tối đa {human_size(MAX_CONTENT_XML_BYTES)}", **where)]
            with zf.open(content) as f:   # the declared size may lie: never read past the cap
                xml = f.read(MAX_CONTENT_XML_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, RuntimeError):
        return [problem("file_unreadable", detail="tệp bị hỏng hoặc tải lên chưa trọn vẹn", **where)]
    if len(xml) > MAX_CONTENT_XML_BYTES:
        return [problem("file_too_large", detail=f"nội dung vượt {human_size(MAX_CONTENT_XML_BYTES)}", **where)]
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        return [problem("file_unreadable", detail="tệp .ods có khai báo DOCTYPE/ENTITY, không thể mở an toàn",
                        **where)]
    return []
