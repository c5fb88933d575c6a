"""An order page's forms, each sent to the service the API's route for the same step calls. A form carries a
key made when the page was drawn, sent as the step's idempotency key: a double click or a resent form is applied
once and answers as the first did."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData

from domain.errors import InvalidInput
from domain.order import Action
from domain.people import Actor
from orderflow.contracts import OrderView
from services import orders
from services.context import Services

LONG = 4000  # as the API's bounds: against hostile sizes only; the services check the content


class Form:
    """The fields of a submitted form, cut to the API's bounds; an empty optional field is absent."""

    def __init__(self, data: FormData) -> None:
        self._data = data

    def text(self, name: str, limit: int = 1000) -> str:
        value = self._data.get(name, "")
        if not isinstance(value, str):
            raise InvalidInput(f"'{name}' must be text")
        if len(value) > limit:
            raise InvalidInput(f"'{name}' is longer than {limit:,} characters")
        return value

    def optional(self, name: str, limit: int = 1000) -> str | None:
        return self.text(name, limit).strip() or None

    def every(self, name: str) -> list[str]:
        return [v for v in self._data.getlist(name) if isinstance(v, str)][:20]

    def number(self, name: str, what: str) -> int:
        value = self.text(name, 12).strip()
        if not value.isdigit() or not 1 <= int(value) <= 2**31 - 1:
            raise InvalidInput(f"choose {what}")
        return int(value)


Step = Callable[[Services, Actor, str, Form, str | None], Awaitable[OrderView]]


async def _sign(s: Services, a: Actor, n: str, f: Form, key: str | None) -> OrderView:
    return await orders.sign(s, a, n, f.number("customer", "the customer"), f.text("product"), f.text("kind", 64),
                             f.text("amount", 64), f.optional("signed_on", 64), key)


async def _review(s: Services, a: Actor, n: str, f: Form, key: str | None) -> OrderView:
    return await orders.review(s, a, n, f.optional("location"), key)


async def _reject(s: Services, a: Actor, n: str, f: Form, key: str | None) -> OrderView:
    # No reason ticked is the service's refusal, after its role and scope checks (as for the API).
    return await orders.reject(s, a, n, f.every("reasons"), f.text("note", LONG), key)


async def _decide(s: Services, a: Actor, n: str, f: Form, key: str | None, allow: bool) -> OrderView:
    return await orders.decide_escalation(s, a, n, allow, f.text("note", LONG), key)


STEPS: dict[Action, Step] = {
    Action.SIGN: _sign,
    Action.RECEIVE: lambda s, a, n, f, k: orders.receive(s, a, n, f.optional("note", LONG), k),
    Action.FIRST_REVIEW: _review,
    Action.SECOND_REVIEW: _review,
    Action.REJECT: _reject,
    Action.MODIFY: lambda s, a, n, f, k: orders.modify(s, a, n, f.text("reason", LONG), f.optional("amount", 64),
                                                       f.optional("product"), k),
    Action.PAY: lambda s, a, n, f, k: orders.pay(s, a, n, f.text("amount", 64), f.text("paid_on", 64), k),
    Action.CORRECT: lambda s, a, n, f, k: orders.correct(s, a, n, f.text("note", LONG), f.optional("amount", 64),
                                                         f.optional("product"), k),
    Action.RESEND_ORIGINAL: lambda s, a, n, f, k: orders.resend(s, a, n, f.text("note", LONG), k),
    Action.ALLOW_ROUND: lambda s, a, n, f, k: _decide(s, a, n, f, k, allow=True),
    Action.VOID: lambda s, a, n, f, k: _decide(s, a, n, f, k, allow=False),
    Action.REPORT_LOST: lambda s, a, n, f, k: orders.report_lost(s, a, n, f.text("note", LONG), k),
    Action.REISSUE: lambda s, a, n, f, k: orders.reissue(s, a, n, f.text("new_number", 32), k),
}


def parse_action(name: str) -> Action | None:
    try:
        action = Action(name)
    except ValueError:
        return None
    return action if action in STEPS else None


def sent_values(data: FormData) -> dict[str, Any]:
    """What the person typed, to fill the form again after a refusal (never the CSRF token or the key)."""
    found: dict[str, Any] = {k: v for k, v in data.items() if isinstance(v, str) and k != "csrf"}
    found["reasons"] = [v for v in data.getlist("reasons") if isinstance(v, str)]
    # The step's key is kept: a step refused as unavailable may still be applied, and its retry under the same
    # key is answered by the first attempt, never applied twice (a payment recorded twice).
    return found
