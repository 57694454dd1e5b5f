"""The background worker: the tick that escalates and delivers, without a chat platform attached.

Until a platform is configured, deliveries are printed as the console prints them.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

from bot.bootstrap import Runtime, build_dispatcher, build_runtime
from bot.console.messenger import ConsoleMessenger, ConsoleOutput
from scheduler.clock import TickLoop
from scheduler.dispatcher import Dispatcher
from scheduler.tick import TickReport, run_tick
from storage.console_store import ConsoleStore


def _dispatcher(runtime: Runtime, write: Callable[[str], None]) -> Dispatcher:
    messenger = ConsoleMessenger(
        ConsoleOutput(write, as_json=False), ConsoleStore(runtime.engine), runtime.deps.clock
    )
    return build_dispatcher(runtime, messenger)


async def run_due(database_url: str, write: Callable[[str], None]) -> TickReport:
    """Run one tick."""
    runtime = build_runtime(database_url)
    dispatcher = _dispatcher(runtime, write)
    try:
        return await run_tick(runtime.deps, dispatcher)
    finally:
        dispatcher.close()


async def run_forever(database_url: str, write: Callable[[str], None]) -> None:
    """Run the tick on APScheduler's interval until SIGTERM or Ctrl-C, then let a running tick finish."""
    runtime = build_runtime(database_url)
    dispatcher = _dispatcher(runtime, write)
    loop = TickLoop(lambda full: run_tick(runtime.deps, dispatcher, escalate=full))
    stop = asyncio.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signal_number, stop.set)
    loop.start()
    write("The worker is running; press Ctrl-C to stop.")
    try:
        await stop.wait()
    finally:
        await loop.stop()
        dispatcher.close()
