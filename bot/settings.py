"""Settings from the environment (and an optional ``.env``); secrets stay out of logs and reprs."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url


class Settings(BaseSettings):
    """How this installation of the bot is configured (``VPMO_*`` variables)."""

    # An empty variable means unset (the default), as for the SLACK_* and Microsoft* ones.
    model_config = SettingsConfigDict(
        env_prefix="VPMO_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    database_url: SecretStr = SecretStr("sqlite:///vpmo.db")
    language: Literal["da", "en"] = "da"
    timezone: str = "Europe/Copenhagen"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    secret_key: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=1, le=65535)
    # Server processes of one ``vpmo serve`` on one port (PostgreSQL only above 1): one per core.
    workers: int = Field(default=1, ge=1, le=64)
    # After SIGTERM, go on serving this long with /healthz at 503, for a load balancer to notice.
    drain_seconds: float = Field(default=0.0, ge=0.0, le=300.0)
    # Slack takes about one post per second per channel; 0 turns the pacing off, per channel and per
    # workspace (benchmarks only).
    slack_pace_seconds: float = Field(default=1.0, ge=0.0, le=60.0)
    # ... and several hundred a minute per workspace; 0 paces per channel only.
    slack_workspace_posts_per_second: int = Field(default=10, ge=0, le=1000)
    # Where people reach this server from outside (calendar invite links); unset: the listen address.
    public_url: str | None = None

    @field_validator("public_url")
    @classmethod
    def _public_base(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"{value!r} is no web address; give the bot's public base URL, e.g. https://vpmo.example.dk"
            )
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError(
                f"{value!r} must be a plain base URL, without ?query, #fragment or a user name, "
                "e.g. https://vpmo.example.dk"
            )
        try:
            parts.port  # noqa: B018 - read for its check: a port must be a number from 1 to 65535
        except ValueError as error:
            raise ValueError(f"{value!r} has no valid port; e.g. https://vpmo.example.dk:8443") from error
        return value.strip().rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as Europe/Copenhagen)"
            ) from error
        return value

    def public_base(self, host: str | None = None, port: int | None = None) -> str:
        """Return what links to this server start with: ``VPMO_PUBLIC_URL``, else the listen address.

        ``host`` and ``port`` are where it listens when not the configured ones (``vpmo serve --port``).
        """
        if self.public_url:
            return self.public_url
        # Listening on every address: a link on this machine reaches the server at the loopback address.
        listening = host or self.host
        reachable = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(listening, listening)  # noqa: S104 - compared
        shown = f"[{reachable}]" if ":" in reachable else reachable
        return f"http://{shown}:{port or self.port}"

    def safe_database_url(self) -> str:
        """Return the database URL with any password masked, fit for logs."""
        return make_url(self.database_url.get_secret_value()).render_as_string(hide_password=True)
