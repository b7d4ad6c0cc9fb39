"""login safety: throttled attempts, server-set session cookies, OIDC bound on (issuer, subject)

- login_attempts: one row per login attempt not (yet) followed by a success, keyed by the typed
  name and the client address, written before the password is checked.
- login_sessions.login_id: the tab's token and the cookie's token of one login share it, so a
  logout ends both; session_handoffs: the one-time codes the cookie route exchanges for a token.
- users.oidc_issuer / users.oidc_subject (unique together): the identity an OIDC account is bound to.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 15:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'login_attempts',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('username', sa.String(length=100), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('checked', sa.Boolean(), nullable=False),
        sa.Column('refusal_noted', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_login_attempts_at', 'login_attempts', ['at'])
    op.create_index('ix_login_attempts_address', 'login_attempts', ['address'])
    op.create_index('ix_login_attempts_key', 'login_attempts', ['username', 'address'])
    op.create_table(
        'session_handoffs',
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('login_id', sa.String(length=64), nullable=False),
        sa.Column('username', sa.String(length=100), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('session_expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('code_hash'),
    )
    op.add_column('login_sessions', sa.Column('login_id', sa.String(length=64), nullable=False,
                                              server_default=''))
    op.create_index('ix_login_sessions_login_id', 'login_sessions', ['login_id'])
    op.add_column('users', sa.Column('oidc_issuer', sa.String(length=300), nullable=True))
    op.add_column('users', sa.Column('oidc_subject', sa.String(length=255), nullable=True))
    op.create_index('uq_users_oidc', 'users', ['oidc_issuer', 'oidc_subject'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_users_oidc', table_name='users')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('oidc_subject')
        batch_op.drop_column('oidc_issuer')
    op.drop_index('ix_login_sessions_login_id', table_name='login_sessions')
    with op.batch_alter_table('login_sessions') as batch_op:
        batch_op.drop_column('login_id')
    op.drop_table('session_handoffs')
    op.drop_index('ix_login_attempts_key', table_name='login_attempts')
    op.drop_index('ix_login_attempts_address', table_name='login_attempts')
    op.drop_index('ix_login_attempts_at', table_name='login_attempts')
    op.drop_table('login_attempts')
