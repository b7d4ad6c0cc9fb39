"""Unit catalogue commands: import-official, demo-lineage, check-lineage, list.

They work on the catalogue files (data/units.csv, data/unit_lineage.csv), which the warehouse
syncs on its next start; the library (etl.catalog.official, etl.catalog.lineage) never prints.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from etl.cli import EXIT_OK, EXIT_REFUSED, UsageError, output_path
from etl.config import get_settings
from etl.periods import PeriodError, parse_period
from etl.problems import has_errors, sort_problems
from etl.reading.numbers import fmt_int

ILLUSTRATIVE_WARNING = ("Lưu ý: {path} là phả hệ đơn vị MINH HỌA (ghi \"minh họa\" ở cột note), "
                        "không phải danh sách chính thức; tỉnh cần thay bằng số liệu sắp xếp thực tế.")
SEVERITY_LABELS = {"error": "Lỗi", "warning": "Cảnh báo"}


def register(sub) -> None:
    units = sub.add_parser("units", help="Danh mục đơn vị: xã, phường chính thức và phả hệ đơn vị")
    cmds = units.add_subparsers(dest="units_command", required=True, title="Lệnh", metavar="LỆNH")

    p = cmds.add_parser("import-official", help="Nhập xã, phường chính thức (từ 01/7/2025) của một tỉnh")
    p.add_argument("--province", required=True, metavar="TỈNH", help="Tên tỉnh, ví dụ \"Thanh Hóa\" (hoặc mã, ví dụ 38)")
    _file_args(p)
    p.set_defaults(func=cmd_import_official)

    p = cmds.add_parser("demo-lineage", help="Tạo phả hệ đơn vị MINH HỌA cho Thanh Hóa")
    p.add_argument("--force", action="store_true", help="Ghi đè tệp phả hệ đã có")
    _file_args(p)
    p.set_defaults(func=cmd_demo_lineage)

    p = cmds.add_parser("check-lineage", help="Kiểm tra phả hệ đơn vị (unit_lineage.csv)")
    _file_args(p)
    p.set_defaults(func=cmd_check_lineage)

    p = cmds.add_parser("list", help="Liệt kê đơn vị trong danh mục")
    p.add_argument("--level", choices=("district", "commune"), help="Chỉ cấp huyện hoặc cấp xã")
    p.add_argument("--period", metavar="KỲ", help="Chỉ đơn vị tồn tại trong kỳ, ví dụ 2025-Q3")
    _file_args(p)
    p.set_defaults(func=cmd_list)


def _file_args(p) -> None:
    p.add_argument("--csv", metavar="TỆP", help="Tệp danh mục đơn vị (mặc định: data/units.csv)")
    p.add_argument("--lineage", metavar="TỆP", help="Tệp phả hệ đơn vị (mặc định: data/unit_lineage.csv)")


def _paths(args) -> tuple[Path, Path]:
    s = get_settings()
    units_csv, lineage_csv = Path(args.csv or s.units_csv), Path(args.lineage or s.lineage_csv)
    for option, path in (("--csv", units_csv), ("--lineage", lineage_csv)):
        if path.is_dir():
            raise UsageError(f"{option}: {path} là một thư mục, không phải tệp .csv")
    if not units_csv.exists():
        raise UsageError(f"không có tệp danh mục đơn vị {units_csv}")
    return units_csv, lineage_csv


def _warn_if_illustrative(lineage_csv: Path) -> None:
    from etl.catalog.lineage import is_illustrative, read_lineage
    if is_illustrative(read_lineage(lineage_csv)):
        print(ILLUSTRATIVE_WARNING.format(path=lineage_csv.name))


def cmd_import_official(args) -> int:
    from etl.catalog.official import ProvinceNotFound, import_official, official_communes
    units_csv, lineage_csv = _paths(args)
    try:
        result = import_official(args.province, units_csv, lineage_csv)
    except ProvinceNotFound:
        raise UsageError(f"không tìm thấy tỉnh, thành phố \"{args.province}\" trong danh mục chính thức "
                         "(gói vietnam-provinces)") from None
    kinds = Counter(c.kind for c in official_communes(result.province))
    print(f"{result.province.name}: {fmt_int(result.communes)} đơn vị cấp xã theo danh mục chính thức ("
          + ", ".join(f"{fmt_int(n)} {kind}" for kind, n in kinds.most_common()) + ").")
    if not result.changed:
        print(f"{units_csv.name} đã đủ, không có thay đổi.")
    else:
        print(f"Đã ghi {units_csv}: thêm {fmt_int(len(result.added))} đơn vị (từ 01/7/2025); "
              f"đóng {fmt_int(len(result.districts_closed))} đơn vị cấp huyện (đến 30/6/2025); "
              f"gán cụm cho {fmt_int(len(result.clusters_filled))} đơn vị đã có.")
    for code, ours, official in result.name_differs:
        print(f"  Mã {code}: danh mục ghi \"{ours}\", tên chính thức là \"{official}\" (giữ nguyên).")
    if result.not_official:
        print(f"  Không có trong danh mục chính thức: {', '.join(result.not_official)} (giữ nguyên).")
    if result.without_cluster:
        print(f"  {fmt_int(len(result.without_cluster))} đơn vị chưa có cụm: ghi cột cluster trong "
              f"{units_csv.name}, hoặc thêm đơn vị tiền thân vào {lineage_csv.name} rồi chạy lại.")
    _warn_if_illustrative(lineage_csv)
    return EXIT_OK


def cmd_demo_lineage(args) -> int:
    from etl.catalog.lineage import build_demo_lineage, unit_rows_from_csv, write_lineage
    from etl.catalog.official import find_province, official_communes
    units_csv, lineage_csv = _paths(args)
    if lineage_csv.exists() and not args.force:
        print(f"{lineage_csv} đã có; dùng --force để ghi đè.")
        return EXIT_REFUSED
    output_path(str(lineage_csv), ".csv", "--lineage")
    rows = build_demo_lineage(unit_rows_from_csv(units_csv), official_communes(find_province("Thanh Hóa")))
    write_lineage(lineage_csv, rows)
    print(f"Đã ghi {lineage_csv}: {fmt_int(len(rows))} dòng.")
    print(ILLUSTRATIVE_WARNING.format(path=lineage_csv.name))
    return EXIT_OK


def cmd_check_lineage(args) -> int:
    from etl.catalog.lineage import read_lineage, unit_rows_from_csv, validate_lineage
    units_csv, lineage_csv = _paths(args)
    if not lineage_csv.exists():  # else every closed district would be "without successor"
        raise UsageError(f"không có tệp phả hệ đơn vị {lineage_csv}; tạo bản minh họa bằng "
                         "python -m etl units demo-lineage")
    try:
        units = unit_rows_from_csv(units_csv)
    except (ValueError, KeyError) as exc:
        print(f"Không đọc được {units_csv.name}: {exc}")
        return EXIT_REFUSED
    rows = read_lineage(lineage_csv)
    problems = sort_problems(validate_lineage(units, rows, file=lineage_csv.name))
    for p in problems:
        print(f"{SEVERITY_LABELS.get(p.severity, p.severity)}: {p.message} {p.hint}")
    errors = sum(p.is_error for p in problems)
    print(f"{lineage_csv.name}: {fmt_int(len(rows))} dòng, {fmt_int(errors)} lỗi, "
          f"{fmt_int(len(problems) - errors)} cảnh báo.")
    _warn_if_illustrative(lineage_csv)
    return EXIT_REFUSED if has_errors(problems) else EXIT_OK


def cmd_list(args) -> int:
    from etl.catalog.lineage import unit_rows_from_csv
    units_csv, _ = _paths(args)
    units = unit_rows_from_csv(units_csv)
    if args.period:
        try:
            period = parse_period(args.period)
        except PeriodError:
            raise UsageError(f"kỳ \"{args.period}\" không hợp lệ: dùng 2025-Q3, 2025-H2 hoặc 2025") from None
        units = [u for u in units if u.active_in(period.start, period.end)]
    if args.level:
        units = [u for u in units if u.level == args.level]
    for u in sorted(units, key=lambda u: (u.sort_order, u.name)):
        until = u.valid_to.strftime("%d/%m/%Y") if u.valid_to else ""
        print(f"{u.code:>6}  {u.name:<28} {u.kind:<10} {u.cluster_code or '-':<10} "
              f"{u.valid_from.strftime('%d/%m/%Y')} – {until}")
    print(f"{fmt_int(len(units))} đơn vị.")
    return EXIT_OK
