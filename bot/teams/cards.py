"""Neutral messages rendered for Teams: Adaptive Cards with buttons, plain text without.

How user text is kept from becoming markup: every line of a card is a ``TextRun`` inside a
``RichTextBlock``. The Adaptive Card schema says a TextRun's text is never read as Markdown, so
``**``, ``[label](url)`` and ``<at>…</at>`` stay literal characters; a mention would in any case need
an ``msteams.entities`` entry, which these cards never carry. Messages without buttons go out with
``textFormat: plain``, which Teams shows as typed. A ``FactSet`` (the key figures) is the one element
whose text Teams reads as Markdown: its titles and values are escaped with backslashes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from bot.adapters.render import RenderedAction, RenderedLink, RenderedMessage, RenderedSection, render
from bot.i18n import Reader
from handlers.shared.text import Message, Text
from handlers.sparring.forms import CommentForm, Form

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# Teams renders Action.Execute (Universal Actions) only in cards of version 1.5; in an older card it may not
# render at all, depending on the client (Microsoft's "Work with Universal Actions for Adaptive Cards").
# Teams renders up to 1.5, so nothing newer.
CARD_VERSION = "1.5"
EXECUTE_VERB = "vpmo"
INTAKE_FORM = "intake"
COMMENT_FORM = "comment"
CHOICE_INPUT = "choice"  # the id of a card's choice list: its value is the chosen action's id
MAX_ACTIONS = 6  # Teams shows at most six actions on a card
MAX_CHOICE_TITLE = 100
DIALOG_TITLE = "Virtuelt PMO"  # the app's short name (manifests/teams), above a message action's dialog
# Teams refuses a message over about 28 KB; the card keeps this much (as JSON), the rest is the envelope.
MAX_CARD_BYTES = 24_000
_STYLES = {"primary": "positive", "danger": "destructive"}
_MARKDOWN = re.compile(r"([\\*_\[\]`~<>#|])")
_LIST_MARKER = re.compile(r"^(\s*)(\d+\.|[-+])(?=\s)")


def text_block(line: str, *, bold: bool = False) -> dict[str, Any]:
    """Return a line of text that no client reads as Markdown or a mention."""
    run: dict[str, Any] = {"type": "TextRun", "text": line}
    if bold:
        run["weight"] = "bolder"
    return {"type": "RichTextBlock", "inlines": [run]}


def escape_markdown(text: str) -> str:
    """Escape what Teams' card Markdown reads (emphasis, links, code, headings, list markers)."""
    escaped = _MARKDOWN.sub(r"\\\1", text)
    # "4. kvartal" or "- x" at the start of a text would become a list item.
    return _LIST_MARKER.sub(_escape_marker, escaped)


def _escape_marker(match: re.Match[str]) -> str:
    indent, marker = match.group(1), match.group(2)
    return indent + (marker[:-1] + "\\." if marker.endswith(".") else "\\" + marker)


def _json_length(text: str) -> int:
    # What the text takes in the card as sent: JSON-escaped, non-ASCII as \uXXXX.
    return len(json.dumps(text)) - 2


_LINE_COST = len(json.dumps(text_block(""))) + 2  # a line's block around its text, and ", "


def _fitted(message: Message, reader: Reader, room: int) -> RenderedMessage:
    """Render a message whose lines take at most ``room`` bytes of card JSON (its quote is shortened)."""
    return render(message, reader, budget=room, measure=_json_length, line_cost=_LINE_COST)


def _size(card: dict[str, Any]) -> int:
    return len(json.dumps(card))


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


def _execute(action_id: str, label: str, style: str, *, submit: bool = False) -> dict[str, Any]:
    button = _button({"action": action_id}, label, submit=submit)
    if style in _STYLES:
        button["style"] = _STYLES[style]
    return button


def _button(data: dict[str, Any], label: str, *, submit: bool) -> dict[str, Any]:
    # A dialog (a message action's answer) only takes Action.Submit; its data comes back as a
    # composeExtension/submitAction. Everywhere else buttons are Universal Actions (Action.Execute).
    if submit:
        return {"type": "Action.Submit", "title": label, "data": data}
    return {"type": "Action.Execute", "title": label, "verb": EXECUTE_VERB, "data": data}


def body_of(rendered: RenderedMessage) -> list[dict[str, Any]]:
    """Return a rendered message's lines and sections as card elements."""
    body = [text_block(line) for line in rendered.lines if line]
    for section in rendered.sections:
        body.extend(_facts(section))
    return body


def _facts(section: RenderedSection) -> list[dict[str, Any]]:
    facts = [
        {"title": escape_markdown(label), "value": escape_markdown(value)} for label, value in section.facts
    ]
    return [text_block(section.heading, bold=True), {"type": "FactSet", "facts": facts}]


