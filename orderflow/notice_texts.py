"""What a notification says in mail and chat, in Chinese: one entry per notification kind.

The workflows store a `text` (the inbox and the log show it); people reached by mail or chat read a Chinese
subject and lead line made here, with the order, its deadline in Beijing time and a link. The stored text is shown
only where it adds something: as 详情 where it is Chinese (认证, 跟进, the digest), as 原始记录 where it is English
but carries what the Chinese lines lack (return reasons, the other side of a collision, a typed reason); the
other kinds' English text says nothing the Chinese lead does not. Other parts add their kinds with `register`
(or an entry in TEXTS); a kind nobody registered gets the generic text, so a new reminder is never lost for want
of a template."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.fields import BUSINESS_TZ

DETAIL, RECORD = "详情", "原始记录（英文）"


@dataclass(frozen=True)
class NoticeText:
    subject: str  # "{item}" is the order or customer, e.g. "订单 BJ100001"
    lead: str
    detail: str | None = None  # the label the stored text is shown under (DETAIL, RECORD), or None: not shown


TEXTS: dict[str, NoticeText] = {
    # Order deadlines (workflows/deadlines.py, machine.py, reassign.py)
    "reminder": NoticeText("【提醒】{item} 等待您处理", "{item} 正在等待您的下一步操作，请在截止时间前处理。"),
    "escalation": NoticeText("【升级】{item} 已超时，请督办", "{item} 已超过期限未处理，已升级给您，请尽快督办。"),
    "lost-check": NoticeText("【确认】{item} 是否遗失？",
                             "{item} 的空白订单长时间未签，请确认是否遗失；如已遗失请报失。"),
    "lost": NoticeText("【遗失】{item} 已按遗失处理", "{item} 已超过期限，系统按遗失处理。"),
    "expired": NoticeText("【过期】{item} 未付款已过期", "{item} 在付款期限内未收到款项，已过期。"),
    "returned": NoticeText("【退回】{item} 被退回，请更正", "{item} 被审核退回，请按原因更正或补交原件。", RECORD),
    "expired-paid": NoticeText("【到款】已过期的{item} 收到款项",
                               "{item} 已过期，但收到了款项，请确认是否恢复该订单。"),
    "reassigned": NoticeText("【转交】{item} 已转交给您", "{item} 已转交给您跟进。"),
    # Customers (workflows/customers.py, activities/customers.py, services/corrections.py, name_corrections.py)
    "transfer-in": NoticeText("【转入】{item} 的转入申请有结果了", "您提交的{item}转入申请已处理。", RECORD),
    "transfer-in-filed": NoticeText("【审批】{item} 的转入申请待您审批", "有一份{item}的转入申请等待您审批。"),
    "transfer-in-reminder": NoticeText("【催办】{item} 的转入申请仍待审批", "{item}的转入申请仍在等待您审批。"),
    "recycle-warning": NoticeText("【预警】{item} 即将回收到公海",
                                  "{item} 长时间未跟进，即将回收到公海；请在此之前添加跟进记录。"),
    "recycled": NoticeText("【回收】{item} 已回收到公海", "{item} 因长时间未跟进，已回收到公海。"),
    "number-collision": NoticeText("【撞单】{item} 号码冲突", "对{item}的号码更正与另一客户冲突，更正未执行。", RECORD),
    "name-collision": NoticeText("【撞单】{item} 名称冲突", "对{item}的名称更正与另一客户冲突，更正未执行。", RECORD),
    "name-correction": NoticeText("【更名】{item} 的名称更正", "{item} 的执照名称更正有新进展。", RECORD),
    # 认证 (workflows/certification.py): its stored text is Chinese already and is the detail line
    "cert-documents": NoticeText("【认证】{item} 请收集认证材料", "{item} 需要认证，请收集并上传认证材料。", DETAIL),
    "cert-documents-reminder": NoticeText("【认证催办】{item} 认证材料未齐",
                                          "{item} 的认证材料仍未收齐，请尽快上传。", DETAIL),
    "cert-documents-escalation": NoticeText("【认证升级】{item} 认证材料超期",
                                            "{item} 的认证材料已超期未交，已升级给您。", DETAIL),
    "cert-check": NoticeText("【认证核对】{item} 的认证材料待核对",
                             "{item} 的认证材料已上传，请核对客户记录后提交。", DETAIL),
    "cert-submission-reminder": NoticeText("【认证催办】{item} 认证待提交", "{item} 的认证材料仍待核对提交。", DETAIL),
    "cert-submitted": NoticeText("【认证】{item} 已提交认证机构", "{item} 已提交认证，请录入认证机构的结果。", DETAIL),
    "cert-agency-reminder": NoticeText("【认证催办】{item} 认证机构未答复", "{item} 的认证机构仍未答复。", DETAIL),
    "cert-passed": NoticeText("【认证通过】{item}", "{item} 认证通过。", DETAIL),
    "cert-returned": NoticeText("【认证退回】{item} 请按原因补正",
                                "{item} 的认证未通过或被退回，请按原因补正后重新提交。", DETAIL),
    "cert-escalation": NoticeText("【认证升级】{item} 认证多次未通过",
                                  "{item} 的认证多次未通过，已升级给您决定。", DETAIL),
    "cert-escalation-reminder": NoticeText("【认证催办】{item} 认证升级待您决定",
                                           "{item} 的认证已升级，仍在等待您决定再给一次机会或关闭。", DETAIL),
    "cert-round-allowed": NoticeText("【认证】{item} 可再提交一轮", "{item} 已获准再提交一轮认证。", DETAIL),
    # 其它特殊问题跟进 (workflows/follow_up.py; order_number "follow-up:<case>")
    "follow-up-assigned": NoticeText("【跟进】{item} 已分派给您", "{item} 已分派给您处理。", DETAIL),
    "follow-up-comment": NoticeText("【跟进】{item} 有新的备注", "{item} 有新的备注。", DETAIL),
    "follow-up-due": NoticeText("【跟进】{item} 的期限已变更", "{item} 的处理期限已变更。", DETAIL),
    "follow-up-reminder": NoticeText("【跟进提醒】{item} 即将到期", "{item} 即将到期，请及时处理。", DETAIL),
    "follow-up-overdue": NoticeText("【跟进逾期】{item} 已逾期", "{item} 已逾期未结案。", DETAIL),
    "follow-up-closed": NoticeText("【跟进结案】{item}", "{item} 已结案。", DETAIL),
    # The 09:00 digest (activities/digest.py; its order_number is "digest:<day>")
    "digest": NoticeText("【每日待办】{item}", "{item} 的每日摘要：等待您处理、已超期和即将回收的事项如下。", DETAIL),
}
GENERIC = NoticeText("【通知】{item} 有新的消息", "{item} 有一条新的通知。", RECORD)  # the text is all there is


def register(kind: str, text: NoticeText) -> None:
    """Another part's notification kind; registering one twice with different texts is a mistake caught early."""
    if TEXTS.get(kind, text) != text:
        raise ValueError(f"notification kind {kind} already has a different text")
    TEXTS[kind] = text


