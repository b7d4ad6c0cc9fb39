"""Alembic migrations on a warehouse that already holds facts: upgrade keeps every fact, downgrade too.

Revision 0003 re-keys facts by (period_index, indicator_code, unit_code) (WITHOUT ROWID on SQLite)
and drops ix_facts_period_indicator; the warehouses here are built at 0001/0002 and filled first.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine

from etl.warehouse.db import alembic_config, make_engine
from tests.conftest import BACKENDS
from tests.engines import _drop_pg_db, _fresh_pg_url

HEAD = "0007"


@pytest.fixture(params=BACKENDS, ids=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """An engine on an empty database (no schema): the test migrates it itself."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path}/warehouse.db")
        yield engine
        engine.dispose()
        return
    admin = request.getfixturevalue("_pg_admin")
    name, url = _fresh_pg_url(admin)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        _drop_pg_db(admin, name)


def migrate(engine: Engine, direction: str, revision: str) -> None:
    """Run alembic on one transaction, as etl.warehouse.db.ensure_schema does."""
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, direction)(cfg, revision)


def revision(engine: Engine) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()


UNITS = ["384", "394", "404"]
INDICATORS = ["conferences", "dialogues", "models_registered"]


def fill(engine: Engine) -> set[tuple]:
    """Catalogue rows, two batches and facts over three quarters of two years; returns the facts."""
    facts = set()
    for index, (year, q) in enumerate([(2024, 2), (2024, 3), (2025, 1)]):
        for n, unit in enumerate(UNITS):
            for m, code in enumerate(INDICATORS):
                if (index + n + m) % 5:  # some gaps, as real sheets have
                    facts.add((unit, year, q, code, year * 4 + q - 1, 10**10 + 100 * index + 10 * n + m,
                               1 + index % 2))
    with engine.begin() as conn:
        for unit in UNITS:
            conn.execute(sa.text("INSERT INTO units (code, name, level, kind, valid_from, aliases, sort_order) "
                                 "VALUES (:c, :c, 'district', 'huyện', '2015-01-01', '', 0)"), {"c": unit})
        for code in INDICATORS:
            conn.execute(sa.text("INSERT INTO indicators (code, label, group_name, unit_label, aliases, "
                                 "sort_order) VALUES (:c, :c, '', '', '', 0)"), {"c": code})
        for batch in (1, 2):
            conn.execute(sa.text(
                "INSERT INTO batches (id, file_name, sha256, sheet, layout, period, uploaded_by, created_at, "
                "status, rows_added, rows_changed, rows_unchanged, units_count, warnings_count) VALUES "
                "(:id, 'a.xlsx', 'x', '', '', '2024-Q2', '', '2024-06-21 07:05:00', 'loaded', 0, 0, 0, 0, 0)"),
                {"id": batch})
        conn.execute(sa.text(
            "INSERT INTO facts (unit_code, year, quarter, indicator_code, period_index, value, batch_id) "
            "VALUES (:u, :y, :q, :i, :p, :v, :b)"),
            [dict(zip("uyqipvb", f)) for f in sorted(facts)])
    return facts


def stored(engine: Engine) -> set[tuple]:
    with engine.connect() as conn:
        return {tuple(r) for r in conn.execute(sa.text(
            "SELECT unit_code, year, quarter, indicator_code, period_index, value, batch_id FROM facts"))}


def layout(engine: Engine) -> tuple[list[str], set[str]]:
    """(primary-key columns in key order, index names) of facts."""
    inspector = sa.inspect(engine)
    return (inspector.get_pk_constraint("facts")["constrained_columns"],
            {ix["name"] for ix in inspector.get_indexes("facts")})


def without_rowid(engine: Engine) -> bool:
    with engine.connect() as conn:
        sql = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = 'facts'")).scalar_one()
    return "WITHOUT ROWID" in sql.upper()


@pytest.mark.parametrize("start", ["0001", "0002"])
def test_upgrade_with_facts_keeps_every_fact(empty_engine, start):
    migrate(empty_engine, "upgrade", start)
    facts = fill(empty_engine)
    migrate(empty_engine, "upgrade", "head")
    assert revision(empty_engine) == HEAD
    assert stored(empty_engine) == facts
    assert layout(empty_engine) == (["period_index", "span", "indicator_code", "unit_code"], set())
    if empty_engine.dialect.name == "sqlite":
        assert without_rowid(empty_engine)
    with empty_engine.begin() as conn:  # the new key is enforced, and still no duplicate facts
        with pytest.raises(sa.exc.IntegrityError):
            with conn.begin_nested():
                conn.execute(sa.text(
                    "INSERT INTO facts (unit_code, year, quarter, indicator_code, period_index, value, batch_id) "
                    "VALUES ('384', 2024, 3, 'conferences', 8098, 1, 1)"))  # span defaults to 1
        with pytest.raises(sa.exc.IntegrityError):  # foreign keys survive the recreation
            with conn.begin_nested():
                conn.execute(sa.text(
                    "INSERT INTO facts (unit_code, year, quarter, indicator_code, period_index, value, batch_id) "
                    "VALUES ('nowhere', 2030, 1, 'conferences', 8120, 1, 1)"))


