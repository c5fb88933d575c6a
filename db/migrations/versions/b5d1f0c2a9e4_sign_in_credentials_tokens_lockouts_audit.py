"""sign-in: credentials, setup codes, API tokens, failures and the audit

Revision ID: b5d1f0c2a9e4
Revises: e7ec250f3aca
Create Date: 2026-11-30 11:40:00
"""

import sqlalchemy as sa
from alembic import op

import db.types

revision = 'b5d1f0c2a9e4'
down_revision = 'e7ec250f3aca'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('credentials',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('set_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('set_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['username'], ['users.username'], name=op.f('fk_credentials_username_users')),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_credentials'))
    )
    op.create_table('setup_codes',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['username'], ['users.username'], name=op.f('fk_setup_codes_username_users')),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_setup_codes'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=16), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['username'], ['users.username'], name=op.f('fk_api_tokens_username_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_username'), ['username'], unique=False)
    op.create_table('signin_failures',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('locked_until', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_signin_failures'))
    )
    op.create_table('auth_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=True),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_events'))
    )
    with op.batch_alter_table('auth_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auth_events_username'), ['username'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('auth_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_events_username'))
        batch_op.drop_index(batch_op.f('ix_auth_events_at'))
    op.drop_table('auth_events')
    op.drop_table('signin_failures')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_username'))
    op.drop_table('api_tokens')
    op.drop_table('setup_codes')
    op.drop_table('credentials')
