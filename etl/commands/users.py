"""`python -m etl users add|list|disable|passwd|unlock`: accounts kept in the warehouse.

    python -m etl users add NAME --role viewer|uploader|admin [--units CODE,CODE] [--password-stdin]
    python -m etl users list [--json]
    python -m etl users disable NAME
    python -m etl users passwd NAME [--password-stdin]
    python -m etl users unlock NAME      # forget failed logins: the name may log in again at once
"""
from __future__ import annotations

import getpass
import json
import sys

from etl.cli import EXIT_OK, EXIT_REFUSED, UsageError, open_warehouse


def register(subparsers) -> None:
    users = subparsers.add_parser("users", help="Tài khoản: thêm, liệt kê, khóa, đổi mật khẩu, mở khóa đăng nhập")
    sub = users.add_subparsers(dest="users_command", required=True, parser_class=type(users),
                               title="Lệnh", metavar="LỆNH")

    add = sub.add_parser("add", help="Thêm tài khoản")
    add.add_argument("name", metavar="TÊN", help="Tên đăng nhập")
    add.add_argument("--role", required=True, choices=["viewer", "uploader", "admin"],
                     help="Vai trò: viewer (Xem), uploader (Nạp số liệu) hoặc admin (Quản trị)")
    add.add_argument("--units", default="", metavar="MÃ,MÃ", help="Mã đơn vị được nạp, cách nhau bằng "
                                                                  "dấu phẩy (chỉ cho uploader; bỏ trống = toàn tỉnh)")
    add.add_argument("--password-stdin", action="store_true", help="Đọc mật khẩu từ dòng đầu của stdin")
    add.add_argument("--no-password", action="store_true",
                     help="Không đặt mật khẩu (đăng nhập qua OpenID Connect)")
    add.set_defaults(func=cmd_add)

    lst = sub.add_parser("list", help="Liệt kê tài khoản")
    lst.add_argument("--json", action="store_true", help="Kết quả dạng JSON")
    lst.set_defaults(func=cmd_list)

    dis = sub.add_parser("disable", help="Khóa tài khoản (kết thúc các phiên đăng nhập)")
    dis.add_argument("name", metavar="TÊN", help="Tên đăng nhập")
    dis.set_defaults(func=cmd_disable)

    pw = sub.add_parser("passwd", help="Đặt lại mật khẩu")
    pw.add_argument("name", metavar="TÊN", help="Tên đăng nhập")
    pw.add_argument("--password-stdin", action="store_true", help="Đọc mật khẩu từ dòng đầu của stdin")
    pw.set_defaults(func=cmd_passwd)

    un = sub.add_parser("unlock", help="Mở khóa đăng nhập (xóa các lần đăng nhập sai, từ mọi địa chỉ)")
    un.add_argument("name", metavar="TÊN", help="Tên đăng nhập")
    un.set_defaults(func=cmd_unlock)


def actor() -> str:
    """Who ran the command, for the audit log ('cli:root')."""
    from etl.accounts.audit import command_line_actor
    try:
        return command_line_actor(getpass.getuser())
    except Exception:  # noqa: BLE001 - no login name in some containers
        return command_line_actor("")


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError("không có terminal để nhập mật khẩu; dùng --password-stdin")
    first = getpass.getpass("Mật khẩu: ")
    if getpass.getpass("Nhập lại mật khẩu: ") != first:
        raise UsageError("hai lần nhập mật khẩu không khớp")
    return first


def _run(action) -> int:
    from etl.accounts.auth import AuthError
    try:
        message = action()
    except AuthError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REFUSED
    print(message)
    return EXIT_OK


def cmd_add(args) -> int:
    from etl.accounts.auth import add_user
    units = [c.strip() for c in args.units.split(",") if c.strip()]
    password = None if args.no_password else read_password(args.password_stdin)
    engine = open_warehouse()

    def action():
        account = add_user(engine, args.name, args.role, units=units, password=password, by=actor())
        scope = "" if account.role == "viewer" else f"; phạm vi: {scope_label(account, unit_names(engine))}"
        return f"Đã thêm tài khoản {account.username} ({account.role_label}{scope})."
    return _run(action)


def cmd_list(args) -> int:
    from etl.accounts.auth import list_accounts
    engine = open_warehouse()
    accounts = list_accounts(engine)
    if args.json:
        print(json.dumps([{"username": a.username, "role": a.role, "units": list(a.units),
                           "disabled": a.disabled, "created_at": a.created_at}
                          for a in accounts], ensure_ascii=False, default=str, indent=2))
        return EXIT_OK
    if not accounts:
        print("Chưa có tài khoản nào. Thêm bằng: python -m etl users add TÊN --role admin")
        return EXIT_OK
    names = unit_names(engine)
    print(f"{'Tên đăng nhập':<24} {'Vai trò':<12} {'Trạng thái':<10} Đơn vị")
    for a in accounts:
        state = "đã khóa" if a.disabled else "hoạt động"
        print(f"{a.username:<24} {a.role_label:<12} {state:<10} {scope_label(a, names)}")
    return EXIT_OK


def unit_names(engine) -> dict[str, str]:
    """unit code -> name, every unit of the catalogue."""
    from etl.catalog.catalogue import load_units
    return {u.code: u.name for u in load_units(engine)}


def scope_label(account, names: dict[str, str]) -> str:
    """'toàn tỉnh', '—' for a viewer, or 'Huyện Yên Định (393), …' as on the Quản trị page."""
    from etl.accounts.auth import scope_label as units_label
    return "—" if account.role == "viewer" else units_label(account, names, codes=True)


def cmd_disable(args) -> int:
    from etl.accounts.auth import disable_user
    engine = open_warehouse()
    return _run(lambda: f"Đã khóa tài khoản {disable_user(engine, args.name, by=actor()).username}.")


def cmd_passwd(args) -> int:
    from etl.accounts.auth import get_account, set_password
    engine = open_warehouse()
    if get_account(engine, args.name) is None:  # before asking for a password it could not use
        print(f"Không có tài khoản \"{args.name}\".", file=sys.stderr)
        return EXIT_REFUSED
    password = read_password(args.password_stdin)

    def action():
        set_password(engine, args.name, password, by=actor())
        return f"Đã đổi mật khẩu của {args.name}."
    return _run(action)


def cmd_unlock(args) -> int:
    from etl.accounts.auth import unlock_user
    engine = open_warehouse()

    def action():
        count = unlock_user(engine, args.name, by=actor())
        return f"Đã mở khóa đăng nhập của {args.name.strip().lower()} (xóa {count} lần đăng nhập sai)."
    return _run(action)
