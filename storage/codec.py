"""JSON forms of the neutral message types, for the outbox and the routing reasons."""

from __future__ import annotations

from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from handlers.shared.text import (
    Action,
    Bilingual,
    ButtonStyle,
    Fact,
    InviteFile,
    Message,
    Param,
    Section,
    Since,
    Text,
    Verbatim,
)


def encode_param(value: Param) -> Any:
    """Return a JSON-able form of a text parameter (tagged, so it decodes to the same type)."""
    if isinstance(value, Text):
        return {"$text": encode_text(value)}
    if isinstance(value, Verbatim):
        return {"$verbatim": value.value}
    if isinstance(value, Bilingual):
        return {"$bi": [value.da, value.en]}
    if isinstance(value, Since):
        return {"$since": [value.moment.isoformat(), value.now.isoformat()]}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    return value


def decode_param(value: Any) -> Param:
    """Return the parameter a JSON form stands for."""
    if not isinstance(value, dict):
        return value  # type: ignore[no-any-return]  # str, int or float, as stored
    tag, inner = next(iter(value.items()))
    decoders: dict[str, Any] = {
        "$text": decode_text,
        "$verbatim": Verbatim,
        "$bi": lambda pair: Bilingual(pair[0], pair[1]),
        "$since": lambda pair: Since(datetime.fromisoformat(pair[0]), datetime.fromisoformat(pair[1])),
        "$datetime": datetime.fromisoformat,
        "$date": date.fromisoformat,
    }
    return decoders[tag](inner)  # type: ignore[no-any-return]  # each decoder returns a Param


def encode_text(text: Text) -> dict[str, Any]:
    """Return the JSON form of a text."""
    return {"key": text.key, "params": {name: encode_param(v) for name, v in text.params.items()}}


def decode_text(data: dict[str, Any]) -> Text:
    """Return the text a JSON form stands for."""
    params = {name: decode_param(v) for name, v in data.get("params", {}).items()}
    return Text(data["key"], MappingProxyType(params))


def encode_message(message: Message) -> dict[str, Any]:
    """Return the JSON form of a message's content (recipient and keys are columns of their own)."""
    data: dict[str, Any] = {
        "lines": [encode_text(line) for line in message.lines],
        "actions": [
            {"id": a.id, "label": encode_text(a.label), "style": a.style.value} for a in message.actions
        ],
    }
    if message.sections:
        data["sections"] = [
            {
                "heading": encode_text(s.heading),
                "facts": [[encode_text(f.label), encode_text(f.value)] for f in s.facts],
            }
            for s in message.sections
        ]
    if message.invite is not None:
        data["invite"] = {"token": message.invite.token, "filename": message.invite.filename}
        if message.invite.cancels:
            data["invite"]["cancels"] = True
    if message.updates is not None:
        data["updates"] = message.updates
    return data


def decode_message(
    data: dict[str, Any],
    *,
    to_person: int | None,
    to_channel: str | None,
    ref: str | None,
    dedupe_key: str | None = None,
) -> Message:
    """Return the message a JSON form stands for."""
    return Message(
        lines=tuple(decode_text(line) for line in data["lines"]),
        to_person=to_person,
        to_channel=to_channel,
        actions=tuple(
            Action(a["id"], decode_text(a["label"]), ButtonStyle(a.get("style", "default")))
            for a in data.get("actions", [])
        ),
        ref=ref,
        dedupe_key=dedupe_key,
        sections=tuple(
            Section(
                decode_text(s["heading"]),
                tuple(Fact(decode_text(label), decode_text(value)) for label, value in s["facts"]),
            )
            for s in data.get("sections", [])
        ),
        invite=_decode_invite(data.get("invite")),
        updates=data.get("updates"),
    )


def _decode_invite(data: dict[str, Any] | None) -> InviteFile | None:
    """Return the invite a JSON form stands for (none when the message has no invite)."""
    return None if data is None else InviteFile(data["token"], data["filename"], bool(data.get("cancels")))
