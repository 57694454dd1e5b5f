"""Slack's markup in what people write: its mentions are read here, and all of it is stripped for the core.

Slack writes a mention as ``<@U123>`` (or ``<@U123|anna>``), a channel as ``<#C123|name>``, the
specials as ``<!here>``, a link as ``<https://…|label>``, and escapes ``&``, ``<`` and ``>``. The core
keeps the text as written (it is shown, escaped, to the senior) and reads the plain text and mentions.
"""

from __future__ import annotations

import re

MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL_OR_SPECIAL = re.compile(r"<[#!][^>]*>")
_LINK = re.compile(r"<(?:https?|mailto):[^>|]*(?:\|([^>]*))?>")
_ESCAPES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def mentioned_ids(text: str) -> tuple[str, ...]:
    """Return the Slack user ids mentioned in the text, in order, each once."""
    return tuple(dict.fromkeys(match.group(1) for match in MENTION.finditer(text)))


def plain(text: str) -> str:
    """Return the text without Slack's markup: no mentions, channels or specials; links as their label."""
    text = MENTION.sub(" ", text)
    text = _CHANNEL_OR_SPECIAL.sub(" ", text)
    text = _LINK.sub(lambda link: f" {link.group(1) or ''} ", text)
    for escaped, character in _ESCAPES:
        text = text.replace(escaped, character)
    return text


def without_own_mention(text: str, bot_user_id: str | None) -> str:
    """Return the text without the bot's own mention (the first one, when the bot's id is not known)."""
    # Only the bot's own mention goes: <@U01ANB> in the text names the senior the person asks for.
    own = [m for m in MENTION.finditer(text) if bot_user_id is None or m.group(1) == bot_user_id]
    return text.replace(own[0].group(0), "", 1) if own else text
