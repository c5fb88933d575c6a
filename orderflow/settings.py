"""All configuration in one class. Defaults point at the embedded stack of `make up`;
ORDERFLOW_* environment variables override them for any other deployment."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.channels import CHAT_STEPS, OFFICIAL_ROBOT_HOSTS, SEND_TIMEOUT_SECONDS, SMTP_STEPS
from domain.people import Role
from domain.timers import Policy
from domain.warehouse import ClaimRules

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / ".data"
# Made by `make up` under the data directory when no key or token is configured; read from there by default.
CODEC_KEY_FILE = "codec.keys"
CODEC_TOKEN_FILE = "codec.token"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERFLOW_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = DEFAULT_DATA_DIR
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_ui_port: int = 8233
    task_queue: str = "orders"
    database_url: str = ""  # empty: SQLite under data_dir
    # TLS to Temporal: on with any of these; mTLS with a client cert and key; Temporal Cloud with an API key.
    temporal_tls: bool = False
    temporal_tls_server_ca_file: Path | None = None
    temporal_tls_client_cert_file: Path | None = None
    temporal_tls_client_key_file: Path | None = None
    temporal_tls_server_name: str | None = None
    temporal_api_key: SecretStr | None = None

    s3_endpoint_url: str | None = "http://127.0.0.1:9000"
    s3_region: str = "us-east-1"
    s3_bucket: str = "orderflow"
    s3_access_key_id: SecretStr = SecretStr("orderflow-dev")
    s3_secret_access_key: SecretStr = SecretStr("orderflow-dev-secret")
    scan_max_bytes: int = Field(default=128 * 1024 * 1024, gt=0)
    # Server-side encryption of stored scans and slips: "" (the bucket's default), "AES256" or "aws:kms".
    s3_sse: Literal["", "AES256", "aws:kms"] = ""
    s3_sse_kms_key_id: str | None = None
    # Scans of approved orders get a legal hold (object lock) where the bucket supports it.
    s3_legal_hold: bool = True
    # Links to view a scan or slip stay valid this long: long enough to open, too short to pass around.
    presign_seconds: int = Field(default=300, gt=0, le=3600)

    # Timers of new orders, e.g. ORDERFLOW_POLICY__ORIGINAL_REMINDER=P5D; running orders keep theirs.
    policy: Policy = Policy()
    # Warehouse caps (仓库上限) and how alike two names must be to raise a collision alert (0-100).
    cap_sales: int = Field(default=400, gt=0)
    cap_partner: int = Field(default=1500, gt=0)
    similar_name_threshold: float = Field(default=85.0, ge=50, le=100)
    claim_daily_limit: int = Field(default=5, gt=0)
    claim_cooldown_days: int = Field(default=30, ge=0)
    # Recycling: a customer with no follow-up for this long goes back to the pool; the rep is warned before.
    recycle_after_days: int = Field(default=30, gt=0)
    recycle_warn_days: int = Field(default=3, ge=0)
    # A customer with an order in flight, or one that took effect this many days ago or less, is never recycled.
    recycle_protect_days: int = Field(default=90, ge=0)
    # Payload encryption: `id:base64key,...` (the first encrypts) inline or in a file; unset means plaintext.
    codec_keys: SecretStr | None = None
    codec_key_file: Path | None = None
    # The codec server the Web UI calls to decrypt history; it needs its own token, and answers one UI origin.
    codec_server_host: str = "127.0.0.1"
    codec_server_port: int = Field(default=8234, gt=0, lt=65536)
    codec_server_token: SecretStr | None = None
    codec_server_origin: str = "http://127.0.0.1:8233"
    codec_server_max_bytes: int = Field(default=4 * 1024 * 1024, gt=0)
    # How long the API waits for a step to be recorded before it says the worker is not answering.
    cli_wait_seconds: float = Field(default=30, gt=0)
    # The HTTP API (`orderflow serve`): loopback by default; compose runs several behind one address.
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, gt=0, lt=65536)
    # Browser origins allowed to call the API; empty keeps CORS closed.
    api_cors_origins: list[str] = Field(default_factory=list)
    api_max_body_bytes: int = Field(default=1024 * 1024, gt=0)  # JSON bodies; files have their own limits
    # Proxies whose X-Forwarded-For is believed (the client address throttles sign-ins); none by default.
    api_forwarded_allow_ips: str = ""
    # Sign-in: API tokens expire after this many days; failures lock an account, then an address, for a while
    # that doubles with each further failure, up to the cap.
    token_days: int = Field(default=30, gt=0, le=365)
    signin_account_failures: int = Field(default=5, gt=0)
    signin_address_failures: int = Field(default=20, gt=0)
    signin_lock_seconds: int = Field(default=60, gt=0)
    signin_lock_max_seconds: int = Field(default=3600, gt=0)
    setup_code_days: int = Field(default=7, gt=0)
    # The web desk's session (an API token kept in an HttpOnly cookie): it ends this long after sign-in, or after
    # this long without a request, whichever comes first.
    desk_session_hours: int = Field(default=12, gt=0, le=24 * 7)
    desk_idle_minutes: int = Field(default=60, gt=0, le=24 * 60)
    worker_max_concurrent_activities: int = Field(default=32, gt=0)
    worker_max_cached_workflows: int = Field(default=1000, ge=0)
    worker_heartbeat_file: Path | None = None  # touched while polling, for container health checks
    # Reminders by mail and chat (issue #17). No SMTP host: mail is off, its deliveries are recorded as skipped.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, gt=0, lt=65536)
    smtp_starttls: bool = False
    smtp_ssl: bool = False  # implicit TLS from the first byte (port 465), instead of STARTTLS
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    # Per socket operation; bounded so that a whole conversation ends within the send timeout (domain/channels.py).
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=SEND_TIMEOUT_SECONDS / SMTP_STEPS)
    smtp_ca_file: Path | None = None  # a private CA that signed the relay's certificate, for STARTTLS
    mail_from: str = "orderflow <orderflow@localhost>"
    # Links in mail and chat point under it: {desk_url}/orders/<number>, the web desk's order page.
    desk_url: str = Field(default="http://127.0.0.1:8000/desk", pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
    chat_enabled: bool = True  # posts to the group robots named in the org file
    chat_timeout_seconds: float = Field(default=10.0, gt=0, le=SEND_TIMEOUT_SECONDS / CHAT_STEPS)
    # Hosts robot URLs may point at; DingTalk's and WeCom's only at their robot endpoints. Another host (a company
    # proxy, a test's local robot) is taken as the operator's choice.
    chat_allowed_hosts: list[str] = Field(default_factory=lambda: sorted(OFFICIAL_ROBOT_HOSTS))
    # `make up`'s local SMTP sink (orderflow/mailsink.py): its loopback port; mail is kept under data_dir/mail.
    mail_sink_port: int = Field(default=8025, gt=0, lt=65536)
    # 认证 (issue #17): failures and returns allowed before the supervisor decides; the agency's callback secret
    # (empty: the callback is refused as not configured); how old a signed callback may be; the sweep's look-back.
    certification_max_rounds: int = Field(default=3, gt=0, le=20)
    certification_webhook_secret: SecretStr = SecretStr("")
    certification_webhook_window_seconds: int = Field(default=300, gt=0, le=3600)
    certification_sweep_lookback_days: int = Field(default=2, gt=0, le=60)
    # Off, an order's certification waits for the sweep or the order group's start (tests of those use it).
    certification_start_when_effective: bool = True

    # A field validator, not a model one: pydantic's error would show every input, secrets included.
    @field_validator("smtp_username")
    @classmethod
    def _smtp_login_only_over_tls(cls, username: str | None, info: ValidationInfo) -> str | None:
        """A login sends the password; in the clear only to a relay on this machine."""
        host, starttls, implicit = (info.data.get(k) for k in ("smtp_host", "smtp_starttls", "smtp_ssl"))
        if starttls and implicit:
            raise ValueError("smtp_starttls and smtp_ssl exclude each other: pick the one the relay speaks")
        if username and host and not (starttls or implicit) and not _loopback(host):
            raise ValueError("smtp_username needs smtp_starttls or smtp_ssl: the password would cross the network "
                             "in the clear")
        if username and not username.isascii():
            raise ValueError("smtp_username must be ASCII (SMTP logins are)")
        return username

    def claim_rules(self) -> ClaimRules:
        return ClaimRules(self.claim_daily_limit, timedelta(days=self.claim_cooldown_days))

    def codec_keyring_text(self) -> str | None:
        if self.codec_keys is not None:
            return self.codec_keys.get_secret_value()
        path = self.codec_key_file or self.data_dir / CODEC_KEY_FILE
        if self.codec_key_file is not None or path.exists():
            return path.read_text(encoding="utf-8")
        return None

    def codec_token(self) -> str:
        if self.codec_server_token is not None:
            return self.codec_server_token.get_secret_value()
        path = self.data_dir / CODEC_TOKEN_FILE
        return path.read_text(encoding="utf-8").strip() if path.exists() else ""

    def caps(self) -> dict[Role, int]:
        return {Role.SALES: self.cap_sales, Role.PARTNER: self.cap_partner}

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'orderflow.db'}"
