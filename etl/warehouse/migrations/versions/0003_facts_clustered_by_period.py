"""facts keyed (period_index, indicator_code, unit_code); WITHOUT ROWID on SQLite

The old layout wrote every fact into three b-trees (the rowid table, the primary key on
(unit_code, year, quarter, indicator_code) and ix_facts_period_indicator), and the page
aggregates read a period range through the secondary index and then the table. With the
primary key leading by period and, on SQLite, the rows stored in it (WITHOUT ROWID), a load
writes one b-tree per fact and a period range is one covering scan. year and quarter stay as
plain columns. Data are kept: on SQLite the table is recreated (create, copy, drop, rename);
on PostgreSQL the primary key is swapped in place and the table clustered on it once.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

COLUMNS = "unit_code, year, quarter, indicator_code, period_index, value, batch_id"
NEW_KEY = ['period_index', 'indicator_code', 'unit_code']
OLD_KEY = ['unit_code', 'year', 'quarter', 'indicator_code']


def _columns() -> list:
    return [
        sa.Column('unit_code', sa.String(length=50), sa.ForeignKey('units.code'), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.Integer(), nullable=False),
        sa.Column('indicator_code', sa.String(length=60), sa.ForeignKey('indicators.code'), nullable=False),
        sa.Column('period_index', sa.Integer(), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.Column('batch_id', sa.Integer(), sa.ForeignKey('batches.id'), nullable=False),
    ]


def _recreate_sqlite(key: list[str], with_rowid: bool) -> None:
    """SQLite cannot change a primary key in place: copy into a new table, in key order."""
    op.create_table('facts_new', *_columns(), sa.PrimaryKeyConstraint(*key, name='facts_pkey'),
                    sqlite_with_rowid=with_rowid)
    op.execute(f"INSERT INTO facts_new ({COLUMNS}) SELECT {COLUMNS} FROM facts ORDER BY {', '.join(key)}")
    op.drop_table('facts')  # drops its indexes too
    op.rename_table('facts_new', 'facts')


def upgrade() -> None:
    if op.get_context().dialect.name == 'sqlite':
        _recreate_sqlite(NEW_KEY, with_rowid=False)
        return
    op.drop_index('ix_facts_period_indicator', table_name='facts')
    op.drop_constraint('facts_pkey', 'facts', type_='primary')
    op.create_primary_key('facts_pkey', 'facts', NEW_KEY)
    op.execute("CLUSTER facts USING facts_pkey")  # once: new rows are not kept in order
    op.execute("ANALYZE facts")


def downgrade() -> None:
    if op.get_context().dialect.name == 'sqlite':
        _recreate_sqlite(OLD_KEY, with_rowid=True)
    else:
        op.drop_constraint('facts_pkey', 'facts', type_='primary')
        op.create_primary_key('facts_pkey', 'facts', OLD_KEY)
    op.create_index('ix_facts_period_indicator', 'facts', ['period_index', 'indicator_code'], unique=False)
