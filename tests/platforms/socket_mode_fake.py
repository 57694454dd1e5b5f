"""Slack's end of a Socket Mode connection, on 127.0.0.1, for the server in-process or as a process."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from types import TracebackType
from typing import Any, Self

from aiohttp import WSMsgType, web

APP_TOKEN = "xapp-1-A111-1111111111-vpmoFakeAppToken0001"
STARTUP_TIMEOUT = 10.0


class FakeSocketModeServer:
    """Slack's Socket Mode end on 127.0.0.1: says hello, sends envelopes, records what comes back.

    Runs aiohttp in its own thread and loop, like :class:`FakeSlackApi`, so the server under test can
    live on any loop.  ``frames`` holds every JSON text frame the app sent (its acks).
    """

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="FakeSocketMode", daemon=True)
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._changed = threading.Condition()
        self.frames: list[dict[str, Any]] = []
        self.connections = 0
        self.port = 0

    @property
    def url(self) -> str:
        """Return the ws:// URL apps.connections.open should hand out."""
        return f"ws://127.0.0.1:{self.port}/link/?ticket={uuid.uuid4()}&app_id=A111"

    def start(self) -> Self:
        """Start serving and return once the port is bound."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(STARTUP_TIMEOUT)
        return self

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/link/", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._sockets.add(socket)
        with self._changed:
            self.connections += 1
            self._changed.notify_all()
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {
                    "host": "applink-fake",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": "A111"},
            }
        )
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    with self._changed:
                        self.frames.append(json.loads(message.data))
                        self._changed.notify_all()
        finally:
            self._sockets.discard(socket)
        return socket

    def send(self, envelope_type: str, payload: dict[str, Any], *, accepts_response_payload: bool) -> str:
        """Push an envelope to every connected app; return its envelope_id."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }

        async def push() -> None:
            if not self._sockets:
                raise AssertionError("no app is connected to the Socket Mode server")
            for socket in list(self._sockets):
                await socket.send_json(envelope)

        asyncio.run_coroutine_threadsafe(push(), self._loop).result(STARTUP_TIMEOUT)
        return envelope_id

    def send_raw(self, text: str) -> None:
        """Push one text frame as it is, however malformed, to every connected app."""

        async def push() -> None:
            for socket in list(self._sockets):
                await socket.send_str(text)

        asyncio.run_coroutine_threadsafe(push(), self._loop).result(STARTUP_TIMEOUT)

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """Return the app's ack frame for the envelope, waiting up to ``timeout`` seconds."""
        acked: list[dict[str, Any]] = []

        def found() -> bool:
            acked[:] = [frame for frame in self.frames if frame.get("envelope_id") == envelope_id]
            return bool(acked)

        with self._changed:
            if not self._changed.wait_for(found, timeout):
                raise AssertionError(f"no ack for envelope {envelope_id} in {timeout} s; got {self.frames}")
        return acked[0]

    def stop(self) -> None:
        """Close every connection and stop listening (Slack's end goes away); safe to call twice."""
        if self._loop.is_closed():
            return

        async def shut_down() -> None:
            for socket in list(self._sockets):
                await socket.close()
            if self._runner is not None:
                await self._runner.cleanup()

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(shut_down(), self._loop).result(STARTUP_TIMEOUT)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(STARTUP_TIMEOUT)
        self._loop.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
