"""A Slack protocol kit for platform tests: a fake Web API, request signing, payloads and a client.

Everything speaks real HTTP on 127.0.0.1 and nothing else leaves the machine.

* :class:`FakeSlackApi` -- a fake Slack Web API (``https://slack.com/api/...``) in its own thread with its
  own event loop.  Point the bot at it with ``AsyncWebClient(base_url=fake.url)`` (or env
  ``SLACK_API_URL``); it records every call as a :class:`Call`, answers like Slack does, fails on
  request (:meth:`FakeSlackApi.fail_next`) and also plays the ``response_url`` endpoint.
* :class:`SlackSigner` -- the ``X-Slack-Request-Timestamp`` / ``X-Slack-Signature`` headers Slack sends.
* Payload builders -- ``(body, content_type)`` pairs exactly as Slack puts them on the wire
  (:func:`slash_command`, :func:`interactive`, :func:`event`, :func:`url_verification`) and the dicts
  inside them (:func:`block_actions_from_message`, :func:`view_submission`, :func:`message_shortcut`,
  event dicts such as :func:`reaction_event`, ...).  Each builder starts from a copy of a real payload
  in ``../shared/fixtures/slack/`` (beside the checkout; see :func:`fixture`) and fills in only what
  the test names -- team, user, channel, text, ts, action, values, trigger id -- so everything else
  keeps the shape Slack sends.  The builder's docstring names its fixture.
* :class:`SlackClient` -- an httpx client that posts signed payloads to the app under test.
* :func:`serve_web_app` -- serve an ``aiohttp.web.Application`` on 127.0.0.1 inside the running loop.

Typical use::

    with FakeSlackApi(emails={"U1": "anne@example.dk"}) as fake:
        ...  # build the app with AsyncWebClient(token="xoxb-test", base_url=fake.url)
        body, content_type = slash_command("T111", "U1", "hjælp", response_url=fake.response_url("c1"))
        response = await SlackClient(base).post("/slack/events", body, content_type, signer=signer)
        posted = await fake.wait_for_async("chat.postMessage")

Defaults line up with those fixtures: team ``T111``, app ``A111``, bot ``B111``; the bot user is ``UBOT``.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import functools
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from aiohttp import web

__all__ = [
    "DEFAULT_APP_ID",
    "DEFAULT_BOT_ID",
    "DEFAULT_BOT_USER_ID",
    "DEFAULT_TEAM_ID",
    "FIXTURES",
    "FORM",
    "JSON",
    "UNROUTABLE_RESPONSE_URL",
    "Call",
    "FakeSlackApi",
    "Headers",
    "Payload",
    "SlackClient",
    "SlackSigner",
    "app_home_opened_event",
    "app_mention_event",
    "app_uninstalled_event",
    "block_actions_from_message",
    "block_actions_from_view",
    "encode_json",
    "event",
    "event_callback",
    "fake_slack",
    "fixture",
    "global_shortcut",
    "interactive",
    "message_event",
    "message_shortcut",
    "new_trigger_id",
    "reaction_event",
    "retry_headers",
    "selected_date",
    "selected_option",
    "selected_options",
    "selected_user",
    "selected_users",
    "serve_web_app",
    "slash_command",
    "tokens_revoked_event",
    "url_verification",
    "view_submission",
    "view_submission_from_view",
    "with_block_ids",
]

# The shared fixtures sit beside the checkout (../shared), wherever it is.
FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "slack"
DEFAULT_TEAM_ID = "T111"
DEFAULT_APP_ID = "A111"
DEFAULT_BOT_USER_ID = "UBOT"
DEFAULT_BOT_ID = "B111"
DEFAULT_TEAM_NAME = "VPMO Test"
DEFAULT_TEAM_DOMAIN = "vpmo-test"
DEFAULT_BOT_TOKEN = "xoxb-1111111111-2222222222-vpmoFakeBotToken0001"
DEFAULT_SCOPES = (
    "app_mentions:read,channels:history,chat:write,chat:write.public,commands,files:write,im:history,im:write,"
    "reactions:read,reactions:write,users:read,users:read.email"
)
VERIFICATION_TOKEN = "verification_token"

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Where a response_url points when a test does not care: 127.0.0.1 port 9 (discard), which refuses the
# connection at once, so a stray respond() fails fast instead of reaching hooks.slack.com.
UNROUTABLE_RESPONSE_URL = "http://127.0.0.1:9/response_url/unset"

Payload = tuple[bytes, str]
"""A request body and its ``Content-Type``, exactly as Slack sends them."""

# Form fields that slack_sdk / Slack carry as JSON strings; the fake decodes them for assertions.
_JSON_FIELDS = frozenset({"blocks", "attachments", "view", "metadata", "unfurls"})
_DEFAULT_ERRORS = {429: "ratelimited", 500: "internal_error", 502: "bad_gateway", 503: "service_unavailable"}
_STOP_TIMEOUT = 10.0


# --- recorded calls ------------------------------------------------------------------------------


class Headers(dict[str, str]):
    """HTTP headers: keys are stored lower-case and looked up case-insensitively."""

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        super().__init__((key.lower(), value) for key, value in pairs)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override,unused-ignore]
        """Return the header's value, or ``default`` when it is missing (any letter case)."""
        return super().get(key.lower(), default)


@dataclass(frozen=True)
class Call:
    """One request the fake received.

    ``method`` is the Web API method (``"chat.postMessage"``) or ``"response_url"``.  ``params`` merges
    the query string and the body (JSON, form or multipart); JSON-string form fields such as ``blocks``
    and ``view`` are decoded.  ``at`` is ``time.monotonic()`` at arrival.  ``status`` and ``response``
    are what the fake answered (a dict for API methods, the text for ``response_url``).
    """

    method: str
    params: dict[str, Any]
    headers: Headers
    at: float
    http_method: str = "POST"
    path: str = ""
    body: bytes = b""
    status: int = 200
    response: Any = None

    @property
    def ok(self) -> bool:
        """Tell whether the fake answered with success."""
        if isinstance(self.response, Mapping):
            return self.status == 200 and bool(self.response.get("ok"))
        return self.status == 200

    @property
    def token(self) -> str | None:
        """Return the token the caller used (``Authorization: Bearer`` or a ``token`` parameter)."""
        authorization = self.headers.get("authorization", "")
        if authorization.startswith("Bearer "):
            return str(authorization.removeprefix("Bearer "))
        token = self.params.get("token")
        return token if isinstance(token, str) else None

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        """Return ``(client_id, client_secret)`` from an ``Authorization: Basic`` header, if any."""
        authorization = self.headers.get("authorization", "")
        if not authorization.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(authorization.removeprefix("Basic ")).decode().partition(":")
        return user, password

    @property
    def blocks(self) -> list[dict[str, Any]]:
        """Return the blocks the caller sent (message blocks, or a view's blocks)."""
        blocks = self.params.get("blocks")
        if blocks is None and isinstance(self.params.get("view"), Mapping):
            blocks = self.params["view"].get("blocks")
        return list(blocks or [])


@dataclass
class _Channel:
    id: str
    name: str
    private: bool = False
    archived: bool = False
    member: bool = False


@dataclass
class _Failure:
    status: int
    error: str
    retry_after: int | None
    remaining: int


# --- the fake Web API ----------------------------------------------------------------------------


@dataclass
class Upload:
    """A file the bot uploaded: announced (filename, length), its bytes posted, then shared in ``channel``."""

    file_id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str | None = None
    channel: str | None = None


