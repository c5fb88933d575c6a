"""The one definition of our custom search attributes: the dev server, tests and production register these."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

ORDER_NUMBER = SearchAttributeKey.for_keyword("OrderNumber")
ORDER_STATUS = SearchAttributeKey.for_keyword("OrderStatus")
CHANNEL_PARTNER = SearchAttributeKey.for_keyword("ChannelPartner")
SALES_REP = SearchAttributeKey.for_keyword("SalesRep")
PENDING_ROLE = SearchAttributeKey.for_keyword("PendingRole")
PENDING_USER = SearchAttributeKey.for_keyword("PendingUser")
ORDER_AMOUNT = SearchAttributeKey.for_float("OrderAmount")
ORDER_KIND = SearchAttributeKey.for_keyword("OrderKind")
SIGNED_AT = SearchAttributeKey.for_datetime("SignedAt")
REVIEW_ROUND = SearchAttributeKey.for_int("ReviewRound")
DUE_AT = SearchAttributeKey.for_datetime("DueAt")  # the deadline of the current step
STATUS_SINCE = SearchAttributeKey.for_datetime("StatusSince")  # when the order entered its status
# A certification's status (认证); its other attributes reuse the order's (OrderNumber, PendingUser, DueAt...).
CERTIFICATION_STATUS = SearchAttributeKey.for_keyword("CertificationStatus")
# A follow-up case's state (OPEN, OVERDUE, CLOSED); its other attributes reuse the orders' (issue #17).
FOLLOW_UP_STATUS = SearchAttributeKey.for_keyword("FollowUpStatus")

ALL: list[SearchAttributeKey] = [  # type: ignore[type-arg]
    ORDER_NUMBER,
    ORDER_STATUS,
    CHANNEL_PARTNER,
    SALES_REP,
    PENDING_ROLE,
    PENDING_USER,
    ORDER_AMOUNT,
    ORDER_KIND,
    SIGNED_AT,
    REVIEW_ROUND,
    DUE_AT,
    STATUS_SINCE,
    CERTIFICATION_STATUS,
    FOLLOW_UP_STATUS,
]

_CLI_TYPES = {"KEYWORD": "Keyword", "DOUBLE": "Double", "INT": "Int", "DATETIME": "Datetime", "TEXT": "Text"}


def dev_server_flags() -> list[str]:
    """`--search-attribute NAME=Type` flags for `temporal server start-dev`."""
    flags: list[str] = []
    for key in ALL:
        kind = _CLI_TYPES[key.indexed_value_type.name.removeprefix("INDEXED_VALUE_TYPE_")]
        flags += ["--search-attribute", f"{key.name}={kind}"]
    return flags


async def register(client) -> None:  # type: ignore[no-untyped-def]
    """Register on a server that lacks them (the time-skipping test server, a fresh namespace).
    Registering an existing attribute again is not an error."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
    from temporalio.service import RPCError, RPCStatusCode

    wanted = {k.name: IndexedValueType.ValueType(int(k.indexed_value_type)) for k in ALL}
    try:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=wanted)
        )
    except RPCError as err:
        if err.status is not RPCStatusCode.ALREADY_EXISTS:
            raise
