"""Data commands: load, summary, batches, undo, template, demo.

They call the same functions as the pages (etl.warehouse.load, etl.queries, etl.catalog.template, etl.demo.demo) and
only turn results into Vietnamese text, CSV or JSON here.
"""
from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

from etl.catalog.catalogue import RATE
from etl.cli import EXIT_OK, EXIT_REFUSED, UsageError, open_warehouse, output_path, positive_int, write_output
from etl.commands.results import describe_result, load_json, table
from etl.periods import REORGANISATION_DATE, Period, PeriodError, parse_period
from etl.reading.numbers import fmt_int, fmt_pct
from etl.reading.safety import check_file_count

LEVELS = ("province", "cluster", "district", "commune")
LEVEL_LABELS = {"province": "cấp tỉnh", "cluster": "cụm", "district": "cấp huyện", "commune": "cấp xã"}


def register(sub) -> None:
    p = sub.add_parser("load", help="Nạp bảng tính (Excel, LibreOffice) hoặc báo cáo Word vào kho dữ liệu")
    p.add_argument("files", nargs="+", metavar="TỆP", help="Bảng tính (.xlsx, .xls, .ods) hoặc báo cáo Word (.docx)")
    p.add_argument("--period", metavar="KỲ", help="Kỳ của số liệu: quý (2024-Q2) hoặc kỳ lũy kế (2024-H1, "
                                               "2024-9M, 2024-H2, 2024); mặc định đọc từ tiêu đề")
    p.add_argument("--dry-run", action="store_true", help="Chỉ xem trước, không ghi gì")
    p.add_argument("--json", action="store_true", help="Kết quả dạng JSON")
    p.add_argument("--user", default="", metavar="TÊN", help="Tên người nạp (mặc định: tài khoản máy)")
    p.add_argument("--map", action="append", default=[], metavar="CỘT=MÃ",
                   help="Cột \"CỘT\" là chỉ tiêu MÃ (lặp lại được); \"CỘT=\" bỏ qua cột. Khi nạp xong, "
                        "lựa chọn được ghi nhớ cho các lần sau")
    p.add_argument("--accept-text-figures", action="store_true",
                   help="Báo cáo .docx: nạp cả các số liệu đọc được trong câu văn (xem trước bằng --dry-run "
                        "--json; bị từ chối nếu hai câu, hoặc câu và bảng, ghi hai số khác nhau)")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("summary", help="Tổng hợp số liệu theo kỳ")
    p.add_argument("--period", required=True, metavar="KỲ", help="2024-Q2, 2024-H1, 2024-9M, 2024-H2 hoặc 2024")
    p.add_argument("--by", choices=LEVELS, default="province")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("batches", help="Danh sách các lô đã nạp")
    p.set_defaults(func=cmd_batches)

    p = sub.add_parser("undo", help="Hoàn tác một lô đã nạp")
    p.add_argument("batch_id", type=positive_int, metavar="SỐ_LÔ", help="Số lô, xem bằng lệnh batches")
    p.add_argument("--user", default="", metavar="TÊN", help="Tên người hoàn tác")
    p.set_defaults(func=cmd_undo)

    p = sub.add_parser("template", help="Tạo biểu mẫu tổng hợp (Excel) cho một kỳ")
    p.add_argument("--period", required=True, metavar="KỲ", help="Quý (2024-Q2) hoặc kỳ lũy kế (2024-H1, "
                                                                  "2024-9M, 2024-H2, 2024)")
    p.add_argument("--out", required=True, metavar="TỆP", help="Tệp .xlsx cần tạo")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("demo", help="Nạp dữ liệu minh họa")
    p.add_argument("--if-empty", action="store_true", help="Chỉ nạp khi kho chưa có lô nào")
    p.add_argument("--if-autoload", action="store_true",
                   help="Chỉ nạp khi cài đặt DVK_DEMO_AUTOLOAD cho phép (mặc định: chỉ kho SQLite nhúng "
                        "data/warehouse.db, không bao giờ một DATABASE_URL đã cấu hình)")
    p.set_defaults(func=cmd_demo)


