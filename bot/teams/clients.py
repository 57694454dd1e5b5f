"""Bot Framework clients made once and reused, instead of once per activity.

botbuilder's CloudAdapter builds a new ConnectorClient and a new UserTokenClient for every activity
and every proactive message. Each build costs about 5 ms of CPU (msrest's retry policy computes its
status lists with a quadratic list comprehension), more than the rest of a turn. The clients hold
only their credentials, which fetch and refresh tokens themselves, so one per (app, service URL,
audience) serves every turn; the old BotFrameworkAdapter kept such a cache too.
"""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity
from botframework.connector import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)

MAX_CLIENTS = 64  # a bot meets a handful of service URLs; the bound only guards against surprises
_Key = tuple[Any, ...]


def _identity_key(claims_identity: ClaimsIdentity) -> _Key:
    # Which app the clients act for: the audience of the inbound token (None without authentication).
    claims = claims_identity.claims or {}
    return (claims_identity.is_authenticated, claims.get("aud"), claims.get("appid") or claims.get("azp"))


class _Cache:
    def __init__(self) -> None:
        self._clients: dict[_Key, Any] = {}

    def get(self, key: _Key) -> Any:
        return self._clients.get(key)

    def put(self, key: _Key, client: Any) -> Any:
        if len(self._clients) >= MAX_CLIENTS:
            self._clients.pop(next(iter(self._clients)))
        self._clients[key] = client
        return client


class _ReusingConnectorFactory(ConnectorFactory):  # type: ignore[misc]  # botbuilder has no type hints
    def __init__(self, inner: ConnectorFactory, cache: _Cache, identity: _Key) -> None:
        self._inner = inner
        self._cache = cache
        self._identity = identity

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = (*self._identity, "connector", service_url, audience)
        client = self._cache.get(key)
        if client is None:
            client = self._cache.put(key, await self._inner.create(service_url, audience))
        return client


class ReusingBotFrameworkAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]
    """Delegates everything to botbuilder's authentication, but reuses the clients it creates."""

    def __init__(self, inner: BotFrameworkAuthentication) -> None:
        self._inner = inner
        self._cache = _Cache()

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        """Validate an inbound request's token (botbuilder does it); its replies reuse clients."""
        return self._reusing(await self._inner.authenticate_request(activity, auth_header))

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        """Validate a streaming request's token (botbuilder does it); its replies reuse clients."""
        return self._reusing(await self._inner.authenticate_streaming_request(auth_header, channel_id_header))

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        """Return a factory whose clients are made once per service URL and audience."""
        inner = self._inner.create_connector_factory(claims_identity)
        return _ReusingConnectorFactory(inner, self._cache, _identity_key(claims_identity))

    def _reusing(self, result: AuthenticateRequestResult) -> AuthenticateRequestResult:
        # The adapter replies to an inbound activity through the factory in the result, not through
        # create_connector_factory, so that factory needs wrapping too.
        if result.connector_factory is not None:
            identity = _identity_key(result.claims_identity)
            result.connector_factory = _ReusingConnectorFactory(
                result.connector_factory, self._cache, identity
            )
        return result

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        """Return the user token client for the identity, made once."""
        key = (*_identity_key(claims_identity), "user-token")
        client = self._cache.get(key)
        if client is None:
            client = self._cache.put(key, await self._inner.create_user_token_client(claims_identity))
        return client

    def get_originating_audience(self) -> str:
        """Return the audience of proactive messages (botbuilder's)."""
        return str(self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        """Validate a skill request's token (botbuilder does it)."""
        return await self._inner.authenticate_channel_request(auth_header)
