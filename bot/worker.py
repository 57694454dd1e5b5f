"""The background workers: the tick that escalates and delivers, without serving requests.

``vpmo worker`` delivers through Slack and Teams as configured, beside the ``vpmo serve`` replicas on
one PostgreSQL (it may listen for /healthz alone). ``vpmo jobs run`` has no platform attached: it
prints the deliveries as the console prints them.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

from aiohttp import web

from bot.bootstrap import Runtime, build_dispatcher, build_runtime
from bot.console.messenger import ConsoleMessenger, ConsoleOutput
from bot.processes import hold_single_process
from bot.server import build_server, listen
from bot.settings import Settings
from bot.slack.settings import SlackMode, SlackSettings
from bot.teams.settings import TeamsSettings
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
    hold_single_process(database_url, "vpmo jobs run")
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


class NoPlatformError(Exception):
    """``vpmo worker`` was started with neither Slack nor Teams configured; the message is one sentence."""


def run_worker(
    settings: Settings,
    slack_settings: SlackSettings,
    teams_settings: TeamsSettings,
    *,
    health: tuple[str, int] | None,
    announce: Callable[[str], None],
) -> None:
    """Deliver through Slack and Teams until SIGTERM or Ctrl-C; ``health``: where to answer /healthz."""
    if slack_settings.mode is SlackMode.OFF and not teams_settings.enabled:
        raise NoPlatformError(
            "vpmo worker delivers through Slack or Teams and neither is configured (SLACK_* or Microsoft* "
            "variables); vpmo jobs run prints the messages here instead"
        )
    hold_single_process(settings.database_url.get_secret_value(), "vpmo worker")
    web_app = build_server(settings, slack_settings, teams_settings=teams_settings, receiving=False)
    platforms = [
        name
        for name, on in (
            ("Slack", slack_settings.mode is not SlackMode.OFF),
            ("Teams", teams_settings.enabled),
        )
        if on
    ]
    lines = [
        f"vpmo worker: delivering through {' and '.join(platforms)}, serving no requests"
        + (f" (health: http://{health[0]}:{health[1]}/healthz)" if health else ""),
        f"Database: {settings.safe_database_url()}",
    ]

    def started(*_aiohttp_banner: str) -> None:
        for line in lines:
            announce(line)

    if health is None:
        asyncio.run(_until_stopped(web_app, started))
        return
    with listen(*health) as listener:
        web.run_app(web_app, sock=listener, print=started)


async def _until_stopped(web_app: web.Application, started: Callable[[], None]) -> None:
    """Start the application without a listening socket, and clean it up on SIGTERM or Ctrl-C."""
    runner = web.AppRunner(web_app, handle_signals=False)
    await runner.setup()
    stop = asyncio.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signal_number, stop.set)
    started()
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
