"""The Bot Framework clients are made once per service URL, also for replies to inbound activities."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

from bot.teams.clients import ReusingBotFrameworkAuthentication

SERVICE_URL = "http://127.0.0.1:9/teams/"


def _activity(number: int) -> Activity:
    return Activity(
        type="message",
        id=f"activity-{number}",
        channel_id="msteams",
        service_url=SERVICE_URL,
        from_property=ChannelAccount(id="29:jonas"),
        conversation=ConversationAccount(id="a:personal-jonas"),
        text="sparring",
    )


def _authentication() -> ReusingBotFrameworkAuthentication:
    # No app id: botbuilder accepts requests without a token, as the local endpoint does.
    return ReusingBotFrameworkAuthentication(ConfigurationBotFrameworkAuthentication(SimpleNamespace()))


async def _reply_client(authentication: ReusingBotFrameworkAuthentication, number: int, url: str) -> Any:
    # What CloudAdapter.process_activity does to get the client its turn replies through.
    result = await authentication.authenticate_request(_activity(number), "")
    return await result.connector_factory.create(url, result.audience)


def test_replies_to_inbound_activities_share_one_connector_client() -> None:
    authentication = _authentication()

    async def three_turns() -> list[Any]:
        return [await _reply_client(authentication, number, SERVICE_URL) for number in range(3)]

    clients = asyncio.run(three_turns())
    assert clients[0] is clients[1] is clients[2]


def test_replies_and_proactive_messages_share_one_connector_client() -> None:
    authentication = _authentication()

    async def reply_and_proactive() -> tuple[Any, Any]:
        result = await authentication.authenticate_request(_activity(1), "")
        reply = await result.connector_factory.create(SERVICE_URL, result.audience)
        factory = authentication.create_connector_factory(result.claims_identity)
        return reply, await factory.create(SERVICE_URL, result.audience)

    reply, proactive = asyncio.run(reply_and_proactive())
    assert proactive is reply


def test_each_service_url_has_its_own_client() -> None:
    authentication = _authentication()

    async def two_urls() -> tuple[Any, Any]:
        other = "http://127.0.0.1:9/other/"
        return await _reply_client(authentication, 1, SERVICE_URL), await _reply_client(
            authentication, 2, other
        )

    here, elsewhere = asyncio.run(two_urls())
    assert here is not elsewhere
    assert elsewhere.config.base_url == "http://127.0.0.1:9/other/"
