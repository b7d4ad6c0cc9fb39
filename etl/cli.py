"""Command line: argparse over command modules in etl/commands/.

Exit codes: 0 ok, 1 data refused, 2 usage error. The library never prints; commands turn
results into text or JSON here, and infrastructure errors into one Vietnamese line (no traceback).
"""
from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import os
import sys
from pathlib import Path

from sqlalchemy.exc import ArgumentError, OperationalError

from etl.warehouse.batches import WarehouseBusy
from etl.warehouse.db import WarehouseUnavailable

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2

# Each module defines register(subparsers); a subcommand sets `func(args) -> int`.
COMMAND_MODULES = ["etl.commands.data", "etl.commands.export", "etl.commands.users",
                   "etl.commands.units", "etl.commands.aliases"]


class UsageError(Exception):
    """A bad argument found after parsing (exit 2)."""


class ConfigError(UsageError):
    """A bad setting, e.g. DATABASE_URL (exit 2)."""


# argparse's own texts (Python 3.11 msgids; argparse looks them up through its module-level `_`).
ARGPARSE_VI = {
    "usage: ": "Cách dùng: ",
    "positional arguments": "Tham số",
    "options": "Tùy chọn",
    "show this help message and exit": "Hiện hướng dẫn này rồi thoát",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "không hiểu tham số: %s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "giá trị %(value)r không hợp lệ (chọn một trong: %(choices)s)",
    "invalid %(type)s value: %(value)r": "giá trị %(value)r không hợp lệ",
    "expected one argument": "cần một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "expected %s argument": "cần %s giá trị",
    "expected %s arguments": "cần %s giá trị",
    "not allowed with argument %s": "không dùng cùng với %s",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "ambiguous option: %(option)s could match %(matches)s":
        "tùy chọn %(option)s chưa rõ, có thể là %(matches)s",
    "ignored explicit argument %r": "tùy chọn này không nhận giá trị (%r)",
    "unexpected option string: %s": "tùy chọn không mong đợi: %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)":
        "không có lệnh %(parser_name)r (chọn một trong: %(choices)s)",
}


@contextlib.contextmanager
def _vietnamese_argparse():
    """Swap argparse's gettext for the Vietnamese table while our parser works (not process-wide)."""
    saved = argparse._, argparse.ngettext
    argparse._ = lambda text: ARGPARSE_VI.get(text, saved[0](text))
    argparse.ngettext = lambda one, many, n: ARGPARSE_VI.get(one if n == 1 else many, saved[1](one, many, n))
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


class _Parser(argparse.ArgumentParser):
    """ArgumentParser that speaks Vietnamese: usage, headings, help and error texts."""

    def __init__(self, *args, **kwargs):
        with _vietnamese_argparse():
            super().__init__(*args, **kwargs)

    def parse_args(self, args=None, namespace=None):  # its "unrecognized arguments" is outside the next
        with _vietnamese_argparse():
            return super().parse_args(args, namespace)

    def parse_known_args(self, args=None, namespace=None):
        with _vietnamese_argparse():
            return super().parse_known_args(args, namespace)

    def format_usage(self):
        with _vietnamese_argparse():
            return super().format_usage()

    def format_help(self):
        with _vietnamese_argparse():
            return super().format_help()

    def error(self, message):  # argparse exits 2 on usage errors already; keep its message short
        self.print_usage(sys.stderr)
        print(f"Lỗi cách dùng: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def positive_int(text: str) -> int:
    """argparse type: a whole number ≥ 1, refused in Vietnamese."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' không phải một số nguyên dương")
    return int(text)


def output_path(name: str, suffix: str, option: str = "--out") -> Path:
    """A file path the command can write, checked before the (slow) work starts."""
    path = Path(name)
    if path.is_dir():
        raise UsageError(f"{option}: {path} là một thư mục; hãy ghi tên tệp, ví dụ {path / ('ten_tep' + suffix)}")
    if path.suffix.lower() != suffix:
        raise UsageError(f"{option} phải là tệp {suffix} (nhận được '{name}')")
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"{option}: thư mục {folder} không tồn tại")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"{option}: không có quyền ghi {path}")
    return path


def write_output(path: Path, content: bytes) -> None:
    """Write a command's output file; an OSError always names the file (a full disk does not)."""
    try:
        path.write_bytes(content)
    except OSError as exc:
        exc.filename = exc.filename or str(path)
        raise


OS_REASONS = {errno.ENOENT: "không tồn tại", errno.EISDIR: "là một thư mục, không phải tệp",
              errno.ENOTDIR: "đường dẫn có phần không phải thư mục", errno.EACCES: "không có quyền truy cập",
              errno.EPERM: "không có quyền truy cập", errno.ENOSPC: "ổ đĩa đã đầy",
              errno.EROFS: "ổ đĩa chỉ cho đọc", errno.EEXIST: "đã tồn tại"}


def describe_os_error(exc: OSError) -> str:
    """One Vietnamese line naming the path and what went wrong."""
    reason = OS_REASONS.get(exc.errno, exc.strerror or str(exc))
    where = f" {exc.filename}" if exc.filename else ""
    return f"Lỗi tệp{where}: {reason}."


def open_warehouse():
    """The configured warehouse, created or upgraded on first use."""
    from etl.warehouse.db import ensure_schema, make_engine
    try:
        engine = make_engine()
    except ArgumentError:  # the URL itself is not shown: it may hold a password
        raise ConfigError("DATABASE_URL không hợp lệ; ví dụ sqlite:///data/warehouse.db hoặc "
                          "postgresql+psycopg://user:pass@host/db") from None
    except ImportError as exc:
        raise ConfigError(f"DATABASE_URL cần thư viện {exc.name or ''} chưa được cài; với PostgreSQL "
                          "dùng postgresql+psycopg://…") from None
    ensure_schema(engine)
    return engine


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m etl", description="Dân vận khéo: các lệnh kho dữ liệu và nạp số liệu")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, title="Lệnh",
                                metavar="LỆNH")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"Lỗi cấu hình: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"Lỗi cách dùng: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except WarehouseBusy as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REFUSED
    except OperationalError as exc:
        print(f"Không kết nối được kho dữ liệu: {' '.join(str(exc.orig).split())}", file=sys.stderr)
        return EXIT_REFUSED
    except WarehouseUnavailable as exc:
        cause = exc.__cause__
        reason = f" ({' '.join(str(getattr(cause, 'orig', cause)).split())})" if cause is not None else ""
        print(f"{exc}{reason}", file=sys.stderr)
        return EXIT_REFUSED
    except OSError as exc:  # safety net: file-system trouble is never a traceback
        print(describe_os_error(exc), file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        return 130
