"""CLI robustness: bad paths and settings refused up front in Vietnamese, argparse speaks Vietnamese,
the page's words for roles and batches, never a traceback."""
from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

import etl.export.outputs
from etl.cli import build_parser, main
from tests.workbooks import consolidated_workbook

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = ("usage:", "options:", "positional arguments", "show this help", "required:", "invalid choice",
           "invalid int", "choose from", "unrecognized arguments")


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    return tmp_path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_parse_error(capsys, *argv) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(list(argv))
    out, err = capsys.readouterr()
    return stop.value.code, out, err


# ------------------------------------------------------------------ output paths, before the work

@pytest.mark.parametrize("argv, fragment", [
    (["template", "--period", "2024-Q2", "--out", "{dir}"], "là một thư mục"),
    (["template", "--period", "2024-Q2", "--out", "{dir}/t.txt"], "--out phải là tệp .xlsx"),
    (["template", "--period", "2024-Q2", "--out", "{dir}/missing/t.xlsx"], "không tồn tại"),
    (["export", "--period", "2024-Q2", "--pptx", "{dir}/missing/a.pptx"], "--pptx: thư mục"),
    (["export", "--period", "2024-Q2", "--docx", "{dir}"], "--docx: {dir} là một thư mục"),
    (["export", "--period", "2024-Q2", "--xlsx", "{dir}/a.xls"], "phải là tệp .xlsx"),
    (["units", "list", "--csv", "{dir}"], "--csv: {dir} là một thư mục"),
    (["units", "demo-lineage", "--lineage", "{dir}/missing/l.csv"], "không tồn tại"),
    (["units", "check-lineage", "--lineage", "{dir}/none.csv"], "không có tệp phả hệ đơn vị"),
    (["load", "{dir}"], "là thư mục, không phải tệp"),
])
def test_bad_paths_are_usage_errors_before_any_work(warehouse, capsys, monkeypatch, argv, fragment):
    def no_work(*args, **kwargs):
        raise AssertionError("the work started before the path was checked")
    monkeypatch.setattr(etl.export.outputs, "export", no_work)
    monkeypatch.setattr("etl.catalog.template.template_bytes", no_work)
    code, out, err = run(capsys, *[a.format(dir=warehouse) for a in argv])
    assert code == 2 and fragment.format(dir=warehouse) in err
    assert err.count("\n") == 1 and "Cảnh báo" not in out  # one line; no warnings for a missing file


def test_export_library_checks_path_targets_before_building(sqlite_engine, tmp_path, monkeypatch):
    monkeypatch.setattr(etl.export.outputs, "gather", lambda *a, **k: pytest.fail("built before checking"))
    with pytest.raises(FileNotFoundError) as missing:
        etl.export.outputs.export(sqlite_engine, "2024-Q2", "province", pptx=tmp_path / "no" / "a.pptx")
    assert missing.value.filename == str(tmp_path / "no")
    with pytest.raises(IsADirectoryError):
        etl.export.outputs.export(sqlite_engine, "2024-Q2", "province", docx=tmp_path)


@pytest.mark.parametrize("url", ["foo", "postgresql+nodriver://u:secret@h/db"])
def test_an_invalid_database_url_is_one_vietnamese_line(monkeypatch, capsys, url):
    monkeypatch.setenv("DATABASE_URL", url)
    code, out, err = run(capsys, "batches")
    assert code == 2 and out == ""
    assert err.startswith("Lỗi cấu hình: DATABASE_URL không hợp lệ") and err.count("\n") == 1
    assert "secret" not in err


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_file_system_error_while_writing_is_one_line_naming_the_path(warehouse, capsys):
    target = warehouse / "bieu.xlsx"
    target.symlink_to("/dev/full")  # passes every check, then the write fails: disk full
    code, out, err = run(capsys, "template", "--period", "2024-Q2", "--out", str(target))
    assert code == 1 and out == ""
    assert err == f"Lỗi tệp {target}: ổ đĩa đã đầy.\n"


