"""`python -m etl export`: the giao ban deck (PPTX), written report (DOCX) and biểu tổng hợp (XLSX)."""
from __future__ import annotations

import sys
import time

from etl.cli import EXIT_OK, UsageError, open_warehouse, output_path
from etl.periods import PeriodError, parse_period


def register(sub) -> None:
    p = sub.add_parser("export", help="Xuất báo cáo giao ban: PowerPoint, Word, Excel")
    p.add_argument("--period", required=True, metavar="KỲ", help="2024-Q2, 2024-H1, 2024-9M, 2024-H2 hoặc 2024")
    p.add_argument("--scope", default="province", metavar="PHẠM_VI",
                   help="province (toàn tỉnh), cluster:MÃ_CỤM hoặc unit:MÃ_ĐƠN_VỊ (mặc định: province)")
    p.add_argument("--pptx", metavar="TỆP", help="Tệp PowerPoint cần tạo (.pptx)")
    p.add_argument("--docx", metavar="TỆP", help="Tệp Word cần tạo (.docx)")
    p.add_argument("--xlsx", metavar="TỆP", help="Tệp Excel biểu tổng hợp cần tạo (.xlsx)")
    p.add_argument("--compare", choices=["last_year", "previous"], default="last_year",
                   help="Nhận định so sánh với cùng kỳ năm trước (mặc định) hoặc kỳ trước")
    p.add_argument("--text", action="store_true", help="In phần nhận định (văn bản) ra màn hình")
    p.set_defaults(func=cmd_export)


def cmd_export(args) -> int:
    from etl.export.outputs import export
    from etl.queries.selection import ScopeError
    if not (args.pptx or args.docx or args.xlsx or args.text):
        raise UsageError("cần ít nhất một trong --pptx, --docx, --xlsx hoặc --text")
    for flag, suffix in (("pptx", ".pptx"), ("docx", ".docx"), ("xlsx", ".xlsx")):
        if getattr(args, flag):  # before the (slow) build, not after it
            output_path(getattr(args, flag), suffix, f"--{flag}")
    try:
        period = parse_period(args.period)
    except PeriodError:
        raise UsageError(f"kỳ '{args.period}' không hợp lệ: dùng 2024-Q2, 2024-H1, 2024-9M, 2024-H2 "
                         "hoặc 2024") from None
    engine = open_warehouse()
    started = time.perf_counter()
    try:
        data = export(engine, period, args.scope, pptx=args.pptx, docx=args.docx, xlsx=args.xlsx,
                      compare=args.compare)
    except ScopeError as exc:
        raise UsageError(str(exc)) from None
    seconds = f"{time.perf_counter() - started:.1f}".replace(".", ",")
    for flag, what in (("pptx", "Bài trình chiếu"), ("docx", "Báo cáo Word"), ("xlsx", "Biểu tổng hợp")):
        if getattr(args, flag):
            print(f"{what}: {getattr(args, flag)}")
    print(f"{data.period.label} · {data.selection.name} · xong trong {seconds} giây", file=sys.stderr)
    if args.text:
        print("\n\n".join(data.paragraphs))
    return EXIT_OK
