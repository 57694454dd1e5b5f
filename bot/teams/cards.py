"""Neutral messages rendered for Teams: Adaptive Cards with buttons, plain text without.

How user text is kept from becoming markup: every line of a card is a ``TextRun`` inside a
``RichTextBlock``. The Adaptive Card schema says a TextRun's text is never read as Markdown, so
``**``, ``[label](url)`` and ``<at>…</at>`` stay literal characters; a mention would in any case need
an ``msteams.entities`` entry, which these cards never carry. Messages without buttons go out with
``textFormat: plain``, which Teams shows as typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.i18n import Reader
from bot.render import RenderedMessage, render
from handlers.text import Message, Text

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.4"  # Action.Execute (Universal Actions) needs 1.4
EXECUTE_VERB = "vpmo"
INTAKE_FORM = "intake"
COMMENT_FORM = "comment"
MAX_ACTIONS = 6  # Teams shows at most six actions on a card
MAX_CHOICE_TITLE = 100
_STYLES = {"primary": "positive", "danger": "destructive"}


def text_block(line: str) -> dict[str, Any]:
    """Return a line of text that no client reads as Markdown or a mention."""
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": line}]}


def _card(body: Sequence[dict[str, Any]], actions: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "body": list(body),
    }
    if actions:
        card["actions"] = list(actions)
    return card


def _execute(action_id: str, label: str, style: str) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "Action.Execute",
        "title": label,
        "verb": EXECUTE_VERB,
        "data": {"action": action_id},
    }
    if style in _STYLES:
        button["style"] = _STYLES[style]
    return button


def body_of(rendered: RenderedMessage) -> list[dict[str, Any]]:
    """Return a rendered message's lines as card elements."""
    return [text_block(line) for line in rendered.lines if line]


def message_card(message: Message, reader: Reader) -> dict[str, Any] | None:
    """Return the card for a message with buttons (None when it has none: send plain text then)."""
    rendered = render(message, reader)
    if not rendered.actions:
        return None
    actions = [_execute(a.id, a.label, a.style) for a in rendered.actions[:MAX_ACTIONS]]
    return _card(body_of(rendered), actions)


def plain_text(message: Message, reader: Reader) -> str:
    """Return a message as plain text."""
    return render(message, reader).text


def outcome_card(clicked: Message | None, replies: Sequence[Message], reader: Reader) -> dict[str, Any]:
    """Return the card that replaces a clicked one: its text without buttons, then the answer.

    Only the answer's own buttons remain, so the pressed button cannot be pressed twice.
    """
    body: list[dict[str, Any]] = []
    if clicked is not None:
        body.extend(body_of(render(clicked, reader)))
    actions: list[dict[str, Any]] = []
    for reply in replies:
        rendered = render(reply, reader)
        body.extend(body_of(rendered))
        actions.extend(_execute(a.id, a.label, a.style) for a in rendered.actions)
    return _card(body, actions[:MAX_ACTIONS])


def _choices(options: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"title": title[:MAX_CHOICE_TITLE], "value": value} for value, title in options]


def intake_card(
    reader: Reader, areas: Sequence[tuple[str, str]], seniors: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """Return the form for a guided request: area, description, urgency, preferred senior."""

    def t(key: str) -> str:
        return reader.render(Text.of(key))

    body: list[dict[str, Any]] = [
        text_block(t("modal.title")),
        {"type": "Input.ChoiceSet", "id": "area", "label": t("modal.area"), "choices": _choices(areas)},
        {
            "type": "Input.Text",
            "id": "text",
            "label": t("modal.description"),
            "isMultiline": True,
            "maxLength": 2000,
            "isRequired": True,
            "errorMessage": t("modal.empty_description"),
        },
        {
            "type": "Input.ChoiceSet",
            "id": "urgency",
            "label": t("modal.urgency"),
            "style": "expanded",
            "value": "normal",
            "choices": _choices([("normal", t("urgency.normal")), ("urgent", t("urgency.urgent"))]),
        },
    ]
    if seniors:
        body.append(
            {
                "type": "Input.ChoiceSet",
                "id": "preferred",
                "label": t("modal.preferred"),
                "isRequired": False,
                "choices": _choices(seniors),
            }
        )
    submit = {"type": "Action.Submit", "title": t("modal.submit"), "data": {"form": INTAKE_FORM}}
    return _card(body, [submit])


def comment_card(reader: Reader, number: int) -> dict[str, Any]:
    """Return the form for a comment on a session's feedback."""
    label = reader.render(Text.of("modal.comment", ref=f"S-{number}"))
    body = [{"type": "Input.Text", "id": "comment", "label": label, "isMultiline": True, "maxLength": 1000}]
    submit = {
        "type": "Action.Submit",
        "title": reader.render(Text.of("modal.submit")),
        "data": {"form": COMMENT_FORM, "number": number},
    }
    return _card(body, [submit])
