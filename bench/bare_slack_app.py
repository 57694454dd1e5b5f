"""The baselines for bench/slack_ack.py: a bolt AsyncApp on the same aiohttp stack that only acks."""

from __future__ import annotations

import os
import sys

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def build(*, inline: bool) -> web.Application:
    """Build the bare app: signature check, one /sparring listener that acks, nothing else.

    With ``inline`` the listener runs before the response (``process_before_response``), as vpmo's
    do; bolt's default runs it as a task and polls for the ack every 10 ms.
    """
    token = os.environ["SLACK_BOT_TOKEN"]
    client = AsyncWebClient(token=token, base_url=os.environ["SLACK_API_URL"])
    app = AsyncApp(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token=token,
        client=client,
        process_before_response=inline,
    )

    @app.command("/sparring")
    async def sparring(ack: AsyncAck) -> None:
        await ack(text="ok")

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    return web_app


if __name__ == "__main__":
    web.run_app(
        build(inline="--inline" in sys.argv[2:]),
        host="127.0.0.1",
        port=int(sys.argv[1]),
        print=None,
        access_log=None,
    )
