"""The baselines for bench/teams_activity.py: botbuilder bots on the stack vpmo's Teams endpoint uses.

aiohttp, a ``CloudAdapter`` without authentication (no app id, as with ``VPMO_TEAMS_LOCAL=1``) and a
handler shaped like the one in ``bot/teams/http.py``: read the JSON, deserialise the activity, run the
(no-op) authentication, process it. Three kinds, named as the benchmark prints them:

- ``bare``: an echo bot with botbuilder's defaults (two new connector clients per activity). It
  answers every message with its own text in the same conversation, one call to the Bot Connector,
  like vpmo's reply.
- ``reuse``: the echo bot with its connector clients made once, as vpmo's are (``bot.teams.clients``).
- ``write+send``: ``reuse``, and it first writes the message down (one row in one transaction to
  SQLite in FOLDER through SQLAlchemy in a worker thread, as ``bench.bare_slack_app`` does), and after
  the answer sends the text once more as a proactive message (``continue_conversation``), as vpmo's
  outbox sends the offer to a senior: the honest floor of vpmo's ``sparring`` (issue 13).

    .venv/bin/python -m bench.bare_teams_bot PORT bare|reuse|write+send FOLDER
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes

from bench.bare_slack_app import request_log, write_down
from bot.teams.clients import ReusingBotFrameworkAuthentication

KINDS = ("bare", "reuse", "write+send")
Turn = Callable[[TurnContext], Awaitable[None]]


def _echo(text: str) -> Activity:
    return Activity(type=ActivityTypes.message, text=text, text_format="plain")


async def echo(context: TurnContext) -> None:
    """Answer a message with the same text; ignore every other activity."""
    if context.activity.type == ActivityTypes.message:
        await context.send_activity(_echo(context.activity.text or ""))


def write_and_send(adapter: CloudAdapter, folder: str) -> Turn:
    """Return the turn of ``write+send``: write the message down, answer it, then send it once more."""
    engine = request_log(f"sqlite:///{folder}/teams-write-send.db")
    sending: set[asyncio.Task[Any]] = set()

    async def turn(context: TurnContext) -> None:
        activity = context.activity
        if activity.type != ActivityTypes.message:
            return
        text = activity.text or ""
        await asyncio.to_thread(write_down, engine, activity.from_property.id, text)
        await context.send_activity(_echo(text))

        async def send(proactive: TurnContext) -> None:
            await proactive.send_activity(_echo(text))

        # Sent after the answer, as an outbox is sent after the transaction; the task is kept so
        # that it is not collected half-way.
        reference = TurnContext.get_conversation_reference(activity)
        task = asyncio.ensure_future(adapter.continue_conversation(reference, send, ""))
        sending.add(task)
        task.add_done_callback(sending.discard)

    return turn


def build(kind: str, folder: str) -> web.Application:
    """Build a baseline bot of ``kind``: POST /api/messages, nothing else."""
    configuration = SimpleNamespace(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID="")
    authentication = ConfigurationBotFrameworkAuthentication(configuration)
    adapter = CloudAdapter(
        authentication if kind == "bare" else ReusingBotFrameworkAuthentication(authentication)
    )
    turn = write_and_send(adapter, folder) if kind == "write+send" else echo

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
        response = await adapter.process_activity(authenticated, activity, turn)
        if response is None:
            return web.Response(status=200)
        return web.json_response(response.body, status=int(response.status))

    web_app = web.Application()
    web_app.router.add_post("/api/messages", messages)
    return web_app


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[2] not in KINDS:
        raise SystemExit(f"usage: python -m bench.bare_teams_bot PORT {'|'.join(KINDS)} FOLDER")
    web.run_app(build(sys.argv[2], sys.argv[3]), host="127.0.0.1", port=int(sys.argv[1]), print=None)
