"""Slack's HTTP endpoints on our aiohttp server: events/commands/interactivity, and the OAuth pages.

Requests to ``/slack/events`` are checked here before bolt sees them: bolt parses the body before its
own signature check and answers anything it cannot parse with a 500 and a traceback, even unsigned.
So the signature is checked on the raw bytes first (401), then the body must be what Slack sends --
a JSON object, or a form whose ``payload`` (if any) is a JSON object -- or it is refused with a 400.
Either refusal is one log line.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.slack.app import INSTALL_PATH, SlackApp
from bot.slack.manifest import OAUTH_REDIRECT_PATH
from bot.slack.payloads import MalformedRequestError, check_shape

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
# Slack's rule: a request signed more than five minutes ago (or ahead) may be a replay.
MAX_REQUEST_AGE_SECONDS = 5 * 60


def add_routes(web_app: web.Application, slack: SlackApp) -> None:
    """Serve Slack's requests (signature-checked, then parsed) and, with OAuth, the install pages."""
    app = slack.app
    secret = slack.settings.signing_secret.encode("utf-8")

    async def events(request: web.Request) -> web.Response:
        raw = await request.read()
        if not _signed(secret, raw, request):
            log.warning("Slack request refused (401): the signature is missing, stale or wrong")
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            bolt_request = _bolt_request(raw, request)
        except MalformedRequestError as error:
            log.warning("Slack request refused (400): %s", error)
            return web.json_response({"error": f"malformed request: {error}"}, status=400)
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))

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


def _signed(secret: bytes, raw: bytes, request: web.Request) -> bool:
    """Tell whether Slack signed these very bytes, recently (slack_sdk's verifier needs UTF-8 bodies,
    an all-digit timestamp and an ASCII signature, and raises on anything else)."""
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "").encode("utf-8", "surrogateescape")
    if not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs(time.time() - int(timestamp)) > MAX_REQUEST_AGE_SECONDS:
        return False
    digest = hmac.new(secret, b"v0:" + timestamp.encode("ascii") + b":" + raw, hashlib.sha256)
    return hmac.compare_digest(b"v0=" + digest.hexdigest().encode("ascii"), signature)


def _bolt_request(raw: bytes, request: web.Request) -> AsyncBoltRequest:
    """Return the request for bolt, once its body is known to be what Slack sends."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedRequestError("the body is not UTF-8") from error
    if request.content_type not in (JSON, FORM):
        raise MalformedRequestError(f"content type {request.content_type} is not JSON or a form")
    # Bolt reads a body that starts with "{" as JSON whatever its content type says.
    if request.content_type == JSON or text.startswith("{"):
        check_shape(_json_object(text, "the body"))
    else:
        form = dict(parse_qsl(text, keep_blank_values=True))
        if "payload" in form:
            check_shape(_json_object(form["payload"], "the payload field"))
        elif not form:
            raise MalformedRequestError("the form is empty")
    try:
        return AsyncBoltRequest(body=text, query=request.query_string, headers=dict(request.headers))
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as error:
        # Bolt reads ids out of the body when it builds the request (team, enterprise, authorizations):
        # a well-formed object with fields of the wrong shape fails there.
        raise MalformedRequestError(
            f"its fields are not shaped as Slack's ({type(error).__name__})"
        ) from error


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise MalformedRequestError(f"{what} is not valid JSON") from error
    if not isinstance(value, dict):
        raise MalformedRequestError(f"{what} is not a JSON object")
    return value
