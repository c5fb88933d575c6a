"""Roles of the channel organisation and the acting user."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from domain.errors import InvalidInput


class Role(StrEnum):
    SALES = "sales"  # 渠道销售
    SUPERVISOR = "supervisor"  # 销售主管
    PARTNER = "partner"  # 渠道商 (agency account)
    MANAGER = "manager"  # 渠道经理
    HQ_REP = "hq_rep"  # 党代表
    DIRECTOR = "director"  # 渠道总监
    ASSISTANT = "assistant"  # 渠道助理
    ORDER_GROUP = "order_group"  # 订单组
    APPROVAL_GROUP = "approval_group"  # 审批组
    FINANCE = "finance"  # 财务
    AGENCY_CLERK = "agency_clerk"  # 认证机构: keys in the certification agency's answers


ROLE_LABELS: dict[Role, str] = {
    Role.SALES: "channel sales",
    Role.SUPERVISOR: "sales supervisor",
    Role.PARTNER: "channel partner",
    Role.MANAGER: "channel manager",
    Role.HQ_REP: "HQ representative",
    Role.DIRECTOR: "channel director",
    Role.ASSISTANT: "channel assistant",
    Role.ORDER_GROUP: "order group",
    Role.APPROVAL_GROUP: "approval group",
    Role.FINANCE: "finance",
    Role.AGENCY_CLERK: "certification agency",
}

# A username: the key people sign in with and are named by in histories, search attributes and logs.
USERNAME_PATTERN = r"^[a-z][a-z0-9._-]{1,31}$"
_USERNAME = re.compile(USERNAME_PATTERN)
# A partner's code: in order numbers' owners, search attributes and Temporal list queries (ChannelPartner="BJ").
PARTNER_CODE_PATTERN = r"^[A-Z][A-Z0-9]{1,15}$"
_PARTNER_CODE = re.compile(PARTNER_CODE_PATTERN)


def is_username(value: str) -> bool:
    """Whether the value, exactly as given, has a username's form (fullmatch: `$` alone would allow a final LF)."""
    return _USERNAME.fullmatch(value) is not None


def check_username(value: str, field: str = "username") -> str:
    """A username as typed (a recipient, a rep): refused by its form before any lookup, without echoing it."""
    name = value.strip()
    if not is_username(name):
        raise InvalidInput(f"{field} must be a username: 2-32 lower-case letters, digits, '.', '_' or '-', "
                           "starting with a letter")
    return name


def check_partner_code(value: str, field: str = "partner") -> str:
    """A partner code as typed: refused by its form before any lookup, without echoing it."""
    code = value.strip()
    if _PARTNER_CODE.fullmatch(code) is None:
        raise InvalidInput(f"{field} must be a partner code: 2-16 upper-case letters or digits, starting with a "
                           "letter")
    return code


def desk_address(role: Role) -> str:
    """Where a notice for a whole desk goes: "desk:finance". A colon is in no username, so no user can be it."""
    return f"desk:{role.value}"


# Roles whose work is scoped to the partners they belong to or serve.
PARTNER_SCOPED = frozenset({Role.SALES, Role.SUPERVISOR, Role.PARTNER, Role.ASSISTANT})


@dataclass(frozen=True)
class Actor:
    username: str
    role: Role
    partners: frozenset[str] = field(default_factory=frozenset)
    active: bool = True
    reports_to: str | None = None
    regions: frozenset[str] = field(default_factory=frozenset)
    grants: frozenset[str] = field(default_factory=frozenset)  # extra scoped permissions (可增设范围内权限)

    def describe(self) -> str:
        return f"{self.username} ({ROLE_LABELS[self.role]})"
