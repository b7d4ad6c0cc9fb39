"""indicator display columns: a short label, the order among the key figures, a report phrase

data/indicators.csv carries, beside unit_label, what the pages and reports used to copy into code:
- short_label: the KPI card title (two lines at most, even on a phone);
- kpi_order: the card's place among Tổng quan's key figures (NULL: not a key figure);
- phrase: the noun phrase of the indicator in report comparisons ('số hội nghị quán triệt, tuyên
  truyền'; '' : not compared).
The catalogue hash is forgotten so that the next start fills the new columns from the file.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 18:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases (SQLite ≥ 3.35 drops columns in place): recreating
# `indicators` would trip the facts' foreign keys on SQLite.
def upgrade() -> None:
    op.add_column('indicators', sa.Column('short_label', sa.String(length=100), nullable=False, server_default=''))
    op.add_column('indicators', sa.Column('kpi_order', sa.Integer(), nullable=True))
    op.add_column('indicators', sa.Column('phrase', sa.String(length=200), nullable=False, server_default=''))
    op.execute("DELETE FROM meta WHERE key = 'catalogue_sha256'")


def downgrade() -> None:
    op.drop_column('indicators', 'phrase')
    op.drop_column('indicators', 'kpi_order')
    op.drop_column('indicators', 'short_label')
    op.execute("DELETE FROM meta WHERE key = 'catalogue_sha256'")