def test_downgrade_restores_the_old_layout_with_the_facts(empty_engine):
    migrate(empty_engine, "upgrade", "0002")
    facts = fill(empty_engine)
    before = layout(empty_engine)
    migrate(empty_engine, "upgrade", "head")
    migrate(empty_engine, "downgrade", "0002")
    assert revision(empty_engine) == "0002"
    assert stored(empty_engine) == facts
    assert layout(empty_engine) == before == (["unit_code", "year", "quarter", "indicator_code"],
                                              {"ix_facts_period_indicator"})
    if empty_engine.dialect.name == "sqlite":
        assert not without_rowid(empty_engine)
    migrate(empty_engine, "upgrade", "head")  # and up again
    assert stored(empty_engine) == facts


@pytest.mark.parametrize("stmt", [
    # every filter of etl.queries / etl.warehouse.load on facts: period ranges, a period and batch (undo),
    # a period and unit/indicator (revision update), a unit alone (catalogue checks)
    "SELECT indicator_code, sum(value) FROM facts WHERE period_index IN (8098, 8099) GROUP BY indicator_code",
    "SELECT DISTINCT unit_code, period_index FROM facts WHERE period_index BETWEEN 8098 AND 8100",
    "SELECT unit_code, period_index, value FROM facts WHERE indicator_code = 'conferences' "
    "AND period_index BETWEEN 8098 AND 8100",
    "DELETE FROM facts WHERE period_index = 8098 AND batch_id = 1",
    "UPDATE facts SET value = 1 WHERE period_index = 8098 AND indicator_code = 'conferences' AND unit_code = '384'",
    "SELECT max(period_index) FROM facts",
])
def test_fact_queries_use_the_primary_key(sqlite_engine, stmt):
    """On SQLite, none of them scans the whole table (PostgreSQL plans by its statistics)."""
    with sqlite_engine.connect() as conn:
        plan = " | ".join(r[3] for r in conn.execute(sa.text("EXPLAIN QUERY PLAN " + stmt)))
    assert "PRIMARY KEY" in plan and "SCAN facts" not in plan, plan


def test_migrated_facts_table_matches_the_models(empty_engine):
    """Alembic's autogenerate comparison finds nothing to change on facts after upgrading to head."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from etl.warehouse.schema import Base
    migrate(empty_engine, "upgrade", "head")
    with empty_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if "facts" in repr(d)] == []


def test_0004_keeps_every_reported_value_in_batch_values(empty_engine):
    """Facts (the values in force) and fact_history (the values they replaced) both become rows of
    batch_values with the batch that reported them; each batch lists its units and its sheet."""
    migrate(empty_engine, "upgrade", "0003")
    facts = fill(empty_engine)
    replaced = next(f for f in sorted(facts) if f[6] == 2)  # a value batch 2 wrote over batch 1's
    with empty_engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO fact_history (unit_code, year, quarter, indicator_code, value, batch_id, "
            "replaced_by_batch_id, replaced_at) VALUES (:u, :y, :q, :i, 7, 1, 2, '2024-06-22 07:00:00')"),
            dict(zip("uyqi", replaced)))
    migrate(empty_engine, "upgrade", "head")
    with empty_engine.connect() as conn:
        import json
        values = {(b, p, s, i, u, v) for b, p, s, u, packed in conn.execute(sa.text(
            "SELECT batch_id, period_index, span, unit_code, values_json FROM batch_values"))
            for i, v in json.loads(packed).items()}
        units = dict(conn.execute(sa.text("SELECT id, units FROM batches")).all())
        sheets = conn.execute(sa.text("SELECT batch_id, position, period FROM batch_sheets ORDER BY 1")).all()
    expected = {(b, p, 1, i, u, v) for u, _y, _q, i, p, v, b in facts} | {(1, replaced[4], 1, replaced[3],
                                                                            replaced[0], 7)}
    assert values == expected
    assert {b: set(us.split(",")) for b, us in units.items()} == {
        b: {u for u, *_rest, bb in facts if bb == b} | ({replaced[0]} if b == 1 else set()) for b in (1, 2)}
    assert sheets == [(1, 0, "2024-Q2"), (2, 0, "2024-Q2")]
    migrate(empty_engine, "downgrade", "0003")   # the replaced value is history again
    with empty_engine.connect() as conn:
        history = conn.execute(sa.text("SELECT unit_code, indicator_code, value, batch_id, replaced_by_batch_id "
                                       "FROM fact_history")).all()
    assert history == [(replaced[0], replaced[3], 7, 1, 2)]
    assert stored(empty_engine) == facts
