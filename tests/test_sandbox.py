"""The bounded parse worker (etl.reading.sandbox): results come back whole, every limit stops a misbehaving
parse and becomes the file's Problem naming that limit, and the warehouse never changes."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import psutil
import pytest

import etl.reading.read
from etl.reading.read import parse_workbook
from etl.reading.sandbox import LimitExceeded, WorkerError, parse_bounded, run_bounded
from etl.warehouse.load import load_file, preview_file
from tests import sandbox_targets
from tests.engines import warehouse_checksum
from tests.hostile.corpus import good
from tests.workbooks import catalogue_indicators, sample_units

ROOT = Path(__file__).resolve().parent.parent
UNITS, INDICATORS = sample_units(), catalogue_indicators()


@pytest.fixture
def tight(monkeypatch):
    """Limits small enough for a test: 1 CPU second, 400 MB (the worker starts near 200), 30 s."""
    for name, value in (("CPU_SECONDS", "1"), ("MEMORY_MB", "400"), ("WALL_SECONDS", "30")):
        monkeypatch.setenv(f"DVK_PARSE_{name}", value)


def test_the_result_comes_back_as_parsed_in_process():
    kwargs, data = dict(units=UNITS, indicators=INDICATORS, today=date(2026, 1, 1)), good()
    bounded = run_bounded(parse_workbook, data, "tot.xlsx", **kwargs)
    assert bounded == parse_workbook(data, "tot.xlsx", **kwargs)
    assert bounded.ok and len(bounded.records) == 2


def test_arguments_of_any_kind_are_forwarded_and_the_worker_is_another_process():
    pid, args, kwargs = run_bounded(sandbox_targets.echo, b"\x00" * 10, "tệp.xlsx", period=None,
                                    allowed_units={"394"}, new_keyword=[1, 2])
    assert pid != os.getpid()
    assert args == (b"\x00" * 10, "tệp.xlsx")
    assert kwargs == {"period": None, "allowed_units": {"394"}, "new_keyword": [1, 2]}


@pytest.mark.parametrize("target, limit, code, named", [
    (sandbox_targets.spin, "cpu", "parse_cpu_limit", "1 giây CPU"),
    (sandbox_targets.hoard, "memory", "parse_memory_limit", "400 MB"),
])
def test_cpu_and_memory_limits_stop_the_worker(tight, target, limit, code, named):
    with pytest.raises(LimitExceeded) as caught:
        run_bounded(target, b"data")
    assert caught.value.limit == limit
    p = caught.value.problem("x.xlsx")
    assert (p.code, p.file, p.severity) == (code, "x.xlsx", "error") and named in p.message
    assert "DVK_PARSE_" in p.hint


def test_the_wall_clock_limit_kills_a_worker_that_only_waits(tight, monkeypatch, tmp_path):
    monkeypatch.setenv("DVK_PARSE_WALL_SECONDS", "2")
    pid_file = tmp_path / "pid"
    with pytest.raises(LimitExceeded) as caught:
        run_bounded(sandbox_targets.nap, pid_file=str(pid_file))
    assert caught.value.limit == "wall"
    assert "2 giây" in caught.value.problem("x.xlsx").message
    assert not psutil.pid_exists(int(pid_file.read_text()))   # killed and reaped, not left behind


def test_a_crashed_worker_is_a_problem_and_a_bug_in_the_parser_is_an_exception():
    with pytest.raises(LimitExceeded) as caught:
        run_bounded(sandbox_targets.crash)
    assert caught.value.limit == "crash" and "SIGSEGV" in caught.value.problem("x.xlsx").message
    with pytest.raises(WorkerError, match="ValueError: lỗi lập trình cố ý"):
        run_bounded(sandbox_targets.fail)
    with pytest.raises(WorkerError, match="pickle"):
        run_bounded(sandbox_targets.unpicklable)


def test_parse_bounded_turns_a_limit_into_the_files_problem(tight, monkeypatch):
    monkeypatch.setattr(etl.reading.read, "parse_workbook", sandbox_targets.hoard)
    parsed = parse_bounded(good(), "lon.xlsx", units=UNITS, indicators=INDICATORS)
    assert [p.code for p in parsed.problems] == ["parse_memory_limit"]
    assert (parsed.file_name, parsed.ok, parsed.records) == ("lon.xlsx", False, [])
    assert len(parsed.sha256) == 64


@pytest.mark.parametrize("target, code", [(sandbox_targets.spin, "parse_cpu_limit"),
                                          (sandbox_targets.hoard, "parse_memory_limit")])
def test_a_parse_stopped_by_a_limit_refuses_the_file_and_changes_nothing(engine, tight, monkeypatch, target, code):
    assert load_file(engine, good(), "tot.xlsx").status == "loaded"
    before = warehouse_checksum(engine)
    monkeypatch.setattr(etl.reading.read, "parse_workbook", target)
    for result in (preview_file(engine, good(), "cham.xlsx"), load_file(engine, good(), "cham.xlsx")):
        assert (result.status, result.batch_id) == ("rejected", None)
        assert [p.code for p in result.problems] == [code]
    assert warehouse_checksum(engine) == before


def test_workers_started_from_many_threads_at_once_each_return_their_own_result():
    results = {}

    def work(i):
        results[i] = run_bounded(sandbox_targets.echo, i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {i: args for i, (_pid, args, _kw) in results.items()} == {i: (i,) for i in range(6)}
    assert len({pid for pid, _a, _k in results.values()}) == 6


def test_workers_do_not_run_the_parents_main_script_again(tmp_path):
    """A script without a __main__ guard (as Streamlit's launcher is to the dashboard) would start
    itself again in every worker; the fork server's workers skip it."""
    script = tmp_path / "unguarded.py"
    script.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                      "from etl.reading.sandbox import run_bounded\nprint('parent ran', run_bounded(len, b'abcd'))\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, "parent ran 4\n"), done.stderr[-2000:]