def _controls(
    rendered_actions: Sequence[RenderedAction], reader: Reader, *, submit: bool = False
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return the body elements and the actions that offer a message's choices.

    Up to a few choices are buttons; more go into a compact choice list with one button, since Teams
    squeezes a row of buttons until their titles are cut ("Styre…").
    """
    if not RenderedMessage((), tuple(rendered_actions), None).as_choice_list:
        return [], [_execute(a.id, a.label, a.style, submit=submit) for a in rendered_actions[:MAX_ACTIONS]]
    choices = {
        "type": "Input.ChoiceSet",
        "id": CHOICE_INPUT,
        "style": "compact",
        "isRequired": True,
        "placeholder": reader.render(Text.of("choice.placeholder")),
        "errorMessage": reader.render(Text.of("choice.placeholder")),
        "choices": _choices([(a.id, a.label) for a in rendered_actions]),
    }
    # The chosen value joins the action's data as "choice"; the bot reads it as the pressed button.
    return [choices], [_button({}, reader.render(Text.of("choice.submit")), submit=submit)]


def _open_url(link: RenderedLink) -> dict[str, Any]:
    return {"type": "Action.OpenUrl", "title": link.label, "url": link.url}


def _card_of(
    messages: Sequence[tuple[Message, bool]], reader: Reader, *, submit: bool = False, public_url: str = ""
) -> dict[str, Any]:
    """Return one card for messages (and the actions of those marked True), their quotes fitted to size.

    ``submit`` makes the buttons Action.Submit, for a dialog. A calendar invite is an Action.OpenUrl to
    its link under ``public_url``, after the buttons and never cut for them.
    """
    active = [render(m, reader, public_url=public_url) for m, chosen in messages if chosen]
    controls = [_controls(rendered.actions, reader, submit=submit) for rendered in active]
    links = [_open_url(rendered.invite) for rendered in active if rendered.invite is not None][:MAX_ACTIONS]
    inputs = [element for body, _ in controls for element in body]
    buttons = [action for _, acts in controls for action in acts][: MAX_ACTIONS - len(links)]
    actions = [*buttons, *links]
    # Buttons, inputs and facts are kept whole; the lines share what is left.
    fixed = _size(_card(inputs, actions)) + sum(
        _size(element) + 2 for m, _ in messages for s in render(m, reader).sections for element in _facts(s)
    )
    room = max(MAX_CARD_BYTES - fixed, 0) // max(len(messages), 1)
    body: list[dict[str, Any]] = []
    for message, _ in messages:
        body.extend(body_of(_fitted(message, reader, room)))
    return _card([*body, *inputs], actions)


def message_card(message: Message, reader: Reader, *, public_url: str = "") -> dict[str, Any] | None:
    """Return the card for a message with buttons, facts or an invite (None for plain lines: plain text then)."""
    if not message.actions and not message.sections and message.invite is None:
        return None
    return _card_of([(message, True)], reader, public_url=public_url)


def plain_text(message: Message, reader: Reader) -> str:
    """Return a message as plain text (a quote shortened to what Teams accepts)."""
    return _fitted(message, reader, MAX_CARD_BYTES).text


def outcome_card(
    clicked: Message | None, replies: Sequence[Message], reader: Reader, *, public_url: str = ""
) -> dict[str, Any]:
    """Return the card that replaces a clicked one: its text without buttons, then the answer.

    Only the answer's own buttons remain, so the pressed button cannot be pressed twice.
    """
    messages = [(clicked, False)] if clicked is not None else []
    return _card_of([*messages, *((reply, True) for reply in replies)], reader, public_url=public_url)


def extension_message(text: str) -> dict[str, Any]:
    """Return a message action's answer that shows a short text (Teams shows it, then closes)."""
    return {"composeExtension": {"type": "message", "text": text}}


def extension_answer(replies: Sequence[Message], form: Form | None, reader: Reader) -> dict[str, Any]:
    """Return the answer to a message action: its replies as text, or a dialog when they need a choice.

    A reply with buttons (or a form to fill in) is shown as a card in a dialog, whose buttons are
    Action.Submit; as plain text the person could not choose at all.
    """
    if form is None and not any(reply.actions for reply in replies):
        text = "\n".join(plain_text(reply, reader) for reply in replies)
        return extension_message(text) if text else {}
    card = (
        form_card(form, reader)
        if form is not None
        else _card_of([(r, True) for r in replies], reader, submit=True)
    )
    attachment = {"contentType": CARD_CONTENT_TYPE, "content": card}
    return {"task": {"type": "continue", "value": {"title": DIALOG_TITLE, "card": attachment}}}


def _choices(options: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"title": title[:MAX_CHOICE_TITLE], "value": value} for value, title in options]


def form_card(form: Form, reader: Reader) -> dict[str, Any]:
    """Return the card that shows a form the core asks for."""
    if isinstance(form, CommentForm):
        return comment_card(reader, form.number)
    areas = [(key, name.pick(reader.language)) for key, name in form.areas]
    return intake_card(reader, areas, list(form.seniors))


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