def _period(spec: str) -> Period:
    try:
        return parse_period(spec)
    except PeriodError:
        raise UsageError(f"kỳ '{spec}' không hợp lệ; dùng 2024-Q2, 2024-H1, 2024-9M, 2024-H2 hoặc 2024")


def _user(name: str) -> str:
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "cli"


# ------------------------------------------------------------------ load

def cmd_load(args) -> int:
    from etl.warehouse.load import load_file
    period = _period(args.period) if args.period else None
    paths = [Path(f) for f in args.files]
    folders = [str(p) for p in paths if p.is_dir()]
    if folders:
        raise UsageError(f"{', '.join(folders)} là thư mục, không phải tệp; hãy chỉ ra từng tệp, "
                         f"ví dụ {Path(folders[0]) / '*.xlsx'}")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise UsageError("không tìm thấy tệp: " + ", ".join(missing))
    too_many = check_file_count(len(paths))  # checked before any file is read
    if too_many:
        raise UsageError(f"{too_many[0].message} {too_many[0].hint}")
    engine = open_warehouse()
    mappings = parse_maps(args.map, engine)
    user = _user(args.user)
    accept = True if args.accept_text_figures else None
    results = [load_file(engine, _read(p), p.name, period=period, user=user, dry_run=args.dry_run,
                         mappings=mappings, accept_text_figures=accept) for p in paths]
    if args.json:
        print(json.dumps({"files": [load_json(r) for r in results]}, ensure_ascii=False, indent=2))
    else:
        from etl.catalog.catalogue import load_indicators
        labels = {i.code: i.label for i in load_indicators(engine)}
        for r in results:
            print(describe_result(r, labels))
    return EXIT_REFUSED if any(r.status == "rejected" for r in results) else EXIT_OK


def parse_maps(items: list[str], engine) -> dict[str, str | None]:
    """--map "HEADER=code" / "HEADER=" -> {header: code or None}; a bad item is a usage error."""
    if not items:
        return {}
    from etl.catalog.catalogue import load_indicators
    codes = {i.code for i in load_indicators(engine)}
    out: dict[str, str | None] = {}
    for item in items:
        header, sep, code = item.rpartition("=")
        header, code = header.strip(), code.strip()
        if not sep or not header:
            raise UsageError(f"--map cần dạng \"TÊN CỘT=mã_chỉ_tiêu\" (nhận được '{item}')")
        if code and code not in codes:
            raise UsageError(f"--map: không có chỉ tiêu mã '{code}'; các mã: {', '.join(sorted(codes))}")
        out[header] = code or None
    return out


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"không đọc được tệp {path}: {exc.strerror or exc}")


# ------------------------------------------------------------------ summary

