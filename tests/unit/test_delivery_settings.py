"""Delivery settings refused at start rather than failing at the first mail: a password in the clear, a
password SMTP cannot send, timeouts that would let a send outlive its claim on the row."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.channels import CHAT_STEPS, SEND_LEASE_SECONDS, SEND_TIMEOUT_SECONDS, SMTP_STEPS
from orderflow.settings import Settings


def test_a_login_needs_tls_unless_the_relay_is_on_this_machine():
    with pytest.raises(ValidationError, match="in the clear"):
        Settings(smtp_host="mail.example.com", smtp_username="relay")
    assert Settings(smtp_host="mail.example.com", smtp_username="relay", smtp_starttls=True).smtp_starttls
    assert Settings(smtp_host="mail.example.com", smtp_port=465, smtp_username="relay", smtp_ssl=True).smtp_ssl
    assert Settings(smtp_host="127.0.0.1", smtp_username="relay").smtp_username == "relay"
    with pytest.raises(ValidationError, match="exclude each other"):
        Settings(smtp_host="mail.example.com", smtp_starttls=True, smtp_ssl=True, smtp_username="relay")


def test_the_refusal_does_not_show_the_password():
    with pytest.raises(ValidationError) as bad:
        Settings(smtp_host="mail.example.com", smtp_username="relay", smtp_password="hunter2-secret")
    assert "hunter2-secret" not in str(bad.value)


def test_a_whole_send_ends_within_the_send_timeout_and_its_claim():
    with pytest.raises(ValidationError):
        Settings(smtp_timeout_seconds=20)
    with pytest.raises(ValidationError):
        Settings(chat_timeout_seconds=31)
    biggest = Settings(smtp_timeout_seconds=SEND_TIMEOUT_SECONDS / SMTP_STEPS,
                       chat_timeout_seconds=SEND_TIMEOUT_SECONDS / CHAT_STEPS)
    assert biggest.smtp_timeout_seconds * SMTP_STEPS <= SEND_TIMEOUT_SECONDS < SEND_LEASE_SECONDS
