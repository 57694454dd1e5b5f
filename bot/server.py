"""``vpmo serve``: one aiohttp server for Slack (and Teams), the delivery tick and /healthz."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy import text

from bot.adapters.bridge import PlatformBridge
from bot.adapters.messenger import PlatformMessenger
from bot.adapters.reactions import PlatformReactionReader
from bot.bootstrap import Runtime, build_dispatcher, build_runtime
from bot.invites.files import IcsFile, ics_file
from bot.invites.web import add_routes as add_invite_routes
from bot.processes import hold_single_process, prefork, refuse_many_on_sqlite
from bot.settings import Settings
from bot.slack.settings import SlackMode, SlackSettings
from bot.teams.settings import TeamsSettings
from handlers.shared.ports import Clock, ReactionReader
from scheduler.clock import TickLoop
from scheduler.dispatcher import Dispatcher
from scheduler.tick import run_tick
from storage.db import database_work
from storage.pace_store import PaceStore, shared_sends
from storage.slack_store import SlackStore
from storage.teams_store import TeamsStore

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from bot.slack.app import SlackApp


@dataclass(slots=True)
class Server:
    """What the web application holds while it runs."""

    runtime: Runtime
    tick: TickLoop
    dispatcher: Dispatcher
    slack: SlackApp | None = None
    bridges: tuple[PlatformBridge[Any], ...] = ()
    # Reads a posted message's reactions back from its platform (votes the events did not bring).
    reactions: ReactionReader = field(default_factory=PlatformReactionReader)
    # Built at start-up, on the running loop: the handler opens an aiohttp session when created.
    socket_mode: AsyncSocketModeHandler | None = None
    # False for ``vpmo worker``: it delivers, and leaves the requests and events to the servers.
    receiving: bool = True
    # Set on SIGTERM with VPMO_DRAIN_SECONDS: still serving, but /healthz sends the load balancer away.
    draining: bool = False
    # The paces shared through PostgreSQL: each holds connections of its own, closed at the end.
    pace_stores: tuple[PaceStore, ...] = ()

    @property
    def uses_socket_mode(self) -> bool:
        """Tell whether Slack's events come over a Socket Mode connection to this process."""
        return self.receiving and self.slack is not None and self.slack.settings.mode is SlackMode.SOCKET_MODE

    async def health(self) -> tuple[bool, dict[str, str]]:
        """Check the database, the tick and (when used) the Socket Mode connection."""
        report: dict[str, str] = {}
        try:
            await asyncio.to_thread(_ping, self.runtime)
            report["database"] = "ok"
        except Exception as error:
            report["database"] = f"unreachable: {type(error).__name__}"
        report["tick"] = "ok" if self.tick.healthy(datetime.now(UTC)) else "stalled"
        if self.uses_socket_mode:
            connected = self.socket_mode is not None and await self.socket_mode.client.is_connected()
            report["socket_mode"] = "connected" if connected else "disconnected"
        if self.draining:
            report["serving"] = "draining before it stops"
        healthy = all(value in ("ok", "connected") for value in report.values())
        return healthy, report


RUNTIME_KEY = web.AppKey("vpmo", Server)


@dataclass(frozen=True, slots=True)
class _Links:
    """Where invite links point, and how a messenger gets an invite's file to upload."""

    public_url: str
    runtime: Runtime

    async def ics_file(self, token: str) -> IcsFile | None:
        return await asyncio.to_thread(ics_file, self.runtime.deps, token)


@dataclass(frozen=True, slots=True)
class _Wiring:
    """What each platform is wired with: the application, the runtime and the process's settings."""

    web_app: web.Application
    settings: Settings
    runtime: Runtime
    kick: Callable[[], None]
    bridges: list[PlatformBridge[Any]]
    monotonic: Callable[[], float]
    links: _Links
    receiving: bool
    pace_stores: list[PaceStore] = field(default_factory=list)


def _ping(runtime: Runtime) -> None:
    with runtime.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


async def _healthz(request: web.Request) -> web.Response:
    healthy, report = await request.app[RUNTIME_KEY].health()
    return web.json_response({"healthy": healthy, **report}, status=200 if healthy else 503)


class ListenError(Exception):
    """The address cannot be listened on; the message is one sentence for the operator."""


