"""The Slack app manifest: schema-valid in HTTP and Socket Mode, every event has its scope, URLs are right.

The JSON Schema comes from ``<repository root>/../shared/schemas`` (in CI ``shared/`` is copied beside the
clone). The check that the manifest and the app's registered listeners agree in both directions lives with
the app's tests, which use ``declared()``.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from bot.slack import manifest as slack_manifest
from bot.slack.manifest import (
    BOT_EVENTS,
    BOT_SCOPES,
    MESSAGE_SHORTCUTS,
    PLACEHOLDER,
    SLASH_COMMANDS,
    ManifestTemplateError,
    build_slack_manifest,
    declared,
    dump_manifest,
    missing_scopes,
)
from tests.platforms.manifest_schema import jsonschema_or_skip, manifest_schema

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT.parent / "shared" / "schemas" / "slack-manifest.schema.json"

BASE_URL = "https://pmo.example.dk"

# What the app registers, as the brief for the app lists it; kept literal so the test does not just
# compare the module with itself.
EXPECTED_COMMANDS = {"/sparring"}
EXPECTED_SHORTCUTS = {"ask_sparring_about_message", "submit_challenge"}
EXPECTED_EVENTS = {
    "app_home_opened",
    "app_mention",
    "message.im",
    "reaction_added",
    "reaction_removed",
    "tokens_revoked",
    "app_uninstalled",
}
EXPECTED_SCOPES = {
    "commands",
    "chat:write",
    "chat:write.public",
    "files:write",
    "channels:read",
    "groups:read",
    "channels:join",
    "im:write",
    "im:history",
    "app_mentions:read",
    "reactions:read",
    "users:read",
    "users:read.email",
}


@pytest.fixture(scope="module")
def schema_validator() -> Any:
    jsonschema = jsonschema_or_skip()
    schema = manifest_schema(SCHEMA_PATH, "Slack")
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.fixture
def http_manifest() -> dict[str, Any]:
    return build_slack_manifest(BASE_URL)


@pytest.fixture
def socket_manifest() -> dict[str, Any]:
    return build_slack_manifest(None, socket_mode=True)


def _both() -> list[Any]:
    return [
        pytest.param(lambda: build_slack_manifest(BASE_URL), id="http"),
        pytest.param(lambda: build_slack_manifest(None, socket_mode=True), id="socket"),
    ]


def _strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _strings(item, f"{path}[{index}]")


def _without_scope(manifest: dict[str, Any], scope: str) -> dict[str, Any]:
    changed = copy.deepcopy(manifest)
    changed["oauth_config"]["scopes"]["bot"].remove(scope)
    return changed


# --- schema -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("build", _both())
def test_manifest_is_valid_against_the_slack_schema(build: Any, schema_validator: Any) -> None:
    errors = [
        f"{'/'.join(str(part) for part in error.absolute_path) or '(top)'}: {error.message}"
        for error in schema_validator.iter_errors(build())
    ]
    assert errors == []


@pytest.mark.parametrize("build", _both())
def test_printed_yaml_and_json_read_back_to_the_same_manifest(build: Any) -> None:
    manifest = build()
    assert YAML(typ="safe", pure=True).load(dump_manifest(manifest)) == manifest
    assert json.loads(dump_manifest(manifest, "json")) == manifest


def test_dump_refuses_an_unknown_format(http_manifest: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="yaml"):
        dump_manifest(http_manifest, "toml")  # type: ignore[arg-type]


def test_background_colour_is_a_hex_colour(http_manifest: dict[str, Any]) -> None:
    # The schema names this pattern under "regex", which JSON Schema ignores, so check it here.
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", http_manifest["display_information"]["background_color"])


# --- what the manifest declares ---------------------------------------------------------------------------


@pytest.mark.parametrize("build", _both())
def test_declared_lists_exactly_the_app_listeners_and_scopes(build: Any) -> None:
    found = declared(build())
    assert found.commands == EXPECTED_COMMANDS
    assert found.shortcuts == EXPECTED_SHORTCUTS
    assert found.events == EXPECTED_EVENTS
    assert found.scopes == EXPECTED_SCOPES


def test_constants_match_what_the_manifest_declares(http_manifest: dict[str, Any]) -> None:
    found = declared(http_manifest)
    assert tuple(map(frozenset, (SLASH_COMMANDS, MESSAGE_SHORTCUTS, BOT_EVENTS, BOT_SCOPES))) == (
        found.commands,
        found.shortcuts,
        found.events,
        found.scopes,
    )


def test_declared_treats_missing_sections_as_empty() -> None:
    found = declared({"display_information": {"name": "x"}})
    assert (found.commands, found.shortcuts, found.events, found.scopes) == (frozenset(),) * 4


def test_features_are_as_agreed(http_manifest: dict[str, Any]) -> None:
    features = http_manifest["features"]
    command = features["slash_commands"][0]
    assert {
        "name": http_manifest["display_information"]["name"],
        "bot_user": features["bot_user"],
        "app_home": features["app_home"],
        "command": {key: value for key, value in command.items() if key != "url"},
        "shortcuts": features["shortcuts"],
        "interactivity": http_manifest["settings"]["interactivity"]["is_enabled"],
        "settings": {
            key: http_manifest["settings"][key]
            for key in ("org_deploy_enabled", "socket_mode_enabled", "token_rotation_enabled")
        },
        "metadata": http_manifest["_metadata"],
    } == {
        "name": "Virtuelt PMO",
        "bot_user": {"display_name": "PMO", "always_online": True},
        "app_home": {
            "home_tab_enabled": True,
            "messages_tab_enabled": True,
            "messages_tab_read_only_enabled": False,
        },
        "command": {
            "command": "/sparring",
            "description": "Ask a senior project manager for 1:1 sparring",
            "usage_hint": "[what you need help with] | status | help",
            "should_escape": False,
        },
        "shortcuts": [
            {
                "name": "Ask for sparring on this",
                "type": "message",
                "callback_id": "ask_sparring_about_message",
                "description": "Turn this message into a sparring request",
            },
            {
                "name": "Indsend som udfordring",
                "type": "message",
                "callback_id": "submit_challenge",
                "description": "Indsend beskeden som kvartalsudfordring. Submit this message as a quarterly challenge.",
            },
        ],
        "interactivity": True,
        "settings": {
            "org_deploy_enabled": False,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
        "metadata": {"major_version": 1, "minor_version": 1},
    }


# --- scopes -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("build", _both())
def test_every_event_command_and_shortcut_has_its_scope(build: Any) -> None:
    assert missing_scopes(build()) == []


def test_reaction_events_without_reactions_read_are_reported(http_manifest: dict[str, Any]) -> None:
    problems = missing_scopes(_without_scope(http_manifest, "reactions:read"))
    assert problems == [
        "The bot scope reactions:read is missing; event reaction_added, event reaction_removed needs it."
    ]


@pytest.mark.parametrize(
    ("scope", "needed_by"),
    [
        ("app_mentions:read", "event app_mention"),
        ("im:history", "event message.im"),
        (
            "commands",
            "slash command /sparring, shortcut ask_sparring_about_message, shortcut submit_challenge",
        ),
        ("channels:read", "checking membership of a public channel"),
        ("groups:read", "checking membership of a private channel"),
        ("channels:join", "joining a public channel to hear its votes"),
        ("chat:write", "posting messages"),
        ("im:write", "opening DMs"),
        ("users:read", "scope users:read.email"),
    ],
)
def test_each_missing_scope_is_reported_with_its_reason(
    http_manifest: dict[str, Any], scope: str, needed_by: str
) -> None:
    (problem,) = missing_scopes(_without_scope(http_manifest, scope))
    assert problem.startswith(f"The bot scope {scope} is missing; {needed_by}")


def test_an_event_with_no_known_scope_is_reported(http_manifest: dict[str, Any]) -> None:
    changed = copy.deepcopy(http_manifest)
    changed["settings"]["event_subscriptions"]["bot_events"].append("team_join")
    assert missing_scopes(changed) == [
        "The bot event team_join is not in REQUIRED_SCOPES_BY_EVENT: add it there with the scope it needs (or None)."
    ]


# --- URLs -------------------------------------------------------------------------------------------------


def test_http_mode_points_every_url_at_the_bot(http_manifest: dict[str, Any]) -> None:
    urls = {path: text for path, text in _strings(http_manifest) if "://" in text}
    assert urls == {
        "features.slash_commands[0].url": f"{BASE_URL}/slack/events",
        "oauth_config.redirect_urls[0]": f"{BASE_URL}/slack/oauth_redirect",
        "settings.event_subscriptions.request_url": f"{BASE_URL}/slack/events",
        "settings.interactivity.request_url": f"{BASE_URL}/slack/events",
    }


def test_a_port_is_kept() -> None:
    manifest = build_slack_manifest("https://pmo.example.dk:8443")
    assert (
        manifest["settings"]["event_subscriptions"]["request_url"]
        == "https://pmo.example.dk:8443/slack/events"
    )


def test_socket_mode_has_no_urls_and_keeps_the_scopes(socket_manifest: dict[str, Any]) -> None:
    urls = [path for path, text in _strings(socket_manifest) if "://" in text or PLACEHOLDER in text]
    assert (
        urls,
        socket_manifest["settings"]["socket_mode_enabled"],
        "redirect_urls" in socket_manifest["oauth_config"],
    ) == (
        [],
        True,
        False,
    )
    assert declared(socket_manifest).scopes == EXPECTED_SCOPES


@pytest.mark.parametrize("build", _both())
def test_no_placeholder_is_left_in_the_printed_manifest(build: Any) -> None:
    text = dump_manifest(build())
    assert PLACEHOLDER not in text
    assert "${" not in text


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("http://pmo.example.dk", "must start with https://"),
        ("pmo.example.dk", "must start with https://"),
        ("https://pmo.example.dk/", "must not end with a slash: use 'https://pmo.example.dk'"),
        ("https://pmo.example.dk/vpmo", "no path, query or fragment"),
        ("https://pmo.example.dk?x=1", "no path, query or fragment"),
        ("https://pmo.example.dk#top", "no path, query or fragment"),
        ("https://", "has no host name"),
        ("https://bot@pmo.example.dk", "user name or password"),
        ("https://pmo.example.dk:", "invalid port"),
        ("https://pmo.example.dk:99999", "not a valid URL"),
        ("https://pmo_example.dk", "no valid host name"),
        (" https://pmo.example.dk\n", "spaces or line breaks"),
        (f"{PLACEHOLDER}", "still the placeholder"),
    ],
)
def test_an_unusable_base_url_is_refused_with_a_clear_message(base_url: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        build_slack_manifest(base_url)


def test_http_mode_needs_a_base_url() -> None:
    with pytest.raises(ValueError, match="HTTP mode needs the bot's public base URL"):
        build_slack_manifest(None)


def test_socket_mode_refuses_a_base_url() -> None:
    with pytest.raises(ValueError, match="Socket Mode uses no public URL"):
        build_slack_manifest(BASE_URL, socket_mode=True)


# --- the template -----------------------------------------------------------------------------------------


def test_a_missing_template_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(slack_manifest, "TEMPLATE_PATH", tmp_path / "manifest.template.yaml")
    with pytest.raises(ManifestTemplateError, match="template is missing"):
        build_slack_manifest(BASE_URL)


def test_a_placeholder_outside_the_url_fields_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    template = tmp_path / "manifest.template.yaml"
    template.write_text(
        'display_information:\n  name: x\n  description: "see ${BASE_URL}/help"\n', encoding="utf-8"
    )
    monkeypatch.setattr(slack_manifest, "TEMPLATE_PATH", template)
    with pytest.raises(ManifestTemplateError, match=r"display_information\.description"):
        build_slack_manifest(None, socket_mode=True)


def test_the_template_header_documents_the_placeholder() -> None:
    text = slack_manifest.TEMPLATE_PATH.read_text(encoding="utf-8")
    header = text.split("\n\n", 1)[0]
    assert PLACEHOLDER in header
