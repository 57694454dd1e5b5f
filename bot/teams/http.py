"""``POST /api/messages`` on our aiohttp server, and the Bot Framework adapter behind it.

The handler is ours, not ``CloudAdapter.process``: that one answers every invoke with 500 because it
serialises an already-serialised body (botbuilder 4.17.1). Authentication runs first and on its own, so
every failure of it (a missing, malformed or invalid token) is a 401 and never reaches the bot. Only a
request without a token is refused before its body is read; the token's claims are checked against the
activity (its channel and serviceUrl), so an activity missing what Teams always sends (type, from,
conversation, serviceUrl) is refused with a 400 before the token is. Each refusal is one log line.

The adapter counts every call a turn makes to the Bot Connector against Teams' pace (``bot.teams.pace``),
once for every handler: botbuilder's ``TurnContext`` sends and updates through it.
"""

from __future__ import annotations

import json
import logging
from functools import partial
from types import SimpleNamespace
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityEventNames, ActivityTypes, ResourceResponse
from botframework.connector.auth import BotFrameworkAuthentication

from bot.adapters.pacing import Pacing
from bot.i18n import in_both_languages
from bot.teams.bot import TeamsBot
from bot.teams.clients import ReusingBotFrameworkAuthentication
from bot.teams.pace import TeamsPace
from bot.teams.settings import TeamsSettings
from handlers.shared.text import Text

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
# What botbuilder's send_activities keeps to itself: the invoke's answer (the body of our response to
# Teams' request), a pause, and a trace (sent to the Emulator only).
_NOT_CALLS = frozenset({ActivityTypes.invoke_response, ActivityTypes.trace, "delay"})


class PacedAdapter(CloudAdapter):  # type: ignore[misc]  # botbuilder has no type hints
    """botbuilder's CloudAdapter, counting the connector calls of every turn against Teams' pace."""

    def __init__(self, authentication: BotFrameworkAuthentication, tenant_requests_per_second: int) -> None:
        super().__init__(authentication)
        self._tenant_requests_per_second = tenant_requests_per_second
        self._pace: TeamsPace | None = None

    def paced_by(self, pacing: Pacing) -> TeamsPace:
        """Count the turns' calls with ``pacing`` from now on; return the Teams pace, for the messenger's sends."""
        self._pace = TeamsPace(pacing, self._tenant_requests_per_second)
        return self._pace

    async def send_activities(
        self, context: TurnContext, activities: list[Activity]
    ) -> list[ResourceResponse]:
        """Send the activities one by one, each when the pace allows it (see ``TeamsPace.answer``)."""
        pace = None if _proactive(context) else self._pace
        responses: list[ResourceResponse] = []
        for activity in activities:
            send = partial(super().send_activities, context, [activity])
            if pace is None or activity.type in _NOT_CALLS:
                responses.extend(await send())
            else:
                responses.extend(await pace.answer(context.activity, send))
        return responses

    async def update_activity(self, context: TurnContext, activity: Activity) -> ResourceResponse | None:
        """Replace an activity the bot sent, when the pace allows it."""
        update = partial(super().update_activity, context, activity)
        if self._pace is None or _proactive(context):
            return await update()
        return await self._pace.answer(context.activity, update)


def _proactive(context: TurnContext) -> bool:
    # The messenger's own turns (continue_conversation): it paced the send before it began.
    activity = context.activity
    return bool(
        activity.type == ActivityTypes.event and activity.name == ActivityEventNames.continue_conversation
    )


def build_adapter(settings: TeamsSettings) -> PacedAdapter:
    """Return the adapter configured with Microsoft's settings (no auth at all without an app id)."""
    configuration = SimpleNamespace(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password,
        APP_TYPE=settings.app_type.value if settings.app_id else "MultiTenant",
        APP_TENANTID=settings.app_tenant_id,
    )
    adapter = PacedAdapter(
        ReusingBotFrameworkAuthentication(ConfigurationBotFrameworkAuthentication(configuration)),
        settings.tenant_requests_per_second,
    )
    adapter.on_turn_error = _on_turn_error
    return adapter


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    # The one error hook for every activity: log with context, answer politely where Teams shows it.
    activity = context.activity
    log.error("Teams activity %s (%s) failed: %s", activity.id, activity.type, error, exc_info=error)
    if activity.type == ActivityTypes.message:
        try:
            await context.send_activity(
                Activity(
                    type=ActivityTypes.message,
                    text=in_both_languages(Text.of("error.sorry")),
                    text_format="plain",
                )
            )
        except Exception as send_error:
            log.warning("could not tell the Teams user about the failure: %s", send_error)


def add_routes(
    web_app: web.Application, adapter: CloudAdapter, bot: TeamsBot, settings: TeamsSettings
) -> None:
    """Serve Teams' activities at /api/messages."""

    async def messages(request: web.Request) -> web.Response:
        auth_header = request.headers.get("Authorization", "")
        if settings.authenticated and not auth_header:
            raise _refused(web.HTTPUnauthorized, "missing Authorization")
        activity = await _activity(request)
        try:
            authenticated = await adapter.bot_framework_authentication.authenticate_request(
                activity, auth_header
            )
        except Exception as error:
            # The SDK raises PermissionError for a bad token but KeyError/ValueError/jwt errors for a
            # malformed one: every one of them means "not authenticated".
            log.warning("Teams request refused: %s: %s", type(error).__name__, error)
            raise web.HTTPUnauthorized(text="invalid token") from error
        response = await adapter.process_activity(authenticated, activity, bot.on_turn)
        if response is None:
            return web.Response(status=200)
        return web.json_response(_plain(response.body), status=int(response.status))

    web_app.router.add_post(MESSAGES_PATH, messages)


async def _activity(request: web.Request) -> Activity:
    """Return the request's activity, or refuse it (400/415) when it is not one Teams would send."""
    if request.content_type != "application/json":
        raise _refused(web.HTTPUnsupportedMediaType, "expected application/json")
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _refused(web.HTTPBadRequest, "malformed JSON") from error
    if not isinstance(body, dict):
        raise _refused(web.HTTPBadRequest, "expected an activity (a JSON object)")
    # Checked on the JSON, not the Activity: msrest turns a number into a string and keeps a number
    # where a URL belongs, and the bot and every reply need these (replies go to the serviceUrl).
    if not _text(body.get("type")):
        raise _refused(web.HTTPBadRequest, "an activity needs a type")
    for field in ("from", "conversation"):
        value = body.get(field)
        if not isinstance(value, dict) or not _text(value.get("id")):
            raise _refused(web.HTTPBadRequest, f"an activity needs {field}.id")
    if not _text(body.get("serviceUrl")):
        raise _refused(web.HTTPBadRequest, "an activity needs a serviceUrl")
    try:
        activity: Activity = Activity().deserialize(body)
    except ValueError as error:  # msrest's DeserializationError: a field of the wrong shape
        raise _refused(web.HTTPBadRequest, f"not an activity: {error}") from error
    return activity


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _refused(kind: type[web.HTTPClientError], reason: str) -> web.HTTPClientError:
    log.warning("Teams request refused (%s): %s", kind.status_code, reason)
    return kind(text=reason)


def _plain(body: Any) -> Any:
    """Return an invoke body as JSON-ready data (our handlers already give dicts)."""
    if body is None or isinstance(body, dict | list | str | int | float | bool):
        return body
    serialize = getattr(body, "serialize", None)
    return serialize() if callable(serialize) else body
