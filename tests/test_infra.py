"""The test infrastructure really runs both databases."""

import sqlalchemy as sa


def test_engine_runs_select_one(engine, request):
    backend = request.node.callspec.params["engine"]
    assert engine.dialect.name == backend
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1


def test_postgres_database_is_per_test(pg_engine):
    with pg_engine.connect() as conn:
        name = conn.execute(sa.text("SELECT current_database()")).scalar_one()
    assert name.startswith("t_")
