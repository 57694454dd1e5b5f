"""Invite files and links: the .ics a token stands for, written in its holder's language, and its URL."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from urllib.parse import quote
from zoneinfo import ZoneInfo

from bot.i18n import Reader
from bot.invites.ics import to_ics
from handlers.erfa.invite_files import invite_file
from handlers.shared.context import Deps

# Tokens are token_urlsafe(24): 32 characters of A-Z a-z 0-9 - _. Anything else is no token and is not
# looked up (PostgreSQL refuses a NUL in a text even to compare it).
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}")
INVITES_PATH = "/invites"


@dataclass(frozen=True, slots=True)
class IcsFile:
    """An invite as a file: its name, its bytes, its iTIP method (for the Content-Type) and the meeting's title."""

    filename: str
    content: bytes
    method: str
    title: str


def invite_url(public_url: str, token: str) -> str:
    """Return the public link of an invite, e.g. ``https://vpmo.example.dk/invites/abc.ics``."""
    return f"{public_url.rstrip('/')}{INVITES_PATH}/{quote(token, safe='')}.ics"


def ics_file(deps: Deps, token: str) -> IcsFile | None:
    """Return the invite file the token stands for, as the meeting stands now; None for an unknown token."""
    if not _TOKEN.fullmatch(token):
        return None
    download = invite_file(deps, token)
    if download is None:
        return None
    invite = download.invite
    reader = Reader(download.language, ZoneInfo(invite.zone))
    described = dataclasses.replace(invite, description=reader.render(download.about))
    return IcsFile(
        download.filename, to_ics(described, now=deps.clock.now()), invite.method.value, invite.title
    )
