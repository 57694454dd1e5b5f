"""The baselines for bench/slack_ack.py and bench/votes.py: a bolt AsyncApp on the same aiohttp stack
that only acks.

    python -m bench.bare_slack_app PORT bare|inline|write|write+send FOLDER [DATABASE_URL]

It answers the ``/sparring`` slash command and Slack's ``reaction_added`` / ``reaction_removed``
events (JSON ``event_callback`` payloads). Three kinds, named as the benchmarks print them:

- ``bare``: bolt's defaults; the listener runs as a task and bolt polls for its ack every 10 ms.
- ``inline``: the listener runs before the response (``process_before_response``), as vpmo's do.
- ``write``: ``inline``, and the listener first writes the request or event down, one row in one
  transaction through SQLAlchemy in a worker thread, as vpmo does its database work. The least any
  app on this stack does when the request path includes a database write. The row goes to SQLite in
  FOLDER, or to DATABASE_URL when given (its own ``request`` table; vpmo has none of that name).
- ``write+send``: ``write``, and after the ack one ``chat.postMessage`` to the requester through
  ``AsyncWebClient``: the honest floor of vpmo's ``/sparring``, which stores the request and then posts
  the offer to a senior (issue 13). Reactions are only written down, as ``write`` does.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Column, DateTime, Engine, Integer, MetaData, String, Table, insert

from storage.db import make_engine

KINDS = ("bare", "inline", "write", "write+send")
_WRITES = ("write", "write+send")
_REQUESTS = Table(
    "request",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("user_id", String(40), nullable=False),
    Column("text", String(4000), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
_WRITE = insert(_REQUESTS)


def request_log(url: str) -> Engine:
    """Return the engine of a baseline's own ``request`` table at ``url``, creating the table if need be."""
    engine = make_engine(url)
    _REQUESTS.metadata.create_all(engine)
    return engine


def write_down(engine: Engine, user_id: str, text: str) -> None:
    """Write one request down: one row in one transaction, as the least a bot storing requests does."""
    with engine.begin() as connection:
        connection.execute(_WRITE, {"user_id": user_id, "text": text, "created_at": datetime.now(UTC)})


def build(kind: str, folder: str, database_url: str | None = None) -> web.Application:
    """Build a baseline app: signature check, a /sparring and a reaction listener, nothing else."""
    token = os.environ["SLACK_BOT_TOKEN"]
    client = AsyncWebClient(token=token, base_url=os.environ["SLACK_API_URL"])
    app = AsyncApp(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token=token,
        client=client,
        process_before_response=kind != "bare",
    )
    engine = request_log(database_url or f"sqlite:///{folder}/{kind}.db")

    sending: set[asyncio.Task[Any]] = set()

    @app.command("/sparring")
    async def sparring(ack: AsyncAck, command: dict[str, str]) -> None:
        if kind in _WRITES:
            await asyncio.to_thread(write_down, engine, command["user_id"], command["text"])
        if kind == "write+send":
            # Posted after the answer, as an outbox is sent after the transaction: the ack waits for
            # the write only. The task is kept so that it is not collected half-way.
            post = client.chat_postMessage(channel=command["user_id"], text=command["text"])
            task = asyncio.ensure_future(post)
            sending.add(task)
            task.add_done_callback(sending.discard)
        await ack(text="ok")

    async def reaction(ack: AsyncAck, event: dict[str, Any]) -> None:
        if kind in _WRITES:
            who, what = str(event.get("user") or ""), str(event.get("reaction") or "")
            await asyncio.to_thread(write_down, engine, who, f"{event.get('type')} {what}")
        await ack()

    app.event("reaction_added")(reaction)
    app.event("reaction_removed")(reaction)

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    return web_app


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5) or sys.argv[2] not in KINDS:
        raise SystemExit(
            f"usage: python -m bench.bare_slack_app PORT {'|'.join(KINDS)} FOLDER [DATABASE_URL]"
        )
    port, kind, folder = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    url = sys.argv[4] if len(sys.argv) == 5 else None
    web.run_app(build(kind, folder, url), host="127.0.0.1", port=port, print=None, access_log=None)
