"""Slack settings from the environment, checked into one of three modes before anything starts."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Self

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SlackMode(StrEnum):
    OFF = "off"
    SINGLE_WORKSPACE = "single-workspace"
    SOCKET_MODE = "socket-mode"
    OAUTH = "oauth"


class SlackConfigError(Exception):
    """A missing or contradictory Slack setting; the message is one sentence naming the variable."""


class SlackEnvironment(BaseSettings):
    """The SLACK_* variables, as Slack's own documentation names them."""

    # An empty variable means unset, as with any other setting (bolt's own reading is aligned by
    # forget_blank_variables).
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    client_id: str | None = Field(default=None, alias="SLACK_CLIENT_ID")
    client_secret: SecretStr | None = Field(default=None, alias="SLACK_CLIENT_SECRET")
    api_url: str | None = Field(default=None, alias="SLACK_API_URL")


@dataclass(frozen=True, slots=True)
class SlackSettings:
    """Checked Slack settings: which mode, and the secrets that mode needs."""

    mode: SlackMode
    signing_secret: str = ""
    bot_token: str = ""
    app_token: str = ""
    client_id: str = ""
    client_secret: str = ""
    api_url: str | None = None

    @classmethod
    def from_environment(cls, env: SlackEnvironment | None = None) -> Self:
        """Read and check the SLACK_* variables; raise SlackConfigError naming what is wrong."""
        env = env or SlackEnvironment()
        signing, bot, app = _plain(env.signing_secret), _plain(env.bot_token), _plain(env.app_token)
        client_id, client_secret = (env.client_id or "").strip(), _plain(env.client_secret)
        base = (env.api_url or "").strip().rstrip("/")
        api_url = base + "/" if base else None
        if client_id or client_secret:
            return cls._oauth(signing, bot, app, client_id, client_secret, api_url)
        if app:
            return cls._socket_mode(bot, app, api_url)
        if bot or signing:
            if not bot:
                raise SlackConfigError("SLACK_BOT_TOKEN is missing: HTTP mode needs the bot token (xoxb-…).")
            if not signing:
                raise SlackConfigError(
                    "SLACK_SIGNING_SECRET is missing: HTTP mode needs it to verify Slack's requests "
                    "(or set SLACK_APP_TOKEN for Socket Mode)."
                )
            _check_prefix("SLACK_BOT_TOKEN", bot, "xoxb-")
            return cls(SlackMode.SINGLE_WORKSPACE, signing_secret=signing, bot_token=bot, api_url=api_url)
        return cls(SlackMode.OFF, api_url=api_url)

    @classmethod
    def _oauth(
        cls, signing: str, bot: str, app: str, client_id: str, client_secret: str, api_url: str | None
    ) -> Self:
        if not client_id:
            raise SlackConfigError(
                "SLACK_CLIENT_ID is missing: OAuth needs both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET."
            )
        if not client_secret:
            raise SlackConfigError(
                "SLACK_CLIENT_SECRET is missing: OAuth needs both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET."
            )
        if bot or app:
            raise SlackConfigError(
                "SLACK_BOT_TOKEN and SLACK_APP_TOKEN must be unset with OAuth: each workspace's token comes "
                "from its installation."
            )
        if not signing:
            raise SlackConfigError(
                "SLACK_SIGNING_SECRET is missing: OAuth installs need it to verify Slack's requests."
            )
        return cls(
            SlackMode.OAUTH,
            signing_secret=signing,
            client_id=client_id,
            client_secret=client_secret,
            api_url=api_url,
        )

    @classmethod
    def _socket_mode(cls, bot: str, app: str, api_url: str | None) -> Self:
        _check_prefix("SLACK_APP_TOKEN", app, "xapp-")
        if not bot:
            raise SlackConfigError(
                "SLACK_BOT_TOKEN is missing: Socket Mode needs the bot token beside SLACK_APP_TOKEN."
            )
        _check_prefix("SLACK_BOT_TOKEN", bot, "xoxb-")
        return cls(SlackMode.SOCKET_MODE, bot_token=bot, app_token=app, api_url=api_url)


def forget_blank_variables(environ: MutableMapping[str, str]) -> None:
    """Remove every empty or blank SLACK_* variable, so that bolt, too, takes them as unset.

    Bolt reads some variables itself when they are not passed: with SLACK_CLIENT_ID and
    SLACK_CLIENT_SECRET merely present, even empty, it sets up OAuth with its own file-based
    installation store, and a single workspace is then told "installation no longer available".
    """
    for name in [name for name, value in environ.items() if name.startswith("SLACK_")]:
        if not environ[name].strip():
            del environ[name]


def _plain(secret: SecretStr | None) -> str:
    return secret.get_secret_value().strip() if secret else ""


def _check_prefix(variable: str, value: str, prefix: str) -> None:
    if not value.startswith(prefix):
        raise SlackConfigError(f"{variable} does not look right: it should start with {prefix}.")
