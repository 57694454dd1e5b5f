"""``GET /invites/{token}.ics``: the bot's web server hands out calendar invites by their token."""

from __future__ import annotations

import asyncio
import logging
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.i18n import Reader
from bot.invites.files import INVITES_PATH, IcsFile, ics_file
from handlers.shared.context import Deps
from handlers.shared.text import Text

log = logging.getLogger(__name__)


def add_routes(web_app: web.Application, deps: Deps, language: str, zone: str) -> None:
    """Serve the invites; ``language`` (and ``zone``) say the sentence for a link that leads nowhere."""
    reader = Reader(language, ZoneInfo(zone))

    async def invite(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        try:
            found = await asyncio.to_thread(ics_file, deps, token)
        except Exception:
            log.exception("the calendar invite could not be built")
            return _sentence(503, reader.render(Text.of("invite.unavailable")))
        if found is None:
            return _sentence(404, reader.render(Text.of("invite.not_found")))
        return _calendar(found)

    web_app.router.add_get(INVITES_PATH + "/{token}.ics", invite)


def _calendar(found: IcsFile) -> web.Response:
    # A personal invite names its holder and their answer: no shared cache may keep it.
    headers = {
        "Content-Type": f"text/calendar; charset=utf-8; method={found.method}",
        "Content-Disposition": f'attachment; filename="{found.filename}"',
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return web.Response(body=found.content, headers=headers)


def _sentence(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=text, headers={"Cache-Control": "no-store"})
