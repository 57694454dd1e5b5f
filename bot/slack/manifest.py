"""The Slack app manifest: build it from the template, print it, and check its scopes.

The template is ``manifests/slack/manifest.template.yaml`` in the source tree. It holds the placeholder
``${BASE_URL}`` wherever the public base URL goes. :func:`build_slack_manifest` fills it for HTTP mode, or
removes every URL for Socket Mode, and :func:`dump_manifest` prints the result as YAML or JSON for Slack's
"Create app from manifest" dialog.

``SLASH_COMMANDS``, ``MESSAGE_SHORTCUTS``, ``BOT_EVENTS`` and ``BOT_SCOPES`` are what the manifest
declares. They are deliberately not taken from the app's listeners: the tests read the built manifest back
with :func:`declared` and compare it with these constants and with the listeners the app registers.
"""

from __future__ import annotations

import io
import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from bot.adapters.templating import map_strings

# --- what the manifest declares -------------------------------------------------------------------------

SLASH_COMMANDS: Final = ("/sparring",)
MESSAGE_SHORTCUTS: Final = ("ask_sparring_about_message", "submit_challenge")
BOT_EVENTS: Final = (
    "app_home_opened",
    "app_mention",
    "message.im",
    "reaction_added",
    "reaction_removed",
    "tokens_revoked",
    "app_uninstalled",
)
BOT_SCOPES: Final = (
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
)

# The bot scope each bot event needs; ``None`` means the event needs no scope. An event the manifest
# subscribes to that is not listed here is reported by ``missing_scopes``: add it with its scope.
REQUIRED_SCOPES_BY_EVENT: Final[Mapping[str, str | None]] = {
    "app_home_opened": None,
    "app_mention": "app_mentions:read",
    "message.im": "im:history",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.mpim": "mpim:history",
    "reaction_added": "reactions:read",
    "reaction_removed": "reactions:read",
    "tokens_revoked": None,
    "app_uninstalled": None,
}

# Scopes the app needs whatever it subscribes to, and why.
ALWAYS_REQUIRED_SCOPES: Final[Mapping[str, str]] = {
    "chat:write": "posting messages",
    "im:write": "opening DMs",
    # Slack sends reactions (the challenges' votes) only from channels the bot is a member of.
    "channels:read": "checking membership of a public channel before posting (conversations.info)",
    "groups:read": "checking membership of a private channel before posting (conversations.info)",
    "channels:join": "joining a public channel to hear its votes (conversations.join)",
    "files:write": "sharing ERFA calendar invites as .ics files (files.getUploadURLExternal)",
}

# Slack only grants the first scope together with the second.
_SCOPE_PREREQUISITES: Final[Mapping[str, str]] = {"users:read.email": "users:read"}

# --- the template -----------------------------------------------------------------------------------------

PLACEHOLDER: Final = "${BASE_URL}"
EVENTS_PATH: Final = "/slack/events"
OAUTH_REDIRECT_PATH: Final = "/slack/oauth_redirect"

# bot/slack/manifest.py -> repository root -> manifests/slack. manifests/ is not a Python package and is
# not installed with the wheel, so this only works from a source checkout (or an image that copies it).
TEMPLATE_PATH: Final = Path(__file__).resolve().parents[2] / "manifests" / "slack" / "manifest.template.yaml"

_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


class ManifestTemplateError(RuntimeError):
    """The manifest template is missing or broken: a deployment or development mistake, not user input."""


@dataclass(frozen=True)
class Declared:
    """What a manifest declares: slash commands, shortcut callback ids, bot events and bot scopes."""

    commands: frozenset[str]
    shortcuts: frozenset[str]
    events: frozenset[str]
    scopes: frozenset[str]


def load_template(path: Path | None = None) -> dict[str, Any]:
    """Read the manifest template (placeholders left in). ``path`` defaults to :data:`TEMPLATE_PATH`."""
    path = TEMPLATE_PATH if path is None else path
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestTemplateError(
            f"The Slack manifest template is missing: expected {path}. It is not part of the installed "
            "package; run this from a checkout of the repository, which has manifests/slack/."
        ) from None
    try:
        document = YAML(typ="safe", pure=True).load(text)
    except YAMLError as error:
        raise ManifestTemplateError(
            f"The Slack manifest template {path} is not valid YAML: {error}"
        ) from None
    if not isinstance(document, dict):
        raise ManifestTemplateError(f"The Slack manifest template {path} must be a YAML mapping.")
    return document


