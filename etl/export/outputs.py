"""Write the giao ban outputs of one selection: the deck, the report and the consolidated sheet, from one
gathering of the figures (etl.export.scope)."""
from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine

from etl.export.scope import ReportData, gather, report_selection
from etl.periods import Period, parse_period

Target = str | Path | BinaryIO | None


def pptx_bytes(data: ReportData, progress: Callable[[float, str], None] | None = None) -> bytes:
    from etl.export.pptx import build_pptx
    return build_pptx(data, progress)


def docx_bytes(data: ReportData) -> bytes:
    from etl.export.docx import build_docx
    return build_docx(data)


def xlsx_bytes(data: ReportData) -> bytes:
    from etl.export.xlsx import build_xlsx
    return build_xlsx(data)


def _write(target: Target, content: bytes) -> None:
    if hasattr(target, "write"):
        target.write(content)
        return
    try:
        Path(target).write_bytes(content)
    except OSError as exc:  # a full disk gives no file name; name it for the message
        exc.filename = exc.filename or str(target)
        raise


def check_targets(*targets: Target) -> None:
    """Raise the OSError a path target would give, before the slow build rather than after it."""
    for target in targets:
        if target is None or hasattr(target, "write"):
            continue
        path = Path(target)
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not path.parent.is_dir():
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path.parent))


def export(engine: Engine, period: Period | str, scope: str = "province", pptx: Target = None,
           docx: Target = None, xlsx: Target = None,
           progress: Callable[[float, str], None] | None = None, compare: str = "last_year") -> ReportData:
    """Write the requested outputs for the period and scope ('province', 'cluster:CODE',
    'unit:CODE'; etl.queries.selection.ScopeError when unknown); returns the figures they show."""
    check_targets(pptx, docx, xlsx)
    period = parse_period(period) if isinstance(period, str) else period
    selection = report_selection(engine, period, scope, compare)
    if progress:
        progress(0.0, "Đang tổng hợp số liệu…")
    data = gather(engine, selection)

    def deck_progress(fraction: float, text: str) -> None:
        if progress:
            progress(0.05 + 0.8 * fraction, text)
    if pptx is not None:
        _write(pptx, pptx_bytes(data, deck_progress))
    if docx is not None:
        _write(docx, docx_bytes(data))
    if xlsx is not None:
        _write(xlsx, xlsx_bytes(data))
    if progress:
        progress(1.0, "Đã xong.")
    return data
