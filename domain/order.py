"""The order's state machine: which step may happen in which state, and by whom."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import CustomerNotOwned, NotPermitted, Refused, WrongState
from domain.numbers import NumberRange
from domain.people import ROLE_LABELS, Actor, Role


class OrderStatus(StrEnum):
    ISSUED = "ISSUED"
    AWAITING_ORIGINAL = "AWAITING_ORIGINAL"
    FIRST_REVIEW = "FIRST_REVIEW"
    AWAITING_SCAN = "AWAITING_SCAN"
    SECOND_REVIEW = "SECOND_REVIEW"
    AWAITING_PAYMENT = "AWAITING_PAYMENT"
    EFFECTIVE = "EFFECTIVE"
    RETURNED = "RETURNED"  # rejected, waiting for the rep's correction
    ESCALATED = "ESCALATED"  # too many rounds, waiting for the rep's supervisor
    LOST = "LOST"  # a signed original went missing, waiting for a reissue
    VOID = "VOID"  # the number is voided and never issued again
    REISSUED = "REISSUED"  # replaced by a new order number
    EXPIRED = "EXPIRED"  # no payment by the deadline


TERMINAL = frozenset({OrderStatus.EFFECTIVE, OrderStatus.VOID, OrderStatus.REISSUED, OrderStatus.EXPIRED})


class OrderKind(StrEnum):
    NEW = "new"  # 新签
    RENEWAL = "renewal"  # 续签


class Action(StrEnum):
    ISSUE = "issue"
    SIGN = "sign"
    RECEIVE = "receive"
    FIRST_REVIEW = "first_review"
    SCAN = "scan"
    SECOND_REVIEW = "second_review"
    PAY = "pay"
    REJECT = "reject"
    CORRECT = "correct"
    RESEND_ORIGINAL = "resend_original"
    MODIFY = "modify"
    RESCAN = "rescan"
    ALLOW_ROUND = "allow_round"
    VOID = "void"
    REPORT_LOST = "report_lost"
    REISSUE = "reissue"
    SLIP = "slip"  # 底单: the rep attaches the customer's remittance slip
    UNMATCH = "unmatch"  # finance undoes a wrong match of a bank line
    REVERSE = "reverse_payment"  # finance takes back a payment recorded by hand (no bank line), with a reason
    REVIVE = "revive"  # an expired order comes back: its money arrived late (order group or finance, with a reason)
    # The original of a LOST (or reissued) order turns up after all: the assistant receives it, with a reason.
    RECEIVE_LATE = "receive_late"
    # The unsigned reissue of an order whose original turned up is voided, pointing to the original (see above).
    WITHDRAW_REISSUE = "withdraw_reissue"
    # A blank form voided as lost that the rep still has after all comes back to ISSUED (supervisor, with a reason).
    RESTORE = "restore"
    # An open order moves to another active rep of its partner (the rep left): the partner account or the manager.
    REASSIGN = "reassign"
    # Steps the workflow takes itself when a deadline passes; the actor is "system".
    REMIND = "remind"
    ESCALATE = "escalate"
    PRESUME_LOST = "presume_lost"
    EXPIRE = "expire"


S = OrderStatus


@dataclass(frozen=True)
class Step:
    sources: frozenset[OrderStatus]
    roles: frozenset[Role]
    target: OrderStatus | None  # None: decided by the step's data (a partial payment, a rejection's remedy)


def _step(sources: set[OrderStatus], roles: set[Role], target: OrderStatus | None) -> Step:
    return Step(frozenset(sources), frozenset(roles), target)


# Where money may arrive: every state from signing on that can still take effect, and EXPIRED (to be revived).
HOLDS_MONEY = {S.AWAITING_ORIGINAL, S.FIRST_REVIEW, S.AWAITING_SCAN, S.SECOND_REVIEW, S.RETURNED, S.ESCALATED,
               S.AWAITING_PAYMENT, S.EXPIRED}

STEPS: dict[Action, Step] = {
    Action.ISSUE: _step(set(), {Role.ASSISTANT}, S.ISSUED),
    Action.SIGN: _step({S.ISSUED}, {Role.SALES}, S.AWAITING_ORIGINAL),
    Action.RECEIVE: _step({S.AWAITING_ORIGINAL}, {Role.ASSISTANT}, S.FIRST_REVIEW),
    Action.FIRST_REVIEW: _step({S.FIRST_REVIEW}, {Role.ASSISTANT}, S.AWAITING_SCAN),
    Action.SCAN: _step({S.AWAITING_SCAN}, {Role.ASSISTANT, Role.ORDER_GROUP}, S.SECOND_REVIEW),
    # AWAITING_PAYMENT, or EFFECTIVE at once when the money kept on the order covers it (settle_kept_money).
    Action.SECOND_REVIEW: _step({S.SECOND_REVIEW}, {Role.ORDER_GROUP}, None),
    # Money is never refused: on an order that cannot take effect yet (signed, not yet approved, or EXPIRED) it is
    # kept there, and counts when the order reaches AWAITING_PAYMENT (the second review, or REVIVE).
    Action.PAY: _step(HOLDS_MONEY, {Role.FINANCE}, None),
    Action.REJECT: _step({S.FIRST_REVIEW, S.SECOND_REVIEW}, {Role.ASSISTANT, Role.ORDER_GROUP}, None),
    Action.CORRECT: _step({S.RETURNED}, {Role.SALES}, None),
    Action.RESEND_ORIGINAL: _step({S.RETURNED}, {Role.SALES}, S.AWAITING_ORIGINAL),
    Action.MODIFY: _step({S.SECOND_REVIEW}, {Role.ORDER_GROUP}, S.SECOND_REVIEW),
    Action.RESCAN: _step({S.SECOND_REVIEW, S.AWAITING_PAYMENT}, {Role.ASSISTANT, Role.ORDER_GROUP}, None),
    # The supervisor decides an escalated order: ESCALATED (too many rounds), or RETURNED once the rep's correction
    # was escalated to them (check_supervisor_decides); from RETURNED "another round" is a fresh wait for the rep.
    Action.ALLOW_ROUND: _step({S.ESCALATED, S.RETURNED}, {Role.SUPERVISOR}, S.RETURNED),
    Action.VOID: _step({S.ESCALATED, S.RETURNED}, {Role.SUPERVISOR}, S.VOID),
    Action.REPORT_LOST: _step({S.ISSUED, S.AWAITING_ORIGINAL}, {Role.SALES}, None),
    Action.REISSUE: _step({S.LOST}, {Role.ASSISTANT}, S.REISSUED),
    Action.SLIP: _step({S.AWAITING_ORIGINAL, S.FIRST_REVIEW, S.AWAITING_SCAN, S.SECOND_REVIEW, S.RETURNED,
                        S.ESCALATED, S.AWAITING_PAYMENT}, {Role.SALES}, None),
    # Money is taken back wherever it may be kept, LOST too: a lost original's money must leave before its reissue
    # (domain.order_money.check_holds_no_money), to be matched again or refunded.
    Action.UNMATCH: _step(HOLDS_MONEY | {S.LOST}, {Role.FINANCE}, None),
    Action.REVERSE: _step(HOLDS_MONEY | {S.LOST}, {Role.FINANCE}, None),
    Action.REVIVE: _step({S.EXPIRED}, {Role.ORDER_GROUP, Role.FINANCE}, None),
    # A late original continues the order as if received. From REISSUED only once its reissue is withdrawn
    # (services.order_desk: receive_late), so one sale never has two live orders.
    Action.RECEIVE_LATE: _step({S.LOST, S.REISSUED}, {Role.ASSISTANT}, S.FIRST_REVIEW),
    Action.WITHDRAW_REISSUE: _step({S.ISSUED}, {Role.ASSISTANT}, S.VOID),
    Action.RESTORE: _step({S.VOID}, {Role.SUPERVISOR}, S.ISSUED),
    # Any open order, left in its status: only who acts for the rep changes (check_reassign).
    Action.REASSIGN: _step(set(OrderStatus) - TERMINAL, {Role.PARTNER, Role.MANAGER}, None),
}

# Which review a rejecting actor may do, by the status the order is in.
REVIEWER = {S.FIRST_REVIEW: Role.ASSISTANT, S.SECOND_REVIEW: Role.ORDER_GROUP}

PENDING_ROLE: dict[OrderStatus, Role | None] = {
    S.ISSUED: Role.SALES,
    S.AWAITING_ORIGINAL: Role.ASSISTANT,
    S.FIRST_REVIEW: Role.ASSISTANT,
    S.AWAITING_SCAN: Role.ASSISTANT,
    S.SECOND_REVIEW: Role.ORDER_GROUP,
    S.AWAITING_PAYMENT: Role.FINANCE,
    S.RETURNED: Role.SALES,
    S.ESCALATED: Role.SUPERVISOR,
    S.LOST: Role.ASSISTANT,
    **{status: None for status in TERMINAL},
}

WAITING_FOR: dict[OrderStatus, str] = {
    S.ISSUED: "the sales rep to sign it with a customer",
    S.AWAITING_ORIGINAL: "the paper original to reach the assistant",
    S.FIRST_REVIEW: "the assistant's first review",
    S.AWAITING_SCAN: "the scan of the original",
    S.SECOND_REVIEW: "the order group's second review",
    S.AWAITING_PAYMENT: "the customer's payment",
    S.RETURNED: "the sales rep's correction",
    S.ESCALATED: "the supervisor to void it or allow another round",
    S.LOST: "a replacement form number (reissue)",
    S.EFFECTIVE: "nothing: the order is effective",
    S.VOID: "nothing: the number is void",
    S.REISSUED: "nothing: replaced by a reissued order",
    S.EXPIRED: "nothing: the payment deadline passed",
}


@dataclass(frozen=True)
class OrderParties:
    """Who an order belongs to and who has already acted on it (for separation of duties)."""

    number: str
    partner: str
    rep: str
    first_reviewer: str | None = None
    supervisor: str | None = None


def pending_user(status: OrderStatus, parties: OrderParties) -> str | None:
    if status in (S.ISSUED, S.RETURNED):
        return parties.rep
    if status is S.ESCALATED:
        return parties.supervisor
    return None


def check_step(action: Action, status: OrderStatus | None, actor: Actor, parties: OrderParties) -> Step:
    """Refuse a step in the wrong state, by the wrong role, or outside the actor's scope."""
    step = STEPS[action]
    issuing = status is None and not step.sources
    if status not in step.sources and not issuing:
        raise WrongState(parties.number, status.value if status else "", action.value,
                         sorted(s.value for s in step.sources))
    check_actor(action, actor, parties, status)
    return step


