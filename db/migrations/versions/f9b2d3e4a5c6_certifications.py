"""certifications (issue #17)

Revision ID: f9b2d3e4a5c6
Revises: e8a1c2d3f4b5
Create Date: 2026-11-30 20:10:00
"""

import sqlalchemy as sa
from alembic import op

import db.types

revision = 'f9b2d3e4a5c6'
down_revision = 'e8a1c2d3f4b5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_starts_on', sa.Date(), nullable=True))
    op.create_table('certifications',
    sa.Column('order_number', sa.String(length=16), nullable=False),
    sa.Column('partner_code', sa.String(length=16), nullable=False),
    sa.Column('rep', sa.String(length=64), nullable=False),
    sa.Column('supervisor', sa.String(length=64), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('name_key', sa.String(length=400), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('pending_role', sa.String(length=32), nullable=True),
    sa.Column('pending_user', sa.String(length=64), nullable=True),
    sa.Column('rounds', sa.Integer(), nullable=False),
    sa.Column('allowed_rounds', sa.Integer(), nullable=False),
    sa.Column('status_since', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('reasons', sa.JSON(none_as_null=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('position', sa.String(length=200), nullable=True),
    sa.Column('certified_on', sa.Date(), nullable=True),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('opened_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_number'], ['orders.number'],
                            name=op.f('fk_certifications_order_number_orders')),
    sa.PrimaryKeyConstraint('order_number', name=op.f('pk_certifications'))
    )
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certifications_partner_code'), ['partner_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_certifications_rep'), ['rep'], unique=False)
        batch_op.create_index(batch_op.f('ix_certifications_status'), ['status'], unique=False)
    op.create_table('certification_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_number', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('staging_key', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_number'], ['certifications.order_number'],
                            name=op.f('fk_certification_documents_order_number_certifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certification_documents')),
    sa.UniqueConstraint('order_number', 'kind', 'version', name=op.f('uq_certification_documents_order_number')),
    sa.UniqueConstraint('staging_key', name=op.f('uq_certification_documents_staging_key')),
    sa.UniqueConstraint('order_number', 'sha256', name='uq_certification_documents_sha256')
    )
    with op.batch_alter_table('certification_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certification_documents_order_number'), ['order_number'], unique=False)
    op.create_table('agency_callbacks',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('order_number', sa.String(length=16), nullable=False),
    sa.Column('received_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_agency_callbacks'))
    )
    with op.batch_alter_table('agency_callbacks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_callbacks_order_number'), ['order_number'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('agency_callbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_callbacks_order_number'))
    op.drop_table('agency_callbacks')
    with op.batch_alter_table('certification_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certification_documents_order_number'))
    op.drop_table('certification_documents')
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certifications_status'))
        batch_op.drop_index(batch_op.f('ix_certifications_rep'))
        batch_op.drop_index(batch_op.f('ix_certifications_partner_code'))
    op.drop_table('certifications')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('service_starts_on')
