"""Running a parse in a bounded worker process: CPU time, memory and wall-clock limits.

`run_bounded(fn, *args, **kwargs)` calls fn in a fresh child process and returns its (pickled)
result. The child sets RLIMIT_AS and RLIMIT_CPU on itself before calling fn; the parent kills it
at the wall-clock limit. A limit hit raises `LimitExceeded`, which `parse_bounded` turns into the
file's Problem, so a hostile upload costs at most the limits, never the server.

Children come from a multiprocessing "forkserver": a single-threaded process started once that has
the reader modules imported, so each parse is a cheap fork of it. Streamlit serves every session on
its own thread, and forking such a process directly could copy a lock held by another thread.
`fn` must be importable by name (a module-level function, not one defined in `__main__`).
"""
from __future__ import annotations

import gc
import hashlib
import multiprocessing
import multiprocessing.spawn
import os
import signal
import sys
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

from etl.config import get_settings
from etl.problems import Problem, problem

__all__ = ["Limits", "LimitExceeded", "WorkerError", "current_limits", "parse_bounded", "run_bounded"]

PRELOAD = ["etl.reading.read", "etl.reading.sandbox"]   # imported once by the fork server, shared by every child (this last)


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int
    memory_mb: int
    wall_seconds: float


def current_limits() -> Limits:
    """The parse limits from the settings (DVK_PARSE_CPU_SECONDS, _MEMORY_MB, _WALL_SECONDS)."""
    s = get_settings()
    return Limits(s.parse_cpu_seconds, s.parse_memory_mb, s.parse_wall_seconds)


class LimitExceeded(Exception):
    """The worker hit a limit ('cpu', 'memory', 'wall') or died without a result ('crash')."""

    def __init__(self, limit: str, limits: Limits, detail: str = ""):
        super().__init__(f"{limit} limit ({limits}) {detail}".strip())
        self.limit, self.limits, self.detail = limit, limits, detail

    def problem(self, file: str) -> Problem:
        """The Vietnamese Problem naming the limit that stopped the parse of `file`."""
        if self.limit == "cpu":
            return problem("parse_cpu_limit", file=file, limit=str(self.limits.cpu_seconds))
        if self.limit == "memory":
            return problem("parse_memory_limit", file=file, limit=f"{self.limits.memory_mb:,} MB".replace(",", "."))
        if self.limit == "wall":
            return problem("parse_timeout", file=file, limit=f"{self.limits.wall_seconds:g}")
        return problem("parse_crashed", file=file, detail=self.detail)


class WorkerError(RuntimeError):
    """fn raised in the worker (a bug, not a bad file): the worker's traceback as the message."""


def parse_bounded(data: bytes, file_name: str, **kwargs):
    """etl.reading.read.parse_workbook(data, file_name, **kwargs) in a bounded worker; a limit hit is a Problem."""
    from etl.reading.read import ParsedFile, parse_workbook
    try:
        return run_bounded(parse_workbook, data, file_name, **kwargs)
    except LimitExceeded as exc:
        return ParsedFile(file_name=file_name, sha256=hashlib.sha256(data).hexdigest(),
                          problems=[exc.problem(file_name)])


def run_bounded(fn, *args, **kwargs):
    """fn(*args, **kwargs) in a fresh worker under the current limits; raises LimitExceeded."""
    limits = current_limits()
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    worker = ctx.Process(target=_worker, args=(sender, limits, fn, args, kwargs), daemon=True)
    try:
        worker.start()
        sender.close()   # the worker holds the only write end now: its death reads as EOF here
        outcome = _receive(receiver, limits)
    finally:
        receiver.close()
        sender.close()
        killed = _stop(worker) if worker.pid is not None else False
        exitcode = worker.exitcode
        worker.close()
    return _result(outcome, exitcode, killed, limits)


