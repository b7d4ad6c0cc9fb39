"""batch_values (every value a batch reported), facts.span (cumulative reports), batch_sheets

- facts gains `span` (quarters covered: 1 = a quarter, 2 = 6 tháng, 3 = 9 tháng, 4 = năm) and
  is keyed (period_index, span, indicator_code, unit_code); existing facts are quarters (span 1).
- batch_values holds every value each batch reported, unchanged ones included (a JSON object per
  unit and span), so that undo can replay the batches still loaded exactly. It is filled from facts
  (the values in force, with the batch that wrote them) and fact_history (the values they
  replaced); fact_history goes.
- batch_sheets lists the sheets (layout, period) each batch read; filled from batches.
- batches.period widens to hold several periods ('2024-Q1,2024-H1'); batches.units lists the
  units a batch reported (history filtered by an uploader's scope).

Downgrade keeps the quarterly facts and rebuilds fact_history from the values of loaded batches
(cumulative facts cannot be represented there and are dropped).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 16:00:00
"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

OLD_COLUMNS = "unit_code, year, quarter, indicator_code, period_index, value, batch_id"
NEW_KEY = ['period_index', 'span', 'indicator_code', 'unit_code']
OLD_KEY = ['period_index', 'indicator_code', 'unit_code']


def _fact_columns(with_span: bool) -> list:
    span = [sa.Column('span', sa.Integer(), nullable=False, server_default='1')] if with_span else []
    return [
        sa.Column('unit_code', sa.String(length=50), sa.ForeignKey('units.code'), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.Integer(), nullable=False),
        sa.Column('indicator_code', sa.String(length=60), sa.ForeignKey('indicators.code'), nullable=False),
        sa.Column('period_index', sa.Integer(), nullable=False),
        *span,
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.Column('batch_id', sa.Integer(), sa.ForeignKey('batches.id'), nullable=False),
    ]


def _recreate_facts_sqlite(with_span: bool) -> None:
    """SQLite cannot change a primary key in place: copy into a new table, in key order."""
    key = NEW_KEY if with_span else OLD_KEY
    op.create_table('facts_new', *_fact_columns(with_span), sa.PrimaryKeyConstraint(*key, name='facts_pkey'),
                    sqlite_with_rowid=False)
    where = "" if with_span else " WHERE span = 1"
    op.execute(f"INSERT INTO facts_new ({OLD_COLUMNS}) SELECT {OLD_COLUMNS} FROM facts{where} "
               f"ORDER BY {', '.join(OLD_KEY)}")
    op.drop_table('facts')
    op.rename_table('facts_new', 'facts')


def _create_batch_tables() -> None:
    op.create_table(
        'batch_values',
        sa.Column('batch_id', sa.Integer(), sa.ForeignKey('batches.id'), nullable=False),
        sa.Column('period_index', sa.Integer(), nullable=False),
        sa.Column('span', sa.Integer(), nullable=False),
        sa.Column('unit_code', sa.String(length=50), nullable=False),
        sa.Column('values_json', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('batch_id', 'period_index', 'span', 'unit_code', name='batch_values_pkey'),
        sqlite_with_rowid=False)
    op.create_table(
        'batch_sheets',
        sa.Column('batch_id', sa.Integer(), sa.ForeignKey('batches.id'), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('sheet', sa.String(length=200), nullable=False),
        sa.Column('layout', sa.String(length=30), nullable=False),
        sa.Column('period', sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint('batch_id', 'position'))


def upgrade() -> None:
    sqlite = op.get_context().dialect.name == 'sqlite'
    if sqlite:
        _recreate_facts_sqlite(with_span=True)
    else:
        op.add_column('facts', sa.Column('span', sa.Integer(), nullable=False, server_default='1'))
        op.drop_constraint('facts_pkey', 'facts', type_='primary')
        op.create_primary_key('facts_pkey', 'facts', NEW_KEY)
    _create_batch_tables()
    _fill_batch_values(op.get_bind())
    op.add_column('batches', sa.Column('units', sa.Text(), nullable=False, server_default=''))
    _fill_batch_units(op.get_bind())
    op.execute("INSERT INTO batch_sheets (batch_id, position, sheet, layout, period) "
               "SELECT id, 0, coalesce(sheet, ''), coalesce(layout, ''), coalesce(period, '') FROM batches")
    op.drop_table('fact_history')
    if not sqlite:  # SQLite does not enforce VARCHAR lengths (and batches is referenced: no copy)
        op.alter_column('batches', 'period', type_=sa.String(length=200), existing_type=sa.String(length=20))
        op.execute("ANALYZE facts")


def downgrade() -> None:
    sqlite = op.get_context().dialect.name == 'sqlite'
    op.create_table(
        'fact_history',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('unit_code', sa.String(length=50), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.Integer(), nullable=False),
        sa.Column('indicator_code', sa.String(length=60), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.Column('batch_id', sa.Integer(), sa.ForeignKey('batches.id'), nullable=False),
        sa.Column('replaced_by_batch_id', sa.Integer(), sa.ForeignKey('batches.id'), nullable=False),
        sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_history_batch', 'fact_history', ['batch_id'])
    op.create_index('ix_history_replaced_by', 'fact_history', ['replaced_by_batch_id'])
    _rebuild_history(op.get_bind())
    if sqlite:
        _recreate_facts_sqlite(with_span=False)
    else:
        op.execute("DELETE FROM facts WHERE span <> 1")
        op.drop_constraint('facts_pkey', 'facts', type_='primary')
        op.drop_column('facts', 'span')
        op.create_primary_key('facts_pkey', 'facts', OLD_KEY)
    op.execute("UPDATE batches SET period = substr(period, 1, 20)")
    if not sqlite:
        op.alter_column('batches', 'period', type_=sa.String(length=20), existing_type=sa.String(length=200))
    op.drop_table('batch_sheets')
    op.drop_table('batch_values')
    if sqlite:  # native DROP COLUMN (SQLite 3.35+): batches is referenced, a table copy would break them
        op.execute("ALTER TABLE batches DROP COLUMN units")
    else:
        op.drop_column('batches', 'units')


def _fill_batch_values(conn) -> None:
    """batch_values from the facts (each value with the batch that wrote it) and fact_history (the
    values they replaced), one JSON row per (batch, quarter, unit)."""
    rows: dict[tuple, dict[str, int]] = {}
    for b, p, c, u, v in conn.execute(sa.text(
            "SELECT batch_id, period_index, indicator_code, unit_code, value FROM facts UNION ALL "
            "SELECT batch_id, year * 4 + quarter - 1, indicator_code, unit_code, value FROM fact_history")):
        rows.setdefault((b, p, u), {}).setdefault(c, int(v))
    if rows:
        conn.execute(sa.text("INSERT INTO batch_values (batch_id, period_index, span, unit_code, values_json) "
                             "VALUES (:b, :p, 1, :u, :j)"),
                     [dict(b=b, p=p, u=u, j=json.dumps(vals, sort_keys=True)) for (b, p, u), vals in rows.items()])


def _fill_batch_units(conn) -> None:
    """batches.units: the units each batch reported (for scoped history), from batch_values."""
    units: dict[int, list[str]] = {}
    for b, u in conn.execute(sa.text("SELECT DISTINCT batch_id, unit_code FROM batch_values "
                                     "ORDER BY batch_id, unit_code")):
        units.setdefault(b, []).append(u)
    if units:
        conn.execute(sa.text("UPDATE batches SET units = :u WHERE id = :b"),
                     [dict(b=b, u=",".join(us)) for b, us in units.items()])


def _rebuild_history(conn) -> None:
    """The old model: a fact keeps the first batch of its last run of equal values, and each
    earlier change of value is a fact_history row (value, batch, replaced by the next batch)."""
    rows = conn.execute(sa.text(
        "SELECT v.period_index, v.unit_code, v.batch_id, v.values_json FROM batch_values v "
        "JOIN batches b ON b.id = v.batch_id WHERE b.status = 'loaded' AND v.span = 1 ORDER BY v.batch_id")).all()
    history, owners, runs = [], [], {}
    for p, u, b, packed in rows:
        for i, v in json.loads(packed).items():
            runs.setdefault((p, i, u), []).append((b, v))
    for (p, i, u), run in runs.items():
        collapsed = [run[0]]
        for b, v in run[1:]:
            if v != collapsed[-1][1]:
                collapsed.append((b, v))
        for (b, v), (nb, _nv) in zip(collapsed, collapsed[1:]):
            history.append(dict(u=u, y=p // 4, q=p % 4 + 1, i=i, v=v, b=b, r=nb))
        owners.append(dict(b=collapsed[-1][0], p=p, i=i, u=u))
    if history:
        conn.execute(sa.text(
            "INSERT INTO fact_history (unit_code, year, quarter, indicator_code, value, batch_id, "
            "replaced_by_batch_id, replaced_at) VALUES (:u, :y, :q, :i, :v, :b, :r, CURRENT_TIMESTAMP)"), history)
    if owners:
        conn.execute(sa.text("UPDATE facts SET batch_id = :b WHERE period_index = :p AND span = 1 "
                             "AND indicator_code = :i AND unit_code = :u"), owners)
