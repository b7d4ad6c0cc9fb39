"""drop ix_facts_batch: undo finds a batch's facts through ix_facts_period_indicator

Every load paid for maintaining an index on facts.batch_id (~15% of the insert time of a
3,321-row sheet) that only undo read; a batch covers one quarter, so undo now deletes
`WHERE period_index = … AND batch_id = …` through the period index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 00:55:00
"""
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_facts_batch', table_name='facts')


def downgrade() -> None:
    op.create_index('ix_facts_batch', 'facts', ['batch_id'], unique=False)
