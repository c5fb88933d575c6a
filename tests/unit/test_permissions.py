"""The permission matrix and scopes, every role against every permission."""

from __future__ import annotations

import pytest

from domain.errors import NotPermitted
from domain.people import Actor, Role
from domain.permissions import ROLE_PERMS, PartnerInfo, Perm, Scope, allowed, check_account_change, require, scope_of

PARTNERS = [PartnerInfo("BJ", "mike", frozenset({"北京", "天津"})), PartnerInfo("SH", "mary", frozenset({"上海"})),
            PartnerInfo("GZ", None, frozenset({"广州"}))]
MANAGERS = {"mike": "dora", "mary": "dora", "max": None}

# What the roles table of DOMAIN.md says each role may do, beyond the order steps.
EXPECTED = {
    Role.SALES: {"enter_customer", "claim", "note", "transfer_in", "see_orders", "see_customers", "see_credits",
                 "correct_customer", "see_certifications", "certify_documents"},
    Role.SUPERVISOR: {"see_orders", "see_customers", "see_team", "see_credits", "correct_customer",
                      "see_certifications", "decide_certification"},
    Role.PARTNER: {"hand_over", "see_orders", "see_customers", "see_team", "see_credits", "correct_customer",
                   "see_certifications"},
    Role.MANAGER: {"open_account", "close_account", "see_orders", "see_customers", "see_team", "see_credits",
                   "ops_report", "see_certifications"},
    Role.HQ_REP: {"see_orders", "see_customers", "see_team", "see_credits", "ops_report", "see_certifications"},
    Role.DIRECTOR: {"open_account", "close_account", "see_orders", "see_customers", "see_team", "see_credits",
                    "ops_report", "reload_org", "see_certifications"},
    Role.ASSISTANT: {"see_orders", "see_customers", "see_certifications", "check_certification"},
    Role.ORDER_GROUP: {"see_orders", "ops_report", "correct_customer", "decide_correction", "see_certifications",
                       "start_certification"},
    Role.APPROVAL_GROUP: {"decide_application", "see_customers"},
    Role.FINANCE: {"see_orders", "see_credits", "payments"},
    # 认证机构: the certification agency's clerks key in its answers and see the certifications, nothing else.
    Role.AGENCY_CLERK: {"see_certifications", "answer_certification"},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("perm", list(Perm))
def test_the_matrix(role: Role, perm: Perm):
    actor = Actor("u", role, frozenset({"BJ"}))
    assert allowed(actor, perm) is (perm.value in EXPECTED[role])
    if perm.value not in EXPECTED[role]:
        with pytest.raises(NotPermitted, match=f"lacks the '{perm.value}' permission"):
            require(actor, perm, "do it")


def test_no_role_may_both_transfer_and_be_a_manager_and_nobody_deactivated_may_do_anything():
    assert not any(Perm.HAND_OVER in ROLE_PERMS[r] for r in (Role.SUPERVISOR, Role.MANAGER, Role.HQ_REP))
    for role in Role:
        gone = Actor("u", role, active=False)
        assert not any(allowed(gone, p) for p in Perm)


def test_an_extra_grant_adds_one_scoped_permission():
    support = Actor("sid", Role.FINANCE, grants=frozenset({"ops_report"}))
    assert allowed(support, Perm.OPS_REPORT) and not allowed(support, Perm.HAND_OVER)


@pytest.mark.parametrize(("actor", "everything", "partners", "own"), [
    (Actor("alice", Role.SALES, frozenset({"BJ"})), False, {"BJ"}, "alice"),
    (Actor("sam", Role.SUPERVISOR, frozenset({"BJ"})), False, {"BJ"}, None),
    (Actor("bjpartner", Role.PARTNER, frozenset({"BJ"})), False, {"BJ"}, None),
    (Actor("hank", Role.HQ_REP, frozenset({"BJ", "SH"})), False, {"BJ", "SH"}, None),
    (Actor("mike", Role.MANAGER, regions=frozenset({"北京"})), False, {"BJ"}, None),
    (Actor("max", Role.MANAGER, regions=frozenset({"广州"})), False, {"GZ"}, None),  # by region alone
    (Actor("may", Role.MANAGER, regions=frozenset({"广州市"})), False, {"GZ"}, None),  # 广州市 is 广州
    (Actor("dora", Role.DIRECTOR), False, {"BJ", "SH"}, None),  # through its managers
    (Actor("amy", Role.ASSISTANT, frozenset({"BJ"})), False, {"BJ"}, None),
    (Actor("olga", Role.ORDER_GROUP), True, set(), None),
    (Actor("fay", Role.FINANCE), True, set(), None),
])
def test_scopes(actor: Actor, everything: bool, partners: set[str], own: str | None):
    assert scope_of(actor, PARTNERS, MANAGERS) == Scope(everything, frozenset(partners), own)


def test_accounts_are_opened_only_for_agency_reps_in_scope_and_regions():
    mike = Actor("mike", Role.MANAGER, regions=frozenset({"北京", "天津"}))
    scope = scope_of(mike, PARTNERS, MANAGERS)
    check_account_change(mike, scope, Role.SALES, "BJ", ["北京"], opening=True)
    check_account_change(mike, scope, Role.SALES, "BJ", ["北京市", "天津 市"], opening=True)  # one region, spelt so
    with pytest.raises(NotPermitted, match="outside the user's scope"):
        check_account_change(mike, scope, Role.SALES, "SH", ["上海"], opening=True)
    with pytest.raises(NotPermitted, match="regions outside its own: 上海"):
        check_account_change(mike, scope, Role.SALES, "BJ", ["上海"], opening=True)
    with pytest.raises(NotPermitted, match="only open accounts of agencies' sales reps"):
        check_account_change(mike, scope, Role.ASSISTANT, "BJ", [], opening=True)
    with pytest.raises(NotPermitted, match="lacks the 'close_account' permission"):
        check_account_change(Actor("sam", Role.SUPERVISOR, frozenset({"BJ"})), scope, Role.SALES, "BJ", [],
                             opening=False)
