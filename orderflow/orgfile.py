"""Reading and checking the org file before anything is written."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from db.org_repo import ChatSpec, PartnerSpec, UserSpec
from domain.channels import ChatKind, check_email, check_robot_endpoint, check_robot_url
from domain.errors import InvalidInput
from domain.numbers import NumberRange, find_overlap
from domain.people import PARTNER_CODE_PATTERN, PARTNER_SCOPED, USERNAME_PATTERN, Role
from domain.permissions import Perm
from domain.text import TextKind, check_text


def _text(value: str, kind: TextKind, field: str) -> str:
    """The domain's rule for this kind of text, as pydantic reports a bad value (with where it is in the file)."""
    try:
        return check_text(value, kind, field)
    except InvalidInput as err:
        raise ValueError(err.message) from None


PartnerName = Annotated[str, AfterValidator(lambda v: _text(v, TextKind.LICENSED_NAME, "partner name"))]
DisplayName = Annotated[str, AfterValidator(lambda v: _text(v, TextKind.PERSON_NAME, "display name"))]
Region = Annotated[str, AfterValidator(lambda v: _text(v, TextKind.REGION, "region"))]


class RangeEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prefix: str = Field(pattern=r"^[A-Z]{1,4}$")
    first: int = Field(ge=0, le=10**10 - 1)
    last: int = Field(ge=0, le=10**10 - 1)


class PartnerEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=PARTNER_CODE_PATTERN)
    name: PartnerName = Field(min_length=1, max_length=200)
    ranges: list[RangeEntry] = []
    manager: str | None = None  # the channel manager over this partner
    regions: list[Region] = []


class ChatEntry(BaseModel):
    """A DingTalk or WeCom group robot. The URL carries its access token and `secret` signs DingTalk calls:
    both are secrets (kept in the database for the delivery activity, never shown or logged)."""

    model_config = ConfigDict(extra="forbid")
    kind: ChatKind
    url: Annotated[str, AfterValidator(check_robot_url)] = Field(max_length=1000)
    secret: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")

    @model_validator(mode="after")
    def _signed_on_dingtalk_only(self) -> ChatEntry:
        check_robot_endpoint(self.kind, self.url)
        if self.secret is not None and self.kind is not ChatKind.DINGTALK:
            raise ValueError("chat secret is for DingTalk robots; a WeCom robot's key is in its url")
        return self


class UserEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(pattern=USERNAME_PATTERN)
    name: DisplayName = Field(min_length=1, max_length=200)
    role: Role
    partner: str | None = None
    partners: list[str] = []  # an assistant may serve several partners
    reports_to: str | None = None
    regions: list[Region] = []  # where a rep may claim from the public pool; a manager's scope
    active: bool = True
    grants: list[Perm] = []  # extra scoped permissions, e.g. for finance or support (可增设范围内权限)
    email: Annotated[str, AfterValidator(check_email)] | None = None  # where reminders are mailed
    chat: ChatEntry | None = None  # a group robot that reminders are posted to

    @field_validator("partners")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return sorted(set(value))

    def all_partners(self) -> list[str]:
        return sorted({*self.partners, *([self.partner] if self.partner else [])})


class OrgFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    partners: list[PartnerEntry] = []
    users: list[UserEntry] = []

    @model_validator(mode="after")
    def _references(self) -> OrgFile:
        codes = [p.code for p in self.partners]
        if len(codes) != len(set(codes)):
            raise ValueError(f"partner codes repeat: {sorted({c for c in codes if codes.count(c) > 1})}")
        names = [u.username for u in self.users]
        if len(names) != len(set(names)):
            raise ValueError(f"usernames repeat: {sorted({n for n in names if names.count(n) > 1})}")
        for user in self.users:
            for code in user.all_partners():
                if code not in codes:
                    raise ValueError(f"user {user.username} names partner {code}, which the file does not define")
            if user.role in PARTNER_SCOPED and not user.all_partners():
                raise ValueError(f"user {user.username} is a {user.role.value} and needs a partner")
            if user.role is Role.SALES and len(user.all_partners()) != 1:
                raise ValueError(f"sales rep {user.username} must belong to exactly one partner")
            if user.reports_to is not None and user.reports_to not in names:
                raise ValueError(f"user {user.username} reports to {user.reports_to}, who is not in the file")
        roles = {u.username: u.role for u in self.users}
        for partner in self.partners:
            if partner.manager is not None and roles.get(partner.manager) is not Role.MANAGER:
                raise ValueError(f"partner {partner.code}'s manager {partner.manager} is not a channel manager "
                                 "in the file")
        return self


def _yaml_problem(err: yaml.YAMLError) -> str:
    """What is wrong and where, without PyYAML's snippet of the line: the file holds robot tokens and secrets."""
    if isinstance(err, yaml.MarkedYAMLError):
        mark = err.problem_mark or err.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        return f"{err.problem or err.context or 'syntax error'}{where}"
    return "syntax error"


def read_org_file(path: Path) -> tuple[list[PartnerSpec], list[UserSpec]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"org file {path} does not exist") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"org file {path} is not UTF-8 text") from None
    except yaml.YAMLError as err:
        raise InvalidInput(f"org file {path} is not valid YAML: {_yaml_problem(err)}") from None
    if not isinstance(raw, dict):
        raise InvalidInput(f"org file {path} must be a mapping with 'partners' and 'users'")
    try:
        org = OrgFile.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in err.errors())
        raise InvalidInput(f"org file {path} is invalid: {problems}") from None
    partners = [
        PartnerSpec(p.code, p.name, [NumberRange(p.code, r.prefix, r.first, r.last) for r in p.ranges], p.manager,
                    p.regions)
        for p in org.partners
    ]
    overlap = find_overlap(r for p in partners for r in p.ranges)
    if overlap:
        left, right = overlap
        raise InvalidInput(
            f"org file {path}: range {left.describe()} of partner {left.partner} overlaps "
            f"range {right.describe()} of partner {right.partner}"
        )
    users = [UserSpec(u.username, u.name, u.role, u.all_partners(), u.reports_to, u.regions,
                      [g.value for g in u.grants], u.email, _chat(u.chat)) for u in org.users if u.active]
    return partners, users


def _chat(entry: ChatEntry | None) -> ChatSpec | None:
    return None if entry is None else ChatSpec(entry.kind.value, entry.url, entry.secret)
