"""Correcting a customer's facts. The deck's case 2: a caller's number was taken as both phone and fax, and the
real numbers, found later, belong to another rep's customer. A correction is checked like an entry, so that
collision is found when the real number is typed in, not after the commission went to the wrong rep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from domain.errors import InvalidInput, NotPermitted, Problems
from domain.names import name_key
from domain.people import Actor, Role
from domain.permissions import EVERYWHERE, Perm, require
from domain.phones import Phone, fixed_line
from domain.text import TextKind, check_text

T = TypeVar("T")
SAME_PHONE_FAX = "same_phone_fax"  # the risk flag an entry sets, kept true after a correction


@dataclass(frozen=True)
class NumberChange:
    typed: str
    number: Phone


@dataclass(frozen=True)
class Correction:
    """The new values, each checked as at entry; None: unchanged."""

    phone: NumberChange | None
    fax: NumberChange | None
    address: str | None
    reason: str


def check_correction(phone: str | None, fax: str | None, address: str | None, reason: str,
                     region: str | None = None) -> Correction:
    """Every malformed value is named, all at once, in entry's words (a mobile is no company's phone or fax; a
    local number is read with the area code of `region`, the customer's, or refused asking for the 区号)."""
    problems = Problems()
    attempt = problems.attempt

    def number(typed: str | None, field: str) -> NumberChange | None:
        clean = attempt(lambda: check_text(typed, TextKind.PHONE, field)) if typed is not None else None
        found = attempt(lambda: fixed_line(clean, field, region)) if clean is not None else None
        return NumberChange(clean, found) if clean is not None and found is not None else None

    new_phone, new_fax = number(phone, "phone"), number(fax, "fax")
    new_address = attempt(lambda: check_text(address, TextKind.ADDRESS)) if address is not None else None
    why = attempt(lambda: check_text(reason, TextKind.FREE_TEXT, "reason"))
    if phone is None and fax is None and address is None:
        problems.add("nothing to correct: give a new phone, fax or address")
    problems.raise_any()
    assert why is not None
    return Correction(new_phone, new_fax, new_address, why)


def flags_after(flags: list[str], phone: str, fax: str, same_phone_fax: bool, touched: bool) -> list[str]:
    """The risk flags once phone and fax are `phone` and `fax` (E.164): a correction of either (`touched`) that
    leaves one number as both needs the same confirmation as an entry, and one that parts them clears the flag."""
    if not touched:
        return list(flags)
    kept = [f for f in flags if f != SAME_PHONE_FAX]
    if phone != fax:
        return kept
    if not same_phone_fax:
        raise InvalidInput("phone and fax would be the same number; confirm that with --same-phone-fax if it is true")
    return [*kept, SAME_PHONE_FAX]


def check_corrector(actor: Actor, customer_id: int, holder: Actor | None, partner: str | None) -> None:
    """The customer's holder, the holder's supervisor, the partner account of the customer's partner, or a central
    group (the order group by role) may correct it; the caller has checked that the actor sees the customer."""
    require(actor, Perm.CORRECT_CUSTOMER, "correct customers")
    if actor.role in EVERYWHERE:
        return
    if holder is not None and (holder.username == actor.username or (
            actor.role is Role.SUPERVISOR and holder.reports_to == actor.username)):
        return
    if actor.role is Role.PARTNER and partner is not None and partner in actor.partners:
        return
    raise NotPermitted(f"{actor.describe()} may not correct customer {customer_id}: only its holder, the holder's "
                       "supervisor, its partner account or the order group may")


# The licensed name (执照公司名) is the company's identity: a correction of it is a request the order group decides
# (status pending, then applied or rejected), checked for collisions when asked and again when approved.
PENDING, APPLIED, REJECTED = "pending", "applied", "rejected"


def check_name(name: str) -> tuple[str, str]:
    """The corrected licensed name and its collision key, in entry's words."""
    clean = check_text(name, TextKind.LICENSED_NAME, "company name")
    key = name_key(clean)
    if len(key) < 2:
        raise InvalidInput(f"company name '{clean}' has no distinctive part once region and legal form are removed")
    return clean, key
