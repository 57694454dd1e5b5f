"""Platform fixtures: the sample client in a database, vpmo's server, and a fake Slack beside it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.admin.tenant_admin import apply_tenant
from bot.admin.tenant_config import load_tenant_config
from bot.cli import SAMPLE_TENANT
from bot.settings import Settings
from bot.slack.settings import SlackMode, SlackSettings
from storage.db import make_engine
from storage.migrate import upgrade
from tests.fakes import FixedClock
from tests.platforms.server_harness import RunningServer
from tests.platforms.slack_fakes import FakeSlackApi, Payload, SlackClient, SlackSigner
from tests.platforms.socket_mode_fake import APP_TOKEN, FakeSocketModeServer

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-1111111111-2222222222-vpmoFakeBotToken0001"
TEAM = "T01NORDLYS"
JONAS, ANNA, SOFIE, METTE = "U01JOF", "U01ANB", "U01SOD", "U01MET"


def sample_database(url: str) -> None:
    """Migrate the database and apply the sample client (Nordlys, workspace T01NORDLYS)."""
    engine = make_engine(url)
    upgrade(engine)
    apply_tenant(engine, load_tenant_config(SAMPLE_TENANT.read_text(encoding="utf-8")))
    engine.dispose()


@dataclass
class SlackWorld:
    """A running vpmo server in HTTP mode with a fake Slack Web API recording what it sends."""

    server: RunningServer
    slack: FakeSlackApi
    signer: SlackSigner
    database_url: str

    def send(self, payload: Payload, **options: Any) -> httpx.Response:
        """POST a signed Slack payload to /slack/events, as Slack does."""
        return asyncio.run(
            SlackClient(self.server.url).send("/slack/events", payload, signer=self.signer, **options)
        )

    def dms_to(self, user: str) -> list[Any]:
        """Return the chat.postMessage calls that went to the user's DM channel."""
        return [c for c in self.slack.calls("chat.postMessage") if c.params.get("channel") == f"D{user}"]


@contextmanager
def running_slack_world(
    database_url: str, clock: FixedClock | None = None, *, pace_seconds: float = 1.0
) -> Iterator[SlackWorld]:
    """Run the sample client's server against a fake Slack; with ``clock``, on that clock alone.

    The clock is the server's time for the use cases, the dispatcher and the Slack pace, so that a
    test moves time itself (``clock.advance``) and checks what the bot did at each moment.
    ``pace_seconds`` is the per-channel pace (``VPMO_SLACK_PACE_SECONDS``; 0 turns it off).
    """
    sample_database(database_url)
    with FakeSlackApi(team_id=TEAM, bot_token=BOT_TOKEN) as slack:
        settings = Settings(database_url=SecretStr(database_url), slack_pace_seconds=pace_seconds)
        slack_settings = SlackSettings(
            SlackMode.SINGLE_WORKSPACE, signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN, api_url=slack.url
        )

        def factory() -> Any:
            from bot.server import build_server

            if clock is None:
                return build_server(settings, slack_settings, tick_seconds=0.2)
            return build_server(
                settings, slack_settings, tick_seconds=0.2, clock=clock, monotonic=clock.monotonic
            )

        with RunningServer(factory) as server:
            yield SlackWorld(server, slack, SlackSigner(SIGNING_SECRET), database_url)


@dataclass
class SocketWorld:
    """vpmo in Socket Mode, its WebSocket peer, and the fake Web API it posts through."""

    server: RunningServer
    socket: FakeSocketModeServer
    slack: FakeSlackApi

    def health(self) -> httpx.Response:
        """GET /healthz."""
        return self.server.get("/healthz")

    def wait_for_health(
        self, condition: Callable[[httpx.Response], bool], timeout: float = 5.0
    ) -> httpx.Response:
        """Poll /healthz until ``condition`` holds; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        response = self.health()
        while not condition(response):
            if time.monotonic() > deadline:
                raise AssertionError(f"/healthz stayed {response.status_code} {response.text}")
            time.sleep(0.05)
            response = self.health()
        return response


@contextmanager
def running_socket_mode_world(database_url: str) -> Iterator[SocketWorld]:
    """Run the sample client's server in Socket Mode, with a fake Slack's WebSocket and Web API."""
    sample_database(database_url)
    with ExitStack() as stack:
        # Entered in this order, so left in reverse: vpmo stops first, then its peers.
        socket = stack.enter_context(FakeSocketModeServer())
        slack = stack.enter_context(FakeSlackApi(team_id=TEAM, bot_token=BOT_TOKEN))
        slack.socket_mode_url = socket.url
        settings = Settings(database_url=SecretStr(database_url))
        slack_settings = SlackSettings(
            SlackMode.SOCKET_MODE, bot_token=BOT_TOKEN, app_token=APP_TOKEN, api_url=slack.url
        )

        def factory() -> Any:
            from bot.server import build_server

            return build_server(settings, slack_settings, tick_seconds=0.2)

        server = stack.enter_context(RunningServer(factory))
        yield SocketWorld(server, socket, slack)


@pytest.fixture
def slack_world(database_url: str) -> Iterator[SlackWorld]:
    with running_slack_world(database_url) as world:
        yield world
