"""The baseline for bench/teams_activity.py: a botbuilder echo bot on the stack vpmo's Teams endpoint uses.

aiohttp, a ``CloudAdapter`` without authentication (no app id, as with ``VPMO_TEAMS_LOCAL=1``) and a
handler shaped like the one in ``bot/teams/http.py``: read the JSON, deserialise the activity, run the
(no-op) authentication, process it. The bot answers every message with its own text in the same
conversation, which is one call to the Bot Connector, like vpmo's reply.

    .venv/bin/python -m bench.bare_teams_bot PORT [--reuse]
"""

from __future__ import annotations

import json
import sys
from types import SimpleNamespace

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes

from bot.teams.clients import ReusingBotFrameworkAuthentication


async def echo(context: TurnContext) -> None:
    """Answer a message with the same text; ignore every other activity."""
    if context.activity.type == ActivityTypes.message:
        reply = Activity(type=ActivityTypes.message, text=context.activity.text or "", text_format="plain")
        await context.send_activity(reply)


def build(*, reuse: bool) -> web.Application:
    """Build the bare bot: POST /api/messages, nothing else.

    With ``reuse`` its connector clients are made once, as vpmo's are (``bot.teams.clients``);
    botbuilder's default makes two per activity.
    """
    configuration = SimpleNamespace(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID="")
    authentication = ConfigurationBotFrameworkAuthentication(configuration)
    adapter = CloudAdapter(ReusingBotFrameworkAuthentication(authentication) if reuse else authentication)

    async def messages(request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            raise web.HTTPUnsupportedMediaType(text="expected application/json")
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise web.HTTPBadRequest(text="malformed JSON") from error
        activity = Activity().deserialize(body)
        authenticated = await adapter.bot_framework_authentication.authenticate_request(
            activity, request.headers.get("Authorization", "")
        )
        response = await adapter.process_activity(authenticated, activity, echo)
        if response is None:
            return web.Response(status=200)
        return web.json_response(response.body, status=int(response.status))

    web_app = web.Application()
    web_app.router.add_post("/api/messages", messages)
    return web_app


if __name__ == "__main__":
    web.run_app(build(reuse="--reuse" in sys.argv[2:]), host="127.0.0.1", port=int(sys.argv[1]), print=None)
