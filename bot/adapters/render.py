"""Neutral messages → words for one reader. Each platform adds its own layout on top."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import MappingProxyType
from zoneinfo import ZoneInfo

from bot.i18n import Reader
from bot.invites.files import invite_url
from handlers.shared.model import Person, Tenant
from handlers.shared.text import QUOTE, Message, Text, Verbatim

MAX_BUTTONS = 5  # more options than this are offered as a choice list (a dropdown) on every platform
ELLIPSIS = "…"
_SPACE = re.compile(r"\s")

Measure = Callable[[str], int]


@dataclass(frozen=True, slots=True)
class RenderedAction:
    id: str
    label: str
    style: str


@dataclass(frozen=True, slots=True)
class RenderedSection:
    """A heading and its facts (label, value) in the reader's language."""

    heading: str
    facts: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class RenderedLink:
    """A link to open: a calendar invite's "Føj til kalender", with the file's name."""

    label: str
    url: str
    filename: str


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """A message in the reader's language: its lines, its sections of facts and its buttons."""

    lines: tuple[str, ...]
    actions: tuple[RenderedAction, ...]
    ref: str | None
    sections: tuple[RenderedSection, ...] = ()
    shortened: bool = False
    invite: RenderedLink | None = None

    @property
    def text(self) -> str:
        """Return the lines and the facts as one text."""
        return "\n".join(self.all_lines())

    def all_lines(self, align: bool = False) -> list[str]:
        """Return the lines, then each section's heading and its facts as ``label: value`` lines.

        ``align`` lays the facts out for a terminal: indented under their heading, values in a column.
        """
        lines = list(self.lines)
        indent = "  " if align else ""
        for section in self.sections:
            width = max((len(label) for label, _ in section.facts), default=0) if align else 0
            lines.append(section.heading)
            lines.extend(f"{indent}{label + ':':<{width + 1}} {value}" for label, value in section.facts)
        return lines

    @property
    def as_choice_list(self) -> bool:
        """Tell whether the actions are too many for a row of buttons (a list shows every label whole)."""
        return len(self.actions) > MAX_BUTTONS


def reader_for(tenant: Tenant, person: Person | None) -> Reader:
    """Return the reader profile of a person (the tenant's default language when they chose none)."""
    language = person.language_or(tenant.language) if person else tenant.language
    return Reader(language, ZoneInfo(tenant.timezone))


def render(
    message: Message,
    reader: Reader,
    escape: Callable[[str], str] = lambda s: s,
    *,
    budget: int | None = None,
    measure: Measure = len,
    line_cost: int = 1,
    public_url: str = "",
) -> RenderedMessage:
    """Render a message's lines, sections, button labels and invite link for the reader.

    ``public_url`` is where the bot's web server is reached, which an invite's link starts with. With a ``budget``, the lines (each measured after escaping, plus ``line_cost``) are made to fit
    it by shortening the quoted texts alone: every other line stays whole, and a hint tells how to
    read the rest.
    """
    lines = [reader.render(line, escape) for line in message.lines]
    shortened = False
    if budget is not None:
        lines, shortened = _fit(message, reader, escape, lines, budget, measure, line_cost)
    return RenderedMessage(
        lines=tuple(lines),
        actions=tuple(
            RenderedAction(a.id, reader.render(a.label, escape), a.style.value) for a in message.actions
        ),
        ref=message.ref,
        sections=tuple(
            RenderedSection(
                reader.render(s.heading, escape),
                tuple((reader.render(f.label, escape), reader.render(f.value, escape)) for f in s.facts),
            )
            for s in message.sections
        ),
        shortened=shortened,
        invite=_invite_link(message, reader, public_url),
    )


def _invite_link(message: Message, reader: Reader, public_url: str) -> RenderedLink | None:
    if message.invite is None:
        return None
    label = reader.render(
        Text.of("invite.remove_from_calendar" if message.invite.cancels else "invite.add_to_calendar")
    )
    return RenderedLink(label, invite_url(public_url, message.invite.token), message.invite.filename)


def _fit(
    message: Message,
    reader: Reader,
    escape: Callable[[str], str],
    lines: list[str],
    budget: int,
    measure: Measure,
    line_cost: int,
) -> tuple[list[str], bool]:
    def cost(texts: list[str]) -> int:
        return sum(measure(text) + line_cost for text in texts)

    quotes = [
        i
        for i, line in enumerate(message.lines)
        if line.key == QUOTE and isinstance(line.params.get("text"), Verbatim)
    ]
    if cost(lines) <= budget or not quotes:
        return lines, False
    hint = [reader.render(Text.of("show.hint", ref=message.ref), escape)] if message.ref else []
    room = budget - cost([line for i, line in enumerate(lines) if i not in quotes] + hint)
    fitted = list(lines)
    shortened = False
    for n, i in enumerate(quotes):
        share = room // (len(quotes) - n)
        if measure(lines[i]) + line_cost > share:
            quote = message.lines[i]
            verbatim = quote.params["text"]
            assert isinstance(verbatim, Verbatim)  # checked when the quotes were picked
            frame = measure(reader.render(_with_text(quote, ""), escape)) + line_cost
            short = shorten(verbatim.value, share - frame, lambda s: measure(escape(s)))
            fitted[i] = reader.render(_with_text(quote, short), escape)
            shortened = True
        room -= measure(fitted[i]) + line_cost
    if shortened and hint:
        fitted.insert(quotes[-1] + 1, hint[0])
    return fitted, shortened


def _with_text(quote: Text, text: str) -> Text:
    return replace(quote, params=MappingProxyType({**quote.params, "text": Verbatim(text)}))


def shorten(text: str, limit: int, measure: Measure = len) -> str:
    """Return the text, or its longest start that fits ``limit`` with "…", cut at a word boundary."""
    if measure(text) <= limit:
        return text
    room = limit - measure(ELLIPSIS)
    if room <= 0:
        return ""
    used, end = 0, len(text)
    for i, char in enumerate(text):
        used += measure(char)
        if used > room:
            end = i
            break
    start = text[:end]
    # Cut at the last space (the one right after what fits counts) unless that loses over half of it.
    boundary = max((m.start() for m in _SPACE.finditer(text, 0, end + 1)), default=-1)
    if boundary > end // 2:
        start = start[:boundary]
    return start.rstrip() + ELLIPSIS