def build_slack_manifest(base_url: str | None, *, socket_mode: bool = False) -> dict[str, Any]:
    """The app manifest, ready for Slack.

    HTTP mode (the default) needs ``base_url``, the public ``https://host`` the bot is served at: the
    event, interactivity and slash-command URLs become ``{base_url}/slack/events`` and the OAuth redirect
    ``{base_url}/slack/oauth_redirect``. Socket Mode takes no URL: it turns ``socket_mode_enabled`` on and
    leaves out every request URL and the OAuth redirect (the scopes stay).

    Raises ``ValueError`` with a readable sentence when ``base_url`` is missing, unusable or given in
    Socket Mode, and :class:`ManifestTemplateError` when the template is missing or broken.
    """
    manifest = load_template()
    if socket_mode:
        if base_url is not None:
            raise ValueError(
                "Socket Mode uses no public URL: leave the base URL out, or turn Socket Mode off to use it."
            )
        _remove_urls(manifest)
        manifest.setdefault("settings", {})["socket_mode_enabled"] = True
    else:
        if base_url is None:
            raise ValueError(
                "HTTP mode needs the bot's public base URL, like https://pmo.example.dk "
                "(or use Socket Mode, which needs none)."
            )
        _check_base_url(base_url)
        manifest = map_strings(manifest, lambda text: text.replace(PLACEHOLDER, base_url))
    leftovers = _placeholder_paths(manifest)
    if leftovers:
        raise ManifestTemplateError(
            f"The Slack manifest template has {PLACEHOLDER} where no URL belongs: {', '.join(leftovers)}."
        )
    return manifest


def dump_manifest(manifest: Mapping[str, Any], fmt: Literal["yaml", "json"] = "yaml") -> str:
    """The manifest as text to paste into Slack's "Create app from manifest" dialog."""
    if fmt == "json":
        return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        yaml = YAML(typ="rt", pure=True)
        yaml.default_flow_style = False
        yaml.width = 4096  # never fold long descriptions
        yaml.indent(mapping=2, sequence=4, offset=2)
        stream = io.StringIO()
        yaml.dump(_plain(manifest), stream)
        return stream.getvalue()
    raise ValueError(f"Unknown manifest format {fmt!r}: use 'yaml' or 'json'.")


def declared(manifest: Mapping[str, Any]) -> Declared:
    """Read back what a manifest declares. Missing sections count as empty."""
    features = _mapping(manifest.get("features"))
    settings = _mapping(manifest.get("settings"))
    events = _mapping(settings.get("event_subscriptions"))
    scopes = _mapping(_mapping(manifest.get("oauth_config")).get("scopes"))
    return Declared(
        commands=frozenset(str(item.get("command")) for item in _mappings(features.get("slash_commands"))),
        shortcuts=frozenset(str(item.get("callback_id")) for item in _mappings(features.get("shortcuts"))),
        events=frozenset(str(event) for event in _sequence(events.get("bot_events"))),
        scopes=frozenset(str(scope) for scope in _sequence(scopes.get("bot"))),
    )


def missing_scopes(manifest: Mapping[str, Any]) -> list[str]:
    """One readable line per bot scope the manifest lacks, saying what needs it; empty when all is well.

    Checks bot events against :data:`REQUIRED_SCOPES_BY_EVENT` (an event not listed there is reported too),
    ``commands`` for slash commands and shortcuts, the scopes in :data:`ALWAYS_REQUIRED_SCOPES`, and scopes
    Slack only grants together with another one.
    """
    have = declared(manifest)
    needed_by: dict[str, list[str]] = {}
    unknown: list[str] = []
    for event in sorted(have.events):
        if event not in REQUIRED_SCOPES_BY_EVENT:
            unknown.append(event)
            continue
        scope = REQUIRED_SCOPES_BY_EVENT[event]
        if scope is not None:
            needed_by.setdefault(scope, []).append(f"event {event}")
    for command in sorted(have.commands):
        needed_by.setdefault("commands", []).append(f"slash command {command}")
    for callback_id in sorted(have.shortcuts):
        needed_by.setdefault("commands", []).append(f"shortcut {callback_id}")
    for scope, reason in ALWAYS_REQUIRED_SCOPES.items():
        needed_by.setdefault(scope, []).append(reason)
    for scope, prerequisite in _SCOPE_PREREQUISITES.items():
        if scope in have.scopes:
            needed_by.setdefault(prerequisite, []).append(f"scope {scope}, which Slack only grants with it")
    problems = [
        f"The bot scope {scope} is missing; {', '.join(reasons)} needs it."
        for scope, reasons in needed_by.items()
        if scope not in have.scopes
    ]
    problems += [
        f"The bot event {event} is not in REQUIRED_SCOPES_BY_EVENT: add it there with the scope it needs "
        "(or None)."
        for event in unknown
    ]
    return problems