def check_actor(action: Action, actor: Actor, parties: OrderParties, status: OrderStatus | None = None) -> None:
    roles = STEPS[action].roles
    if action is Action.REJECT and status in REVIEWER:
        roles = frozenset({REVIEWER[status]})
    check_role(action, actor, f"order {parties.number}", roles)
    # A manager's scope (partners and regions) needs the org: services check it before anything is looked up.
    if (actor.role in (Role.SALES, Role.ASSISTANT, Role.SUPERVISOR, Role.PARTNER)
            and parties.partner not in actor.partners):
        raise NotPermitted(
            f"{actor.describe()} may not {action.value} order {parties.number}: "
            f"it belongs to partner {parties.partner}, outside the user's partners"
        )
    if actor.role is Role.SALES and actor.username != parties.rep:
        raise NotPermitted(
            f"{actor.describe()} may not {action.value} order {parties.number}: the form was issued to {parties.rep}"
        )
    reviews_second = action is Action.SECOND_REVIEW or (action is Action.REJECT and status is S.SECOND_REVIEW)
    if reviews_second and actor.username == parties.first_reviewer:
        raise NotPermitted(
            f"{actor.describe()} did the first review of order {parties.number} and may not do the second"
        )


def check_role(action: Action, actor: Actor, what: str, roles: frozenset[Role] | None = None) -> None:
    """The role alone, before anything is looked up: a refused role learns nothing about the order."""
    roles = STEPS[action].roles if roles is None else roles
    if not actor.active:
        raise NotPermitted(f"{actor.describe()} is deactivated and may not {action.value} {what}")
    if actor.role not in roles:
        needed = " or ".join(sorted(ROLE_LABELS[r] for r in roles))
        raise NotPermitted(f"{actor.describe()} may not {action.value} {what}: that needs the {needed} role")


