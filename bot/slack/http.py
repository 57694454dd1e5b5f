"""Slack's HTTP endpoints on our aiohttp server: events/commands/interactivity, and the OAuth pages."""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.slack.app import INSTALL_PATH
from bot.slack.manifest import OAUTH_REDIRECT_PATH

EVENTS_PATH = "/slack/events"


def add_routes(web_app: web.Application, app: AsyncApp) -> None:
    """Serve Slack's requests (signature-checked by bolt) and, with OAuth, the install pages."""

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app.router.add_post(EVENTS_PATH, events)
    flow = app.oauth_flow
    if flow is None:
        return

    async def install(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))

    async def redirect(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    web_app.router.add_get(INSTALL_PATH, install)
    web_app.router.add_get(OAUTH_REDIRECT_PATH, redirect)
