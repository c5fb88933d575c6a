"""name keys: traditional characters fold to simplified; each customer's brand and sound keys (issue #19)

Revision ID: d52a8e1f3c60
Revises: c41e0d7a9b2f
Create Date: 2026-11-30 17:25:00

Every customer's name key is computed again (华信 and 華信 are now one key), with its brand and sound; the keys table
follows. Two customers entered before this rule whose names now fold to one key cannot both hold it: the one that
holds the key already keeps it, the other keeps its old key and gains the risk flag `folds_to_customer:<id>`, and
the pair is printed, for the order group to review (the same company entered twice, or not). Statement lines'
payer keys fold the same way, so a payer written in traditional characters matches its customer.
"""

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

from domain.names import keys_of, name_key

revision = 'd52a8e1f3c60'
down_revision = 'c41e0d7a9b2f'
branch_labels = None
depends_on = None

BATCH = 5000
customers = sa.table("customers", sa.column("id", sa.Integer), sa.column("name", sa.String),
                     sa.column("name_key", sa.String), sa.column("key_head", sa.String),
                     sa.column("key_tail", sa.String), sa.column("brand_key", sa.String),
                     sa.column("sound_key", sa.String), sa.column("risk_flags", sa.JSON))
keys = sa.table("customer_keys", sa.column("key", sa.String), sa.column("customer_id", sa.Integer))
lines = sa.table("statement_lines", sa.column("id", sa.Integer), sa.column("payer_name", sa.String),
                 sa.column("payer_key", sa.String))


def _batches(bind: Any, query: Any) -> Iterator[list[Any]]:
    last = 0
    while True:
        rows = bind.execute(query.where(query.selected_columns[0] > last).order_by(query.selected_columns[0])
                            .limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def upgrade() -> None:
    # Plain ADD COLUMN ... NOT NULL DEFAULT '' and CREATE INDEX: SQLite then alters in place, where a batch copy of
    # the table would trip over the foreign keys that point at its rows.
    op.add_column('customers', sa.Column('brand_key', sa.String(length=200), nullable=False, server_default=''))
    op.add_column('customers', sa.Column('sound_key', sa.String(length=400), nullable=False, server_default=''))
    bind = op.get_bind()
    owner_of = {key: cid for key, cid in bind.execute(sa.select(customers.c.name_key, customers.c.id))}
    for rows in _batches(bind, sa.select(customers.c.id, customers.c.name, customers.c.name_key,
                                         customers.c.risk_flags)):
        for cid, name, old, flags in rows:
            new = name_key(name)
            found = keys_of(new)  # brand and sound from the folded key, also for a customer kept apart: they alert
            if new != old and owner_of.get(new, cid) != cid:
                print(f"customer {cid} '{name}' folds to the key of customer {owner_of[new]}: kept apart, flagged "
                      f"folds_to_customer:{owner_of[new]} for review")
                flags = [*(flags or []), f"folds_to_customer:{owner_of[new]}"]
                new = old
            elif new != old:
                del owner_of[old]
                owner_of[new] = cid
                bind.execute(sa.update(keys).where(keys.c.key == "name:" + old).values(key="name:" + new))
            bind.execute(sa.update(customers).where(customers.c.id == cid).values(
                name_key=new, key_head=new[:2], key_tail=new[-2:], brand_key=found.brand, sound_key=found.sound,
                risk_flags=flags))
    for rows in _batches(bind, sa.select(lines.c.id, lines.c.payer_name, lines.c.payer_key)):
        for lid, payer, old in rows:
            if name_key(payer) != old:
                bind.execute(sa.update(lines).where(lines.c.id == lid).values(payer_key=name_key(payer)))
    op.create_index(op.f('ix_customers_brand_key'), 'customers', ['brand_key'], unique=False)
    op.create_index(op.f('ix_customers_sound_key'), 'customers', ['sound_key'], unique=False)
    for name, column in (("brand", "brand_key"), ("sound", "sound_key"), ("head", "key_head"), ("tail", "key_tail")):
        op.create_index(f"ix_customers_region_{name}", "customers", ["region", column], unique=False)


def downgrade() -> None:
    # The folded keys stay (a traditional-character name keeps its simplified key): only the new columns go.
    for name in ("tail", "head", "sound", "brand"):
        op.drop_index(f"ix_customers_region_{name}", table_name="customers")
    op.drop_index(op.f('ix_customers_sound_key'), table_name='customers')
    op.drop_index(op.f('ix_customers_brand_key'), table_name='customers')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('sound_key')
        batch_op.drop_column('brand_key')