def listen(host: str, port: int) -> socket.socket:
    """Bind and listen on the address, before anything else is built (a taken port costs nothing)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except socket.gaierror as error:
        raise ListenError(f"cannot listen on {host}:{port}: {error.strerror}") from error
    try:
        return socket.create_server((host, port), family=family)
    except OSError as error:
        hint = " (is vpmo serve already running? VPMO_PORT or --port picks another)"
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise ListenError(
            f"cannot listen on {host}:{port}: {reason}{hint if error.errno == errno.EADDRINUSE else ''}"
        ) from error


def run_server(
    settings: Settings,
    slack_settings: SlackSettings,
    teams_settings: TeamsSettings,
    *,
    host: str,
    port: int,
    announce: Callable[[str], None],
    workers: int = 1,
    sentences: tuple[type[Exception], ...] = (),
) -> int:
    """Serve until SIGTERM or Ctrl-C; once listening, announce what runs, one line at a time.

    With ``workers`` above 1 a parent forks that many server processes onto the one socket (needs
    PostgreSQL) and returns the exit code they ended with; a process's error of a type in
    ``sentences`` is announced as its message (raised, with one process).
    """
    database_url = settings.database_url.get_secret_value()
    refuse_many_on_sqlite(database_url, workers)
    hold_single_process(database_url, "vpmo serve")
    with listen(host, port) as listener:
        public_url = settings.public_base(host, port)
        lines = startup_lines(settings, slack_settings, teams_settings, base_url(host, port), workers)

        def serve(print_banner: Callable[[str], None] | None) -> int:
            web_app = build_server(
                settings, slack_settings, teams_settings=teams_settings, public_url=public_url
            )
            if settings.drain_seconds > 0:
                web_app.on_startup.append(partial(_drain_on_sigterm, seconds=settings.drain_seconds))
            web.run_app(web_app, sock=listener, print=print_banner)
            return 0

        def started(_aiohttp_banner: str) -> None:
            for line in lines:
                announce(line)

        if workers == 1:
            return serve(started)
        # Migrated once here, before the processes exist, rather than by each of them at once.
        build_runtime(database_url).engine.dispose()
        for line in lines:
            announce(line)
        return prefork(workers, lambda _slot: serve(None), announce, sentences)


async def _drain_on_sigterm(web_app: web.Application, *, seconds: float) -> None:
    """Make SIGTERM drain first: /healthz answers 503 for ``seconds`` while requests are still served.

    The load balancer's health check takes the replica out of its rotation meanwhile, so no request
    is sent to a socket about to close. Installed after aiohttp's own handler (startup comes after
    it), which it replaces for SIGTERM; Ctrl-C still stops at once.
    """
    loop = asyncio.get_running_loop()

    def drain() -> None:
        server = web_app[RUNTIME_KEY]
        if server.draining:
            return
        server.draining = True
        log.info("SIGTERM: draining for %g s (/healthz answers 503), then stopping", seconds)
        loop.call_later(seconds, _stop_gracefully)

    loop.add_signal_handler(signal.SIGTERM, drain)


def _stop_gracefully() -> None:
    # What aiohttp's own SIGTERM handler does: run_app ends the server cleanly on this exception.
    raise web.GracefulExit


def base_url(host: str, port: int) -> str:
    """Return the server's base URL as an operator would type it."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


SLACK_MODES = {
    SlackMode.OFF: "off (no SLACK_* variables)",
    SlackMode.SINGLE_WORKSPACE: "HTTP, one workspace, at POST /slack/events",
    SlackMode.SOCKET_MODE: "Socket Mode, one workspace (no public URL needed)",
    SlackMode.OAUTH: "OAuth, many workspaces, at POST /slack/events; install at /slack/install",
}


def startup_lines(
    settings: Settings,
    slack_settings: SlackSettings,
    teams_settings: TeamsSettings,
    url: str,
    workers: int = 1,
) -> list[str]:
    """Say what ``vpmo serve`` runs: where it listens, each platform and how, the database, the zone."""
    processes = f", {workers} server processes" if workers > 1 else ""
    return [
        f"vpmo serve: listening on {url}{processes} (health: {url}/healthz)",
        f"Slack: {SLACK_MODES[slack_settings.mode]}",
        f"Teams: {_teams_line(teams_settings)}",
        f"Database: {settings.safe_database_url()}",
        f"Time zone: {settings.timezone}; default language: {settings.language}",
    ]


