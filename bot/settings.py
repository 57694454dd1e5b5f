"""Settings from the environment (and an optional ``.env``); secrets stay out of logs and reprs."""

from __future__ import annotations

from typing import Literal
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
    # Slack takes about one post per second per channel; 0 turns the pacing off (benchmarks only).
    slack_pace_seconds: float = Field(default=1.0, ge=0.0, le=60.0)

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

    def safe_database_url(self) -> str:
        """Return the database URL with any password masked, fit for logs."""
        return make_url(self.database_url.get_secret_value()).render_as_string(hide_password=True)
