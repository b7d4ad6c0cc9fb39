"""Command line: argparse over command modules in etl/commands/.

Exit codes: 0 ok, 1 data refused, 2 usage error. The library never prints; commands turn
results into text or JSON here, and infrastructure errors into one Vietnamese line (no traceback).
"""
from __future__ import annotations

import argparse
import importlib
import sys

from sqlalchemy.exc import OperationalError

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2

# Each module defines register(subparsers); a subcommand sets `func(args) -> int`.
COMMAND_MODULES = ["etl.commands.data", "etl.commands.export", "etl.commands.users",
                   "etl.commands.units"]


class UsageError(Exception):
    """A bad argument found after parsing (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 on usage errors already; keep its message short
        self.print_usage(sys.stderr)
        print(f"Lỗi cách dùng: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def open_warehouse():
    """The configured warehouse, created or upgraded on first use."""
    from etl.db import ensure_schema, make_engine
    engine = make_engine()
    ensure_schema(engine)
    return engine


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m etl", description="Dân vận khéo: warehouse and ETL commands")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
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
    except UsageError as exc:
        print(f"Lỗi cách dùng: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OperationalError as exc:
        print(f"Không kết nối được kho dữ liệu: {exc.orig}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        return 130
