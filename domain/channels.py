"""Where a person is reached: an e-mail address and a chat group robot, as the org file gives them."""

from __future__ import annotations

import re
from enum import StrEnum
from urllib.parse import urlsplit

# A deliberately plain address: what a company mailbox looks like, no quoted local parts, comments or IP
# literals (none of which a sales-support team types, and each of which mail headers must then quote).
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")


# One send (an SMTP conversation or a robot post) must end within this: Temporal retries an attempt that takes
# longer, and a delivery row claimed for sending stays claimed a minute beyond it, so two attempts never overlap.
SEND_TIMEOUT_SECONDS = 120
SEND_LEASE_SECONDS = SEND_TIMEOUT_SECONDS + 60
# Socket operations of one send, each bounded by the channel's timeout setting: SMTP's connect, greeting, EHLO,
# STARTTLS, EHLO, two AUTH steps, MAIL, RCPT, DATA, the message and QUIT; httpx's connect, write, read and pool.
SMTP_STEPS, CHAT_STEPS = 12, 4


class ChatKind(StrEnum):
    DINGTALK = "dingtalk"
    WECOM = "wecom"


def check_email(value: str) -> str:
    """The address as stored; the message names what is wrong without echoing the value."""
    address = value.strip()
    if len(address) > 254 or _EMAIL.fullmatch(address) is None or ".." in address:
        raise ValueError("email must be a plain address like name@example.com")
    return address


# Where each kind of robot is: a URL elsewhere would send notification texts (and the signature) to whoever runs
# that host, or make the worker call into the internal network.
ROBOT_ENDPOINTS = {ChatKind.DINGTALK: ("oapi.dingtalk.com", "/robot/send"),
                   ChatKind.WECOM: ("qyapi.weixin.qq.com", "/cgi-bin/webhook/send")}
OFFICIAL_ROBOT_HOSTS = frozenset(host for host, _ in ROBOT_ENDPOINTS.values())


def check_robot_url(value: str) -> str:
    """A group robot's webhook: https on the default port, printable ASCII, no user part (it would end up in logs
    of proxies), no fragment."""
    url = value.strip()
    wrong = ValueError("chat url must be an https URL of the group robot")
    if not url or any(not 0x21 <= ord(c) <= 0x7E for c in url):
        raise ValueError("chat url must be printable ASCII without spaces")
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise wrong from None
    if parts.scheme != "https" or not parts.hostname or "@" in parts.netloc or port not in (None, 443) \
            or parts.fragment:
        raise wrong
    return url


def check_robot_endpoint(kind: ChatKind, url: str) -> None:
    """The org file names the robot's official endpoint for its kind."""
    host, path = ROBOT_ENDPOINTS[kind]
    parts = urlsplit(url)
    if (parts.hostname, parts.path) != (host, path):
        raise ValueError(f"a {kind.value} robot's url must start with https://{host}{path}?")


def robot_allowed(kind: ChatKind, url: str, allowed_hosts: frozenset[str]) -> bool:
    """At send time: the URL's host is one this deployment allows (setting chat_allowed_hosts: the official ones,
    or a test's local robot), and an official host only at its kind's endpoint."""
    parts = urlsplit(url)
    if parts.hostname not in allowed_hosts:
        return False
    if parts.hostname in OFFICIAL_ROBOT_HOSTS:
        try:
            check_robot_url(url)
            check_robot_endpoint(kind, url)
        except ValueError:
            return False
    return True