def _receive(receiver, limits: Limits):
    """('ok', value) | ('memory', None) | ('error', text) from the worker; None when it sent nothing
    (it died) and 'wall' when the wall-clock limit passed first."""
    if not receiver.poll(limits.wall_seconds):
        return "wall"
    try:
        return receiver.recv()
    except (EOFError, OSError):
        return None


def _stop(worker) -> bool:
    """Join the worker, killing it first if it still runs; whether it had to be killed."""
    worker.join(0.5)
    killed = worker.is_alive()
    if killed:
        worker.kill()
        worker.join()
    return killed


def _result(outcome, exitcode: int | None, killed: bool, limits: Limits):
    if outcome == "wall":
        raise LimitExceeded("wall", limits)
    if outcome is None:  # died without a word: RLIMIT_CPU's SIGXCPU, the kernel's OOM killer, a crash
        if exitcode in (-signal.SIGXCPU, -signal.SIGKILL) and not killed:
            raise LimitExceeded("cpu" if exitcode == -signal.SIGXCPU else "memory", limits)
        raise LimitExceeded("crash", limits, _describe_exit(exitcode))
    status, value = outcome
    if status == "memory":
        raise LimitExceeded("memory", limits)
    if status == "error":
        raise WorkerError(value)
    return value


def _describe_exit(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"tín hiệu {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"tín hiệu {-exitcode}"
    return f"mã thoát {exitcode}"


# ---------------------------------------------------------------- the worker side

def _worker(sender, limits: Limits, fn, args, kwargs) -> None:
    """In the child: limit itself, run fn, send ('ok', result) or why not."""
    import resource
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))           # SIGXCPU would otherwise dump core
    memory = limits.memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 2))  # soft: SIGXCPU
    try:
        outcome = ("ok", fn(*args, **kwargs))
    except MemoryError:
        outcome = ("memory", None)
    except BaseException:  # a bug in fn: shown to the parent with the worker's traceback
        outcome = ("error", traceback.format_exc())
    try:  # send() pickles first, so a failure below has written nothing yet
        sender.send(outcome)
    except MemoryError:  # pickling a large result can need more than is left
        sender.send(("memory", None))
    except Exception:  # a result that cannot be pickled: a bug, reported as one
        sender.send(("error", traceback.format_exc()))
    finally:
        sender.close()


# ---------------------------------------------------------------- the fork server

_START = threading.Lock()   # one thread at a time (re)starts the fork server, which every thread shares
_ROOT = str(Path(__file__).resolve().parents[2])   # where the etl package lives


def _context():
    """The forkserver context, its server running with the reader preloaded."""
    with _START:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        _ensure_fork_server()
    return ctx


def _ensure_fork_server() -> None:
    """(Re)start the fork server if it is not running, with this project on PYTHONPATH: Python 3.11's
    fork server is handed the parent's sys.path but never applies it, so from another working
    directory it could not import the reader it preloads. The environment is restored at once."""
    from multiprocessing import forkserver
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, saved) if p)
    try:
        forkserver.ensure_running()
    finally:
        if saved is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = saved


def _prepare_without_main(data: dict) -> None:
    """multiprocessing.spawn.prepare, minus re-importing the parent's __main__ in each child.

    A child normally imports the parent's main script again (for targets defined there); for the
    dashboard that is Streamlit's launcher, a second or more per parse. Our targets are importable
    by name, so the fork server's children skip it."""
    data = {k: v for k, v in data.items() if k not in ("init_main_from_path", "init_main_from_name")}
    _spawn_prepare(data)


def _in_fork_server() -> bool:
    """Whether this import is the fork server's preload (forkserver.main is on the stack)."""
    from multiprocessing import forkserver
    frame = sys._getframe(1)
    while frame is not None and frame.f_code is not forkserver.main.__code__:
        frame = frame.f_back
    return frame is not None


_spawn_prepare = multiprocessing.spawn.prepare
if _in_fork_server():  # only the fork server and the workers forked from it
    multiprocessing.spawn.prepare = _prepare_without_main
    gc.freeze()  # the preloaded modules live as long as the server: the workers' collections skip them
