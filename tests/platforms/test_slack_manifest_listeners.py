"""The manifest declares exactly what the app answers, and the app answers everything it declares."""

from __future__ import annotations

import pytest

from bot.i18n import catalogue
from bot.slack.listeners import REGISTERED
from bot.slack.manifest import build_slack_manifest, declared
from tests.platforms.conftest import JONAS, TEAM, SlackWorld
from tests.platforms.slack_fakes import (
    app_home_opened_event,
    app_mention_event,
    event,
    interactive,
    message_event,
    message_shortcut,
    reaction_event,
    slash_command,
)

MANIFEST = declared(build_slack_manifest("https://pmo.example.dk"))

EVENT_PAYLOADS = {
    "app_home_opened": lambda: app_home_opened_event(JONAS),
    "app_mention": lambda: app_mention_event(JONAS, "<@UBOT> hjælp", "C111", team_id=TEAM),
    "message.im": lambda: message_event(JONAS, "status", f"D{JONAS}", team_id=TEAM),
    "reaction_added": lambda: reaction_event(JONAS, "thumbsup", "C111", "1700000000.000100"),
    "reaction_removed": lambda: reaction_event(JONAS, "thumbsup", "C111", "1700000000.000100", added=False),
    "tokens_revoked": lambda: {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}},
    "app_uninstalled": lambda: {"type": "app_uninstalled"},
}


def test_the_code_registers_exactly_what_the_manifest_declares() -> None:
    assert set(REGISTERED.commands) == MANIFEST.commands
    assert set(REGISTERED.shortcuts) == MANIFEST.shortcuts
    assert set(REGISTERED.events) == MANIFEST.events


@pytest.mark.parametrize("command", sorted(MANIFEST.commands))
def test_every_declared_command_is_answered(slack_world: SlackWorld, command: str) -> None:
    response = slack_world.send(slash_command(TEAM, JONAS, "hjælp", command=command))

    assert response.status_code == 200
    answer = response.json()  # answered in the ack, only to the one who asked
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == catalogue("da")["help.head"]  # the help, in the client's language
    assert answer["blocks"]


@pytest.mark.parametrize("callback_id", sorted(MANIFEST.shortcuts))
def test_every_declared_shortcut_is_answered(slack_world: SlackWorld, callback_id: str) -> None:
    response = slack_world.send(interactive(message_shortcut(callback_id, "Testplanen mangler", JONAS, TEAM)))

    assert response.status_code == 200


@pytest.mark.parametrize("name", sorted(MANIFEST.events))
def test_every_declared_event_is_answered(slack_world: SlackWorld, name: str) -> None:
    response = slack_world.send(event(EVENT_PAYLOADS[name](), TEAM))

    assert response.status_code == 200


def test_a_command_the_manifest_does_not_declare_is_not_answered(slack_world: SlackWorld) -> None:
    response = slack_world.send(slash_command(TEAM, JONAS, "hej", command="/unknown"))

    assert response.status_code == 404