@dataclass(frozen=True)
class Notice:
    """What mail and chat show. `detail` is the stored text: typed by people in part, so escaped where shown;
    shown under `detail_label`, or not at all (None)."""

    subject: str
    lead: str
    item: str
    deadline: str | None
    link: str
    detail: str
    detail_label: str | None = DETAIL

    def plain(self) -> str:
        lines = [self.lead, ""]
        if self.deadline:
            lines.append(f"截止时间：{self.deadline}")
        if self.detail_label:
            lines.append(f"{self.detail_label}：{self.detail}")
        lines.append(f"查看：{self.link}")
        return "\n".join(lines)


# What a notification is about, by the prefix of its `order_number` ("customer:7"): the words and the desk path.
# No prefix: an order. Other parts add theirs with register_item; an unknown prefix links to the desk's start.
ITEMS: dict[str, tuple[str, str]] = {"customer": ("客户 {id}", "/customers/{id}"), "digest": ("{id}", ""),
                                     "follow-up": ("跟进事项 {id}", "/follow-ups/{id}")}


def register_item(prefix: str, label: str, path: str) -> None:
    ITEMS[prefix] = (label, path)


def _item(order_number: str, desk_url: str) -> tuple[str, str]:
    base = desk_url.rstrip("/")
    prefix, colon, ident = order_number.partition(":")
    if not colon:
        return f"订单 {order_number}", f"{base}/orders/{order_number}"
    label, path = ITEMS.get(prefix, ("{id}", ""))
    return label.format(id=ident), f"{base}{path.format(id=ident)}" if path else f"{base}/"


def beijing(at: datetime) -> str:
    return f"{at.astimezone(BUSINESS_TZ):%Y-%m-%d %H:%M}（北京时间）"


def render(kind: str, order_number: str, due_at: datetime | None, text: str, desk_url: str) -> Notice:
    template = TEXTS.get(kind, GENERIC)
    item, link = _item(order_number, desk_url)
    return Notice(subject=template.subject.format(item=item), lead=template.lead.format(item=item), item=item,
                  deadline=beijing(due_at) if due_at else None, link=link, detail=text,
                  detail_label=template.detail)
