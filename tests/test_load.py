"""Load: batches, idempotency, every value kept per batch, exact undo, refusals, concurrency (both databases)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from etl.accounts.audit import recent_events
from etl.periods import quarter
from etl.warehouse.batches import batch_file, list_batches
from etl.warehouse.load import load_file, preview_file
from etl.warehouse.schema import Base, Batch, BatchValue, Fact, Meta
from etl.warehouse.undo import undo_batch
from tests.workbooks import cell_of, consolidated_workbook, form_workbook

Q2 = quarter(2024, 2)
FIRST = [("Huyện Yên Định", {"conferences": 12, "conference_participants": 905, "documents_issued": 7}),
         ("H. Nông Cống", {"conferences": 5, "conference_participants": "1.204", "documents_issued": "06"})]


def facts(engine) -> dict:
    """{(unit, year, quarter, indicator): (value, batch_id)}"""
    with engine.connect() as conn:
        rows = conn.execute(select(Fact.unit_code, Fact.year, Fact.quarter, Fact.indicator_code, Fact.value,
                                   Fact.batch_id)).all()
    return {(u, y, q, i): (v, b) for u, y, q, i, v, b in rows}


def snapshot(engine) -> list[dict]:
    """The facts in force, every column, in a stable order."""
    with engine.connect() as conn:
        f = conn.execute(select(Fact).order_by(Fact.unit_code, Fact.year, Fact.quarter, Fact.indicator_code)
                         ).mappings().all()
    return [dict(r) for r in f]


def batch_values(engine, batch_id: int) -> dict:
    """{(unit, indicator): value} that a batch reported."""
    import json
    with engine.connect() as conn:
        rows = conn.execute(select(BatchValue.unit_code, BatchValue.values_json)
                            .where(BatchValue.batch_id == batch_id)).all()
    return {(u, i): v for u, packed in rows for i, v in json.loads(packed).items()}


def all_tables(engine) -> dict:
    """Every row of every table (the 'nothing changed' check)."""
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(select(table)).all()
            out[table.name] = sorted(map(repr, rows))
    return out


def load(engine, rows, name="bao_cao.xlsx", **kw):
    return load_file(engine, consolidated_workbook(rows, **kw), name, user="lan")


def test_load_writes_facts_batch_and_original_file(engine):
    data = consolidated_workbook(FIRST)
    r = load_file(engine, data, "cum_dong_bang.xlsx", user="lan")
    assert (r.status, r.rows_added, r.rows_changed, r.rows_unchanged) == ("loaded", 6, 0, 0)
    assert r.period == Q2 and r.layout == "consolidated" and r.problems == []
    assert facts(engine)[("394", 2024, 2, "conference_participants")] == (905, r.batch_id)
    assert facts(engine)[("404", 2024, 2, "conference_participants")] == (1204, r.batch_id)
    assert facts(engine)[("404", 2024, 2, "documents_issued")] == (6, r.batch_id)
    [b] = list_batches(engine)
    assert (b.id, b.file_name, b.period, b.uploaded_by, b.status, b.units_count, b.layout) == \
        (r.batch_id, "cum_dong_bang.xlsx", "2024-Q2", "lan", "loaded", 2, "consolidated")
    assert (b.rows_added, b.rows_changed, b.rows_unchanged, len(b.sha256)) == (6, 0, 0, 64)
    assert batch_file(engine, r.batch_id) == ("cum_dong_bang.xlsx", data)
    assert batch_file(engine, 999) is None


def test_same_file_twice_is_unchanged_and_names_the_first_load(engine):
    data = consolidated_workbook(FIRST)
    first = load_file(engine, data, "a.xlsx", user="lan")
    before = all_tables(engine)
    again = load_file(engine, data, "a (1).xlsx", user="minh")
    assert again.status == "unchanged" and again.batch_id is None
    assert again.previous.id == first.batch_id and again.previous.uploaded_by == "lan"
    assert all_tables(engine) == before


def test_different_file_with_same_values_is_unchanged_without_a_batch(engine):
    load(engine, FIRST)
    other = load(engine, [FIRST[1], FIRST[0]], period_title="Quý II/2024", name="b.xlsx")
    assert (other.status, other.rows_unchanged, other.previous) == ("unchanged", 6, None)
    assert len(list_batches(engine)) == 1


def test_revision_keeps_every_value_with_its_batch_and_unchanged_facts_keep_their_batch(engine):
    a = load(engine, FIRST).batch_id
    revised = [("Huyện Yên Định", {"conferences": 13, "conference_participants": 905, "documents_issued": 7,
                                   "dialogues": 2})]
    r = load(engine, revised, name="sua.xlsx")
    assert (r.status, r.rows_added, r.rows_changed, r.rows_unchanged) == ("loaded", 1, 1, 2)
    b = r.batch_id
    f = facts(engine)
    assert f[("394", 2024, 2, "conferences")] == (13, b)
    assert f[("394", 2024, 2, "conference_participants")] == (905, a)  # not rewritten
    assert f[("394", 2024, 2, "dialogues")] == (2, b)
    assert f[("404", 2024, 2, "conferences")] == (5, a)  # a unit absent from the revision is untouched
    assert batch_values(engine, a)[("394", "conferences")] == 12   # the value it replaced is kept
    assert batch_values(engine, b) == {("394", "conferences"): 13, ("394", "conference_participants"): 905,
                                       ("394", "documents_issued"): 7, ("394", "dialogues"): 2}
    kinds = {(c.unit_code, c.indicator_code): (c.kind, c.old, c.new) for c in r.changes}
    assert kinds[("394", "conferences")] == ("changed", 12, 13)
    assert kinds[("394", "dialogues")] == ("added", None, 2)
    assert kinds[("394", "documents_issued")] == ("unchanged", 7, 7)


@pytest.mark.parametrize("blank", [None, "-"])
def test_blank_in_a_revision_leaves_the_existing_value(engine, blank):
    a = load(engine, FIRST).batch_id
    r = load(engine, [("Huyện Yên Định", {"conferences": 12, "conference_participants": 905,
                                          "documents_issued": blank, "dialogues": 3})], name="c.xlsx")
    assert (r.rows_added, r.rows_changed, r.rows_unchanged) == (1, 0, 2)
    assert facts(engine)[("394", 2024, 2, "documents_issued")] == (7, a)


def test_preview_computes_changes_and_writes_nothing(engine):
    load(engine, FIRST)
    before = all_tables(engine)
    p = preview_file(engine, consolidated_workbook([("Yên Định", {"conferences": 20, "conference_participants": 905})]),
                     "x.xlsx", user="lan")
    assert (p.status, p.batch_id, p.rows_changed, p.rows_unchanged) == ("preview", None, 1, 1)
    assert [(c.old, c.new) for c in p.changes if c.kind == "changed"] == [(12, 20)]
    assert all_tables(engine) == before
    assert preview_file(engine, consolidated_workbook(FIRST), "y.xlsx").status == "unchanged"


def test_refused_file_changes_nothing(engine):
    load(engine, FIRST)
    before = all_tables(engine)
    bad = [("Huyện Yên Định", {"conferences": "gần 50", "conference_participants": 905}),
           ("Huyện Thọ Xuân", {"conferences": 3, "conference_participants": 100})]
    r = load(engine, bad, name="loi.xlsx")
    assert r.status == "rejected" and r.batch_id is None
    assert any(p.code == "qualified_number" and p.cell == cell_of("conferences", 0) for p in r.problems)
    assert all_tables(engine) == before


def test_undo_restores_facts_exactly(engine):
    load(engine, FIRST)
    load(engine, [("Huyện Yên Định", {"conferences": 13, "conference_participants": 905})], name="b.xlsx")
    before = snapshot(engine)
    c = load(engine, [("Huyện Yên Định", {"conferences": 14, "conference_participants": 950, "dialogues": 1}),
                      ("Huyện Thọ Xuân", {"documents_issued": 4})], name="c.xlsx")
    assert (c.rows_added, c.rows_changed) == (2, 2)
    assert snapshot(engine) != before
    u = undo_batch(engine, c.batch_id, user="minh")
    assert (u.ok, u.restored, u.removed) == (True, 2, 2)
    assert f"#{c.batch_id}" in u.message
    assert snapshot(engine) == before
    [b] = [b for b in list_batches(engine) if b.id == c.batch_id]
    assert (b.status, b.undone_by) == ("undone", "minh") and b.undone_at is not None


def test_undoing_an_earlier_batch_keeps_what_later_batches_reported(engine):
    a = load(engine, FIRST).batch_id
    b = load(engine, [("Huyện Yên Định", {"conferences": 13, "conference_participants": 905})],
             name="sua_lan_2.xlsx").batch_id
    u = undo_batch(engine, a, user="minh")
    assert (u.ok, u.restored, u.removed) == (True, 0, 4)
    assert "1 giá trị vẫn giữ" in u.message   # 905 participants: b reported it too
    assert facts(engine) == {("394", 2024, 2, "conferences"): (13, b),
                             ("394", 2024, 2, "conference_participants"): (905, b)}
    assert undo_batch(engine, b).ok
    assert facts(engine) == {}


def test_undo_a_then_b_repeating_a_never_loses_b(engine):
    """The review's case: B repeats A's 36 values and adds 12; undoing A leaves all 48 of B."""
    units = ["Huyện Yên Định", "Huyện Nông Cống", "Huyện Thọ Xuân", "Huyện Hà Trung", "Huyện Vĩnh Lộc",
             "Huyện Thiệu Hóa"]
    six = ["documents_issued", "conferences", "conference_participants", "inspections", "models_registered",
           "models_recognized"]
    rows_a = [(name, {c: 10 + n for c in six}) for n, name in enumerate(units)]
    rows_b = [(name, {**values, "dialogues": 1, "review_conferences": 2}) for name, values in rows_a]
    a = load(engine, rows_a).batch_id
    b = load(engine, rows_b, name="b.xlsx")
    assert (b.rows_added, b.rows_unchanged) == (12, 36)
    assert undo_batch(engine, a).ok
    f = facts(engine)
    assert len(f) == 48 and {batch for _v, batch in f.values()} == {b.batch_id}


def test_undo_in_any_order_equals_loading_the_rest(engine):
    a = load(engine, FIRST).batch_id
    b = load(engine, [("Huyện Yên Định", {"conferences": 13})], name="b.xlsx").batch_id
    c = load(engine, [("Huyện Yên Định", {"conferences": 12, "dialogues": 4})], name="c.xlsx").batch_id
    assert undo_batch(engine, b).ok   # the middle one: c's 12 stays, owned by a as a replay of a, c leaves it
    f = facts(engine)
    assert f[("394", 2024, 2, "conferences")] == (12, a) and f[("394", 2024, 2, "dialogues")] == (4, c)
    assert undo_batch(engine, a).ok   # a's own values go, c's stay
    assert facts(engine) == {("394", 2024, 2, "conferences"): (12, c), ("394", 2024, 2, "dialogues"): (4, c)}


def test_undo_twice_or_unknown_batch_is_refused_politely(engine):
    a = load(engine, FIRST).batch_id
    assert undo_batch(engine, a, user="minh").ok
    again = undo_batch(engine, a)
    assert not again.ok and "đã được hoàn tác" in again.message and "minh" in again.message
    missing = undo_batch(engine, 12345)
    assert not missing.ok and "#12345" in missing.message


def test_same_file_loads_again_after_its_batch_was_undone(engine):
    data = consolidated_workbook(FIRST)
    a = load_file(engine, data, "a.xlsx").batch_id
    undo_batch(engine, a)
    r = load_file(engine, data, "a.xlsx")
    assert r.status == "loaded" and r.batch_id != a and r.rows_added == 6


def test_load_and_undo_are_audited(engine):
    a = load(engine, FIRST).batch_id
    load(engine, [("Huyện Yên Định", {"conferences": "hơn 3"})], name="bad.xlsx")  # refused: no event
    undo_batch(engine, a, user="minh")
    events = [(e["action"], e["username"], e["detail"].get("batch_id")) for e in recent_events(engine)]
    assert events == [("undo", "minh", a), ("load", "lan", a)]


def test_form_report_loads_one_unit(engine):
    r = load_file(engine, form_workbook("BAN DÂN VẬN HUYỆN ỦY YÊN ĐỊNH",
                                        {"documents_issued": 9, "conferences": "06",
                                         "conference_participants": "1.204", "dialogues": "-"}),
                  "yen_dinh.xlsx")
    assert (r.status, r.layout, r.rows_added) == ("loaded", "form", 3)
    assert facts(engine)[("394", 2024, 2, "conference_participants")] == (1204, r.batch_id)


def test_eight_parallel_loads_of_one_quarter_all_land(engine):
    units = ["Huyện Yên Định", "Huyện Nông Cống", "Huyện Thọ Xuân", "Huyện Hà Trung", "Huyện Vĩnh Lộc",
             "Huyện Thiệu Hóa", "Huyện Triệu Sơn", "Thị xã Bỉm Sơn"]
    files = [consolidated_workbook([(name, {"conferences": i + 1, "conference_participants": 10 * (i + 1),
                                            "models_registered": 5, "models_recognized": 2})])
             for i, name in enumerate(units)]
    results, errors = [None] * 8, []

    def run(i):
        try:
            results[i] = load_file(engine, files[i], f"f{i}.xlsx", user=f"u{i}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [r.status for r in results] == ["loaded"] * 8
    f = facts(engine)
    assert len(f) == 32
    assert sum(v for (_, _, _, code), (v, _) in f.items() if code == "conferences") == sum(range(1, 9))
    assert len({r.batch_id for r in results}) == 8


def test_meta_is_untouched_by_loads(engine):
    with engine.connect() as conn:
        before = conn.execute(select(Meta.key, Meta.value)).all()
    load(engine, FIRST)
    with engine.connect() as conn:
        assert conn.execute(select(Meta.key, Meta.value)).all() == before
        assert conn.execute(select(func.count()).select_from(Batch)).scalar_one() == 1


class _Serialization(Exception):
    sqlstate = "40001"  # what psycopg reports for a serialization failure


def test_a_serialization_failure_retries_the_whole_file(sqlite_engine, monkeypatch):
    from sqlalchemy.exc import OperationalError

    import etl.warehouse.load as load_module
    real, calls = load_module._load_values, []

    def flaky(conn, *args):
        calls.append(1)
        if len(calls) == 1:
            real(conn, *args)  # writes, then fails: the transaction must roll back
            raise OperationalError("INSERT", {}, _Serialization())
        return real(conn, *args)

    monkeypatch.setattr(load_module, "_load_values", flaky)
    r = load(sqlite_engine, FIRST)
    assert (r.status, r.rows_added, len(calls)) == ("loaded", 6, 2)
    assert len(list_batches(sqlite_engine)) == 1 and len(facts(sqlite_engine)) == 6


def test_confirm_with_the_preview_fingerprint_loads_exactly_that_change(engine):
    data = consolidated_workbook([("Huyện Yên Định", {"conferences": 20, "conference_participants": 905})])
    shown = preview_file(engine, data, "x.xlsx", user="lan")
    load(engine, FIRST, name="nguoi_khac.xlsx")   # the warehouse moves after the preview
    before = all_tables(engine)
    r = load_file(engine, data, "x.xlsx", user="lan", expect=shown.fingerprint)
    assert (r.status, r.moved, r.batch_id) == ("preview", True, None)
    assert [(c.old, c.new) for c in r.changes if c.kind == "changed"] == [(12, 20)]   # what it would do now
    assert all_tables(engine) == before
    again = load_file(engine, data, "x.xlsx", user="lan", expect=r.fingerprint)
    assert (again.status, again.moved, again.rows_changed) == ("loaded", False, 1)


def test_the_garbage_collector_stays_on_during_a_load(engine, monkeypatch):
    """A load once paused the collector (gc.disable), keeping its cyclic garbage until it ended: a
    cycle dropped during a load is now collected by the collector itself, as the load goes on."""
    import gc
    import weakref

    import etl.warehouse.load as load_module
    seen, real = [], load_module._load_values

    class Node:
        pass

    def spy(*args, **kwargs):
        cycle = Node()
        cycle.me = cycle
        dropped = weakref.ref(cycle)
        del cycle
        _ = [[] for _ in range(20_000)]   # allocations enough to set off automatic collections
        seen.append((gc.isenabled(), dropped() is None))
        return real(*args, **kwargs)
    monkeypatch.setattr(load_module, "_load_values", spy)
    frozen_before = gc.get_freeze_count()   # the dashboard may have frozen its long-lived objects
    assert load(engine, [("Huyện Yên Định", {"conferences": 4})]).status == "loaded"
    revised = consolidated_workbook([("Huyện Yên Định", {"conferences": 5})])
    assert preview_file(engine, revised, "sua.xlsx").status == "preview"
    assert seen == [(True, True), (True, True)]
    assert gc.isenabled() and gc.get_freeze_count() <= frozen_before   # the load left nothing frozen


def test_names_longer_than_their_columns_load_cut_to_size(engine):
    """A crafted sheet name of 250 characters (Excel stops at 31), a file name of 600 and a user name of
    150 used to fail on PostgreSQL's VARCHAR columns: they are cut to fit, the figures load."""
    import warnings
    from io import BytesIO

    from openpyxl import load_workbook

    from tests.workbooks import to_bytes
    wb = load_workbook(BytesIO(consolidated_workbook(FIRST, extra_sheets=False)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb.active.title = "Biểu tổng hợp " + "rất dài " * 30
    r = load_file(engine, to_bytes(wb), "bao_cao_" + "x" * 600 + ".xlsx", user="u" * 150)
    assert r.status == "loaded", [p.message for p in r.problems]
    [b] = list_batches(engine)
    assert (len(b.sheet), len(b.file_name), len(b.uploaded_by)) == (200, 500, 100)
    assert undo_batch(engine, b.id, user="v" * 150).ok


def test_a_warehouse_locked_throughout_gives_warehouse_busy_and_writes_nothing(sqlite_engine, monkeypatch):
    """SQLite locked by another writer past every retry: one named error (WarehouseBusy), whose text
    the pages and the CLI show, and nothing written."""
    import sqlite3

    import etl.warehouse.batches as batches
    import etl.warehouse.db as db
    from etl.warehouse.batches import WarehouseBusy
    real_pragmas = db._sqlite_pragmas

    def impatient(dbapi_conn, record):   # a 50 ms busy timeout, so the test does not wait a minute
        real_pragmas(dbapi_conn, record)
        dbapi_conn.execute("PRAGMA busy_timeout=50")
    monkeypatch.setattr(db, "_sqlite_pragmas", impatient)
    monkeypatch.setattr(batches.time, "sleep", lambda s: None)
    engine = db.make_engine(sqlite_engine.url.render_as_string())
    blocker = sqlite3.connect(sqlite_engine.url.database, isolation_level=None, timeout=0.1)
    blocker.execute("BEGIN IMMEDIATE")   # holds the write lock
    try:
        with pytest.raises(WarehouseBusy) as busy:
            load(engine, FIRST)
        assert "Kho dữ liệu đang bận" in str(busy.value)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        engine.dispose()
    assert facts(sqlite_engine) == {} and list_batches(sqlite_engine) == []
