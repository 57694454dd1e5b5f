"""The sample client's server on Teams, with a fake Bot Connector recording what the bot sends."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import func
from sqlmodel import Session, select

from bot.settings import Settings
from bot.slack.settings import SlackMode, SlackSettings
from bot.teams.settings import TeamsSettings
from tests.fakes import FixedClock
from tests.platforms.conftest import sample_database
from tests.platforms.server_harness import RunningServer
from tests.platforms.stored import opened
from tests.platforms.teams_fakes import FakeConnector, activity, personal_conversation
from tests.platforms.teams_scenario import TENANT


@dataclass
class TeamsWorld:
    """A running vpmo server serving Teams, with a fake Bot Connector recording what it sends."""

    server: RunningServer
    connector: FakeConnector
    database_url: str

    def post(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
        """POST an activity to /api/messages, as Teams does."""
        return httpx.post(
            self.server.url + "/api/messages", json=body, headers=headers or {}, timeout=30, trust_env=False
        )

    def activity(self, name: str, user: str, **fields: Any) -> dict[str, Any]:
        """Return a fixture from the user in the sample client's Teams tenant, served by the fake."""
        return activity(name, service_url=self.connector.url, tenant=TENANT, user=user, **fields)

    def say(self, user: str, text: str) -> httpx.Response:
        """Send a personal message from the user."""
        body = self.activity("personal_message", user, conversation=personal_conversation(user), text=text)
        return self.post(body)

    def install(self, user: str) -> httpx.Response:
        """Send the conversationUpdate Teams sends when the user installs the app."""
        body = self.activity(
            "conversation_update_personal_install", user, conversation=personal_conversation(user)
        )
        body["membersAdded"] = [{"id": "28:bot"}, {"id": user}]
        return self.post(body)

    def add_to_team(self, user: str, channel: str, team: str) -> None:
        """Send the conversationUpdate of the app added to the team and set up in the channel."""
        # Teams asks which channel to set the app up in when it is added to a team; that is the conversation.
        body = self.activity("conversation_update_bot_added_to_team", user, conversation=channel)
        body["conversation"]["tenantId"] = TENANT
        body["membersAdded"] = [{"id": body["recipient"]["id"]}]
        body["channelData"].update({"settings": {"selectedChannel": {"id": channel}}, "team": {"id": team}})
        assert self.post(body).status_code == 200

    def count(self, table: type[Any]) -> int:
        """Return how many rows a table holds."""
        with opened(self.database_url) as engine, Session(engine) as session:
            return int(session.exec(select(func.count()).select_from(table)).one())


def running_teams_world(
    database_url: str, teams: TeamsSettings, clock: FixedClock | None = None
) -> Iterator[TeamsWorld]:
    """Yield the sample client's server on Teams alone (``teams``), with a fake connector, while it runs.

    With ``clock``, the server runs on that clock alone.
    """
    sample_database(database_url)
    with FakeConnector() as connector:
        settings = Settings(database_url=SecretStr(database_url))

        def factory() -> Any:
            from bot.server import build_server

            if clock is None:
                return build_server(
                    settings, SlackSettings(SlackMode.OFF), tick_seconds=0.2, teams_settings=teams
                )
            # The server's time (use cases, dispatcher, Teams' pace) is the test's: it stands still.
            return build_server(
                settings,
                SlackSettings(SlackMode.OFF),
                tick_seconds=0.2,
                teams_settings=teams,
                clock=clock,
                monotonic=clock.monotonic,
            )

        with RunningServer(factory) as server:
            yield TeamsWorld(server, connector, database_url)
