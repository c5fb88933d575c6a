"""Who may do what beyond the order steps, and over which partners (the roles table of DOMAIN.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import NotPermitted
from domain.people import ROLE_LABELS, Actor, Role
from domain.regions import in_regions, region_key


class Perm(StrEnum):
    ENTER_CUSTOMER = "enter_customer"  # 录入
    CLAIM = "claim"  # 挑入
    NOTE = "note"  # 销售小记
    TRANSFER_IN = "transfer_in"  # 调入申请
    HAND_OVER = "hand_over"  # 转移
    DECIDE_APPLICATION = "decide_application"
    SEE_ORDERS = "see_orders"
    SEE_CUSTOMERS = "see_customers"
    SEE_TEAM = "see_team"  # subordinates' notes and contact counts (小记, 联系量)
    SEE_CREDITS = "see_credits"
    OPEN_ACCOUNT = "open_account"
    CLOSE_ACCOUNT = "close_account"
    OPS_REPORT = "ops_report"
    PAYMENTS = "payments"  # import statements, match and unmatch bank lines
    RELOAD_ORG = "reload_org"  # replace the org from its file (the first load is the server host's admin)
    CORRECT_CUSTOMER = "correct_customer"  # phone, fax, address; the relation is domain.corrections's rule
    DECIDE_CORRECTION = "decide_correction"  # approve or reject a corrected licensed name (the order group)
    # 认证 (certification): see them; hand in documents (the rep); check and submit (the assistant); key in the
    # agency's answer (the agency's clerk); decide an escalated one (the supervisor); start one (the order group)
    SEE_CERTIFICATIONS = "see_certifications"
    CERTIFY_DOCUMENTS = "certify_documents"
    CHECK_CERTIFICATION = "check_certification"
    ANSWER_CERTIFICATION = "answer_certification"
    DECIDE_CERTIFICATION = "decide_certification"
    START_CERTIFICATION = "start_certification"


ROLE_PERMS: dict[Role, frozenset[Perm]] = {
    Role.SALES: frozenset({Perm.ENTER_CUSTOMER, Perm.CLAIM, Perm.NOTE, Perm.TRANSFER_IN, Perm.SEE_ORDERS,
                          Perm.SEE_CUSTOMERS, Perm.SEE_CREDITS, Perm.CORRECT_CUSTOMER, Perm.SEE_CERTIFICATIONS,
                          Perm.CERTIFY_DOCUMENTS}),
    Role.SUPERVISOR: frozenset({Perm.SEE_ORDERS, Perm.SEE_CUSTOMERS, Perm.SEE_TEAM, Perm.SEE_CREDITS,
                               Perm.CORRECT_CUSTOMER, Perm.SEE_CERTIFICATIONS, Perm.DECIDE_CERTIFICATION}),
    Role.PARTNER: frozenset({Perm.HAND_OVER, Perm.SEE_ORDERS, Perm.SEE_CUSTOMERS, Perm.SEE_TEAM, Perm.SEE_CREDITS,
                            Perm.CORRECT_CUSTOMER, Perm.SEE_CERTIFICATIONS}),
    Role.MANAGER: frozenset({Perm.OPEN_ACCOUNT, Perm.CLOSE_ACCOUNT, Perm.SEE_ORDERS, Perm.SEE_CUSTOMERS,
                             Perm.SEE_TEAM, Perm.SEE_CREDITS, Perm.OPS_REPORT, Perm.SEE_CERTIFICATIONS}),
    Role.HQ_REP: frozenset({Perm.SEE_ORDERS, Perm.SEE_CUSTOMERS, Perm.SEE_TEAM, Perm.SEE_CREDITS, Perm.OPS_REPORT,
                            Perm.SEE_CERTIFICATIONS}),
    Role.DIRECTOR: frozenset({Perm.OPEN_ACCOUNT, Perm.CLOSE_ACCOUNT, Perm.SEE_ORDERS, Perm.SEE_CUSTOMERS,
                              Perm.SEE_TEAM, Perm.SEE_CREDITS, Perm.OPS_REPORT, Perm.RELOAD_ORG,
                              Perm.SEE_CERTIFICATIONS}),
    Role.ASSISTANT: frozenset({Perm.SEE_ORDERS, Perm.SEE_CUSTOMERS, Perm.SEE_CERTIFICATIONS,
                               Perm.CHECK_CERTIFICATION}),
    Role.ORDER_GROUP: frozenset({Perm.SEE_ORDERS, Perm.OPS_REPORT, Perm.CORRECT_CUSTOMER, Perm.DECIDE_CORRECTION,
                                 Perm.SEE_CERTIFICATIONS, Perm.START_CERTIFICATION}),
    Role.APPROVAL_GROUP: frozenset({Perm.DECIDE_APPLICATION, Perm.SEE_CUSTOMERS}),
    Role.FINANCE: frozenset({Perm.SEE_ORDERS, Perm.SEE_CREDITS, Perm.PAYMENTS}),
    # The agency sees the certifications of every partner, and nothing else.
    Role.AGENCY_CLERK: frozenset({Perm.SEE_CERTIFICATIONS, Perm.ANSWER_CERTIFICATION}),
}

# Roles that see every partner; the others see their scope (own, own partner, subordinates, regions).
EVERYWHERE = frozenset({Role.ORDER_GROUP, Role.APPROVAL_GROUP, Role.FINANCE, Role.AGENCY_CLERK})


def allowed(actor: Actor, perm: Perm) -> bool:
    return actor.active and (perm in ROLE_PERMS[actor.role] or perm in actor.grants)


def require(actor: Actor, perm: Perm, what: str) -> None:
    if not actor.active:
        raise NotPermitted(f"{actor.describe()} is deactivated and may not {what}")
    if not allowed(actor, perm):
        raise NotPermitted(f"{actor.describe()} may not {what}: a {ROLE_LABELS[actor.role]} lacks the "
                           f"'{perm.value}' permission")


@dataclass(frozen=True)
class PartnerInfo:
    code: str
    manager: str | None
    regions: frozenset[str]


@dataclass(frozen=True)
class Scope:
    """What an actor may see: everything, or some partners; a rep only their own records."""

    everything: bool
    partners: frozenset[str]
    own_only: str | None = None  # a sales rep sees only what they hold or signed

    def covers(self, partner: str | None) -> bool:
        return self.everything or (partner is not None and partner in self.partners)


def _overlap(left: Iterable[str], right: Iterable[str]) -> bool:
    """Do two sets of regions share one, however each is spelled (北京 = 北京市)?"""
    return bool({region_key(r) for r in left} & {region_key(r) for r in right})


def scope_of(actor: Actor, partners: Iterable[PartnerInfo], managers_of: dict[str, str | None]) -> Scope:
    """own, own partner, subordinates' partners, regions, or all — by role."""
    known = list(partners)
    if actor.role in EVERYWHERE:
        return Scope(True, frozenset())
    if actor.role is Role.SALES:
        return Scope(False, actor.partners, own_only=actor.username)
    if actor.role is Role.MANAGER:
        return Scope(False, frozenset(p.code for p in known if p.manager == actor.username
                                      or _overlap(p.regions, actor.regions)) | actor.partners)
    if actor.role is Role.DIRECTOR:
        managed = {m for m, boss in managers_of.items() if boss == actor.username}
        return Scope(False, frozenset(p.code for p in known if p.manager in managed or p.manager == actor.username
                                      or _overlap(p.regions, actor.regions)) | actor.partners)
    # supervisor, partner account, HQ representative, assistant: the partners they belong to or serve
    return Scope(False, actor.partners)


def check_account_change(actor: Actor, scope: Scope, target_role: Role, partner: str | None,
                         regions: Iterable[str], opening: bool) -> None:
    """A channel manager (or director) opens and closes only agencies' sales accounts, in scope."""
    what = "open accounts" if opening else "close accounts"
    require(actor, Perm.OPEN_ACCOUNT if opening else Perm.CLOSE_ACCOUNT, what)
    if target_role is not Role.SALES:
        raise NotPermitted(f"{actor.describe()} may only {what} of agencies' sales reps, not a {target_role.value}")
    if not scope.covers(partner):
        raise NotPermitted(f"{actor.describe()} may not {what} for partner {partner}: outside the user's scope")
    outside = sorted(r for r in set(regions) if not in_regions(r, actor.regions)) if actor.role is Role.MANAGER else []
    if outside:
        raise NotPermitted(f"{actor.describe()} may not assign regions outside its own: {', '.join(outside)}")
