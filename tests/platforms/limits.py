"""What Slack and Teams accept, checked cheaply on everything the fakes recorded.

Slack: Block Kit's documented limits. Teams: the element types and properties of the Adaptive Card
version each card declares (Teams renders up to 1.5), and Teams' ~28 KB message size.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

# --- Slack ---------------------------------------------------------------------------------------

SLACK_LIMITS = {
    "blocks": 50,
    "section_text": 3000,
    "fields": 10,
    "field_text": 2000,
    "header_text": 150,
    "elements": 25,
    "button_text": 75,
    "action_id": 255,
    "button_value": 2000,
    "button_url": 3000,
    "options": 100,
    "option_text": 75,
    "option_value": 150,
    "placeholder": 150,
}


def slack_problems(blocks: Iterable[dict[str, Any]]) -> list[str]:
    """Return every way the message blocks break a Block Kit limit (empty when Slack accepts them)."""
    blocks = list(blocks)
    problems = [f"{len(blocks)} blocks"] if len(blocks) > SLACK_LIMITS["blocks"] else []
    for n, block in enumerate(blocks):
        kind = block.get("type")
        if kind == "section":
            problems.extend(_section(n, block))
        elif kind == "header":
            problems.extend(_text(n, block["text"], "header_text", plain=True))
        elif kind == "actions":
            problems.extend(_actions(n, block))
        elif kind not in ("divider", "context", "input"):
            problems.append(f"block {n}: unexpected type {kind!r}")
    return problems


def _text(n: int, text: dict[str, Any], limit: str, *, plain: bool = False) -> list[str]:
    problems = []
    if plain and text.get("type") != "plain_text":
        problems.append(f"block {n}: {limit} must be plain_text")
    if not text.get("text"):
        problems.append(f"block {n}: empty {limit}")
    if len(text.get("text", "")) > SLACK_LIMITS[limit]:
        problems.append(f"block {n}: {limit} of {len(text['text'])} chars")
    return problems


def _section(n: int, block: dict[str, Any]) -> list[str]:
    if "text" not in block and "fields" not in block:
        return [f"block {n}: a section needs text or fields"]
    problems = _text(n, block["text"], "section_text") if "text" in block else []
    fields = block.get("fields", [])
    if len(fields) > SLACK_LIMITS["fields"]:
        problems.append(f"block {n}: {len(fields)} fields")
    for field in fields:
        problems.extend(_text(n, field, "field_text"))
    return problems


def _actions(n: int, block: dict[str, Any]) -> list[str]:
    elements = block["elements"]
    problems = [f"block {n}: {len(elements)} elements"] if len(elements) > SLACK_LIMITS["elements"] else []
    for element in elements:
        if len(element["action_id"]) > SLACK_LIMITS["action_id"]:
            problems.append(f"block {n}: action_id of {len(element['action_id'])} chars")
        if element["type"] == "button":
            problems.extend(_text(n, element["text"], "button_text", plain=True))
            if len(element.get("value", "")) > SLACK_LIMITS["button_value"]:
                problems.append(f"block {n}: button value too long")
            if len(element.get("url", "")) > SLACK_LIMITS["button_url"]:
                problems.append(f"block {n}: button url of {len(element['url'])} chars")
        elif element["type"] == "static_select":
            problems.extend(_text(n, element["placeholder"], "placeholder", plain=True))
            options = element["options"]
            if not 0 < len(options) <= SLACK_LIMITS["options"]:
                problems.append(f"block {n}: {len(options)} options")
            for option in options:
                problems.extend(_text(n, option["text"], "option_text", plain=True))
                if len(option["value"]) > SLACK_LIMITS["option_value"]:
                    problems.append(f"block {n}: option value too long")
        else:
            problems.append(f"block {n}: unexpected element {element['type']!r}")
    return problems


# --- Teams ---------------------------------------------------------------------------------------

TEAMS_MAX_VERSION = (1, 5)
TEAMS_MAX_MESSAGE_BYTES = 28 * 1024

# type -> (version it came in, {property: version it came in})
_COMMON = {"type": (1, 0), "id": (1, 0), "spacing": (1, 0), "separator": (1, 0), "isVisible": (1, 2)}
_INPUT = {**_COMMON, "label": (1, 3), "isRequired": (1, 3), "errorMessage": (1, 3)}
_ELEMENTS: dict[str, tuple[tuple[int, int], dict[str, tuple[int, int]]]] = {
    "TextBlock": ((1, 0), {**_COMMON, "text": (1, 0), "weight": (1, 0), "size": (1, 0), "wrap": (1, 0)}),
    "RichTextBlock": ((1, 2), {**_COMMON, "inlines": (1, 2), "horizontalAlignment": (1, 2)}),
    "FactSet": ((1, 0), {**_COMMON, "facts": (1, 0)}),
    "Input.Text": (
        (1, 0),
        {**_INPUT, "isMultiline": (1, 0), "maxLength": (1, 0), "placeholder": (1, 0), "value": (1, 0)},
    ),
    "Input.ChoiceSet": (
        (1, 0),
        {
            **_INPUT,
            "choices": (1, 0),
            "style": (1, 0),
            "isMultiSelect": (1, 0),
            "value": (1, 0),
            "placeholder": (1, 2),
            "wrap": (1, 2),
        },
    ),
}
_ACTIONS: dict[str, tuple[tuple[int, int], dict[str, tuple[int, int]]]] = {
    "Action.Submit": ((1, 0), {"type": (1, 0), "title": (1, 0), "data": (1, 0), "style": (1, 2)}),
    "Action.OpenUrl": ((1, 0), {"type": (1, 0), "title": (1, 0), "url": (1, 0), "style": (1, 2)}),
    # The schema has it from 1.4 (Outlook's Universal Actions); Teams renders it only in cards of 1.5
    # ("Work with Universal Actions for Adaptive Cards", learn.microsoft.com).
    "Action.Execute": (
        (1, 5),
        {"type": (1, 5), "title": (1, 5), "verb": (1, 5), "data": (1, 5), "style": (1, 5)},
    ),
}
_TEXT_RUN = {"type", "text", "weight", "italic", "strikethrough", "size", "color"}


def _version(text: str) -> tuple[int, int]:
    major, minor = text.split(".")
    return int(major), int(minor)


def card_problems(card: dict[str, Any]) -> list[str]:
    """Return every way a card breaks its declared version's rules or Teams' limits (empty if none)."""
    version = _version(card["version"])
    problems = (
        [] if version <= TEAMS_MAX_VERSION else [f"version {card['version']} is newer than Teams renders"]
    )
    allowed_card = {"type", "$schema", "version", "body", "actions"}
    problems.extend(f"card: unknown property {key!r}" for key in set(card) - allowed_card)
    for where, items, table in (
        ("body", card.get("body", []), _ELEMENTS),
        ("actions", card.get("actions", []), _ACTIONS),
    ):
        for n, item in enumerate(items):
            problems.extend(_item(f"{where}[{n}]", item, table, version))
    return problems


def _item(
    where: str,
    item: dict[str, Any],
    table: dict[str, tuple[tuple[int, int], dict[str, tuple[int, int]]]],
    version: tuple[int, int],
) -> list[str]:
    kind = item.get("type", "")
    if kind not in table:
        return [f"{where}: {kind!r} is not allowed here"]
    since, properties = table[kind]
    problems = [f"{where}: {kind} needs {since}"] if since > version else []
    for key in item:
        if key not in properties:
            problems.append(f"{where}: {kind} has no property {key!r}")
        elif properties[key] > version:
            problems.append(f"{where}: {kind}.{key} needs {properties[key]}")
    if kind == "RichTextBlock":
        for inline in item["inlines"]:
            if inline.get("type") != "TextRun" or set(inline) - _TEXT_RUN:
                problems.append(f"{where}: unexpected inline {inline}")
    if kind == "FactSet":
        problems.extend(f"{where}: fact {f}" for f in item["facts"] if set(f) != {"title", "value"})
    if kind == "Input.ChoiceSet":
        problems.extend(f"{where}: choice {c}" for c in item["choices"] if set(c) != {"title", "value"})
    return problems


def activity_problems(body: dict[str, Any]) -> list[str]:
    """Return what Teams would refuse in an activity the bot sent: its size, and each card's rules."""
    size = len(json.dumps(body).encode())
    problems = [f"activity of {size} bytes"] if size > TEAMS_MAX_MESSAGE_BYTES else []
    for attachment in body.get("attachments") or []:
        problems.extend(card_problems(attachment["content"]))
    return problems
