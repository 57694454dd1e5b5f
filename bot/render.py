"""Neutral messages → words for one reader. Each platform adds its own layout on top."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.i18n import Reader
from handlers.model import Person, Tenant
from handlers.text import Message


@dataclass(frozen=True, slots=True)
class RenderedAction:
    id: str
    label: str
    style: str


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """A message in the reader's language: its lines and its buttons."""

    lines: tuple[str, ...]
    actions: tuple[RenderedAction, ...]
    ref: str | None

    @property
    def text(self) -> str:
        """Return the lines as one text."""
        return "\n".join(self.lines)


def reader_for(tenant: Tenant, person: Person | None) -> Reader:
    """Return the reader profile of a person (the tenant's default language when they chose none)."""
    language = person.language_or(tenant.language) if person else tenant.language
    return Reader(language, ZoneInfo(tenant.timezone))


def render(message: Message, reader: Reader, escape: Callable[[str], str] = lambda s: s) -> RenderedMessage:
    """Render a message's lines and button labels for the reader."""
    return RenderedMessage(
        lines=tuple(reader.render(line, escape) for line in message.lines),
        actions=tuple(
            RenderedAction(a.id, reader.render(a.label, escape), a.style.value) for a in message.actions
        ),
        ref=message.ref,
    )