def cmd_summary(args) -> int:
    from etl.catalog.catalogue import load_catalogue
    from etl.queries.narrative import gaps_sentence
    from etl.queries.selection import Selection
    from etl.queries.summary import GAPS, summary
    period = _period(args.period)
    if args.by == "district" and period.start >= REORGANISATION_DATE:
        print(f"{period.label}: không có cấp huyện (cấp huyện kết thúc từ 01/7/2025); "
              "hãy dùng --by commune, cluster hoặc province.", file=sys.stderr)
        return EXIT_OK
    engine = open_warehouse()
    gap = catalogue_gap(engine, period)
    if gap:
        print(gap, file=sys.stderr)
        return EXIT_OK
    df = summary(engine, Selection(period), args.by)
    gaps = dict(zip(df["name"], df.pop(GAPS)))
    records = summary_records(df)
    if not records:
        hint = " (cấp xã báo cáo từ Quý III/2025)" if args.by == "commune" else ""
        print(f"{period.label}: không có đơn vị {LEVEL_LABELS[args.by]} nào{hint}.", file=sys.stderr)
        if args.format == "table":
            return EXIT_OK
    if args.format == "json":
        print(json.dumps(records, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        df.to_csv(sys.stdout, index=False)
    else:
        labels = {i.code: i.label for i in load_catalogue(engine).indicators}
        print(summary_table(records, labels, period))
        for name, text in ((n, gaps_sentence(g)) for n, g in gaps.items()):
            if text:
                print(f"{name}: {text}")
    return EXIT_OK


def catalogue_gap(engine, period: Period) -> str | None:
    """Why a period has nothing to sum when no unit of the catalogue existed in it, else None."""
    from etl.catalog.catalogue import load_units
    units = load_units(engine)
    if any(u.active_in(period.start, period.end) for u in units):
        return None
    since = f" (danh mục bắt đầu từ {min(u.valid_from for u in units):%d/%m/%Y})" if units else ""
    return f"{period.label}: danh mục chưa có đơn vị nào trong kỳ này{since}."


def summary_records(df) -> list[dict]:
    """DataFrame rows as JSON-ready dicts: ints, None for nothing reported."""
    import pandas as pd
    out = []
    for row in df.to_dict("records"):
        rec = {}
        for k, v in row.items():
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                rec[k] = None
            elif k == RATE:
                rec[k] = float(v)
            elif k in ("name", "code", "period"):
                rec[k] = str(v)
            else:
                rec[k] = int(v)
        out.append(rec)
    return out


def summary_table(records: list[dict], labels: dict[str, str], period: Period) -> str:
    """Few rows: one line per indicator, a column per group; many rows: one line per group."""
    codes = list(labels)
    title = f"Tổng hợp {period.label}"
    if len(records) <= 6:
        headers = ["Chỉ tiêu"] + [r["name"] for r in records]
        rows = [[labels[c]] + [fmt_int(r.get(c)) for r in records] for c in codes]
        rows.append(["Tỷ lệ công nhận"] + [fmt_pct(r.get(RATE)) for r in records])
        rows.append(["Đơn vị đã báo cáo"] + [f"{r['units_reported']}/{r['units_expected']}" for r in records])
        return title + "\n" + table(headers, rows)
    headers = ["Đơn vị"] + [labels[c] for c in codes] + ["Tỷ lệ công nhận", "Đã báo cáo"]
    rows = [[r["name"]] + [fmt_int(r.get(c)) for c in codes]
            + [fmt_pct(r.get(RATE)), f"{r['units_reported']}/{r['units_expected']}"]
            for r in records]
    return title + "\n" + table(headers, rows)


# ------------------------------------------------------------------ batches, undo

def cmd_batches(args) -> int:
    from etl.warehouse.batches import STATUS_LABELS, fmt_time, list_batches
    batches = list_batches(open_warehouse())
    if not batches:
        print("Kho dữ liệu chưa có lô nào.")
        return EXIT_OK
    rows = [[f"#{b.id}", fmt_time(b.created_at), b.uploaded_by, b.file_name, b.period_label,
             fmt_int(b.rows_added), fmt_int(b.rows_changed), fmt_int(b.rows_unchanged),
             STATUS_LABELS.get(b.status, b.status)] for b in batches]
    print(table(["Lô", "Thời gian", "Người nạp", "Tệp", "Kỳ", "Thêm mới", "Thay đổi", "Không đổi",
                 "Trạng thái"], rows))
    return EXIT_OK


def cmd_undo(args) -> int:
    from etl.warehouse.undo import undo_batch
    result = undo_batch(open_warehouse(), args.batch_id, user=_user(args.user))
    print(result.message, file=sys.stdout if result.ok else sys.stderr)
    return EXIT_OK if result.ok else EXIT_REFUSED


# ------------------------------------------------------------------ template, demo

def cmd_template(args) -> int:
    from etl.catalog.template import template_bytes, template_units
    period = _period(args.period)
    out = output_path(args.out, ".xlsx")
    engine = open_warehouse()
    count = len(template_units(engine, period))
    write_output(out, template_bytes(engine, period))
    print(f"Đã tạo biểu mẫu {period.label} ({count} đơn vị): {out}")
    return EXIT_OK


def cmd_demo(args) -> int:
    from etl.config import get_settings
    from etl.demo.demo import load_demo
    if args.if_autoload and not get_settings().wants_demo():
        print("Không nạp dữ liệu minh họa: kho dữ liệu đã cấu hình (DATABASE_URL) chỉ nhận dữ liệu "
              "minh họa khi DVK_DEMO_AUTOLOAD=true.")
        return EXIT_OK
    result = load_demo(open_warehouse(), if_empty=args.if_empty)
    print(result.message)
    return EXIT_OK if result.ok else EXIT_REFUSED
