"""Every command the bot understands: the sparring grammar, the challenges' and the ERFA words, as one.

Platforms parse typed text and pressed buttons here; each feature room keeps its own words and
commands (``handlers.sparring.commands``, ``handlers.challenges.commands``, ``handlers.erfa.commands``).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from handlers.challenges import commands as challenges
from handlers.erfa import commands as erfa
from handlers.sparring import commands as sparring

Command = sparring.Command | challenges.Command | erfa.Command


def parse_text(text: str) -> Command:
    """Parse what a person typed (with or without the ``sparring`` prefix) into a command."""
    body = sparring.without_prefix(unicodedata.normalize("NFC", text).strip())
    first, _, rest = body.partition(" ")
    found = (challenges.parse_words(first, rest) or erfa.parse_words(first, rest)) if first else None
    return found if found is not None else sparring.parse_text(text)


def parse_action(action_id: str, at: datetime | None = None) -> Command:
    """Parse the id of a pressed button into a command.

    ``at`` is the platform's time of the press (Slack's ``action_ts``, the Teams activity's timestamp),
    when it gives one: an ERFA answer is ordered by it, so a replayed or late-arriving press changes nothing.
    """
    kind, _, rest = action_id.partition(":")
    found = challenges.parse_action(kind, rest) or erfa.parse_action(kind, rest, at)
    return found if found is not None else sparring.parse_action(action_id)
