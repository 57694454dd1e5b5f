"""Neutral messages rendered as Block Kit: escaped mrkdwn, buttons, modals and the App Home."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.adapters.render import (
    RenderedAction,
    RenderedLink,
    RenderedMessage,
    RenderedSection,
    render,
    shorten,
)
from bot.i18n import Reader
from handlers.shared.text import Message, Text
from handlers.sparring.forms import CommentForm, Form

MAX_SECTION_CHARS = 2900  # Slack refuses a section text over 3,000 characters
MAX_BUTTONS = 25  # elements in one actions block
MAX_BUTTON_CHARS = 75  # a button's text, and an option's text in a select
MAX_OPTIONS = 100  # options in one static_select
MAX_HEADER_CHARS = 150
MAX_FIELDS = 10  # fields in one section
MAX_FIELD_CHARS = 2000
MAX_BLOCKS = 50  # blocks in one message
MAX_URL_CHARS = 3000  # a url button's url
OPEN_LINK_ACTION = "open_link"  # a url button's action_id: Slack sends the click, which needs only an ack
INTAKE_CALLBACK = "sparring_intake"
COMMENT_CALLBACK = "sparring_comment"
CHOICE_ACTION = "choose"  # a static_select's action_id starts so; its chosen option's value is the action


def escape_mrkdwn(text: str) -> str:
    """Escape text for mrkdwn so that nothing in it can mention, link or ping (&, < and > only)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escaped_length(text: str) -> int:
    return len(escape_mrkdwn(text))


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _chunks(text: str, limit: int) -> list[str]:
    """Split escaped mrkdwn into pieces of at most ``limit``: at a line, else a space, never in an entity."""
    chunks: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n", 0, limit + 1), text.rfind(" ", 0, limit + 1))
        if cut > 0:
            chunks.append(text[:cut])
            text = text[cut + 1 :]
            continue
        cut = limit
        entity = text.rfind("&", cut - len("&amp;") + 1, cut)
        if entity > 0:
            cut = entity  # "&lt;" must not be split into "&l" and "t;"
        chunks.append(text[:cut])
        text = text[cut:]
    if text:
        chunks.append(text)
    return chunks


def _button(action: RenderedAction) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": shorten(action.label, MAX_BUTTON_CHARS), "emoji": True},
        "action_id": action.id,
        "value": action.id,
    }
    if action.style in ("primary", "danger"):
        button["style"] = action.style
    return button


def _actions(rendered: RenderedMessage, reader: Reader) -> dict[str, Any]:
    block_id = f"actions:{rendered.ref or '-'}"
    if not rendered.as_choice_list:
        elements = [_button(action) for action in rendered.actions[:MAX_BUTTONS]]
        return {"type": "actions", "block_id": block_id, "elements": elements}
    # Many options: a select lists every label whole, where a row of buttons would wrap or be cut.
    # Its chosen option arrives as ``selected_option.value``: the same action id a button sends.
    options = [_option(a.id, a.label) for a in rendered.actions[:MAX_OPTIONS]]
    select = {
        "type": "static_select",
        "action_id": f"{CHOICE_ACTION}:{rendered.ref or '-'}",
        "placeholder": {"type": "plain_text", "text": reader.render(Text.of("choice.placeholder"))[:150]},
        "options": options,
    }
    return {"type": "actions", "block_id": block_id, "elements": [select]}


def _link(link: RenderedLink) -> dict[str, Any] | None:
    """Return an actions block with a url button (no block at all for a link Slack would refuse)."""
    if len(link.url) > MAX_URL_CHARS:
        return None
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": shorten(link.label, MAX_BUTTON_CHARS), "emoji": True},
        "action_id": OPEN_LINK_ACTION,
        "url": link.url,
    }
    return {"type": "actions", "block_id": "invite", "elements": [button]}


def _field_part(text: str) -> str:
    # Label and value share a field's 2,000 characters; shortened before escaping, so no entity is cut.
    return escape_mrkdwn(shorten(text, MAX_FIELD_CHARS // 2 - 4, _escaped_length))


def _facts(section: RenderedSection) -> list[dict[str, Any]]:
    header = {
        "type": "header",
        "text": {"type": "plain_text", "text": shorten(section.heading, MAX_HEADER_CHARS)},
    }
    fields = [
        {"type": "mrkdwn", "text": f"*{_field_part(label)}*\n{_field_part(value)}"}
        for label, value in section.facts
    ]
    return [
        header,
        *(
            {"type": "section", "fields": fields[start : start + MAX_FIELDS]}
            for start in range(0, len(fields), MAX_FIELDS)
        ),
    ]


def message_payload(message: Message, reader: Reader, *, public_url: str = "") -> dict[str, Any]:
    """Return ``text`` (the notification fallback) and ``blocks`` for a message, all text escaped.

    A calendar invite becomes a url button to ``public_url``'s invite link, the last block (kept when
    the blocks must be cut to Slack's 50).

    Everything is escaped, catalogue text included: the catalogues write ``<what you need>`` and
    use no mrkdwn, and a name or a quote from a person must never become a mention or a link. A
    quote is shortened to what the section leaves after escaping every other line; a long text
    that is no quote (``vis S-4``) goes over several sections.
    """
    rendered = render(
        message, reader, budget=MAX_SECTION_CHARS, measure=_escaped_length, public_url=public_url
    )
    lines = [escape_mrkdwn(line) for line in rendered.lines]
    blocks: list[dict[str, Any]] = [_section(chunk) for chunk in _chunks("\n".join(lines), MAX_SECTION_CHARS)]
    for section in rendered.sections:
        blocks.extend(_facts(section))
    if rendered.actions:
        blocks.append(_actions(rendered, reader))
    link = _link(rendered.invite) if rendered.invite is not None else None
    if link is not None:
        blocks = [*blocks[: MAX_BLOCKS - 1], link]
    fallback = lines[0] if lines else rendered.sections[0].heading if rendered.sections else ""
    return {"text": fallback, "blocks": blocks[:MAX_BLOCKS]}


def outcome_payload(
    original_blocks: Sequence[dict[str, Any]], replies: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """Return the clicked message without its buttons, followed by the answer (and only its buttons).

    Replacing the original removes the buttons that were pressed, so a second click is impossible.
    """
    kept = [block for block in original_blocks if block.get("type") != "actions"]
    kept.extend(block for reply in replies for block in reply["blocks"])
    text = replies[0]["text"] if replies else ""
    return {"replace_original": True, "text": text, "blocks": kept[:MAX_BLOCKS]}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": shorten(label, MAX_BUTTON_CHARS)}, "value": value}


def form_view(form: Form, reader: Reader, metadata: str) -> dict[str, Any]:
    """Return the modal that shows a form the core asks for."""
    if isinstance(form, CommentForm):
        return comment_view(reader, form.ref, metadata)
    areas = [(key, name.pick(reader.language)) for key, name in form.areas]
    return intake_view(reader, areas, list(form.seniors), metadata)


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
