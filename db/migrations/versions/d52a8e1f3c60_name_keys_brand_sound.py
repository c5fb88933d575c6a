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


def plan_moves(current: dict[int, str], wanted: dict[int, str]) -> tuple[list[tuple[int, str, str]], dict[int, int]]:
    """The moves (customer, from key, to key) that give each customer its wanted key without two customers ever
    holding one: a customer moves once its target is free, a cycle (A wants B's key, B wants A's) goes through a
    temporary key, and a customer whose target stays held by a customer that keeps it is left where it is, named
    with that holder (the same company entered twice, or not: for review)."""
    holder = {key: cid for cid, key in current.items()}
    at = dict(current)
    pending = {cid: key for cid, key in wanted.items() if key != current[cid]}
    moves: list[tuple[int, str, str]] = []

    def move(cid: int, to: str) -> None:
        moves.append((cid, at[cid], to))
        del holder[at[cid]]
        holder[to], at[cid] = cid, to

    while pending:
        free = [cid for cid, key in pending.items() if key not in holder]
        for cid in free:
            move(cid, pending.pop(cid))
        if free:
            continue
        # Every target is held. Where the holders' chain comes back on itself (A wants B's key, B wants A's), park one
        # customer of the cycle on a temporary key, and the rest can move; a chain that ends at a customer that keeps
        # its key stays where it is.
        cycle = next((c for c in (_cycle(start, pending, holder) for start in pending) if c is not None), None)
        if cycle is None:
            break
        move(cycle, f"~moving:{cycle}")
    return moves, {cid: holder[key] for cid, key in pending.items()}


def _cycle(start: int, pending: dict[int, str], holder: dict[str, int]) -> int | None:
    seen, cid = set(), start
    while cid in pending and cid not in seen:
        seen.add(cid)
        cid = holder[pending[cid]]
    return cid if cid in seen else None


def upgrade() -> None:
    # Plain ADD COLUMN ... NOT NULL DEFAULT '' and CREATE INDEX: SQLite then alters in place, where a batch copy of
    # the table would trip over the foreign keys that point at its rows.
    op.add_column('customers', sa.Column('brand_key', sa.String(length=200), nullable=False, server_default=''))
    op.add_column('customers', sa.Column('sound_key', sa.String(length=400), nullable=False, server_default=''))
    bind = op.get_bind()
    rows = bind.execute(sa.select(customers.c.id, customers.c.name, customers.c.name_key, customers.c.risk_flags)
                        ).all()
    current = {cid: key for cid, _, key, _ in rows}
    moves, kept = plan_moves(current, {cid: name_key(name) for cid, name, _, _ in rows})
    for cid, old, new in moves:  # in order: no key is ever held twice
        bind.execute(sa.update(keys).where(keys.c.key == "name:" + old).values(key="name:" + new))
        bind.execute(sa.update(customers).where(customers.c.id == cid).values(name_key=new))
    for cid, other in kept.items():
        print(f"customer {cid} folds to the key of customer {other}: kept apart, flagged folds_to_customer:{other} "
              f"for review")
    final = {cid: key for cid, key in current.items()} | {cid: new for cid, _, new in moves}
    values = []
    for cid, name, _, flags in rows:
        found = keys_of(name_key(name))  # brand and sound of the folded name, also for one kept apart: they alert
        key = final[cid]
        flagged = [*(flags or []), f"folds_to_customer:{kept[cid]}"] if cid in kept else flags
        values.append({"b_id": cid, "b_head": key[:2], "b_tail": key[-2:], "b_brand": found.brand,
                       "b_sound": found.sound, "b_flags": flagged})
    statement = sa.update(customers).where(customers.c.id == sa.bindparam("b_id")).values(
        key_head=sa.bindparam("b_head"), key_tail=sa.bindparam("b_tail"), brand_key=sa.bindparam("b_brand"),
        sound_key=sa.bindparam("b_sound"), risk_flags=sa.bindparam("b_flags", type_=sa.JSON))
    for start in range(0, len(values), BATCH):
        bind.execute(statement, values[start:start + BATCH])
    payers = [{"b_id": lid, "b_key": name_key(payer)}
              for lid, payer, old in bind.execute(sa.select(lines.c.id, lines.c.payer_name, lines.c.payer_key))
              if name_key(payer) != old]
    moved = sa.update(lines).where(lines.c.id == sa.bindparam("b_id")).values(payer_key=sa.bindparam("b_key"))
    for start in range(0, len(payers), BATCH):
        bind.execute(moved, payers[start:start + BATCH])
    op.create_index(op.f('ix_customers_brand_key'), 'customers', ['brand_key'], unique=False)
    op.create_index(op.f('ix_customers_sound_key'), 'customers', ['sound_key'], unique=False)
    for name, column in (("brand", "brand_key"), ("sound", "sound_key"), ("head", "key_head"), ("tail", "key_tail")):
        op.create_index(f"ix_customers_region_{name}", "customers", ["region", column], unique=False)


def downgrade() -> None:
    # The folded keys stay (a traditional-character name keeps its simplified key): only the new columns go, dropped
    # in place (SQLite 3.35+), as a batch copy of the table would trip over the foreign keys.
    for name in ("tail", "head", "sound", "brand"):
        op.drop_index(f"ix_customers_region_{name}", table_name="customers")
    op.drop_index(op.f('ix_customers_sound_key'), table_name='customers')
    op.drop_index(op.f('ix_customers_brand_key'), table_name='customers')
    op.drop_column('customers', 'sound_key')
    op.drop_column('customers', 'brand_key')