# --- helpers ----------------------------------------------------------------------------------------------


def _check_base_url(base_url: str) -> None:
    shown = repr(base_url)
    if base_url != base_url.strip():
        raise ValueError(f"The public base URL {shown} has spaces or line breaks around it; remove them.")
    if PLACEHOLDER in base_url:
        raise ValueError(f"The public base URL {shown} is still the placeholder; give the real https:// URL.")
    if not base_url.startswith("https://"):
        raise ValueError(
            f"The public base URL must start with https:// (Slack only calls HTTPS URLs), not {shown}."
        )
    try:
        parts = urlsplit(base_url)
        port = parts.port
    except ValueError:
        raise ValueError(
            f"The public base URL {shown} is not a valid URL (check the host and port)."
        ) from None
    host = parts.hostname or ""
    if not host:
        raise ValueError(
            f"The public base URL {shown} has no host name; give one like https://pmo.example.dk."
        )
    if base_url.endswith("/"):
        raise ValueError(
            f"The public base URL {shown} must not end with a slash: use {base_url.rstrip('/')!r}."
        )
    if parts.path or parts.query or parts.fragment or "?" in base_url or "#" in base_url:
        raise ValueError(
            f"The public base URL {shown} must be only https:// and the host (and port), with no path, "
            "query or fragment: the bot adds /slack/events itself."
        )
    if "@" in parts.netloc:
        raise ValueError(f"The public base URL {shown} must not contain a user name or password.")
    if parts.netloc.endswith(":") or port == 0:
        raise ValueError(f"The public base URL {shown} has an invalid port.")
    if not (_is_ip_address(host) or all(_HOST_LABEL.fullmatch(label) for label in host.split("."))):
        raise ValueError(f"The public base URL {shown} has no valid host name, like pmo.example.dk.")


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _remove_urls(manifest: dict[str, Any]) -> None:
    settings = _mapping(manifest.get("settings"))
    for section_name in ("event_subscriptions", "interactivity"):
        section = settings.get(section_name)
        if isinstance(section, dict):
            section.pop("request_url", None)
            section.pop("message_menu_options_url", None)
    features = _mapping(manifest.get("features"))
    for command in _mappings(features.get("slash_commands")):
        if isinstance(command, dict):
            command.pop("url", None)
    oauth_config = manifest.get("oauth_config")
    if isinstance(oauth_config, dict):
        oauth_config.pop("redirect_urls", None)


def _placeholder_paths(node: Any, path: str = "") -> list[str]:
    if isinstance(node, str):
        return [path or "(top level)"] if PLACEHOLDER in node else []
    if isinstance(node, Mapping):
        return [
            found
            for key, value in node.items()
            for found in _placeholder_paths(value, f"{path}.{key}" if path else str(key))
        ]
    if isinstance(node, list):
        return [
            found for index, item in enumerate(node) for found in _placeholder_paths(item, f"{path}[{index}]")
        ]
    return []


def _plain(node: Any) -> Any:
    """Copy into plain dicts and lists so both YAML and JSON print every mapping the same way."""
    if isinstance(node, Mapping):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [_plain(item) for item in node]
    return node


def _mapping(node: Any) -> Mapping[str, Any]:
    return node if isinstance(node, Mapping) else {}


def _sequence(node: Any) -> list[Any]:
    return list(node) if isinstance(node, list | tuple) else []


def _mappings(node: Any) -> list[Mapping[str, Any]]:
    return [item for item in _sequence(node) if isinstance(item, Mapping)]
