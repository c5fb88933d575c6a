"""Every role against every warehouse, account and view action, through the CLI's own code in-process:
allowed ones succeed, the rest exit 4 and change nothing. (Order steps: tests/unit/test_order_rules.py,
whose rules the workflow validators share.)"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from db.customer_repo import add_customer
from db.engine import create_schema, make_engine, session_factory, unit_of_work
from db.models import Customer, CustomerNote, Ownership, User
from db.org_repo import load_org
from db.warehouse_repo import move
from domain.people import Role
from domain.permissions import EVERYWHERE, ROLE_PERMS, Perm
from orderflow.cli import app
from orderflow.orgfile import read_org_file
from tests.helpers import entry

ROOT = Path(__file__).resolve().parents[2]
# One user of each role from the demo org (for a partner-scoped role, one of partner BJ).
USERS = {Role.SALES: "alice", Role.SUPERVISOR: "sam", Role.PARTNER: "bjpartner", Role.MANAGER: "mike",
         Role.HQ_REP: "hank", Role.DIRECTOR: "dora", Role.ASSISTANT: "amy", Role.ORDER_GROUP: "olga",
         Role.APPROVAL_GROUP: "gao", Role.FINANCE: "fay"}
# action → (permission, CLI arguments); customer 1 is alice's, customer 2 is in the pool in 北京.
ACTIONS = {
    "enter a customer": (Perm.ENTER_CUSTOMER, ["customer", "add", "--name", "新新科技有限公司", "--phone",
                                               "010-66660001", "--fax", "010-66660002", "--address", "a",
                                               "--region", "北京"]),
    "claim from the pool": (Perm.CLAIM, ["customer", "claim", "2"]),
    "write a sales note": (Perm.NOTE, ["customer", "note", "1", "--text", "called"]),
    "hand a customer over": (Perm.HAND_OVER, ["customer", "hand-over", "1", "--to", "bob"]),
    "list customers": (Perm.SEE_CUSTOMERS, ["customer", "list"]),
    "see history": (Perm.SEE_CUSTOMERS, ["customer", "history", "1"]),
    "list orders": (Perm.SEE_ORDERS, ["order", "list"]),
    "see the team": (Perm.SEE_TEAM, ["team"]),
    "see credits": (Perm.SEE_CREDITS, ["credits"]),
    "open an account": (Perm.OPEN_ACCOUNT, ["user", "open", "dan", "--name", "Dan", "--partner", "BJ",
                                            "--region", "北京"]),
    "close an account": (Perm.CLOSE_ACCOUNT, ["user", "close", "bob", "--reason", "left"]),
    "run the ops report": (Perm.OPS_REPORT, ["ops", "report"]),
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("matrix")
    engine = make_engine(f"sqlite:///{folder / 'orderflow.db'}")
    create_schema(engine)
    sessions = session_factory(engine)
    long_ago = datetime.now(UTC) - timedelta(days=90)
    with unit_of_work(sessions) as session:
        load_org(session, *read_org_file(ROOT / "examples" / "org.yaml"))
        add_customer(session, entry("美来尔工程技术有限公司"), owner="alice", role=Role.SALES, partner="BJ",
                     at=datetime.now(UTC))
        pooled = add_customer(session, entry("长城建材有限公司", "010-66660003", "010-66660004"), owner="bob",
                              role=Role.SALES, partner="BJ", at=long_ago)
        move(session, pooled, None, reason="recycled", actor="system", at=long_ago)
    engine.dispose()
    return folder


def _state(folder: Path) -> tuple[object, ...]:
    engine = make_engine(f"sqlite:///{folder / 'orderflow.db'}")
    with engine.connect() as conn:
        state = (tuple(conn.execute(select(Customer.id, Customer.owner).order_by(Customer.id)).all()),
                 conn.scalar(select(func.count()).select_from(Ownership)),
                 conn.scalar(select(func.count()).select_from(CustomerNote)),
                 tuple(conn.execute(select(User.username, User.active).order_by(User.username)).all()))
    engine.dispose()
    return state


@pytest.mark.parametrize("role", list(USERS))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_role_against_every_action(role: Role, action: str, template: Path, tmp_path: Path):
    shutil.copy(template / "orderflow.db", tmp_path / "orderflow.db")
    perm, args = ACTIONS[action]
    before = _state(tmp_path)
    result = CliRunner().invoke(app, ["--as", USERS[role], *args], env={"ORDERFLOW_DATA_DIR": str(tmp_path)})
    if perm in ROLE_PERMS[role]:
        assert result.exit_code == 0, f"{USERS[role]} ({role}) should {action}: {result.output}"
    else:
        assert result.exit_code == 4, f"{USERS[role]} ({role}) must not {action}: {result.output}"
        assert f"lacks the '{perm.value}' permission" in result.output
        assert _state(tmp_path) == before


def test_the_roles_that_see_everything_are_the_central_groups():
    assert {Role.ORDER_GROUP, Role.APPROVAL_GROUP, Role.FINANCE} == EVERYWHERE
