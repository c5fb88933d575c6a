"""special follow-ups (issue #17)

Revision ID: a0c3e4f5b6d7
Revises: f9b2d3e4a5c6
Create Date: 2026-11-30 20:10:00
"""

import sqlalchemy as sa
from alembic import op

import db.types

revision = 'a0c3e4f5b6d7'
down_revision = 'f9b2d3e4a5c6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('follow_up_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('staging_key', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_attachments')),
    sa.UniqueConstraint('case_id', 'sha256', name='uq_follow_up_attachments_case_sha256'),
    sa.UniqueConstraint('case_id', 'version', name='uq_follow_up_attachments_case_version'),
    sa.UniqueConstraint('staging_key', name=op.f('uq_follow_up_attachments_staging_key'))
    )
    with op.batch_alter_table('follow_up_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_attachments_case_id'), ['case_id'], unique=False)

    op.create_table('follow_up_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_comments')),
    sa.UniqueConstraint('key', name=op.f('uq_follow_up_comments_key'))
    )
    with op.batch_alter_table('follow_up_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_comments_case_id'), ['case_id'], unique=False)

    op.create_table('follow_up_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_events')),
    sa.UniqueConstraint('key', name=op.f('uq_follow_up_events_key'))
    )
    with op.batch_alter_table('follow_up_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_events_case_id'), ['case_id'], unique=False)

    op.create_table('follow_ups',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('order_number', sa.String(length=32), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('partner_code', sa.String(length=16), nullable=True),
    sa.Column('opener', sa.String(length=64), nullable=False),
    sa.Column('assignee', sa.String(length=64), nullable=False),
    sa.Column('escalate_to', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('due_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('overdue', sa.Boolean(), nullable=False),
    sa.Column('wait', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('correction_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_ups_assignee'), ['assignee'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_opener'), ['opener'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_order_number'), ['order_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_partner_code'), ['partner_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_type'), ['type'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_ups_type'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_status'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_partner_code'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_order_number'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_opener'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_due_at'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_customer_id'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_assignee'))

    op.drop_table('follow_ups')
    with op.batch_alter_table('follow_up_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_events_case_id'))

    op.drop_table('follow_up_events')
    with op.batch_alter_table('follow_up_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_comments_case_id'))

    op.drop_table('follow_up_comments')
    with op.batch_alter_table('follow_up_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_attachments_case_id'))

    op.drop_table('follow_up_attachments')
