"""vpmo's real web server (``build_server``) on 127.0.0.1, in its own thread and event loop."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import httpx
from aiohttp import web

STARTUP_TIMEOUT = 30.0


class RunningServer:
    """Starts the application a factory builds, serves it on a free port, and stops it cleanly."""

    def __init__(self, factory: Callable[[], web.Application]) -> None:
        self._factory = factory
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="vpmo-test-server", daemon=True)
        self._runner: web.AppRunner | None = None
        self.app: web.Application | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """Return the server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        """Build the application on the server's own loop and start serving."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(STARTUP_TIMEOUT)
        return self

    async def _start(self) -> None:
        self.app = self._factory()
        self._runner = web.AppRunner(self.app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only here
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    def call(self, coroutine: Any, timeout: float = 30.0) -> Any:
        """Run a coroutine on the server's loop (e.g. to inspect its state) and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def stop(self) -> None:
        """Stop as on SIGTERM: the cleanup hooks run (the tick finishes), then the loop ends."""
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(STARTUP_TIMEOUT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(STARTUP_TIMEOUT)
        self._loop.close()

    def ticks(self, count: int = 1, timeout: float = 30.0) -> None:
        """Kick the server's tick loop and wait until ``count`` whole ticks have run after the kick.

        What a test asserts did *not* happen ("nothing more was sent") it asserts after this: every
        tick that ran then saw the outbox as it was when this was called. ``timeout`` only fails a
        server that stopped ticking; it is never what makes a check pass.
        """
        from bot.server import RUNTIME_KEY

        assert self.app is not None
        loop = self.app[RUNTIME_KEY].tick
        # What the test queued itself is in the table, not handed to the server's dispatcher.
        self.app[RUNTIME_KEY].dispatcher.look_at_table()
        for _ in range(count + 1):  # the first round may have begun before the call
            seen = loop.rounds
            self._loop.call_soon_threadsafe(loop.kick)
            deadline = time.monotonic() + timeout
            while loop.rounds <= seen:
                if time.monotonic() > deadline:
                    raise AssertionError(f"the server's tick loop ran no tick in {timeout} s")
                time.sleep(0.005)

    def full_ticks(self, count: int = 1, timeout: float = 30.0) -> None:
        """Wait until ``count`` whole ticks that ran the time-driven work have run after the call.

        Kicks only deliver; the interval's ticks also escalate and queue the challenge posts that are
        due. What a test asserts is *not* due at a moment of its clock it asserts after this.
        """
        from bot.server import RUNTIME_KEY

        assert self.app is not None
        loop = self.app[RUNTIME_KEY].tick
        self.app[RUNTIME_KEY].dispatcher.look_at_table()
        until = loop.full_rounds + count + 1  # the first may have begun before the call
        deadline = time.monotonic() + timeout
        while loop.full_rounds < until:
            if time.monotonic() > deadline:
                raise AssertionError(f"the server's tick loop ran no full tick in {timeout} s")
            time.sleep(0.005)

    def get(self, path: str) -> httpx.Response:
        """GET a path of the server."""
        return httpx.get(self.url + path, timeout=10, trust_env=False, follow_redirects=False)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