class FakeSlackApi:
    """A fake Slack Web API on 127.0.0.1, running in its own thread with its own event loop.

    Because it never runs on the test's loop it serves a bot under test on any loop or thread.  Every
    request under ``/api/{method}`` (GET or POST; JSON, form or multipart) is recorded as a
    :class:`Call` and answered like Slack: the methods below get realistic answers, anything else gets
    ``{"ok": true}`` (or set one with :meth:`answer`).  ``POST /response_url/{suffix}`` is Slack's
    ``response_url``: recorded as method ``"response_url"`` with the JSON body as params, answered
    ``ok`` (text, as hooks.slack.com does).

    Realistic answers: ``chat.postMessage`` (unique increasing ``ts``; a user id as channel answers the
    ``D…`` DM channel), ``chat.update``, ``chat.postEphemeral``, ``conversations.open``, ``views.open`` /
    ``views.push`` / ``views.update`` / ``views.publish``, ``users.info`` and ``users.lookupByEmail``
    (from ``emails``; unknown users fail like Slack), ``auth.test``, ``oauth.v2.access``,
    ``apps.connections.open``, ``reactions.add`` / ``reactions.get``, ``conversations.info`` /
    ``conversations.join``, and ``files.getUploadURLExternal`` / ``files.completeUploadExternal`` (the upload
    URL is the fake's ``/upload/{file_id}``, recorded as ``"file_upload"``), so ``files_upload_v2`` stays
    local too.  Missing required arguments fail like Slack (``channel_not_found``, ``no_text``, ...).

    Channels and reactions are state, as in Slack.  A channel the fake was not told of (:meth:`add_channel`)
    is a public one the bot is not a member of: posting there works (``chat:write.public``), and
    ``conversations.join`` makes the bot a member.  A private channel the bot is not in is invisible to it
    (``channel_not_found`` for info, join, posts and reactions); an archived one refuses posts and joins
    (``is_archived``).  Every message the bot posts is kept, and ``reactions.get`` answers with its
    reactions: those the bot added (``reactions.add``, as ``bot_user_id``) and those tests put on it with
    :meth:`react` / :meth:`unreact`.  Without ``full`` it lists at most :attr:`REACTION_USERS_SHOWN` users
    per reaction (the count stays whole), as Slack may shorten the list; :meth:`delete_message` removes one.

    Configuration (all plain attributes, changeable while running): ``team_id``, ``team_name``,
    ``team_domain``, ``app_id``, ``bot_id``, ``bot_user_id``, ``bot_token`` (the token
    ``oauth.v2.access`` hands out), ``scopes``, ``installer_user_id``, ``emails`` (user id → email, or
    ``None`` for a user without a visible email), ``tokens`` (token → team id; when set, other tokens
    get ``invalid_auth``/``not_authed`` and ``auth.test`` reports the token's team), ``socket_mode_url``
    (what ``apps.connections.open`` returns) and ``latency`` (seconds to wait before answering).
    """

    REACTION_USERS_SHOWN = 50

    def __init__(
        self,
        *,
        team_id: str = DEFAULT_TEAM_ID,
        team_name: str = DEFAULT_TEAM_NAME,
        team_domain: str = DEFAULT_TEAM_DOMAIN,
        app_id: str = DEFAULT_APP_ID,
        bot_id: str = DEFAULT_BOT_ID,
        bot_user_id: str = DEFAULT_BOT_USER_ID,
        bot_token: str = DEFAULT_BOT_TOKEN,
        scopes: str = DEFAULT_SCOPES,
        installer_user_id: str = "U0INSTALLER",
        emails: Mapping[str, str | None] | None = None,
        tokens: Mapping[str, str] | None = None,
        socket_mode_url: str | None = None,
        latency: float = 0.0,
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = team_domain
        self.app_id = app_id
        self.bot_id = bot_id
        self.bot_user_id = bot_user_id
        self.bot_token = bot_token
        self.scopes = scopes
        self.installer_user_id = installer_user_id
        self.emails: dict[str, str | None] = dict(emails or {})
        self.tokens: dict[str, str] | None = None if tokens is None else dict(tokens)
        self.socket_mode_url = socket_mode_url
        self.latency = latency
        self.arrived = 0  # Web API requests that reached the fake (counted before the latency)
        self._overrides: dict[str, dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]] = {}
        self._answers: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
            "chat.postMessage": self._post_message,
            "chat.update": self._update_message,
            "chat.postEphemeral": self._post_ephemeral,
            "conversations.open": self._open_conversation,
            "views.open": self._open_view,
            "views.push": self._open_view,
            "views.update": self._update_view,
            "views.publish": self._publish_view,
            "users.info": self._user_info,
            "users.lookupByEmail": self._user_by_email,
            "auth.test": self._auth_test,
            "oauth.v2.access": self._oauth_access,
            "apps.connections.open": self._open_connection,
            "reactions.add": self._add_reaction,
            "reactions.get": self._get_reactions,
            "conversations.info": self._channel_info,
            "conversations.join": self._join_channel,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }
        self._calls: list[Call] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._channels: dict[str, _Channel] = {}
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._reactions: dict[tuple[str, str], dict[str, list[str]]] = {}
        self._deleted: set[tuple[str, str]] = set()
        self._uploads: dict[str, Upload] = {}
        self._changed = threading.Condition()
        self._ts_counter = itertools.count(1)
        self._view_counter = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._startup_error: BaseException | None = None
        self._port: int | None = None

    # --- lifecycle

    def start(self) -> Self:
        """Start the server thread and return once the port is bound."""
        if self._thread is not None:
            raise RuntimeError("FakeSlackApi is already running")
        ready = threading.Event()
        self._startup_error = None
        self._thread = threading.Thread(target=self._run, args=(ready,), name="FakeSlackApi", daemon=True)
        self._thread.start()
        if not ready.wait(_STOP_TIMEOUT):
            raise RuntimeError("FakeSlackApi did not start")
        if self._startup_error is not None:
            self._thread.join(_STOP_TIMEOUT)
            self._thread = None
            raise RuntimeError("FakeSlackApi could not start") from self._startup_error
        return self

    def stop(self) -> None:
        """Stop the server and join its thread; recorded calls stay available.  Safe to call twice."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None and not loop.is_closed():
            with suppress(RuntimeError):  # the loop may close in between
                loop.call_soon_threadsafe(stopping.set)
        thread.join(_STOP_TIMEOUT)
        if thread.is_alive():
            raise RuntimeError("FakeSlackApi thread did not stop")
        self._thread = self._loop = self._stopping = None
        self._port = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Tell whether the server thread is serving."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def port(self) -> int:
        """Return the bound port."""
        if self._port is None:
            raise RuntimeError("FakeSlackApi is not running: call start() or use it as a context manager")
        return self._port

    @property
    def base(self) -> str:
        """Return ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """Return the Web API base URL, ``http://127.0.0.1:PORT/api/`` (slack_sdk appends the method)."""
        return f"{self.base}/api/"

    def response_url(self, suffix: str = "x") -> str:
        """Return a ``response_url`` served by the fake; calls to it are recorded as ``"response_url"``."""
        return f"{self.base}/response_url/{suffix}"

    # --- scripting

    def fail_next(
        self,
        method: str,
        *,
        status: int | None = None,
        retry_after: int | None = 3,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail; scripted failures queue up in order.

        ``status`` defaults to 200 when ``error`` is given (Slack's ``{"ok": false, "error": ...}``, e.g.
        ``channel_not_found``, ``not_in_channel``, ``account_inactive``) and to 429 otherwise.  ``error``
        defaults by status (429 ``ratelimited``, 500 ``internal_error``, 503 ``service_unavailable``).
        A 429 carries ``Retry-After: {retry_after}`` unless ``retry_after`` is None.  ``method`` may be
        ``"response_url"``, which answers the error as text.
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        resolved_status = status if status is not None else (200 if error else 429)
        resolved_error = error or _DEFAULT_ERRORS.get(resolved_status, "fatal_error")
        failure = _Failure(resolved_status, resolved_error, retry_after, times)
        with self._changed:
            self._failures.setdefault(method, []).append(failure)

    def answer(
        self, method: str, response: Mapping[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]
    ) -> None:
        """Answer ``method`` with ``response`` from now on: a dict, or a function of the call's params."""
        with self._changed:
            self._overrides[method] = response if callable(response) else dict(response)

    def reset(self) -> None:
        """Forget recorded calls, scripted failures and :meth:`answer` overrides (ts keep increasing)."""
        with self._changed:
            self._calls.clear()
            self._failures.clear()
            self._overrides.clear()

    def add_channel(
        self,
        channel_id: str,
        name: str | None = None,
        *,
        private: bool = False,
        archived: bool = False,
        member: bool = False,
    ) -> None:
        """Make a channel known: public or private, archived or not, with the bot a member or not."""
        with self._changed:
            self._channels[channel_id] = _Channel(
                channel_id, name or channel_id.lower(), private, archived, member
            )

    def is_member(self, channel_id: str) -> bool:
        """Tell whether the bot is a member of the channel now."""
        with self._changed:
            return self._channel(channel_id).member

    def react(self, channel_id: str, ts: str, name: str, *users: str) -> None:
        """Put people's reaction ``name`` on a message (each user once, in order), as if they clicked it."""
        with self._changed:
            held = self._reactions.setdefault((channel_id, ts), {}).setdefault(name, [])
            held.extend(user for user in users if user not in held)

    def unreact(self, channel_id: str, ts: str, name: str, *users: str) -> None:
        """Take people's reaction ``name`` off a message again."""
        with self._changed:
            reactions = self._reactions.get((channel_id, ts), {})
            reactions[name] = [user for user in reactions.get(name, []) if user not in users]
            if not reactions[name]:
                del reactions[name]

    def delete_message(self, channel_id: str, ts: str) -> None:
        """Delete a message (someone removed the bot's post): Slack then says ``message_not_found``."""
        with self._changed:
            self._messages.pop((channel_id, ts), None)
            self._reactions.pop((channel_id, ts), None)
            self._deleted.add((channel_id, ts))

    def message(self, channel_id: str, ts: str) -> dict[str, Any] | None:
        """Return the bot's message as Slack holds it now (edits included), or None when there is none."""
        with self._changed:
            held = self._messages.get((channel_id, ts))
            return copy.deepcopy(held) if held is not None else None

    def uploads(self) -> list[Upload]:
        """Return the files uploaded and shared so far (``files_upload_v2``'s three steps all done), in order."""
        with self._changed:
            return [upload for upload in self._uploads.values() if upload.channel is not None]

    # --- inspection

    def calls(self, method: str | None = None) -> list[Call]:
        """Return the recorded calls, oldest first, optionally only those of one method."""
        with self._changed:
            return [call for call in self._calls if method is None or call.method == method]

    def last(self, method: str) -> Call:
        """Return the latest call of ``method``; fail the test if there is none."""
        calls = self.calls(method)
        if not calls:
            raise AssertionError(f"no {method} call recorded; recorded: {self._summary()}")
        return calls[-1]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``count`` calls of ``method`` are recorded and return all calls of it so far.

        For a bot served on *another* thread or loop.  A coroutine must use :meth:`wait_for_async`,
        since blocking here would stall a bot running on the same loop (this raises instead).
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError("wait_for() would block this event loop: use `await fake.wait_for_async(...)`")
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                calls = [call for call in self._calls if call.method == method]
                remaining = deadline - time.monotonic()
                if len(calls) >= count or remaining <= 0:
                    break
                self._changed.wait(remaining)
        if len(calls) < count:
            raise AssertionError(self._timeout_message(method, count, len(calls), timeout))
        return calls

    async def wait_for_async(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Like :meth:`wait_for`, but polls without blocking the running event loop."""
        deadline = time.monotonic() + timeout
        while True:
            calls = self.calls(method)
            if len(calls) >= count:
                return calls
            if time.monotonic() >= deadline:
                raise AssertionError(self._timeout_message(method, count, len(calls), timeout))
            await asyncio.sleep(0.005)

    def _timeout_message(self, method: str, count: int, seen: int, timeout: float) -> str:
        return f"waited {timeout} s for {count} {method} call(s), got {seen}; recorded: {self._summary()}"

    def _summary(self) -> str:
        return ", ".join(call.method for call in self.calls()) or "nothing"

    # --- the server thread

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve(ready))
        except BaseException as error:  # reported to start() through _startup_error
            self._startup_error = error
        finally:
            ready.set()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _serve(self, ready: threading.Event) -> None:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response_url/{suffix:.*}", self._handle_response_url)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self._port = int(runner.addresses[0][1])
            self._stopping = asyncio.Event()
            ready.set()
            await self._stopping.wait()
        finally:
            await runner.cleanup()

    def _take_failure(self, method: str) -> _Failure | None:
        with self._changed:
            queue = self._failures.get(method)
            if not queue:
                return None
            failure = queue[0]
            failure.remaining -= 1
            if failure.remaining <= 0:
                queue.pop(0)
            return failure

    def _record(self, call: Call) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    async def _handle_api(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        self.arrived += 1
        method = request.match_info["method"]
        raw, params = await _read_request(request)
        headers = Headers(request.headers.items())
        if self.latency:
            await asyncio.sleep(self.latency)
        failure = self._take_failure(method)
        extra_headers: dict[str, str] = {}
        if failure is not None:
            status, body = failure.status, {"ok": False, "error": failure.error}
            if failure.status == 429 and failure.retry_after is not None:
                extra_headers["Retry-After"] = str(failure.retry_after)
        else:
            status, body = 200, self._answer(method, params, headers)
        self._record(
            Call(method, params, headers, at, request.method, request.path, raw, status, copy.deepcopy(body))
        )
        return web.json_response(body, status=status, headers=extra_headers)

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        raw, params = await _read_request(request)
        failure = self._take_failure("response_url")
        status, text = (failure.status, failure.error) if failure else (200, "ok")
        headers = Headers(request.headers.items())
        self._record(Call("response_url", params, headers, at, "POST", request.path, raw, status, text))
        return web.Response(status=status, text=text)

    async def _handle_upload(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        raw = await request.read()
        params = {"file_id": request.match_info["file_id"], "size": len(raw)}
        with self._changed:
            upload = self._uploads.get(params["file_id"])
            if upload is not None:
                upload.content = raw
        text = f"OK - {len(raw)}"
        headers = Headers(request.headers.items())
        self._record(Call("file_upload", params, headers, at, "POST", request.path, raw, 200, text))
        return web.Response(text=text)

    # --- answers

    def _answer(self, method: str, params: dict[str, Any], headers: Headers) -> dict[str, Any]:
        token = _token_of(params, headers)
        team_id = self.team_id
        if self.tokens is not None and method != "oauth.v2.access":
            if not token:
                return {"ok": False, "error": "not_authed"}
            if token not in self.tokens:
                return {"ok": False, "error": "invalid_auth"}
            team_id = self.tokens[token]
        with self._changed:
            override = self._overrides.get(method)
        if override is not None:
            return copy.deepcopy(override(params) if callable(override) else override)
        answer = self._answers.get(method)
        return {"ok": True} if answer is None else answer(params, team_id)

    def _next_ts(self) -> str:
        micros = next(self._ts_counter) * 100
        return f"{1_700_000_000 + micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _bot_message(self, params: Mapping[str, Any], ts: str, team_id: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "user": self.bot_user_id,
            "type": "message",
            "ts": ts,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": params.get("text") or "",
            "team": team_id,
            "bot_profile": {
                "id": self.bot_id,
                "app_id": self.app_id,
                "name": "vpmo",
                "deleted": False,
                "team_id": team_id,
            },
        }
        if params.get("blocks"):
            message["blocks"] = with_block_ids(params["blocks"])
        for key in ("attachments", "thread_ts", "metadata"):
            if params.get(key):
                message[key] = params[key]
        return message

    def _post_message(self, params: dict[str, Any], team_id: str) -> dict[str, Any]:
        channel = _channel_for(params.get("channel"))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        refused = self._refuses_posts(channel)
        if refused:
            return {"ok": False, "error": refused}
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        message = self._bot_message(params, ts, team_id)
        with self._changed:
            self._messages[(channel, ts)] = copy.deepcopy(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _channel(self, channel_id: str) -> _Channel:
        # Called with self._changed held.
        return self._channels.get(channel_id) or _Channel(channel_id, channel_id.lower())

    def _refuses_posts(self, channel_id: str) -> str | None:
        if channel_id[:1] not in {"C", "G"}:
            return None  # a DM
        with self._changed:
            channel = self._channel(channel_id)
        if channel.private and not channel.member:
            return "channel_not_found"
        return "is_archived" if channel.archived else None

    def _channel_object(self, channel: _Channel, team_id: str) -> dict[str, Any]:
        return {
            "id": channel.id,
            "name": channel.name,
            "is_channel": not channel.private,
            "is_group": channel.private,
            "is_im": False,
            "is_mpim": False,
            "is_private": channel.private,
            "created": 1_700_000_000,
            "is_archived": channel.archived,
            "is_general": False,
            "unlinked": 0,
            "name_normalized": channel.name,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "context_team_id": team_id,
            "updated": 1_700_000_000_000,
            "parent_conversation": None,
            "creator": self.installer_user_id,
            "shared_team_ids": [team_id],
            "pending_connected_team_ids": [],
            "is_member": channel.member,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
        }

    def _channel_info(self, params: dict[str, Any], team_id: str) -> dict[str, Any]:
        channel_id = str(params.get("channel") or "")
        if not channel_id:
            return {"ok": False, "error": "channel_not_found"}
        if channel_id[:1] == "D":
            return {"ok": True, "channel": {"id": channel_id, "is_im": True, "user": channel_id[1:]}}
        with self._changed:
            channel = self._channel(channel_id)
        if channel.private and not channel.member:
            return {"ok": False, "error": "channel_not_found"}  # Slack hides it from the bot
        return {"ok": True, "channel": self._channel_object(channel, team_id)}

    def _join_channel(self, params: dict[str, Any], team_id: str) -> dict[str, Any]:
        channel_id = str(params.get("channel") or "")
        if not channel_id:
            return {"ok": False, "error": "channel_not_found"}
        if channel_id[:1] == "D":
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        with self._changed:
            channel = self._channel(channel_id)
            if channel.private:
                return {
                    "ok": False,
                    "error": "method_not_supported_for_channel_type"
                    if channel.member
                    else "channel_not_found",
                }
            if channel.archived:
                return {"ok": False, "error": "is_archived"}
            already = channel.member
            channel.member = True
            self._channels[channel_id] = channel
        answer: dict[str, Any] = {"ok": True, "channel": self._channel_object(channel, team_id)}
        if already:
            answer["warning"] = "already_in_channel"
            answer["response_metadata"] = {"warnings": ["already_in_channel"]}
        return answer

    def _update_message(self, params: dict[str, Any], team_id: str) -> dict[str, Any]:
        channel, ts = _channel_for(params.get("channel")), params.get("ts")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not ts:
            return {"ok": False, "error": "message_not_found"}
        message = self._bot_message(params, str(ts), team_id)
        with self._changed:
            if (channel, str(ts)) in self._deleted:
                return {"ok": False, "error": "message_not_found"}
            if (channel, str(ts)) in self._messages:
                self._messages[(channel, str(ts))] = copy.deepcopy(message)
        return {"ok": True, "channel": channel, "ts": ts, "text": message["text"], "message": message}

    def _post_ephemeral(self, params: dict[str, Any], team_id: str) -> dict[str, Any]:
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            return {"ok": False, "error": "no_text"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _open_conversation(self, params: dict[str, Any], team_id: str) -> dict[str, Any]:
        if params.get("channel"):
            return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": params["channel"]}}
        users = [user for user in str(params.get("users") or "").split(",") if user]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        if len(users) == 1:
            return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": "D" + users[0]}}
        group = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:10].upper()
        return {"ok": True, "channel": {"id": "G" + group}}

    def _view(self, params: dict[str, Any], team_id: str, *, view_id: str | None = None) -> dict[str, Any]:
        view = params.get("view")
        view = view if isinstance(view, Mapping) else {}
        view_id = view_id or f"V{next(self._view_counter):08d}"
        return {
            "id": view_id,
            "team_id": team_id,
            "type": view.get("type", "modal"),
            "blocks": with_block_ids(view.get("blocks") or []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.app_id,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": team_id,
            "bot_id": self.bot_id,
        }

    def _open_view(self, params: dict[str, Any], team_id: str) -> dict[str, Any]:
        if not params.get("trigger_id") and not params.get("interactivity_pointer"):
            return {"ok": False, "error": "invalid_arguments"}
        if not isinstance(params.get("view"), Mapping):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": self._view(params, team_id)}

    def _update_view(self, params: dict[str, Any], team_id: str) -> dict[str, Any]:
        if not isinstance(params.get("view"), Mapping):
            return {"ok": False, "error": "invalid_arguments"}
        if not params.get("view_id") and not params.get("external_id"):
            return {"ok": False, "error": "not_found"}
        return {"ok": True, "view": self._view(params, team_id, view_id=params.get("view_id"))}

    def _publish_view(self, params: dict[str, Any], team_id: str) -> dict[str, Any]:
        if not params.get("user_id") or not isinstance(params.get("view"), Mapping):
            return {"ok": False, "error": "invalid_arguments"}
        view = self._view(params, team_id)
        view["type"] = "home"
        return {"ok": True, "view": view}

    def _user(self, user_id: str, team_id: str) -> dict[str, Any]:
        email = self.emails.get(user_id)
        name = (email or user_id).split("@")[0]
        profile: dict[str, Any] = {"real_name": name, "display_name": name, "team": team_id}
        if email is not None:
            profile["email"] = email
        return {
            "id": user_id,
            "team_id": team_id,
            "name": name,
            "deleted": False,
            "real_name": name,
            "tz": "Europe/Copenhagen",
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "is_bot": False,
            "is_app_user": False,
            "locale": "da-DK",
            "profile": profile,
        }

    def _user_info(self, params: dict[str, Any], team_id: str) -> dict[str, Any]:
        user_id = str(params.get("user") or "")
        if user_id not in self.emails:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": self._user(user_id, team_id)}

    def _user_by_email(self, params: dict[str, Any], team_id: str) -> dict[str, Any]:
        wanted = str(params.get("email") or "").lower()
        for user_id, email in self.emails.items():
            if email is not None and email.lower() == wanted:
                return {"ok": True, "user": self._user(user_id, team_id)}
        return {"ok": False, "error": "users_not_found"}

    def _auth_test(self, params: dict[str, Any], team_id: str) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": "vpmo",
            "team_id": team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _oauth_access(self, params: dict[str, Any], team_id: str) -> dict[str, Any]:
        if not params.get("code") and params.get("grant_type") != "refresh_token":
            return {"ok": False, "error": "invalid_code"}
        return {
            "ok": True,
            "app_id": self.app_id,
            "authed_user": {"id": self.installer_user_id},
            "scope": self.scopes,
            "token_type": "bot",
            "access_token": self.bot_token,
            "bot_user_id": self.bot_user_id,
            "team": {"id": self.team_id, "name": self.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _open_connection(self, params: dict[str, Any], team_id: str) -> dict[str, Any]:
        url = self.socket_mode_url or f"ws://127.0.0.1:{self._port}/socket-mode-not-configured"
        return {"ok": True, "url": url}

    def _upload_url(self, params: dict[str, Any], team_id: str) -> dict[str, Any]:
        if not params.get("filename") or not params.get("length"):
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._view_counter):08d}"
        with self._changed:
            self._uploads[file_id] = Upload(file_id, str(params["filename"]), int(params["length"]))
        return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, params: dict[str, Any], team_id: str) -> dict[str, Any]:
        files = params.get("files")
        files = json.loads(files) if isinstance(files, str) else files or []
        with self._changed:
            for completed in files:
                upload = self._uploads.get(str(completed.get("id")))
                if upload is None or upload.content is None:
                    return {"ok": False, "error": "file_not_found"}
                if len(upload.content) != upload.length:
                    return {"ok": False, "error": "file_upload_size_mismatch"}
                upload.title = str(completed.get("title") or upload.filename)
                upload.channel = str(params.get("channel_id") or "") or None
        return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title", "")} for f in files]}

    def _add_reaction(self, params: dict[str, Any], team_id: str) -> dict[str, Any]:
        if not params.get("name"):
            return {"ok": False, "error": "invalid_name"}
        if not params.get("channel") or not params.get("timestamp"):
            return {"ok": False, "error": "message_not_found"}
        key = (str(params["channel"]), str(params["timestamp"]))
        with self._changed:
            if self.bot_user_id in self._reactions.get(key, {}).get(str(params["name"]), []):
                return {"ok": False, "error": "already_reacted"}
        self.react(*key, str(params["name"]), self.bot_user_id)
        return {"ok": True}

    def _get_reactions(self, params: dict[str, Any], team_id: str) -> dict[str, Any]:
        channel_id, ts = str(params.get("channel") or ""), str(params.get("timestamp") or "")
        if not channel_id or not ts:
            return {"ok": False, "error": "no_item_specified"}
        full = str(params.get("full", "")).lower() in {"1", "true"}
        with self._changed:
            channel = self._channel(channel_id)
            if channel.private and not channel.member:
                return {"ok": False, "error": "channel_not_found"}
            key = (channel_id, ts)
            reactions = copy.deepcopy(self._reactions.get(key, {}))
            message = copy.deepcopy(self._messages.get(key))
        if message is None and not reactions:
            return {"ok": False, "error": "message_not_found"}
        if message is None:  # someone else's message that a test put reactions on
            message = {"type": "message", "user": "U0SOMEONE", "text": "", "ts": ts, "team": team_id}
        if reactions:
            message["reactions"] = [
                {
                    "name": name,
                    "users": users if full else users[: self.REACTION_USERS_SHOWN],
                    "count": len(users),
                }
                for name, users in reactions.items()
            ]
        message["permalink"] = (
            f"https://{self.team_domain}.slack.com/archives/{channel_id}/p{ts.replace('.', '')}"
        )
        return {"ok": True, "type": "message", "channel": channel_id, "message": message}


@pytest.fixture
def fake_slack() -> Iterator[FakeSlackApi]:
    """A running :class:`FakeSlackApi`, stopped after the test.

    To use it as a fixture, import it into a ``conftest.py``:
    ``from tests.platforms.slack_fakes import fake_slack  # noqa: F401``.
    """
    with FakeSlackApi() as fake:
        yield fake


def _token_of(params: Mapping[str, Any], headers: Headers) -> str | None:
    authorization = headers.get("authorization", "")
    if authorization.startswith("Bearer "):
        return str(authorization.removeprefix("Bearer "))
    token = params.get("token")
    return token if isinstance(token, str) else None


def _channel_for(channel: Any) -> str:
    """Return the channel Slack reports: posting to a user id lands in the DM ``D{user}``."""
    name = str(channel or "")
    return "D" + name if name[:1] in {"U", "W"} else name


async def _read_request(request: web.Request) -> tuple[bytes, dict[str, Any]]:
    """Return the raw body (empty for multipart) and the merged query and body parameters."""
    params: dict[str, Any] = dict(request.query)
    raw = b""
    if request.content_type.startswith("multipart/"):
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                params[key] = value.file.read()
            else:
                params[key] = value if isinstance(value, str) else bytes(value)
        return raw, params
    raw = await request.read()
    if request.content_type == FORM:
        params.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    elif raw:  # JSON, whatever the declared type (response_url posts carry application/json)
        with suppress(ValueError):
            body = json.loads(raw)
            if isinstance(body, dict):
                params.update(body)
    for key in _JSON_FIELDS & params.keys():
        value = params[key]
        if isinstance(value, str) and value[:1] in {"[", "{"}:
            with suppress(ValueError):
                params[key] = json.loads(value)
    return raw, params


# --- signing and sending -------------------------------------------------------------------------


class SlackSigner:
    """Signs request bodies the way Slack does (``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{raw body}``)."""

    def __init__(self, secret: str, *, clock: Callable[[], float] = time.time) -> None:
        self.secret = secret
        self.clock = clock

    def signature(self, body: bytes | str, timestamp: int | str) -> str:
        """Return ``v0=<hex digest>`` for the raw body at the timestamp."""
        raw = body.encode("utf-8") if isinstance(body, str) else body
        base = b"v0:" + str(timestamp).encode("ascii") + b":" + raw
        return "v0=" + hmac.new(self.secret.encode("utf-8"), base, hashlib.sha256).hexdigest()

    def headers(self, body: bytes | str, timestamp: int | str | None = None) -> dict[str, str]:
        """Return the signature headers; ``timestamp`` defaults to now (pass an old one to go stale)."""
        stamp = str(int(self.clock()) if timestamp is None else timestamp)
        return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": self.signature(body, stamp)}


def retry_headers(num: int, reason: str = "http_timeout") -> dict[str, str]:
    """Return the headers of Slack's ``num``-th redelivery of an event (reasons: ``http_timeout``, ...)."""
    return {"X-Slack-Retry-Num": str(num), "X-Slack-Retry-Reason": reason}


class SlackClient:
    """Posts payloads to the app under test like Slack does (``User-Agent: Slackbot``, signed).

    Use it directly (one connection per request) or as ``async with SlackClient(base) as slack:``
    (one pooled httpx client).  Never reads proxy settings from the environment.
    """

    user_agent = "Slackbot 1.0 (+https://api.slack.com/robots)"

    def __init__(self, base_url: str, *, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    def _new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout, trust_env=False)

    async def post(
        self,
        path: str,
        body: bytes,
        content_type: str,
        *,
        signer: SlackSigner | None,
        timestamp: int | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """POST the raw body to ``path``, signed by ``signer`` (None sends it unsigned).

        ``timestamp`` overrides the signing time (stale-timestamp tests); ``headers`` are added last,
        e.g. :func:`retry_headers` or a forged ``X-Slack-Signature``.
        """
        all_headers = {"Content-Type": content_type, "User-Agent": self.user_agent}
        if signer is not None:
            all_headers.update(signer.headers(body, timestamp))
        all_headers.update(headers or {})
        if self._client is not None:
            return await self._client.post(path, content=body, headers=all_headers)
        async with self._new_client() as client:
            return await client.post(path, content=body, headers=all_headers)

    async def send(
        self,
        path: str,
        payload: Payload,
        *,
        signer: SlackSigner | None,
        timestamp: int | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """:meth:`post` a ``(body, content_type)`` pair from one of the payload builders."""
        body, content_type = payload
        return await self.post(path, body, content_type, signer=signer, timestamp=timestamp, headers=headers)

    async def aclose(self) -> None:
        """Close the pooled client, if any."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> Self:
        self._client = self._new_client()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


@asynccontextmanager
async def serve_web_app(app: web.Application) -> AsyncIterator[str]:
    """Serve an aiohttp application on 127.0.0.1 (free port) in the running loop; yield its base URL."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


# --- wire encodings ------------------------------------------------------------------------------

_counter = itertools.count(1)


def new_trigger_id() -> str:
    """Return a fresh trigger id shaped like Slack's (``"13345224609.738474920.8088930838d88f…"``)."""
    return f"{int(time.time())}{next(_counter):04d}.{1000 + next(_counter)}.{uuid.uuid4().hex[:32]}"


def _now_ts() -> str:
    return f"{time.time():.6f}"


def encode_json(payload: Mapping[str, Any]) -> Payload:
    """Encode a dict as a JSON body (the Events API encoding)."""
    return json.dumps(payload, ensure_ascii=False).encode("utf-8"), JSON


def interactive(payload: Mapping[str, Any]) -> Payload:
    """Encode an interactivity payload as Slack does: form field ``payload=<json>``."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return urlencode({"payload": text}).encode("ascii"), FORM


# --- the fixtures the builders start from --------------------------------------------------------


@functools.cache
def _fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def fixture(name: str) -> Any:
    """Return a fresh copy of a Slack fixture (``"block_actions.json"``), read from disk once."""
    return json.loads(_fixture_text(name))


def _fill_user(
    template: Mapping[str, Any], user_id: str, team_id: str, user_name: str | None
) -> dict[str, Any]:
    """Fill a fixture's ``user`` object, keeping exactly the keys that payload type carries."""
    name = user_name if user_name is not None else user_id.lower()
    values = {"id": user_id, "username": name, "name": name, "team_id": team_id}
    return {key: values.get(key, value) for key, value in template.items()}


def _fill_team(template: Mapping[str, Any], team_id: str) -> dict[str, Any]:
    """Fill a fixture's ``team`` object for a workspace outside an Enterprise Grid (no enterprise keys)."""
    values = {"id": team_id, "domain": DEFAULT_TEAM_DOMAIN}
    return {
        key: values.get(key, value) for key, value in template.items() if not key.startswith("enterprise")
    }


def _not_in_an_enterprise(payload: dict[str, Any]) -> dict[str, Any]:
    """Add what Slack sends today for a workspace outside a Grid; the older bolt fixtures omit it."""
    payload["is_enterprise_install"] = False
    payload["enterprise"] = None
    return payload


def slash_command(
    team_id: str,
    user_id: str,
    text: str,
    command: str = "/sparring",
    response_url: str = UNROUTABLE_RESPONSE_URL,
    trigger_id: str | None = None,
    channel_id: str = "C111",
    *,
    channel_name: str = "general",
    user_name: str | None = None,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    enterprise_id: str | None = None,
    enterprise_name: str | None = None,
    api_app_id: str | None = DEFAULT_APP_ID,
    is_enterprise_install: bool | None = False,
    token: str = VERIFICATION_TOKEN,
) -> Payload:
    """Encode a slash command as Slack does: the fields of ``slash_command.form.txt``, in its order, filled in.

    Pass ``response_url=fake.response_url(...)`` to record ``respond()``; the default refuses at once.
    The enterprise fields are left out unless ``enterprise_id`` is given.  ``api_app_id`` and
    ``is_enterprise_install``, which Slack sends today but the fixture predates, are appended unless None.
    """
    values = {
        "token": token,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name if user_name is not None else user_id.lower(),
        "command": command,
        "text": text,
        "enterprise_id": enterprise_id,
        "enterprise_name": enterprise_name or "",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }
    template = parse_qsl(_fixture_text("slash_command.form.txt").strip(), keep_blank_values=True)
    fields = [(key, values.get(key, value)) for key, value in template]
    if enterprise_id is None:
        fields = [(key, value) for key, value in fields if not key.startswith("enterprise_")]
    if api_app_id is not None:
        fields.append(("api_app_id", api_app_id))
    if is_enterprise_install is not None:
        fields.append(("is_enterprise_install", "true" if is_enterprise_install else "false"))
    return urlencode(fields).encode("ascii"), FORM


def event_callback(
    event: Mapping[str, Any],
    team_id: str = DEFAULT_TEAM_ID,
    event_id: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    authorizations_user_id: str = DEFAULT_BOT_USER_ID,
    *,
    event_time: int | None = None,
    enterprise_id: str | None = None,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """Return an Events API ``event_callback`` envelope around ``event``.

    The shape is the current one, with ``authorizations`` and ``event_context``: the ``payload`` of
    ``socket_mode_events_api_retry.json`` (the same body Slack posts over HTTP).  ``event_id`` defaults
    to a fresh ``Ev…`` id (pass the same one to replay a delivery); ``event_time`` defaults to the
    event's ``event_ts`` or now; ``enterprise_id`` is added only when given, as Slack does.
    """
    envelope: dict[str, Any] = fixture("socket_mode_events_api_retry.json")["payload"]
    event_ts = event.get("event_ts") or event.get("ts")
    channel = event.get("channel") or event.get("item", {}).get("channel") or ""
    envelope.update(
        token=token,
        team_id=team_id,
        api_app_id=api_app_id,
        event=dict(event),
        event_id=event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        event_time=event_time
        if event_time is not None
        else int(float(event_ts) if event_ts else time.time()),
        event_context=f"1-{event.get('type', 'event')}-{team_id}-{channel}",
    )
    envelope["authorizations"][0].update(
        enterprise_id=enterprise_id, team_id=team_id, user_id=authorizations_user_id
    )
    if enterprise_id is not None:
        envelope["enterprise_id"] = enterprise_id
    return envelope


def event(
    event: Mapping[str, Any],
    team_id: str = DEFAULT_TEAM_ID,
    event_id: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    authorizations_user_id: str = DEFAULT_BOT_USER_ID,
    *,
    event_time: int | None = None,
    enterprise_id: str | None = None,
) -> Payload:
    """Encode an event as the JSON ``event_callback`` Slack posts (see :func:`event_callback`)."""
    return encode_json(
        event_callback(
            event,
            team_id,
            event_id,
            api_app_id=api_app_id,
            authorizations_user_id=authorizations_user_id,
            event_time=event_time,
            enterprise_id=enterprise_id,
        )
    )


def url_verification(challenge: str | None = None) -> Payload:
    """Encode the ``url_verification`` handshake of ``url_verification.json``, with ``challenge`` if given."""
    handshake = fixture("url_verification.json")
    if challenge is not None:
        handshake["challenge"] = challenge
    return encode_json(handshake)


# --- event dicts ---------------------------------------------------------------------------------


def _channel_type(channel_id: str) -> str:
    return {"D": "im", "G": "group"}.get(channel_id[:1], "channel")


def reaction_event(
    user_id: str,
    reaction: str,
    channel_id: str,
    message_ts: str,
    *,
    added: bool = True,
    item_user: str = DEFAULT_BOT_USER_ID,
    event_ts: str | None = None,
) -> dict[str, Any]:
    """Return the ``event`` of ``event_reaction_added.json`` (or, with ``added=False``, of
    ``event_reaction_removed.json``) with the user, reaction and reacted-to message filled in."""
    name = "event_reaction_added.json" if added else "event_reaction_removed.json"
    reacted: dict[str, Any] = fixture(name)["event"]
    reacted.update(user=user_id, reaction=reaction, item_user=item_user, event_ts=event_ts or _now_ts())
    reacted["item"].update(channel=channel_id, ts=message_ts)
    if "channel_type" in reacted["item"]:
        reacted["item"]["channel_type"] = _channel_type(channel_id)
    return reacted


def _rich_text(text: str) -> list[dict[str, Any]]:
    """Return the ``rich_text`` block Slack makes of a typed message: text runs and ``<@U…>`` mentions."""
    block: dict[str, Any] = fixture("socket_mode_events_api_retry.json")["payload"]["event"]["blocks"][0]
    parts = re.split(r"<@([A-Z0-9]+)>", text)
    elements = [
        {"type": "user", "user_id": part} if odd else {"type": "text", "text": part}
        for odd, part in ((index % 2 == 1, part) for index, part in enumerate(parts))
        if part
    ]
    block["block_id"] = _block_id(0, {"text": text})
    block["elements"][0]["elements"] = elements
    return [block]


def message_event(
    user_id: str,
    text: str,
    channel_id: str,
    *,
    ts: str | None = None,
    channel_type: str = "im",
    team_id: str = DEFAULT_TEAM_ID,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """Return a user's ``message`` event, the ``event`` of ``socket_mode_events_api_retry.json`` filled in
    (a DM to the bot by default: ``channel_type="im"``)."""
    ts = ts or _now_ts()
    message: dict[str, Any] = fixture("socket_mode_events_api_retry.json")["payload"]["event"]
    message.update(
        client_msg_id=str(uuid.uuid4()),
        text=text,
        user=user_id,
        ts=ts,
        team=team_id,
        blocks=_rich_text(text),
        channel=channel_id,
        event_ts=ts,
        channel_type=channel_type,
    )
    if thread_ts:
        message["thread_ts"] = thread_ts
    return message


def app_mention_event(
    user_id: str,
    text: str,
    channel_id: str,
    *,
    ts: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """Return the ``event`` of ``event_app_mention.json`` filled in; ``text`` should contain ``<@UBOT>``."""
    ts = ts or _now_ts()
    mention: dict[str, Any] = fixture("event_app_mention.json")["event"]
    mention.update(
        client_msg_id=str(uuid.uuid4()),
        text=text,
        user=user_id,
        ts=ts,
        team=team_id,
        channel=channel_id,
        event_ts=ts,
    )
    if thread_ts:
        mention["thread_ts"] = thread_ts
    return mention


def app_home_opened_event(
    user_id: str, *, tab: str = "home", channel_id: str | None = None
) -> dict[str, Any]:
    """Return the ``event`` of ``event_app_home_opened.json`` for the user's App Home tab."""
    opened: dict[str, Any] = fixture("event_app_home_opened.json")["event"]
    opened.update(user=user_id, channel=channel_id or "D" + user_id, tab=tab, event_ts=_now_ts())
    return opened


def tokens_revoked_event(bot: Sequence[str] = (), oauth: Sequence[str] = ()) -> dict[str, Any]:
    """Return the ``event`` of ``event_tokens_revoked.json``: the bot and user tokens Slack revoked."""
    revoked: dict[str, Any] = fixture("event_tokens_revoked.json")["event"]
    revoked["tokens"] = {"oauth": list(oauth), "bot": list(bot)}
    return revoked


def app_uninstalled_event() -> dict[str, Any]:
    """Return an ``app_uninstalled`` event.  Hand-built: there is no fixture of it (the event has no
    other fields than ``type``)."""
    return {"type": "app_uninstalled"}


# --- interactivity dicts -------------------------------------------------------------------------


def _block_id(index: int, block: Mapping[str, Any]) -> str:
    digest = hashlib.sha1(f"{index}:{json.dumps(block, sort_keys=True)}".encode()).digest()
    return base64.b64encode(digest).decode("ascii").translate(str.maketrans("", "", "+/="))[:5]


def with_block_ids(blocks: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Return a copy of the blocks with a ``block_id`` on each, as Slack assigns them (deterministic)."""
    result = []
    for index, block in enumerate(blocks):
        copied = copy.deepcopy(dict(block))
        copied.setdefault("block_id", _block_id(index, block))
        result.append(copied)
    return result


def _elements(block: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if block.get("type") == "actions":
        return list(block.get("elements") or [])
    for key in ("accessory", "element"):
        if isinstance(block.get(key), Mapping):
            return [block[key]]
    return []


def _find_element(
    blocks: Sequence[Mapping[str, Any]], action_id: str
) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    found: list[str] = []
    for block in blocks:
        for element in _elements(block):
            if element.get("action_id") == action_id:
                return block, element
            found.append(str(element.get("action_id")))
    raise LookupError(f"no element with action_id {action_id!r}; the blocks have: {found}")


def _options(element: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return options


def _option(element: Mapping[str, Any], value: str) -> dict[str, Any]:
    for option in _options(element):
        if option.get("value") == value:
            return dict(option)
    values = [option.get("value") for option in _options(element)]
    raise LookupError(f"{element.get('action_id')!r} has no option {value!r}; it has {values}")


def _action(element: Mapping[str, Any], block_id: str, selected: Any) -> dict[str, Any]:
    kind = element.get("type")
    action: dict[str, Any] = {"action_id": element.get("action_id"), "block_id": block_id, "type": kind}
    if kind == "button":
        action["text"] = element.get("text")
        if "value" in element:
            action["value"] = element["value"]
        if "style" in element:
            action["style"] = element["style"]
    elif kind in {"static_select", "overflow", "radio_buttons"}:
        if selected is None:
            raise ValueError(f"a {kind} needs selected_value=")
        action["selected_option"] = _option(element, str(selected))
    elif kind == "users_select":
        action["selected_user"] = selected
    elif kind == "datepicker":
        action["selected_date"] = selected
    else:
        raise ValueError(f"block_actions for a {kind} element are not supported here")
    action["action_ts"] = _now_ts()
    return action


def block_actions_from_message(
    posted_call: Call,
    action_id: str,
    user_id: str,
    team_id: str,
    response_url: str = UNROUTABLE_RESPONSE_URL,
    *,
    selected_value: str | None = None,
    trigger_id: str | None = None,
    user_name: str | None = None,
    channel_name: str = "general",
    api_app_id: str = DEFAULT_APP_ID,
) -> dict[str, Any]:
    """Return ``block_actions.json`` filled in for a user clicking an element of a message the bot posted.

    ``posted_call`` is a recorded ``chat.postMessage``, ``chat.update`` or ``chat.postEphemeral``.  The
    element with ``action_id`` is looked up in the blocks the bot sent (``LookupError`` if absent);
    buttons carry their ``value``, selects need ``selected_value``.  ``container``/``channel`` come from
    the fake's answer; ephemeral messages carry no ``message`` (as in Slack).  Encode with
    :func:`interactive`.
    """
    if posted_call.method not in {"chat.postMessage", "chat.update", "chat.postEphemeral"}:
        raise ValueError(f"expected a recorded chat.* call, got {posted_call.method}")
    answer = posted_call.response if isinstance(posted_call.response, Mapping) else {}
    if not answer.get("ok"):
        raise ValueError(f"the {posted_call.method} call failed ({answer.get('error')}); nothing to click")
    ephemeral = posted_call.method == "chat.postEphemeral"
    blocks = with_block_ids(posted_call.blocks)
    block, element = _find_element(blocks, action_id)
    if ephemeral:
        channel, message_ts, message = str(posted_call.params.get("channel")), answer["message_ts"], None
    else:
        channel, message_ts, message = answer["channel"], answer["ts"], answer["message"]
    payload = _block_actions(user_id, team_id, user_name, api_app_id, trigger_id)
    payload["container"].update(message_ts=message_ts, channel_id=channel, is_ephemeral=ephemeral)
    if message and message.get("thread_ts"):
        payload["container"]["thread_ts"] = message["thread_ts"]
    payload["channel"] = {"id": channel, "name": "directmessage" if channel.startswith("D") else channel_name}
    if message is not None:  # the fixture is a click on an ephemeral message, which carries none
        payload["message"] = copy.deepcopy(message)
    payload["state"] = {"values": {}}  # Slack sends it today; the fixture predates it
    payload["response_url"] = response_url
    payload["actions"] = [_action(element, str(block["block_id"]), selected_value)]
    return payload


def _block_actions(
    user_id: str, team_id: str, user_name: str | None, api_app_id: str, trigger_id: str | None
) -> dict[str, Any]:
    """Return ``block_actions.json`` with the clicking user, team, app and trigger id filled in."""
    payload: dict[str, Any] = fixture("block_actions.json")
    payload.update(
        user=_fill_user(payload["user"], user_id, team_id, user_name),
        api_app_id=api_app_id,
        trigger_id=trigger_id or new_trigger_id(),
        team=_fill_team(payload["team"], team_id),
    )
    return _not_in_an_enterprise(payload)


def block_actions_from_view(
    view_call: Call,
    action_id: str,
    user_id: str,
    team_id: str | None = None,
    *,
    selected_value: str | None = None,
    trigger_id: str | None = None,
    user_name: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
) -> dict[str, Any]:
    """Return ``block_actions.json`` filled in for a click in a modal or App Home the bot opened/published.

    ``view_call`` is a recorded ``views.open``/``views.push``/``views.update``/``views.publish``; the
    payload carries the fake's answered ``view`` and ``container: {type: view, view_id}``.
    """
    answer = view_call.response if isinstance(view_call.response, Mapping) else {}
    if not view_call.method.startswith("views.") or not answer.get("ok"):
        raise ValueError(f"expected a successful recorded views.* call, got {view_call.method}")
    view = copy.deepcopy(answer["view"])
    team = team_id or view["team_id"]
    block, element = _find_element(view["blocks"], action_id)
    payload = _block_actions(user_id, team, user_name, api_app_id, trigger_id)
    for key in ("channel", "response_url"):  # a click in a view comes from no channel and has no response_url
        del payload[key]
    payload["container"] = {"type": "view", "view_id": view["id"]}
    payload["view"] = view
    payload["actions"] = [_action(element, str(block["block_id"]), selected_value)]
    return payload


# Values of view_submission state: helpers for the element states that are not plain text.


def selected_option(
    value: str, text: str | None = None, *, element_type: str = "static_select"
) -> dict[str, Any]:
    """Return the state of a single-choice element (``static_select``, ``radio_buttons``, ...)."""
    option = {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}
    return {"type": element_type, "selected_option": option}


def selected_options(values: Iterable[str], *, element_type: str = "multi_static_select") -> dict[str, Any]:
    """Return the state of a multiple-choice element (``multi_static_select``, ``checkboxes``)."""
    options = [{"text": {"type": "plain_text", "text": v, "emoji": True}, "value": v} for v in values]
    return {"type": element_type, "selected_options": options}


def selected_user(user_id: str | None) -> dict[str, Any]:
    """Return the state of a ``users_select``."""
    return {"type": "users_select", "selected_user": user_id}


def selected_users(user_ids: Iterable[str]) -> dict[str, Any]:
    """Return the state of a ``multi_users_select``."""
    return {"type": "multi_users_select", "selected_users": list(user_ids)}


def selected_date(iso_date: str | None) -> dict[str, Any]:
    """Return the state of a ``datepicker`` (``"2025-03-14"``)."""
    return {"type": "datepicker", "selected_date": iso_date}


def _element_state(element: Mapping[str, Any] | None, value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    kind = element.get("type") if element is not None else "plain_text_input"
    if kind in {"plain_text_input", "email_input", "url_input", "number_input", "rich_text_input"}:
        if value is not None and not isinstance(value, str):
            raise TypeError(f"a {kind} takes a str or None, not {value!r}")
        return {"type": kind, "value": value}
    if element is not None and kind in {"static_select", "radio_buttons", "external_select"}:
        option = None if value is None else _option(element, str(value))
        return {"type": kind, "selected_option": option}
    if element is not None and kind in {"multi_static_select", "checkboxes"}:
        return {"type": kind, "selected_options": [_option(element, str(v)) for v in value or []]}
    if kind == "users_select":
        return selected_user(value)
    if kind == "multi_users_select":
        return selected_users(value or [])
    if kind == "datepicker":
        return selected_date(value)
    raise TypeError(f"give the full state dict for a {kind} element (e.g. selected_option(...))")


def _input_elements(blocks: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], Mapping[str, Any]]:
    return {
        (str(block.get("block_id")), str(block["element"].get("action_id"))): block["element"]
        for block in blocks
        if block.get("type") == "input" and isinstance(block.get("element"), Mapping)
    }


def view_submission(
    callback_id: str,
    values: Mapping[str, Mapping[str, Any]],
    user_id: str,
    team_id: str = DEFAULT_TEAM_ID,
    private_metadata: str = "",
    *,
    view_id: str = "V111",
    blocks: Sequence[Mapping[str, Any]] | None = None,
    title: str = "vpmo",
    trigger_id: str | None = None,
    user_name: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    bot_id: str = DEFAULT_BOT_ID,
) -> dict[str, Any]:
    """Return ``view_submission.json`` with the view's callback id, blocks, metadata and state filled in.

    ``values`` is ``{block_id: {action_id: value}}``, and each value is

    * a ``str`` or ``None`` -- the text of a ``plain_text_input`` (or of the input's own type, e.g.
      ``number_input``, when ``blocks`` are known); with ``blocks``, a str/list also picks options of
      selects/checkboxes by ``value``, a user of a ``users_select`` or a date of a ``datepicker``;
    * a dict -- the element state verbatim, e.g. from :func:`selected_option`, :func:`selected_users`.

    Without ``blocks`` the view gets one ``input`` block per value.  Encode with :func:`interactive`.
    """
    view_blocks = with_block_ids(blocks) if blocks is not None else _blocks_for(values)
    elements = _input_elements(view_blocks)
    state: dict[str, dict[str, Any]] = {}
    for block_id, actions in values.items():
        for action_id, value in actions.items():
            element = elements.get((block_id, action_id))
            if blocks is not None and element is None:
                raise LookupError(f"the view has no input {block_id}/{action_id}; it has {sorted(elements)}")
            state.setdefault(block_id, {})[action_id] = _element_state(element, value)
    payload: dict[str, Any] = fixture("view_submission.json")
    payload.update(
        team=_fill_team(payload["team"], team_id),
        user=_fill_user(payload["user"], user_id, team_id, user_name),
        api_app_id=api_app_id,
        trigger_id=trigger_id or new_trigger_id(),
    )
    payload["view"].update(
        id=view_id,
        team_id=team_id,
        blocks=view_blocks,
        private_metadata=private_metadata,
        callback_id=callback_id,
        state={"values": state},
        hash=f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
        root_view_id=view_id,
        app_id=api_app_id,
        app_installed_team_id=team_id,
        bot_id=bot_id,
    )
    payload["view"]["title"]["text"] = title
    return _not_in_an_enterprise(payload)


def _blocks_for(values: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    blocks = []
    for block_id, actions in values.items():
        for action_id, value in actions.items():
            kind = value.get("type", "plain_text_input") if isinstance(value, Mapping) else "plain_text_input"
            blocks.append(
                {
                    "type": "input",
                    "block_id": block_id,
                    "label": {"type": "plain_text", "text": action_id},
                    "optional": False,
                    "element": {"type": kind, "action_id": action_id},
                }
            )
    return blocks


def view_submission_from_view(
    view_call: Call,
    values: Mapping[str, Mapping[str, Any]],
    user_id: str,
    team_id: str | None = None,
    *,
    trigger_id: str | None = None,
    user_name: str | None = None,
) -> dict[str, Any]:
    """Return the ``view_submission`` of a modal the bot opened (a recorded ``views.open``/``push``/``update``).

    Takes ``callback_id``, ``private_metadata``, blocks and view id from the fake's answer; ``values``
    as in :func:`view_submission`, checked against the view's input blocks (``LookupError``).
    """
    answer = view_call.response if isinstance(view_call.response, Mapping) else {}
    if not view_call.method.startswith("views.") or not answer.get("ok"):
        raise ValueError(f"expected a successful recorded views.* call, got {view_call.method}")
    view = answer["view"]
    title = view.get("title") or {}
    return view_submission(
        view["callback_id"],
        values,
        user_id,
        team_id or view["team_id"],
        view["private_metadata"],
        view_id=view["id"],
        blocks=view["blocks"],
        title=title.get("text", "vpmo") if isinstance(title, Mapping) else "vpmo",
        trigger_id=trigger_id,
        user_name=user_name,
        api_app_id=view["app_id"],
        bot_id=view["bot_id"],
    )


def message_shortcut(
    callback_id: str,
    message_text: str,
    user_id: str,
    team_id: str = DEFAULT_TEAM_ID,
    channel_id: str = "C111",
    message_ts: str | None = None,
    response_url: str = UNROUTABLE_RESPONSE_URL,
    trigger_id: str | None = None,
    *,
    message_user_id: str | None = None,
    channel_name: str = "general",
    user_name: str | None = None,
) -> dict[str, Any]:
    """Return ``shortcut_message_action.json`` (a message shortcut) filled in for a user's message
    (``message_user_id``, default the clicking user).  Encode with :func:`interactive`."""
    ts = message_ts or _now_ts()
    payload: dict[str, Any] = fixture("shortcut_message_action.json")
    payload.update(
        action_ts=_now_ts(),
        team=_fill_team(payload["team"], team_id),
        user=_fill_user(payload["user"], user_id, team_id, user_name),
        channel={"id": channel_id, "name": channel_name},
        callback_id=callback_id,
        trigger_id=trigger_id or new_trigger_id(),
        message_ts=ts,
        response_url=response_url,
    )
    payload["message"].update(
        client_msg_id=str(uuid.uuid4()),
        text=message_text,
        user=message_user_id or user_id,
        ts=ts,
        team=team_id,
        blocks=_rich_text(message_text),
    )
    return _not_in_an_enterprise(payload)


def global_shortcut(
    callback_id: str, user_id: str, team_id: str = DEFAULT_TEAM_ID, trigger_id: str | None = None
) -> dict[str, Any]:
    """Return ``shortcut_global.json`` with the callback id, user, team and trigger id filled in."""
    payload: dict[str, Any] = fixture("shortcut_global.json")
    payload.update(
        action_ts=_now_ts(),
        team=_fill_team(payload["team"], team_id),
        user=_fill_user(payload["user"], user_id, team_id, None),
        callback_id=callback_id,
        trigger_id=trigger_id or new_trigger_id(),
    )
    return _not_in_an_enterprise(payload)