def test_python_m_etl_with_a_bad_database_url_prints_no_traceback(tmp_path):
    env = dict(os.environ, DATABASE_URL="foo", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "etl", "batches"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("Lỗi cấu hình: DATABASE_URL")


# ------------------------------------------------------------------ the order of checks

def test_passwd_for_an_unknown_account_says_so_before_judging_the_password(warehouse, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _, err = run(capsys, "users", "passwd", "nobody", "--password-stdin")
    assert code == 1 and err == 'Không có tài khoản "nobody".\n'


def test_summary_of_a_period_before_the_catalogue_says_there_is_no_unit(warehouse, capsys):
    code, out, err = run(capsys, "summary", "--period", "1999")
    assert code == 0 and out == ""
    assert err == "Năm 1999: danh mục chưa có đơn vị nào trong kỳ này (danh mục bắt đầu từ 01/01/2000).\n"


# ------------------------------------------------------------------ argparse in Vietnamese

@pytest.mark.parametrize("argv, fragment", [
    (["summary"], "thiếu tham số bắt buộc: --period"),
    ([], "thiếu tham số bắt buộc: LỆNH"),
    (["users", "add", "lan", "--role", "boss"],
     "tham số --role: giá trị 'boss' không hợp lệ (chọn một trong: 'viewer', 'uploader', 'admin')"),
    (["undo", "abc"], "tham số SỐ_LÔ: 'abc' không phải một số nguyên dương"),
    (["batches", "--bogus"], "không hiểu tham số: --bogus"),
    (["export", "--period"], "tham số --period: cần một giá trị"),
])
def test_argparse_errors_are_vietnamese(warehouse, capsys, argv, fragment):
    code, _, err = run_parse_error(capsys, *argv)
    assert code == 2 and fragment in err and "Cách dùng: python -m etl" in err
    assert not [word for word in ENGLISH if word in err]


def _parsers(parser: argparse.ArgumentParser):
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for helped in action._choices_actions:
                assert helped.help[0].isupper(), helped.help  # "Tài khoản: …", not "tài khoản: …"
            for child in action.choices.values():
                yield from _parsers(child)


def test_every_help_page_is_vietnamese(capsys):
    parser = build_parser()
    pages = [p.format_help() for p in _parsers(parser)]
    assert len(pages) > 15
    assert all(not [word for word in ENGLISH if word in page] for page in pages)
    assert all("Tùy chọn:" in page and "Hiện hướng dẫn này rồi thoát" in page for page in pages)
    assert "Dân vận khéo: các lệnh kho dữ liệu" in pages[0] and "Lệnh:" in pages[0]
    code, out, _ = run_parse_error(capsys, "users", "--help")
    assert code == 0 and out.startswith("Cách dùng: python -m etl users")
    assert argparse._("usage: ") == "usage: "  # the translation is not left installed process-wide


# ------------------------------------------------------------------ the pages' words

def test_users_list_shows_role_labels_and_unit_names(warehouse, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-dai\nmat-khau-dai\n"))
    code, out, _ = run(capsys, "users", "add", "lan", "--role", "uploader", "--units", "394",
                       "--password-stdin")
    assert code == 0 and out == "Đã thêm tài khoản lan (Nạp số liệu; phạm vi: Huyện Yên Định (394)).\n"
    assert run(capsys, "users", "add", "chi", "--role", "admin", "--password-stdin")[0] == 0
    code, out, _ = run(capsys, "users", "list")
    rows = [line.split() for line in out.splitlines()[1:]]
    assert rows == [["chi", "Quản", "trị", "hoạt", "động", "toàn", "tỉnh"],
                    ["lan", "Nạp", "số", "liệu", "hoạt", "động", "Huyện", "Yên", "Định", "(394)"]]


def test_batches_use_the_history_page_words(warehouse, capsys):
    book = warehouse / "a.xlsx"
    book.write_bytes(consolidated_workbook([("Huyện Yên Định", {"conferences": 12})]))
    assert run(capsys, "load", str(book))[0] == 0
    assert run(capsys, "undo", "1")[0] == 0
    code, out, _ = run(capsys, "batches")
    header, _, row = out.splitlines()
    assert code == 0 and header.endswith("Thêm mới  Thay đổi  Không đổi  Trạng thái")
    assert row.endswith("Đã hoàn tác")
