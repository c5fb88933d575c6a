"""What a group robot is sent: only to an allowed endpoint, within the robot's size limit with the link kept, and
typed text cannot mention (ping) anyone on WeCom. A real HTTP robot (tests/integration/test_deliveries.py)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.deliveries import DeliveryActivities, DeliveryConfig
from domain.channels import ChatKind, check_robot_endpoint, check_robot_url
from orderflow import chat
from orderflow.delivery_contracts import DeliverInput
from orderflow.notice_texts import render
from orderflow.orgfile import ChatEntry
from tests.integration.test_deliveries import (
    FROM,
    LOCAL_ROBOT,
    Dispatched,
    Robot,
    note,
    plan,
    rows,
    set_chat,
)


@pytest.fixture
def chat_acts(sessions: sessionmaker[Session]) -> DeliveryActivities:
    return DeliveryActivities(sessions, DeliveryConfig(smtp=None, mail_from=FROM, desk_url="http://d",
                                                       chat_allowed_hosts=LOCAL_ROBOT))


def test_a_long_wecom_message_is_cut_to_the_limit_keeping_the_link_and_mentions_are_defused(
        sessions: sessionmaker[Session], chat_acts: DeliveryActivities):
    with Robot([]) as robot:
        set_chat(sessions, "bob", "wecom", robot.url, None)
        n = note("BJ100001:41:returned:bob", recipient="bob", text="<@all> 请看 " + "很长的备注" * 400,
                 kind="returned")
        [delivery] = plan(sessions, n, Dispatched(frozenset({"chat"})))
        assert ActivityEnvironment().run(chat_acts.deliver, DeliverInput(delivery_id=delivery)) == "sent"
    [taken] = robot.taken
    content = taken["text"]["content"]
    assert len(content.encode()) <= 2048 and content.endswith("…详见链接\n查看：http://d/orders/BJ100001")
    assert content.startswith("【退回】订单 BJ100001") and "<@" not in content and "<\u200b@all>" in content


def test_a_short_message_is_sent_whole_and_dingtalk_keeps_its_text():
    notice = render("returned", "BJ100001", None, "<@all> hi", "http://d")
    assert chat.compose(ChatKind.DINGTALK, notice) == f"{notice.subject}\n{notice.plain()}"
    long = render("digest", "digest:2026-12-01", None, "事项\n" * 9000, "http://d")
    cut = chat.compose(ChatKind.DINGTALK, long)
    assert len(cut.encode()) <= 20000 and cut.endswith("…详见链接\n查看：http://d/")


@pytest.mark.parametrize("errcode", [45002, 40058, 460101])
def test_a_message_the_robot_refuses_as_too_long_or_malformed_is_failed_not_retried(
        sessions: sessionmaker[Session], chat_acts: DeliveryActivities, errcode: int):
    with Robot([(200, {"errcode": errcode, "errmsg": "no"})]) as robot:
        set_chat(sessions, "bob", "wecom", robot.url, None)
        n = note(f"BJ100001:42:reminder:bob:{errcode}", recipient="bob")
        [delivery] = plan(sessions, n, Dispatched(frozenset({"chat"})))
        assert ActivityEnvironment().run(chat_acts.deliver, DeliverInput(delivery_id=delivery)) == "failed"


def test_a_robot_url_on_a_host_not_allowed_is_never_called(sessions: sessionmaker[Session]):
    strict = DeliveryActivities(sessions, DeliveryConfig(smtp=None, mail_from=FROM, desk_url="http://d"))
    with Robot([]) as robot:
        set_chat(sessions, "bob", "dingtalk", robot.url, None)
        n = note("BJ100001:43:reminder:bob", recipient="bob")
        [delivery] = plan(sessions, n, Dispatched(frozenset({"chat"})))
        assert ActivityEnvironment().run(strict.deliver, DeliverInput(delivery_id=delivery)) == "failed"
    assert robot.posts == 0
    assert ("bob", "chat", "failed", "dingtalk robot url is not an allowed endpoint (chat_allowed_hosts)") \
        in rows(sessions, n.key)


@pytest.mark.parametrize("url", [
    "https://evil.example.com/robot/send?access_token=T",
    "https://oapi.dingtalk.com:8443/robot/send?access_token=T",
    "https://oapi.dingtalk.com/other?access_token=T",
    "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K",  # WeCom's endpoint named as a DingTalk robot
    "http://oapi.dingtalk.com/robot/send?access_token=T",
    "https://oapi.dingtalk.com/robot/send?access_token=T\x01",
    "https://oapi.dingtalk.com/robot/send?access_token=T\u00a0x",
])
def test_the_org_file_names_only_the_official_robot_endpoints(url: str):
    with pytest.raises(ValueError):
        ChatEntry(kind=ChatKind.DINGTALK, url=url)
    assert ChatEntry(kind=ChatKind.DINGTALK, url="https://oapi.dingtalk.com/robot/send?access_token=T").url
    assert check_robot_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K")
    check_robot_endpoint(ChatKind.WECOM, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K")
