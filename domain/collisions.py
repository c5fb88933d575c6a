"""What customer entry decides when the collision check finds something (撞单 control)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from domain.errors import Problems, Refused
from domain.names import name_key
from domain.phones import Phone, fixed_line
from domain.regions import known_region, same_region
from domain.text import TextKind, check_text

T = TypeVar("T")


class Match(StrEnum):
    NAME = "name"
    PHONE = "phone"
    FAX = "fax"
    SIMILAR = "similar name"


@dataclass(frozen=True)
class Hit:
    customer_id: int
    name: str
    owner: str | None
    holder: str  # "bob (Bob Li, partner BJ)" or "the public pool"
    region: str
    match: Match
    score: float = 100.0
    why: str = ""  # for an alert: what makes it similar ("sounds the same", "same brand 华信", "similar name")

    def describe(self) -> str:
        how = f"{self.why or 'similar name'}, {self.score:.0f}%" if self.match is Match.SIMILAR \
            else f"same {self.match.value}"
        return f"customer {self.customer_id} '{self.name}' ({how}), held by {self.holder}"

    def shown(self) -> dict[str, str]:
        """What a refusal may name of the stored customer, as its facts (a hit outside the caller's scope: none)."""
        return {"customer": str(self.customer_id), "name": self.name}


@dataclass(frozen=True)
class Entry:
    """A customer as a rep enters it: the deck's four verified facts and a region, checked and keyed."""

    name: str
    phone: str
    fax: str
    address: str
    region: str
    name_key: str
    phone_number: Phone
    fax_number: Phone
    risk_flags: list[str] = field(default_factory=list)

    def number_keys(self) -> list[str]:
        return sorted({self.phone_number.e164, self.fax_number.e164})


def check_entry(name: str, phone: str, fax: str, address: str, region: str, same_phone_fax: bool,
                regions: Iterable[str] | None = None) -> Entry:
    """Every missing or malformed fact is named, all at once. With the org's `regions`, the region must be one of
    them and is kept in the org's spelling (北京市 typed, 北京 stored)."""
    problems = Problems()
    attempt = problems.attempt

    clean_name = attempt(lambda: check_text(name, TextKind.LICENSED_NAME, "company name"))
    clean_address = attempt(lambda: check_text(address, TextKind.ADDRESS))
    clean_region = attempt(lambda: check_text(region, TextKind.REGION))
    if clean_region and regions is not None:
        typed, org = clean_region, regions
        clean_region = attempt(lambda: known_region(typed, org))
    clean_phone = attempt(lambda: check_text(phone, TextKind.PHONE, "phone"))
    clean_fax = attempt(lambda: check_text(fax, TextKind.PHONE, "fax"))
    # A local number (62345678) is read with the area code of the region, as checked (None: it asks for the 区号).
    phone_number = attempt(lambda: fixed_line(clean_phone, "phone", clean_region)) if clean_phone else None
    fax_number = attempt(lambda: fixed_line(clean_fax, "fax", clean_region)) if clean_fax else None
    key = name_key(clean_name) if clean_name else ""
    if clean_name and len(key) < 2:
        problems.add(f"company name '{clean_name}' has no distinctive part once region and legal form are removed")
    flags: list[str] = []
    if phone_number and fax_number and phone_number.e164 == fax_number.e164:
        if not same_phone_fax:
            problems.add("phone and fax are the same number; confirm that with --same-phone-fax if it is true")
        else:
            flags.append("same_phone_fax")
    problems.raise_any()
    assert clean_name and clean_address and clean_region and clean_phone and clean_fax and phone_number and fax_number
    return Entry(clean_name, clean_phone, clean_fax, clean_address, clean_region, key, phone_number, fax_number,
                 flags)


def decide_entry(hits: list[Hit], rep: str, region: str, confirm_distinct: bool) -> list[Hit]:
    """Refuse an entry that collides; return the similar names the rep confirmed as distinct."""
    exact = [h for h in hits if h.match is not Match.SIMILAR]
    for hit in sorted(exact, key=lambda h: (h.owner != rep, h.owner is None)):
        said = {"match": hit.match.value}
        if hit.owner == rep:
            raise Refused(f"already yours: {hit.describe()}", {**said, **hit.shown()}, code="entry_yours")
        if hit.owner is not None:
            # 转交 (the deck's rule A): the entering rep passes the lead to the holder; only the holder's partner
            # account moves a customer between reps (转移), so the message names who can act.
            raise Refused(f"{hit.describe()}: pass the lead to its holder (转交) instead of entering it again; only "
                          "the holder's channel partner account can move the customer to another rep (转移)", said,
                          code="entry_held")
        if not same_region(hit.region, region):
            raise Refused(f"{hit.describe()} under region {hit.region}: file a transfer-in application "
                          f"(调入申请) with `orderflow customer transfer-in {hit.customer_id} --reason ... "
                          "--region ...` and the four facts confirmed with the customer (--name, --phone, --fax, "
                          "--address)", {**said, "customer": str(hit.customer_id), "region": hit.region or ""},
                          code="entry_pool_elsewhere")
        raise Refused(f"{hit.describe()} in your region: claim it (挑入) with "
                      f"`orderflow customer claim {hit.customer_id}`", {**said, "customer": str(hit.customer_id)},
                      code="entry_pool_here")
    similar = [h for h in hits if h.match is Match.SIMILAR]
    if similar and not confirm_distinct:
        listed = "; ".join(h.describe() for h in similar)
        raise Refused(f"possible collision: {listed}. If it really is a different company, enter it again "
                      "with --confirm-distinct (the confirmation is recorded)", *_similar_names(similar))
    return similar


def _similar_names(similar: list[Hit]) -> tuple[dict[str, str], str]:
    """The similar names a refusal may show (those in the caller's scope), and its code with or without them."""
    names = "、".join(n for n in dict.fromkeys(h.shown().get("name", "") for h in similar) if n)
    return ({"names": names}, "entry_similar_named") if names else ({}, "entry_similar")
