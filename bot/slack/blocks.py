"""Neutral messages rendered as Block Kit: escaped mrkdwn, buttons, modals and the App Home."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.i18n import Reader
from bot.render import RenderedMessage, render
from handlers.text import Message, Text

MAX_SECTION_CHARS = 2900  # Slack refuses a section text over 3,000 characters
MAX_BUTTONS = 25
INTAKE_CALLBACK = "sparring_intake"
COMMENT_CALLBACK = "sparring_comment"


def escape_mrkdwn(text: str) -> str:
    """Escape text for mrkdwn so that nothing in it can mention, link or ping (&, < and > only)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_SECTION_CHARS]}}


def _buttons(rendered: RenderedMessage) -> dict[str, Any]:
    elements = []
    for action in rendered.actions[:MAX_BUTTONS]:
        button: dict[str, Any] = {
            "type": "button",
            "text": {"type": "plain_text", "text": action.label[:75], "emoji": True},
            "action_id": action.id,
            "value": action.id,
        }
        if action.style in ("primary", "danger"):
            button["style"] = action.style
        elements.append(button)
    return {"type": "actions", "block_id": f"actions:{rendered.ref or '-'}", "elements": elements}


def message_payload(message: Message, reader: Reader) -> dict[str, Any]:
    """Return ``text`` (the notification fallback) and ``blocks`` for a message, all text escaped.

    Everything is escaped, catalogue text included: the catalogues write ``<what you need>`` and
    use no mrkdwn, and a name or a quote from a person must never become a mention or a link.
    """
    rendered = render(message, reader)
    lines = [escape_mrkdwn(line) for line in rendered.lines]
    blocks: list[dict[str, Any]] = [_section("\n".join(lines))]
    if rendered.actions:
        blocks.append(_buttons(rendered))
    return {"text": lines[0] if lines else "", "blocks": blocks}


def outcome_payload(
    original_blocks: Sequence[dict[str, Any]], replies: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """Return the clicked message without its buttons, followed by the answer (and only its buttons).

    Replacing the original removes the buttons that were pressed, so a second click is impossible.
    """
    kept = [block for block in original_blocks if block.get("type") != "actions"]
    kept.extend(block for reply in replies for block in reply["blocks"])
    text = replies[0]["text"] if replies else ""
    return {"replace_original": True, "text": text, "blocks": kept[:50]}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label[:75]}, "value": value}


def intake_view(
    reader: Reader, areas: Sequence[tuple[str, str]], seniors: Sequence[tuple[str, str]], metadata: str
) -> dict[str, Any]:
    """Return the modal for a guided request: area, description, urgency, preferred senior."""

    def t(key: str) -> str:
        return reader.render(Text.of(key))[:150]

    blocks: list[dict[str, Any]] = [
        _input(
            "area", t("modal.area"), {"type": "static_select", "options": [_option(k, n) for k, n in areas]}
        ),
        _input(
            "text",
            t("modal.description"),
            {"type": "plain_text_input", "multiline": True, "max_length": 2000},
        ),
        _input(
            "urgency",
            t("modal.urgency"),
            {
                "type": "radio_buttons",
                "initial_option": _option("normal", t("urgency.normal")),
                "options": [_option("normal", t("urgency.normal")), _option("urgent", t("urgency.urgent"))],
            },
        ),
    ]
    if seniors:
        senior_select = {"type": "static_select", "options": [_option(v, n) for v, n in seniors[:100]]}
        blocks.append({**_input("preferred", t("modal.preferred"), senior_select), "optional": True})
    return _modal(INTAKE_CALLBACK, t("modal.title"), t("modal.submit"), blocks, metadata, reader)


def comment_view(reader: Reader, ref: str, metadata: str) -> dict[str, Any]:
    """Return the modal for a comment on a session's feedback."""
    label = reader.render(Text.of("modal.comment", ref=ref))[:150]
    field = {"type": "plain_text_input", "multiline": True, "max_length": 1000}
    title = reader.render(Text.of("modal.feedback_title"))
    return _modal(
        COMMENT_CALLBACK,
        title,
        reader.render(Text.of("modal.submit")),
        [_input("comment", label, field)],
        metadata,
        reader,
    )


def _input(block_id: str, label: str, element: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": {**element, "action_id": block_id},
    }


def _modal(
    callback_id: str, title: str, submit: str, blocks: list[dict[str, Any]], metadata: str, reader: Reader
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": title[:24]},
        "submit": {"type": "plain_text", "text": submit[:24]},
        "close": {"type": "plain_text", "text": reader.render(Text.of("modal.close"))[:24]},
        "private_metadata": metadata,
        "blocks": blocks,
    }


def home_view(sections: Sequence[tuple[str, Sequence[Message]]], reader: Reader) -> dict[str, Any]:
    """Return the App Home: a header and the messages of each section (status, queue, KPIs)."""
    blocks: list[dict[str, Any]] = []
    for title, messages in sections:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": title[:150]}})
        for message in messages:
            blocks.extend(message_payload(message, reader)["blocks"])
        blocks.append({"type": "divider"})
    return {"type": "home", "blocks": blocks[:100]}
