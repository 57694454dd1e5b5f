"""Words as data: use cases say *what* to tell someone; adapters decide how, in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class Bilingual:
    """A name given in both languages by configuration (e.g. a tenant's own expertise area)."""

    da: str
    en: str

    def pick(self, language: str) -> str:
        """Return the wording for the language."""
        return self.da if language == "da" else self.en


@dataclass(frozen=True, slots=True)
class Verbatim:
    """Text a person typed: shown as it is, and never read as markup by any platform."""

    value: str


@dataclass(frozen=True, slots=True)
class Since:
    """A moment told relative to now ("i dag kl. 14:00", "i går kl. 9:30", "12. jan.")."""

    moment: datetime
    now: datetime


Param: TypeAlias = "str | int | float | date | datetime | Bilingual | Verbatim | Since | Text"


@dataclass(frozen=True, slots=True)
class Text:
    """A catalogue key and its parameters; rendered per reader by the translation layer."""

    key: str
    params: MappingProxyType[str, Param] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def of(cls, key: str, **params: Param) -> Text:
        """Build a text from a key and keyword parameters."""
        return cls(key, MappingProxyType(dict(params)))


class ButtonStyle(StrEnum):
    PRIMARY = "primary"
    DANGER = "danger"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class Action:
    """A button: pressing it sends ``id`` back to the bot, whatever the platform."""

    id: str
    label: Text
    style: ButtonStyle = ButtonStyle.DEFAULT


@dataclass(frozen=True, slots=True)
class Fact:
    """A figure with its name: each platform lays facts out as a list of label and value."""

    label: Text
    value: Text


@dataclass(frozen=True, slots=True)
class Section:
    """A heading over a list of facts (the coordinator's key figures, for instance)."""

    heading: Text
    facts: tuple[Fact, ...]


@dataclass(frozen=True, slots=True)
class InviteFile:
    """A calendar invite that goes with a message: a file in Slack, a link on every platform.

    ``token`` is the unguessable token the bot's web server serves the ``.ics`` under (``/invites/{token}.ics``,
    ``text/calendar``); the file is built when it is fetched or uploaded, so it always holds the meeting as it
    stands. One token per meeting for the channel's copy, one per person and meeting for a personal invite.
    """

    token: str
    filename: str
    """What the file is called when saved or uploaded, e.g. ``erfa-2027-spring.ics``."""
    cancels: bool = False
    """The meeting is called off: the file takes it out of the calendar (the link says so, not "add")."""


QUOTE = "quote"  # the key of a quoted text: platforms may shorten it to fit, never the other lines


CURRENT_SUFFIX = ":current"
"""How the dedupe key of the edit that keeps a post current ends: the post's own key, then this."""


def current_key(post_key: str) -> str:
    """Return the dedupe key of the edit that keeps the post keyed ``post_key`` current (one per post)."""
    return f"{post_key}{CURRENT_SUFFIX}"


@dataclass(frozen=True, slots=True)
class Message:
    """A platform-neutral message to a person (by id) or to a channel (by name).

    ``lines`` come first, then ``sections``, then the ``actions`` to choose from.

    ``updates`` names (by dedupe key) an earlier channel post of the bot that this message replaces in place
    (Slack ``chat.update``, Teams' update activity) instead of being posted anew; see ``Outbox.keep_current``.
    """

    lines: tuple[Text, ...]
    to_person: int | None = None
    to_channel: str | None = None
    actions: tuple[Action, ...] = ()
    ref: str | None = None
    dedupe_key: str | None = None
    sections: tuple[Section, ...] = ()
    invite: InviteFile | None = None
    updates: str | None = None
