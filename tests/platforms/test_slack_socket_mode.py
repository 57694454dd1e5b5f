"""Socket Mode through the real server: a local WebSocket plays Slack's end of the connection.

``apps.connections.open`` on the fake Web API hands out the ws:// URL of :class:`FakeSocketModeServer`,
which greets with ``hello`` and then pushes envelopes the way Slack does; the server must ack each
envelope by id, answer slash commands in the ack, and post through the fake Web API.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from pydantic import SecretStr

from bot.settings import Settings
from bot.slack.settings import SlackMode, SlackSettings
from tests.platforms.conftest import ANNA, BOT_TOKEN, JONAS, TEAM, sample_database
from tests.platforms.server_harness import RunningServer
from tests.platforms.slack_fakes import (
    FakeSlackApi,
    event_callback,
    message_event,
    reaction_event,
    slash_command,
)
from tests.platforms.socket_mode_fake import APP_TOKEN, FakeSocketModeServer


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


@pytest.fixture
def socket_world(database_url: str) -> Iterator[SocketWorld]:
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


def slash_payload(user: str, text: str) -> dict[str, Any]:
    """Return a slash command as Socket Mode carries it: the form fields as a JSON object."""
    body, _ = slash_command(TEAM, user, text)
    return dict(parse_qsl(body.decode("ascii")))


def test_health_reports_the_socket_mode_connection(socket_world: SocketWorld) -> None:
    response = socket_world.wait_for_health(lambda r: r.status_code == 200)

    assert response.json() == {"healthy": True, "database": "ok", "tick": "ok", "socket_mode": "connected"}
    [opened] = socket_world.slack.calls("apps.connections.open")
    assert opened.token == APP_TOKEN
    assert socket_world.socket.connections == 1


def test_a_slash_command_is_answered_in_the_ack_and_the_offer_goes_to_the_senior(
    socket_world: SocketWorld,
) -> None:
    socket_world.wait_for_health(lambda r: r.status_code == 200)

    envelope_id = socket_world.socket.send(
        "slash_commands", slash_payload(JONAS, "Budgettet er skredet"), accepts_response_payload=True
    )

    ack = socket_world.socket.wait_for_ack(envelope_id)
    assert ack["payload"]["response_type"] == "ephemeral"
    shown = json.dumps(ack["payload"]["blocks"], ensure_ascii=False)
    assert "S-1" in shown
    assert "Anna Berg" in shown
    [offer] = socket_world.slack.wait_for("chat.postMessage")
    assert offer.params["channel"] == f"D{ANNA}"
    assert offer.token == BOT_TOKEN
    assert "S-1" in offer.params["text"]


def test_an_events_api_reaction_is_acked_by_envelope_id(socket_world: SocketWorld) -> None:
    socket_world.wait_for_health(lambda r: r.status_code == 200)
    reaction = reaction_event(ANNA, "+1", f"D{ANNA}", "1700000000.000100")

    envelope_id = socket_world.socket.send(
        "events_api", event_callback(reaction, TEAM), accepts_response_payload=False
    )

    ack = socket_world.socket.wait_for_ack(envelope_id)
    assert ack == {"envelope_id": envelope_id}


def test_a_direct_message_event_is_acked_and_answered_through_the_web_api(socket_world: SocketWorld) -> None:
    socket_world.wait_for_health(lambda r: r.status_code == 200)
    direct = message_event(JONAS, "hjælp", f"D{JONAS}", team_id=TEAM)

    envelope_id = socket_world.socket.send(
        "events_api", event_callback(direct, TEAM), accepts_response_payload=False
    )

    assert socket_world.socket.wait_for_ack(envelope_id) == {"envelope_id": envelope_id}
    [reply] = socket_world.slack.wait_for("chat.postMessage")
    assert reply.params["channel"] == f"D{JONAS}"
    assert reply.ok


def test_health_turns_503_when_slack_s_end_of_the_socket_goes_away(socket_world: SocketWorld) -> None:
    socket_world.wait_for_health(lambda r: r.status_code == 200)

    socket_world.socket.stop()

    response = socket_world.wait_for_health(lambda r: r.status_code == 503, timeout=5)
    assert response.json()["socket_mode"] == "disconnected"
    assert response.json()["database"] == "ok"


# slack_sdk itself refuses an envelope whose payload is a list, before any listener of ours sees it, and
# logs that with a traceback; only Slack speaks on this socket (it is opened with the app token).
PAYLOAD_A_LIST = '{"type": "events_api", "envelope_id": "e1", "payload": [1]}'
MALFORMED_FRAMES = [
    pytest.param("not json", id="not-json"),
    pytest.param("[1, 2]", id="json-array"),
    pytest.param('"events_api"', id="json-string"),
    pytest.param('{"type": "events_api"}', id="envelope-without-id-or-payload"),
    pytest.param(PAYLOAD_A_LIST, id="payload-a-list"),
    pytest.param('{"type": "slash_commands", "envelope_id": "e2", "payload": "x"}', id="payload-a-string"),
    pytest.param('{"type": "events_api", "envelope_id": 7, "payload": {"event": 5}}', id="fields-misshapen"),
]


@pytest.mark.parametrize("frame", MALFORMED_FRAMES)
def test_a_malformed_envelope_does_not_end_the_connection(
    socket_world: SocketWorld, frame: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    socket_world.wait_for_health(lambda r: r.status_code == 200)

    socket_world.socket.send_raw(frame)
    direct = message_event(JONAS, "hjælp", f"D{JONAS}", team_id=TEAM)
    envelope_id = socket_world.socket.send(
        "events_api", event_callback(direct, TEAM), accepts_response_payload=False
    )

    assert socket_world.socket.wait_for_ack(envelope_id) == {"envelope_id": envelope_id}
    [reply] = socket_world.slack.wait_for("chat.postMessage")
    assert reply.params["channel"] == f"D{JONAS}"
    assert socket_world.socket.connections == 1
    assert socket_world.health().json()["socket_mode"] == "connected"
    if frame != PAYLOAD_A_LIST:
        assert "Traceback" not in caplog.text
        assert all(r.exc_info is None for r in caplog.records)
