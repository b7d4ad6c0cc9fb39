"""`python -m etl aliases list|add|remove`: column headers learned while uploading.

    python -m etl aliases list [--json]
    python -m etl aliases add "Số lượt người dự" conference_participants
    python -m etl aliases remove "Số lượt người dự"      (or its number from `list`)
"""
from __future__ import annotations

import json
import sys

from etl.cli import EXIT_OK, EXIT_REFUSED, open_warehouse


def register(subparsers) -> None:
    p = subparsers.add_parser("aliases", help="Tên cột đã học khi nạp: liệt kê, thêm, xóa")
    sub = p.add_subparsers(dest="aliases_command", required=True, parser_class=type(p), title="Lệnh",
                           metavar="LỆNH")
    lst = sub.add_parser("list", help="Liệt kê các tên cột đã học")
    lst.add_argument("--json", action="store_true", help="Kết quả dạng JSON")
    lst.set_defaults(func=cmd_list)
    add = sub.add_parser("add", help="Ghi nhớ một tên cột là một chỉ tiêu")
    add.add_argument("header", metavar="TÊN_CỘT", help="Tên cột như được viết trong bảng")
    add.add_argument("code", metavar="MÃ", help="Mã chỉ tiêu (cột code của data/indicators.csv)")
    add.set_defaults(func=cmd_add)
    rm = sub.add_parser("remove", help="Xóa một tên cột đã học")
    rm.add_argument("header", metavar="TÊN_CỘT|SỐ", help="Tên cột, hoặc số thứ tự trong lệnh list")
    rm.set_defaults(func=cmd_remove)


def _actor() -> str:
    from etl.commands.users import actor
    return actor()


def cmd_list(args) -> int:
    from etl.catalog.aliases import list_aliases
    from etl.catalog.catalogue import load_indicators
    from etl.commands.results import table
    from etl.warehouse.batches import fmt_time
    engine = open_warehouse()
    rows = list_aliases(engine)
    if args.json:
        print(json.dumps([{"id": a.id, "header": a.header, "indicator": a.indicator_code, "created_by": a.created_by,
                           "created_at": a.created_at.isoformat(), "batch_id": a.batch_id} for a in rows],
                         ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print("Chưa có tên cột nào được học.")
        return EXIT_OK
    labels = {i.code: i.label for i in load_indicators(engine)}
    print(table(["Số", "Tên cột", "Chỉ tiêu", "Người dạy", "Thời gian", "Lô"],
                [[a.id, a.header, labels.get(a.indicator_code, a.indicator_code), a.created_by,
                  fmt_time(a.created_at), f"#{a.batch_id}" if a.batch_id else "—"] for a in rows]))
    return EXIT_OK


def _run(action) -> int:
    from etl.catalog.aliases import AliasError
    try:
        print(action())
    except AliasError as exc:
        print(f"Không thực hiện được: {exc}.", file=sys.stderr)
        return EXIT_REFUSED
    return EXIT_OK


def cmd_add(args) -> int:
    from etl.catalog.aliases import add_alias
    from etl.catalog.catalogue import load_indicators
    engine = open_warehouse()
    codes = {i.code for i in load_indicators(engine)}
    return _run(lambda: add_alias(engine, args.header, args.code.strip(), _actor(), codes))


def cmd_remove(args) -> int:
    from etl.catalog.aliases import remove_alias
    engine = open_warehouse()
    return _run(lambda: remove_alias(engine, args.header, _actor()))
