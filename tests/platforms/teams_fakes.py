"""A fake Bot Connector on 127.0.0.1 in its own thread, and real-shaped Teams activities to send.

botbuilder's outbound calls block while the connector answers; a fake served on the bot's own event
loop would deadlock, so this one runs its own loop in its own thread.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import web

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "teams"
BOT_ID = "28:c9e8c047-2a74-40a2-b28a-b162d5f5327c"


@dataclass(frozen=True)
class ConnectorCall:
    """One request the bot made to the Bot Connector."""

    method: str
    path: str
    body: dict[str, Any]
    at: float
    answered_id: str = ""
    """The activity id the fake gave what it created (a post, a reply, a new channel thread)."""

    @property
    def conversation(self) -> str:
        """Return the conversation id in the path (empty for conversation creation)."""
        parts = self.path.split("/")
        return parts[3] if len(parts) > 3 else ""

    @property
    def activity_id(self) -> str:
        """Return the activity id at the end of the path (the replied-to or the updated activity)."""
        parts = self.path.split("/")
        return parts[5] if len(parts) > 5 else ""

    @property
    def cards(self) -> list[dict[str, Any]]:
        """Return the Adaptive Cards the activity carries."""
        return [a["content"] for a in self.body.get("attachments") or [] if "adaptive" in a["contentType"]]

    @property
    def shown(self) -> str:
        """Return all the text the activity shows (its text and its cards), as one string."""
        return (self.body.get("text") or "") + json.dumps(self.cards, ensure_ascii=False)


@dataclass
class _Failure:
    status: int
    retry_after: str | None
    matches: Callable[[str, str], bool]


@dataclass
class FakeConnector:
    """Records activities sent to ``/v3/conversations/...`` and answers like the Bot Connector."""

    calls: list[ConnectorCall] = field(default_factory=list)
    _failures: list[_Failure] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1700000000001))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0
    members: dict[str, str] = field(default_factory=dict)  # Teams user id -> e-mail, for roster lookups
    # Answer a new channel post with its thread id alone, without "activityId" beside it.
    without_activity_id: bool = False

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-connector", daemon=True)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """Return the service URL to put in activities."""
        return f"http://127.0.0.1:{self.port}/"

    def fail_next(
        self,
        status: int,
        *,
        retry_after: str | None = None,
        conversation: str = "",
        method: str | None = None,
    ) -> None:
        """Answer the next request (to the conversation, with the method, if given) with an error, once."""

        def matches(request_method: str, path: str) -> bool:
            return conversation in path and method in (None, request_method)

        with self._lock:
            self._failures.append(_Failure(status, retry_after, matches))

    def sent(self, conversation: str | None = None) -> list[ConnectorCall]:
        """Return the activities posted (to one conversation, or anywhere), oldest first."""
        return self._activities("POST", conversation)

    def created(self) -> list[ConnectorCall]:
        """Return the conversations the bot created (``POST /v3/conversations``: new channel posts), oldest first."""
        with self._lock:
            return [c for c in self.calls if c.method == "POST" and c.path.rstrip("/") == "/v3/conversations"]

    def wait_for_created(self, count: int = 1, timeout: float = 10.0) -> list[ConnectorCall]:
        """Wait until the bot created ``count`` conversations (channel posts); return them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.created()
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} new conversations, got {self.created()}")

    def updated(self, conversation: str | None = None) -> list[ConnectorCall]:
        """Return the activity updates (PUT, in one conversation or anywhere), oldest first, failed ones too."""
        return self._activities("PUT", conversation)

    def _activities(self, method: str, conversation: str | None) -> list[ConnectorCall]:
        with self._lock:
            return [
                c
                for c in self.calls
                if c.method == method
                and "/activities" in c.path
                and (conversation is None or c.conversation == conversation)
            ]

    def wait_for(
        self, conversation: str | None = None, count: int = 1, timeout: float = 10.0
    ) -> list[ConnectorCall]:
        """Wait until ``count`` activities went to the conversation; return them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.sent(conversation)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} activities to {conversation}, got {self.sent(conversation)}")

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        path = request.path
        with self._lock:
            failure = next((f for f in self._failures if f.matches(request.method, path)), None)
            if failure is not None:
                self._failures.remove(failure)
            new_id = str(next(self._ids))
            answered = new_id if request.method == "POST" and failure is None else ""
            self.calls.append(ConnectorCall(request.method, path, body, time.monotonic(), answered))
        if request.method == "GET" and "/members/" in path:
            return self._member(path.rsplit("/", 1)[-1])
        if failure is not None:
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            code = "Throttled" if failure.status == 429 else f"Http{failure.status}"
            error = {"error": {"code": code, "message": "the fake connector was told to fail"}}
            return web.json_response(error, status=failure.status, headers=headers)
        if path.rstrip("/") == "/v3/conversations":
            channel = ((body.get("channelData") or {}).get("channel") or {}).get("id", "19:channel")
            created = {"id": f"{channel};messageid={new_id}", "activityId": new_id}
            if self.without_activity_id:
                del created["activityId"]
            return web.json_response(created, status=201)
        if request.method == "PUT":
            return web.json_response({"id": path.rsplit("/", 1)[-1]})
        return web.json_response({"id": new_id}, status=201)

    def _member(self, user_id: str) -> web.Response:
        email = self.members.get(user_id)
        if email is None:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation"}}, status=404)
        member = {"id": user_id, "name": email, "email": email, "userPrincipalName": email, "tenantId": "t"}
        return web.json_response(member)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only here
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]  # a Server here

    def __enter__(self) -> Self:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


def fixture(name: str) -> dict[str, Any]:
    """Return a Teams activity fixture without its ``_source`` note."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    data.pop("_source", None)
    return data


_activity_ids = itertools.count(1)


def activity(
    name: str,
    *,
    service_url: str,
    tenant: str,
    user: str,
    conversation: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Return a fixture addressed from ``user`` in ``tenant`` to the bot, with a fresh id."""
    data = copy.deepcopy(fixture(name))
    data["id"] = f"f:test-{next(_activity_ids)}"
    data["serviceUrl"] = service_url
    data["from"] = {"id": user, "name": user, "aadObjectId": "00000000-0000-4000-8000-000000000001"}
    data["recipient"] = {"id": BOT_ID, "name": "vpmo"}
    data.setdefault("channelData", {})["tenant"] = {"id": tenant}
    if conversation is not None:
        data["conversation"]["id"] = conversation
    data.update(fields)
    return data


def personal_conversation(user: str) -> str:
    """Return the id of a user's personal chat with the bot."""
    return f"a:personal-{user.replace(':', '')}"