@dataclass(frozen=True)
class CustomerHolding:
    customer_id: int
    customer_name: str
    owner: str | None
    holder: str  # how to name the holder to a person: "bob (Bob Li, partner SH)" or "the public pool"


def check_signing_customer(customer: CustomerHolding, rep: str) -> None:
    """A rep signs only for a customer in the rep's own warehouse (the guard against 撞单)."""
    if customer.owner != rep:
        raise CustomerNotOwned(customer.customer_id, customer.customer_name, customer.holder, rep)


def check_supervisor_decides(number: str, status: OrderStatus, escalated: bool) -> None:
    """A RETURNED order is the rep's to correct; it becomes the supervisor's to decide only once its correction's
    escalation fired in the current wait (the supervisor was told), as an ESCALATED order is."""
    if status is S.RETURNED and not escalated:
        raise Refused(f"order {number} is waiting for its rep's correction and was not escalated to the supervisor; "
                      f"the supervisor decides it once the correction is overdue and escalated")


# Voids a form comes back from: a blank form reported (or, before #16, presumed) lost. A supervisor's void of an
# escalated order is a decision, and a withdrawn reissue would make two live orders for one sale: both stay void.
RESTORABLE_VOIDS = frozenset({Action.REPORT_LOST, Action.PRESUME_LOST})


