"""The baseline for bench/slack_ack.py: a bolt AsyncApp on the same aiohttp stack that only acks."""

from __future__ import annotations

import os
import sys

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def build() -> web.Application:
    """Build the bare app: signature check, one /sparring listener that acks, nothing else."""
    token = os.environ["SLACK_BOT_TOKEN"]
    client = AsyncWebClient(token=token, base_url=os.environ["SLACK_API_URL"])
    app = AsyncApp(signing_secret=os.environ["SLACK_SIGNING_SECRET"], token=token, client=client)

    @app.command("/sparring")
    async def sparring(ack: AsyncAck) -> None:
        await ack(text="ok")

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    return web_app


if __name__ == "__main__":
    web.run_app(build(), host="127.0.0.1", port=int(sys.argv[1]), print=None)
