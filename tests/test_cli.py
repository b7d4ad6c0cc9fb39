"""CLI data commands: exit codes, JSON shapes, Vietnamese messages, never a traceback."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from etl.cli import main
from tests.workbooks import CODES, cell_of, consolidated_workbook

ROOT = Path(__file__).resolve().parent.parent
GOOD = [("Huyện Yên Định", {"conferences": 12, "conference_participants": 905, "models_registered": 10,
                            "models_recognized": 6}),
        ("TX Bỉm Sơn", {"conferences": 3, "conference_participants": 120})]
BAD = [("Huyện Yên Định", {"conferences": "gần 50", "conference_participants": 905})]
PROBLEM_KEYS = {"sheet", "cell", "row", "column", "code", "severity", "message"}
FILE_KEYS = {"file", "status", "batch_id", "periods", "rows_added", "rows_changed", "rows_unchanged", "sheets",
             "mapped_columns", "text_figures", "problems"}


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    return tmp_path


def write(folder: Path, name: str, rows, **kw) -> str:
    path = folder / name
    path.write_bytes(consolidated_workbook(rows, **kw))
    return str(path)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_load_json_has_the_documented_shape(warehouse, capsys):
    good, bad = write(warehouse, "tot.xlsx", GOOD), write(warehouse, "loi.xlsx", BAD)
    code, out, _ = run(capsys, "load", good, bad, "--json", "--user", "lan")
    assert code == 1  # one file refused
    files = json.loads(out)["files"]
    assert [set(f) for f in files] == [FILE_KEYS, FILE_KEYS]
    assert files[0] | {"problems": [], "sheets": []} == {
        "file": "tot.xlsx", "status": "loaded", "batch_id": 1, "periods": ["2024-Q2"], "rows_added": 6,
        "rows_changed": 0, "rows_unchanged": 0, "sheets": [], "mapped_columns": [], "text_figures": [],
        "problems": []}
    assert [(s["name"], s["status"]) for s in files[0]["sheets"]] == [("Hướng dẫn", "skipped"), ("Biểu 01", "read")]
    assert files[1]["status"] == "rejected" and files[1]["batch_id"] is None
    problem = next(p for p in files[1]["problems"] if p["code"] == "qualified_number")
    assert set(problem) == PROBLEM_KEYS
    assert problem["cell"] == cell_of("conferences", 0) and problem["severity"] == "error"
    code, out, _ = run(capsys, "load", good, "--json")
    assert code == 0 and json.loads(out)["files"][0]["status"] == "unchanged"


def test_load_human_output_is_vietnamese_with_a_problem_table(warehouse, capsys):
    code, out, _ = run(capsys, "load", write(warehouse, "loi.xlsx", BAD))
    assert code == 1
    assert "BỊ TỪ CHỐI: loi.xlsx" in out and "kho dữ liệu không thay đổi" in out
    assert cell_of("conferences", 0) in out and "gần 50" in out and "Cách sửa" in out
    code, out, _ = run(capsys, "load", write(warehouse, "tot.xlsx", GOOD), "--user", "lan")
    assert code == 0 and "ĐÃ NẠP: tot.xlsx — Quý II/2024 — lô #1: thêm 6" in out


def test_dry_run_writes_nothing(warehouse, capsys):
    code, out, _ = run(capsys, "load", write(warehouse, "tot.xlsx", GOOD), "--dry-run", "--json")
    assert code == 0 and json.loads(out)["files"][0]["status"] == "preview"
    code, out, _ = run(capsys, "batches")
    assert "chưa có lô nào" in out


@pytest.mark.parametrize("argv, fragment", [
    (["load", "/khong/co/tep.xlsx"], "không tìm thấy tệp"),
    (["load", "--period", "2024-Q5", "x.xlsx"], "không hợp lệ"),
    (["summary", "--period", "quý 2"], "không hợp lệ"),
    (["template", "--period", "2024-H3", "--out", "x.xlsx"], "không hợp lệ"),
])
def test_usage_errors_exit_2_with_a_vietnamese_message(warehouse, capsys, argv, fragment):
    code, _, err = run(capsys, *argv)
    assert code == 2 and fragment in err


def test_more_files_than_allowed_are_refused_before_any_is_read(warehouse, capsys, monkeypatch):
    monkeypatch.setenv("DVK_UPLOAD_MAX_FILES", "2")
    files = [write(warehouse, f"tep_{q}.xlsx", GOOD, period_title=f"QUÝ {q} NĂM 2024") for q in ("I", "II", "III")]
    code, out, err = run(capsys, "load", *files)
    assert (code, out) == (2, "") and "Đã chọn 3 tệp" in err and "giới hạn 2 tệp" in err
    assert not (warehouse / "cli.db").exists()   # refused before the warehouse was even opened
    assert run(capsys, "load", *files[:2])[0] == 0


def test_period_option_conflicting_with_the_title_is_refused(warehouse, capsys):
    code, out, _ = run(capsys, "load", write(warehouse, "tot.xlsx", GOOD), "--period", "2024-Q3", "--json")
    assert code == 1
    assert [p["code"] for p in json.loads(out)["files"][0]["problems"]] == ["period_conflict"]


Q1 = [("Huyện Yên Định", {"conferences": 2, "conference_participants": 100, "models_registered": 5,
                          "models_recognized": 3}),
      ("TX Bỉm Sơn", {"conferences": 1}), ("Huyện Thọ Xuân", {"conferences": 7})]


def test_summary_json_rows(warehouse, capsys):
    run(capsys, "load", write(warehouse, "tot.xlsx", GOOD))
    run(capsys, "load", write(warehouse, "q1.xlsx", Q1, period_title="QUÝ I NĂM 2024"))
    code, out, _ = run(capsys, "summary", "--period", "2024-H1", "--by", "cluster", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["code"] for r in rows] == ["mien-nui", "ven-bien", "dong-bang"]
    keys = {"name", "code", "period", "recognition_rate", "units_reported", "units_expected", "units_partial",
            "units_derived", "quarters_expected", *CODES}
    assert all(set(r) == keys for r in rows)
    dong_bang = rows[2]
    assert dong_bang["name"] == "Đồng bằng" and dong_bang["period"] == "2024-H1"
    # sums over the units that reported both quarters; Thọ Xuân (Quý I only) is left out
    assert (dong_bang["conferences"], dong_bang["conference_participants"], dong_bang["dialogues"]) == (18, 1125, None)
    assert dong_bang["recognition_rate"] == pytest.approx(0.6)
    assert (dong_bang["units_reported"], dong_bang["units_partial"], dong_bang["units_expected"],
            dong_bang["quarters_expected"]) == (2, 1, 10, 2)
    assert rows[0]["conferences"] is None and rows[0]["recognition_rate"] is None


def test_summary_table_and_csv(warehouse, capsys):
    run(capsys, "load", write(warehouse, "tot.xlsx", GOOD))
    code, out, _ = run(capsys, "summary", "--period", "2024-Q2")
    assert code == 0 and "Quý II/2024" in out and "Lượt người tham dự hội nghị" in out and "1.025" in out
    assert "60,0%" in out
    code, out, _ = run(capsys, "summary", "--period", "2024", "--by", "district", "--format", "csv")
    header, *lines = out.strip().splitlines()
    assert code == 0 and header.startswith("name,code,period") and len(lines) == 27


@pytest.mark.parametrize("period, by, message", [("2025-Q3", "district", "không có cấp huyện"),
                                                  ("2026-H1", "district", "không có cấp huyện"),
                                                  ("2024-Q2", "commune", "không có đơn vị cấp xã")])
def test_summary_for_a_level_absent_in_the_period_says_so(warehouse, capsys, period, by, message):
    code, out, err = run(capsys, "summary", "--period", period, "--by", by)
    assert code == 0 and out == "" and message in err


def test_batches_and_undo(warehouse, capsys):
    run(capsys, "load", write(warehouse, "a.xlsx", GOOD), "--user", "lan")
    run(capsys, "load", write(warehouse, "b.xlsx", [("Yên Định", {"conferences": 13, "conference_participants": 905})]))
    code, out, _ = run(capsys, "batches")
    assert code == 0 and "#2" in out and "b.xlsx" in out and "lan" in out and "Đã nạp" in out
    code, out, _ = run(capsys, "undo", "1")   # b's values stay: b reported them after a
    assert code == 0 and "Đã hoàn tác lô #1" in out and "1 giá trị vẫn giữ" in out
    assert run(capsys, "undo", "2")[0] == 0
    code, _, err = run(capsys, "undo", "1")
    assert code == 1 and "đã được hoàn tác" in err
    code, _, err = run(capsys, "undo", "99")
    assert code == 1 and "#99" in err


def test_template_command_writes_a_workbook_that_loads(warehouse, capsys):
    out_file = warehouse / "bieu.xlsx"
    code, out, _ = run(capsys, "template", "--period", "2024-Q2", "--out", str(out_file))
    assert code == 0 and "27 đơn vị" in out
    wb = openpyxl.load_workbook(out_file)
    ws = wb.worksheets[0]
    for row in ws.iter_rows(min_row=7):
        if isinstance(row[0].value, int):
            row[2].value = 4
    wb.save(out_file)
    code, out, _ = run(capsys, "load", str(out_file), "--json")
    assert code == 0 and json.loads(out)["files"][0]["rows_added"] == 27


def test_demo_if_empty_does_nothing_when_the_warehouse_has_batches(warehouse, capsys):
    run(capsys, "load", write(warehouse, "a.xlsx", GOOD))
    code, out, _ = run(capsys, "demo", "--if-empty")
    assert code == 0 and "đã có 1 lô" in out
    assert "DEMO_" not in run(capsys, "batches")[1]


def test_python_m_etl_never_prints_a_traceback(tmp_path):
    junk = tmp_path / "bao_cao.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really a workbook")
    text = tmp_path / "ghi_chu.xlsx"
    text.write_text("Yên Định;12;905", encoding="utf-8")
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path}/sub.db", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "etl", "load", str(junk), str(text)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout.count("BỊ TỪ CHỐI") == 2