def restorable(voided_by: Action | None, voided_from: OrderStatus | None) -> bool:
    return voided_by in RESTORABLE_VOIDS and voided_from is S.ISSUED


def check_restorable(number: str, voided_by: Action | None, voided_from: OrderStatus | None) -> None:
    """Only a blank form voided as lost is restored, to ISSUED: the rep still holds it, unsigned."""
    if not restorable(voided_by, voided_from):
        raise Refused(f"order {number} was voided by {voided_by.value if voided_by else 'nobody'} while "
                      f"{voided_from.value if voided_from else 'not issued'}; only a blank form voided as lost "
                      f"(ISSUED) can be restored")


def check_withdrawable(number: str, predecessor: str | None, original: str) -> None:
    """Only the reissue of the order whose original turned up is withdrawn this way, and only while unsigned (the
    step's source): a blank form is never voided for another order's sake."""
    if predecessor != original:
        raise Refused(f"order {number} is not the reissue of order {original}: only that reissue is voided when "
                      f"the original of {original} turns up")


def lost_target(status: OrderStatus) -> OrderStatus:
    """A lost blank form is voided; a lost signed original waits for a reissue."""
    return S.VOID if status is S.ISSUED else S.LOST


def check_issue(
    number: str, owning: NumberRange | None, actor: Actor, rep: Actor | None, rep_name: str,
    existing_status: str | None,
) -> NumberRange:
    """A blank form is issued once, from its partner's range, by that partner's assistant, to that partner's rep.

    The role comes first, so no other role can map the number ranges; and every rep the form cannot go to
    (missing, deactivated, not a sales rep, another partner's) gets the same answer, so an assistant cannot
    list other partners' staff by trying names."""
    check_role(Action.ISSUE, actor, f"order {number}")
    if owning is None or owning.partner not in actor.partners:
        # Another partner's range reads like no range at all: an assistant learns only its own partners' ranges.
        raise Refused(f"order number {number} is not in a number range of your partners "
                      f"({', '.join(sorted(actor.partners)) or 'none'})")
    check_actor(Action.ISSUE, actor, OrderParties(number, owning.partner, rep_name))
    if existing_status == S.VOID:
        raise Refused(f"order number {number} was voided and can never be issued again")
    if existing_status is not None:
        raise Refused(f"order number {number} has already been issued; a number is never issued twice")
    if not _takes_forms_of(rep, owning.partner):
        raise Refused(f"order {number} can only go to an active sales rep of partner {owning.partner}; "
                      f"'{rep_name}' is not one")
    return owning


def _takes_forms_of(rep: Actor | None, partner: str) -> bool:
    """An active sales rep of the partner: the only person a form from that partner's range can go to."""
    return rep is not None and rep.role is Role.SALES and rep.active and partner in rep.partners


def check_reassign(number: str, partner: str, current_rep: str, rep: Actor | None, rep_name: str) -> None:
    """An open order goes only to another active sales rep of its partner. Every rep it cannot go to (missing,
    deactivated, not a sales rep, another partner's) gets the same answer, as for an issue."""
    if rep_name == current_rep:
        raise Refused(f"order {number} is already {current_rep}'s")
    if not _takes_forms_of(rep, partner):
        raise Refused(f"order {number} can only go to an active sales rep of partner {partner}; "
                      f"'{rep_name}' is not one")


def reassigned_customer_moves(number: str, owner: str | None, from_rep: str, to_rep: str,
                              partner_accounts: frozenset[str]) -> bool:
    """The customer of a signed order follows it to the new rep: from the old rep, the partner's own warehouse
    (where a leaver's customers go) or the pool. A customer another rep holds is not taken from them: refused."""
    if owner == to_rep:
        return False
    if owner is None or owner == from_rep or owner in partner_accounts:
        return True
    raise Refused(f"the customer of order {number} is now held by {owner}; hand the customer over (转移) to "
                  f"{to_rep} or reassign the order to {owner}")


def next_number_partners(actor: Actor, rep: Actor | None) -> frozenset[str]:
    """Whose ranges `order issue --next` draws from: the rep's own partners among the assistant's, so an
    assistant serving BJ and SH hands an SH rep an SH number. For anyone a form cannot go to, all the assistant's
    partners: check_issue then refuses them with the very answer a named number gets, naming no partner of theirs."""
    return frozenset(p for p in actor.partners if _takes_forms_of(rep, p)) or actor.partners
