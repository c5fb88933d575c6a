"""The migrated schema is exactly the models' schema, on SQLite and PostgreSQL, so they cannot drift."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from db.engine import make_engine
from db.migrate import upgrade
from db.models import Base


def test_migrations_build_the_models_schema(db_url: str):
    upgrade(db_url)
    upgrade(db_url)  # a second run is a no-op
    engine = make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_the_name_key_migration_folds_traditional_names_and_keeps_uniqueness(db_url: str):
    """Customers entered before #19: 華信電機 (a key of its own then) now folds to 华信电机's key, which customer 1
    holds: customer 2 keeps its old key and is flagged for review; 美來爾 folds freely and its keys row follows; every
    customer gains its brand and sound; a payer written in traditional characters folds too."""
    from alembic import command
    from sqlalchemy import text

    from db.migrate import alembic_config

    command.upgrade(alembic_config(db_url), "c41e0d7a9b2f")
    engine = make_engine(db_url)
    now = "2026-11-01 00:00:00+00:00"
    with engine.begin() as conn:
        # 4 held 电机 (北京 dropped by the old rule); it now keys 北京电机 and frees 电机 for 5's 電機, which comes
        # first.
        for cid, name, key in [(1, "华信电机有限公司", "华信电机"), (2, "華信電機有限公司", "華信電機"),
                               (3, "美來爾工程技術有限公司", "美來爾工程技術"), (5, "電機有限公司", "電機"),
                               (4, "北京电机有限公司", "电机")]:
            conn.execute(text(
                "INSERT INTO customers (id, name, name_key, key_head, key_tail, phone, phone_key, fax, fax_key, "
                "risk_flags, address, region, created_by, created_at, last_contact_at) VALUES (:id, :name, :key, "
                ":head, :tail, '1', :tel, '1', :tel, '[]', 'a', '北京', 'x', :now, :now)"),
                {"id": cid, "name": name, "key": key, "head": key[:2], "tail": key[-2:], "tel": f"+86106234567{cid}",
                 "now": now})
            conn.execute(text("INSERT INTO customer_keys (key, customer_id) VALUES (:k, :id)"),
                         {"k": "name:" + key, "id": cid})
        conn.execute(text(
            "INSERT INTO statement_lines (bank_ref, value_date, amount, payer_name, payer_key, payer_account, memo, "
            "source_file, imported_by, imported_at, status, candidates) VALUES ('R1', '2026-11-01', 1, "
            "'北京美來爾工程技術有限公司', '美來爾工程技術', '', '', 's', 'x', :now, 'unmatched', '[]')"), {"now": now})
    upgrade(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, name_key, brand_key, sound_key, risk_flags FROM customers ORDER BY id"))
        found = [(r[0], r[1], r[2], r[3], r[4] if isinstance(r[4], list) else __import__("json").loads(r[4]))
                 for r in rows]
        names = dict(conn.execute(text("SELECT key, customer_id FROM customer_keys WHERE key LIKE 'name:%'")).all())
        payer = conn.execute(text("SELECT payer_key FROM statement_lines")).scalar_one()
    engine.dispose()
    assert found == [(1, "华信电机", "华信", "huaxindianji", []),
                     (2, "華信電機", "华信", "huaxindianji", ["folds_to_customer:1"]),
                     (3, "美来尔工程技术", "美来尔", "meilaiergongchengjishu", []),
                     (4, "北京电机", "北京", "beijingdianji", []),
                     (5, "电机", "电机", "dianji", [])]
    assert names == {"name:华信电机": 1, "name:華信電機": 2, "name:美来尔工程技术": 3, "name:北京电机": 4,
                     "name:电机": 5}
    assert payer == "美来尔工程技术"
    command.downgrade(alembic_config(db_url), "f793f5d1e3e7")  # with data, in place: no table copy
    upgrade(db_url)
