"""A refusal people often meet, said in the reader's language: the domain error's `code` picks the sentence and
its `params` fill it, each fact in words too (a status by its label). A refusal with no code here is shown in
the service's English words under a heading in the reader's language (web/templates/_refusal.html)."""

from __future__ import annotations

from collections.abc import Callable

from domain.errors import DomainError
from domain.order import Action, OrderStatus
from web.labels import BUTTON, DID, MATCH, N_, REFUSAL, STATUS

Gettext = Callable[[str], str]

SAID: dict[str, str] = {
    "wrong_state": N_("Order %(order)s is now at “%(status)s”; “%(action)s” can only be done at %(expected)s. "
                      "Someone may have moved it on: reload the page to see where it stands."),
    "cap_full": N_("%(owner)s's warehouse holds %(held)s customers, its cap of %(cap)s: a customer can be added "
                   "once there is room."),
    "already_yours": N_("Customer %(customer)s (%(name)s) is already in your warehouse."),
    "not_in_pool": N_("Customer %(customer)s (%(name)s) is held by %(holder)s, not in the public pool: only the "
                      "holder's partner account can hand it over."),
    "outside_regions": N_("Customer %(customer)s (%(name)s) is in the pool of %(region)s, outside your regions "
                          "(%(regions)s): file a transfer-in application for it."),
    "daily_limit": N_("You have claimed %(claimed)s customers today, the daily limit of %(limit)s: claim again "
                      "tomorrow."),
    "cooldown": N_("Customer %(customer)s left your warehouse on %(left)s: you may claim it back from %(back)s."),
    "entry_yours": N_("Customer %(customer)s (%(name)s) in your warehouse has %(match)s as this entry: it is "
                      "yours already."),
    "entry_held": N_("A customer in another rep's warehouse has %(match)s as this entry: pass the lead to its "
                     "holder instead of entering it again; only the holder's partner account can move a customer "
                     "to another rep."),
    "entry_pool_elsewhere": N_("Customer %(customer)s in the public pool of %(region)s has %(match)s as this entry: "
                               "file a transfer-in application for it."),
    "entry_pool_here": N_("Customer %(customer)s in the public pool of your region has %(match)s as this entry: "
                          "claim it from the pool."),
    "entry_similar": N_("A customer with a similar name is already stored: if this really is a different company, "
                        "tick “A similar name really is a different company” and send it again."),
    "entry_similar_named": N_("Customers with a similar name are already stored (%(names)s): if this really is a "
                              "different company, tick “A similar name really is a different company” and send it "
                              "again."),
    "amount_not_a_number": N_("“%(value)s” is not a number: write the amount in digits, for example 12000.00."),
    "amount_not_positive": N_("The amount must be greater than zero (it was %(value)s)."),
    "amount_over_limit": N_("The amount %(value)s is above the limit of %(limit)s."),
    "amount_too_precise": N_("The amount %(value)s has more than two decimal places."),
    "day_in_future": N_("The date %(day)s is in the future (today is %(today)s)."),
    "day_before_step": N_("The date %(day)s is before %(since)s, when the previous step happened."),
    "no_order": N_("There is no order %(order)s, or it is not one you may see. Check the number."),
    "no_customer": N_("There is no customer %(customer)s, or it is not one you may see."),
    "customer_not_owned": N_("Customer %(customer)s (%(name)s) is not in %(rep)s's warehouse: %(holder)s holds "
                             "it. Sign for it once it is yours: claim it from the pool, or ask the partner account "
                             "for a hand-over."),
}
IN_ENGLISH = N_("Details, in English:")
NOT_ISSUED = N_("not issued")
ONLY_UNISSUED = N_("an order not yet issued")
OR = N_(" or ")


def _status(value: str, _: Gettext) -> str:
    known = OrderStatus.__members__.get(value)
    return f"“{_(STATUS[known])}”" if known else value


def _action(value: str, _: Gettext) -> str:
    try:
        action = Action(value)
    except ValueError:
        return value
    label = BUTTON.get(action) or DID.get(action)
    return _(label) if label else value


def explain(error: DomainError, _: Gettext) -> str | None:
    """The refusal in the reader's words, or None when this desk has no sentence for it."""
    return explain_code(error.code, error.params, _)


def explain_code(code: str | None, params: dict[str, str], _: Gettext) -> str | None:
    """As explain, from a refusal's code and facts as a service hands them on (a pool row's why_not_code)."""
    sentence = SAID.get(code or "")
    if sentence is None:
        return None
    facts = dict(params)
    try:
        if "match" in facts:
            facts["match"] = _(MATCH[facts["match"]])
        if code == "wrong_state":
            facts["status"] = _(STATUS[OrderStatus(facts["status"])]) if facts["status"] else _(NOT_ISSUED)
            facts["action"] = _action(facts["action"], _)
            wanted = [s for s in facts["expected"].split(",") if s]
            facts["expected"] = _(OR).join(_status(s, _) for s in wanted) if wanted else _(ONLY_UNISSUED)
        return _(sentence) % facts
    except (KeyError, ValueError, TypeError):  # facts that do not fit the sentence: the English words serve
        return None


def in_words(error: DomainError, _: Gettext) -> str:
    """The whole refusal as one line, for a page's script to show (an upload's answer): the heading, then the
    sentence in the reader's words, or the service's own."""
    said = explain(error, _)
    if said is None:
        note = _(IN_ENGLISH)
        said = error.message if note == IN_ENGLISH else f"{note} {error.message}"
    return f"{_(REFUSAL[error.kind])}: {said}"