def _teams_line(teams: TeamsSettings) -> str:
    if not teams.enabled:
        return "off (no MicrosoftAppId)"
    if teams.authenticated:
        return f"authenticated, {teams.app_type.value} app {teams.app_id}, at POST /api/messages"
    return (
        "LOCAL MODE WITHOUT AUTHENTICATION (VPMO_TEAMS_LOCAL=1), at POST /api/messages: anyone who can "
        "reach it can act as any Teams user. For local testing only, never in production."
    )


def build_server(
    settings: Settings,
    slack_settings: SlackSettings,
    *,
    clock: Clock | None = None,
    tick_seconds: float = 15,
    teams_settings: TeamsSettings | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    public_url: str | None = None,
    receiving: bool = True,
) -> web.Application:
    """Build the web application: Slack's and Teams' endpoints, the invites, /healthz, and the tick that delivers.

    Without ``teams_settings`` the Microsoft* variables decide whether Teams is served. ``clock`` and
    ``monotonic`` are the time the use cases, the dispatcher and the platforms' pace go by. ``public_url``
    is what invite links start with (default: ``VPMO_PUBLIC_URL``, else the configured listen address).
    Without ``receiving`` (``vpmo worker``) it only delivers: no platform endpoints, no Socket Mode
    connection and no invites, only /healthz.
    """
    runtime = build_runtime(settings.database_url.get_secret_value(), clock=clock)
    links = _Links(public_url or settings.public_base(), runtime)
    web_app = web.Application()
    slack_messenger = None
    slack_reactions = None
    kick_holder: list[TickLoop] = []

    def kick() -> None:
        if kick_holder:
            kick_holder[0].kick()

    slack_app = None
    bridges: list[PlatformBridge[Any]] = []
    wiring = _Wiring(web_app, settings, runtime, kick, bridges, monotonic, links, receiving)
    if slack_settings.mode is not SlackMode.OFF:
        slack_messenger, slack_reactions, slack_app = _add_slack(wiring, slack_settings)

    teams = teams_settings if teams_settings is not None else TeamsSettings.from_environment()
    teams_messenger = None
    if teams.enabled:
        teams_messenger = _add_teams(wiring, teams)

    dispatcher = build_dispatcher(runtime, PlatformMessenger(slack=slack_messenger, teams=teams_messenger))
    reactions = PlatformReactionReader(slack=slack_reactions)
    tick = TickLoop(
        lambda full: run_tick(runtime.deps, dispatcher, escalate=full, reactions=reactions),
        seconds=tick_seconds,
    )
    kick_holder.append(tick)
    server = Server(
        runtime,
        tick,
        dispatcher,
        slack_app,
        tuple(bridges),
        reactions=reactions,
        receiving=receiving,
        pace_stores=tuple(wiring.pace_stores),
    )
    web_app[RUNTIME_KEY] = server
    web_app.router.add_get("/healthz", _healthz)
    if wiring.receiving:
        add_invite_routes(web_app, runtime.deps, settings.language, settings.timezone)
    web_app.on_startup.append(_start)
    web_app.on_cleanup.append(_stop)
    return web_app


def _add_slack(wiring: _Wiring, slack_settings: SlackSettings) -> tuple[Any, Any, SlackApp]:
    from bot.slack.app import build_slack_app
    from bot.slack.bridge import SlackBridge
    from bot.slack.http import add_routes
    from bot.slack.messenger import SlackMessenger, workspace_limits
    from bot.slack.reactions import SlackReactionReader

    bridge = SlackBridge(
        wiring.runtime.deps,
        SlackStore(wiring.runtime.engine),
        wiring.kick,
        default_language=wiring.settings.language,
        default_zone=wiring.settings.timezone,
        database=database_work(wiring.runtime.engine),
    )
    wiring.bridges.append(bridge)
    secret_key = wiring.settings.secret_key.get_secret_value() if wiring.settings.secret_key else None
    slack = build_slack_app(slack_settings, bridge, secret_key)
    messenger = SlackMessenger(
        slack.client_for,
        pace_seconds=wiring.settings.slack_pace_seconds,
        # Paced per workspace too, across all processes: a 429 holds only the channel it came in.
        workspace_limits=workspace_limits(wiring.settings.slack_workspace_posts_per_second)
        if wiring.settings.slack_pace_seconds > 0
        else (),
        monotonic=wiring.monotonic,
        shared_pace=_shared_pace(wiring, "slack"),
        public_url=wiring.links.public_url,
        ics_files=wiring.links.ics_file,
    )
    if wiring.receiving and slack_settings.mode is not SlackMode.SOCKET_MODE:
        add_routes(wiring.web_app, slack)
    return messenger, SlackReactionReader(slack.workspace_for), slack


