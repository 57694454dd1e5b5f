"""Socket Mode through the real server: a local WebSocket plays Slack's end of the connection.

``apps.connections.open`` on the fake Web API hands out the ws:// URL of :class:`FakeSocketModeServer`,
which greets with ``hello`` and then pushes envelopes the way Slack does; the server must ack each
envelope by id, answer slash commands in the ack, and post through the fake Web API.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tests.platforms.conftest import ANNA, BOT_TOKEN, JONAS, TEAM, SocketWorld, running_socket_mode_world
from tests.platforms.slack_fakes import (
    event_callback,
    message_event,
    reaction_event,
    slash_command,
)
from tests.platforms.socket_mode_fake import APP_TOKEN


@pytest.fixture
def socket_world(database_url: str) -> Iterator[SocketWorld]:
    with running_socket_mode_world(database_url) as world:
        yield world


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
