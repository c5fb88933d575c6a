"""Reminders by e-mail: a Chinese message, plain text with an HTML alternative, sent over SMTP."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from jinja2 import Environment

from orderflow.notice_texts import Notice
from orderflow.notify import SendFailed

# Autoescape on: the detail line is partly typed text (customer names, reasons), shown as text, never as markup.
_HTML = Environment(autoescape=True).from_string("""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ n.subject }}</title></head>
<body>
<p>{{ n.lead }}</p>
{% if n.deadline %}<p>截止时间：{{ n.deadline }}</p>{% endif %}
{% if n.detail_label %}<p style="white-space:pre-wrap">{{ n.detail_label }}：{{ n.detail }}</p>{% endif %}
<p><a href="{{ n.link }}">查看 {{ n.item }}</a></p>
<p style="color:#888">此邮件由 orderflow 自动发送，请勿直接回复。</p>
</body></html>
""")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 25
    starttls: bool = False
    ssl: bool = False  # implicit TLS (port 465)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 20.0
    ca_file: str | None = None  # a private CA (an internal relay's, a test's self-signed certificate)


def message_id(key: str, channel: str, person: str, sender: str) -> str:
    """The same for every attempt at one delivery, so a message sent twice after a crash between sending and
    recording it is one message to the mailbox and its threading, and findable in the server's log."""
    digest = hashlib.sha256(f"{key}\x00{channel}\x00{person}".encode()).hexdigest()[:32]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "orderflow.invalid"
    return f"<{digest}@{domain}>"


def build_message(notice: Notice, to: str, sender: str, msg_id: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = notice.subject  # non-ASCII: encoded as RFC 2047 UTF-8 words by the email package
    msg["From"] = sender
    name, addr = parseaddr(to)
    local, _, domain = addr.partition("@")
    msg["To"] = Address(display_name=name, username=local, domain=domain)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = msg_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: vacation responders stay quiet
    msg.set_content(notice.plain() + "\n", charset="utf-8")
    msg.add_alternative(_HTML.render(n=notice), subtype="html", charset="utf-8")
    return msg


def send_mail(config: SmtpConfig, msg: EmailMessage) -> None:
    """One SMTP conversation. Only a 5xx answer to the recipient or to the message itself is permanent: every
    other refusal (a 5xx greeting, EHLO or MAIL FROM, a login or TLS the server wants) is about this server or
    its settings, which an operator can fix within the retry window, so it is retried. Once the server accepted
    the message (250 after DATA), nothing that follows (QUIT's answer, a reset connection) counts as a failure:
    sending it again would deliver it twice."""
    smtp: smtplib.SMTP | None = None
    try:
        if config.ssl:
            smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout,
                                    context=ssl.create_default_context(cafile=config.ca_file))
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        if config.starttls:
            smtp.starttls(context=ssl.create_default_context(cafile=config.ca_file))
        if config.username:
            try:
                smtp.login(config.username, config.password or "")
            except UnicodeError:  # its message names a character of the password and where it is
                raise SendFailed("SMTP username or password is not ASCII") from None
        smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as err:
        codes = sorted({code for code, _ in err.recipients.values()})
        raise SendFailed(f"SMTP refused the recipient ({codes})", permanent=all(c >= 500 for c in codes)) from None
    except smtplib.SMTPDataError as err:
        raise SendFailed(f"SMTP refused the message ({err.smtp_code})",
                         permanent=500 <= err.smtp_code < 600) from None
    except smtplib.SMTPAuthenticationError as err:
        raise SendFailed(f"SMTP login refused ({err.smtp_code})") from None
    except smtplib.SMTPResponseException as err:
        raise SendFailed(f"SMTP answered {err.smtp_code}") from None
    except (smtplib.SMTPException, OSError) as err:
        raise SendFailed(f"SMTP server unreachable or failed: {type(err).__name__}") from None
    finally:
        if smtp is not None:
            _hang_up(smtp)


def _hang_up(smtp: smtplib.SMTP) -> None:
    """QUIT politely; whatever it answers, the conversation's outcome was decided before it."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()
