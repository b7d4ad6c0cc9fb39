"""Eight uploads at once, each for a different unit of the same quarter, while readers query the
warehouse: every row lands, each file is its own batch, and no 'database is locked' (or any other
error) reaches a user — on SQLite and on PostgreSQL."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from etl.accounts import auth
from etl.queries.versions import data_version
from etl.warehouse.batches import list_batches
from etl.warehouse.load import load_file, preview_file
from etl.warehouse.schema import Fact
from tests.workbooks import consolidated_workbook

UNITS = {"394": "Huyện Yên Định", "395": "Huyện Thọ Xuân", "404": "Huyện Nông Cống", "380": "Thành phố Thanh Hóa",
         "384": "Huyện Mường Lát", "385": "Huyện Quan Hóa", "386": "Huyện Bá Thước", "387": "Huyện Quan Sơn"}
CODES = ("conferences", "conference_participants", "trainings", "training_participants", "models_registered",
         "models_recognized")


def unit_file(i: int, name: str) -> bytes:
    values = {"conferences": 10 + i, "conference_participants": 500 + i, "trainings": 2 + i,
              "training_participants": 90 + i, "models_registered": 30 + i, "models_recognized": 20 + i}
    return consolidated_workbook([(name, values)])


def test_eight_concurrent_uploads_for_different_units(engine):
    files = [(code, unit_file(i, name)) for i, (code, name) in enumerate(UNITS.items())]
    start = threading.Barrier(len(files) + 2)
    stop = threading.Event()
    errors: list[BaseException] = []

    def upload(code: str, data: bytes):
        start.wait()
        try:
            preview_file(engine, data, f"{code}.xlsx", user=f"u{code}", allowed_units={code})
            return load_file(engine, data, f"{code}.xlsx", user=f"u{code}", allowed_units={code})
        except BaseException as exc:  # noqa: BLE001 - any exception here would reach a user
            errors.append(exc)
            raise

    def read():  # the dashboard keeps reading while files load
        start.wait()
        try:
            while not stop.is_set():
                data_version(engine)
                auth.list_accounts(engine)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    with ThreadPoolExecutor(max_workers=len(files) + 2) as pool:
        readers = [pool.submit(read) for _ in range(2)]
        futures = [pool.submit(upload, code, data) for code, data in files]
        results = [f.result(timeout=180) for f in futures]
        stop.set()
        for r in readers:
            r.result(timeout=60)
    assert not errors, [repr(e) for e in errors]
    assert [r.status for r in results] == ["loaded"] * len(files), [(r.file, r.problems) for r in results]
    assert len({r.batch_id for r in results}) == len(files)
    with engine.connect() as conn:
        got = {(u, i): v for u, i, v in conn.execute(
            select(Fact.unit_code, Fact.indicator_code, Fact.value).where(Fact.year == 2024, Fact.quarter == 2))}
        assert conn.execute(select(func.count()).select_from(Fact)).scalar() == len(files) * len(CODES)
    for i, code in enumerate(UNITS):
        assert got[(code, "conferences")] == 10 + i and got[(code, "models_recognized")] == 20 + i
    assert sorted(b.uploaded_by for b in list_batches(engine)) == sorted(f"u{c}" for c in UNITS)


def test_concurrent_logins_do_not_lock(engine):
    auth.add_user(engine, "lan", "uploader", password="mat-khau-du-dai")
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: auth.login(engine, "lan", "mat-khau-du-dai"), range(8)))
    assert all(r.ok for r in results) and len({r.token for r in results}) == 8
