"""learned_aliases: column headers mapped by users while uploading, reused for the next files

A user's answer to "which indicator is this column?" (the upload page, or `load --map`) is kept
when the load commits, so the next file with that header needs no question. data/indicators.csv
stays the shipped base; admins list and remove learned aliases (Quản trị, `etl aliases`).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'learned_aliases',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('header', sa.String(length=500), nullable=False),
        sa.Column('header_key', sa.String(length=500), nullable=False),
        sa.Column('indicator_code', sa.String(length=60), nullable=False),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('header_key', name='uq_learned_aliases_header_key'),
    )


def downgrade() -> None:
    op.drop_table('learned_aliases')