def _add_teams(wiring: _Wiring, teams_settings: TeamsSettings) -> Any:
    from bot.teams.bot import TeamsBot
    from bot.teams.bridge import TeamsBridge
    from bot.teams.http import add_routes, build_adapter
    from bot.teams.messenger import TeamsMessenger

    references = TeamsStore(wiring.runtime.engine)
    bridge = TeamsBridge(
        wiring.runtime.deps,
        references,
        wiring.kick,
        default_language=wiring.settings.language,
        default_zone=wiring.settings.timezone,
        database=database_work(wiring.runtime.engine),
    )
    wiring.bridges.append(bridge)
    adapter = build_adapter(teams_settings)
    if wiring.receiving:
        add_routes(
            wiring.web_app, adapter, TeamsBot(bridge, public_url=wiring.links.public_url), teams_settings
        )
    return TeamsMessenger(
        adapter,
        references,
        teams_settings.app_id,
        monotonic=wiring.monotonic,
        shared_pace=_shared_pace(wiring, "teams"),
        public_url=wiring.links.public_url,
        database=database_work(wiring.runtime.engine),
    )


def _shared_pace(wiring: _Wiring, platform: str) -> PaceStore | None:
    """Return the pace shared by every process on PostgreSQL, if the pace keeps real time.

    The store is kept in the wiring's list, for the server to close its connections when it stops.
    """
    # The database's clock is real time: a pace on a clock of its own (tests move it) stays in the process.
    if wiring.monotonic is not time.monotonic:
        return None
    store = shared_sends(wiring.runtime.engine, platform)
    if store is not None:
        wiring.pace_stores.append(store)
    return store


WORKER_THREADS = 32
"""Threads for the database work and botbuilder's sends, which both run in the loop's default executor.

botbuilder's connector posts with ``requests`` in that executor: its default (cores + 4, six here) caps a
Teams fan-out at about 40 posts a second, below the 30 a second per tenant the platform allows for
several tenants at once (bench/fanout.py measures it). PostgreSQL's pool (10 + 20) covers this many.
"""


async def _start(web_app: web.Application) -> None:
    server = web_app[RUNTIME_KEY]
    executor = ThreadPoolExecutor(WORKER_THREADS, thread_name_prefix="vpmo")
    asyncio.get_running_loop().set_default_executor(executor)
    if server.slack is not None:
        await server.slack.open()
    if server.slack is not None and server.uses_socket_mode:
        try:
            server.socket_mode = await server.slack.connect_socket_mode()
        except Exception:
            # aiohttp runs no cleanup when start-up fails: close what was opened, so the process
            # ends with the one sentence and no complaints about unclosed sessions.
            await server.slack.close()
            raise
    server.tick.start()


async def _stop(web_app: web.Application) -> None:
    # Let a running tick finish: messages it claimed are sent and recorded before the process ends.
    server = web_app[RUNTIME_KEY]
    if server.socket_mode is not None:
        await server.socket_mode.close_async()  # type: ignore[no-untyped-call]  # bolt leaves it unannotated
    # Work started after an answer (a click's outcome, an event) is finished before delivery stops.
    for bridge in server.bridges:
        await bridge.finish_background()
    server.dispatcher.request_stop()
    await server.tick.stop()
    server.dispatcher.close()
    if server.slack is not None:
        await server.slack.close()
    for store in server.pace_stores:
        store.dispose()
    server.runtime.engine.dispose()
