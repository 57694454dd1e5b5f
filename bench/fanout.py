"""Benchmark: a fan-out of reminders to many channels through the real dispatcher, against paced fakes.

    .venv/bin/python -m bench.fanout [--scale 1.0] [--seed 7] [--platform slack|teams|both]
        [--database sqlite|postgres|both] [--processes 1 2 ...] [--pace-per-process] [--no-workspace-pace]

Slack: 50 workspaces × 20 channels, 5 reminders due at once in each channel (5,000 posts), queued in
the outbox as the tick queues scheduled posts (``uow.outbox.add`` under a dedupe key each). vpmo's own
tick loop (``scheduler.clock.TickLoop`` running ``run_tick``) sends them with the real ``Dispatcher``
and ``SlackMessenger``, against a fake Slack (``bench.fake_platforms``, its own process on 127.0.0.1)
that answers after 100–200 ms, allows 1 post a second per channel and 10 a second per workspace
(429 with Retry-After beyond: counted as a *violation*, the bot's pacing being too fast), and
answers 2 % of the posts with a random 429.

Teams: 10 tenants × 20 channels × 5 reminders through ``TeamsMessenger`` and a fake Bot Connector
allowing 7 posts a second (8 in 2 s) per conversation and 30 requests a second per tenant. botbuilder
sends with ``requests`` in the event loop's default executor, so the run gives that executor
``TEAMS_SENDER_THREADS`` threads (the default, 6 on two cores, caps Teams at about 40 sends a second).

Several processes (``--processes 1 2``, PostgreSQL only): the fan-out is queued once, then N sending
processes (``python -m bench.fanout --sender ...``, each its own runtime, dispatcher, tick loop and
messenger, as N replicas of ``vpmo serve``) start on one word and share it through the outbox and the
pace in the database. The time is until every post is recorded sent; claims, deferrals, retries and
ticks are summed over the processes. ``--pace-per-process`` paces each on its own (as before the pace
was shared: the fake counts what that breaks); ``--no-workspace-pace`` paces Slack per channel only.

Printed per platform, database and number of processes: total time (from the first tick to the last message recorded as sent), the
lower bound the limits allow, the ratio, messages lost (never posted) and duplicated (posted more
than once), 429s (random, and violations), and where the time went: claims, deferrals for pacing,
retries. Target: ratio ≤ 1.2, 0 lost, 0 duplicated, 0 violations. ``--scale`` shrinks the numbers
of workspaces/tenants and channels (a fast run for the e2e test). Exits with 1 on a lost or
duplicated message or a violation.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from ruamel.yaml import YAML
from slack_sdk.web.async_client import AsyncWebClient

from bench.servers import Server, free_port, start_server, throwaway_database
from bot.adapters.pacing import SharedSends
from bot.admin.tenant_admin import apply_tenant
from bot.admin.tenant_config import load_tenant_config
from bot.bootstrap import Runtime, build_dispatcher, build_runtime
from bot.cli import SAMPLE_TENANT
from handlers.shared.model import Tenant
from handlers.shared.ports import Messenger
from handlers.shared.text import Message, Text, Verbatim
from scheduler.clock import TickLoop
from scheduler.tick import run_tick
from storage.pace_store import PaceStore, shared_sends
from storage.teams_store import TeamsReference, TeamsStore

REMINDERS = 5  # due at once in every channel
TEAMS_SENDER_THREADS = 64
SENDER_START_SECONDS = 60.0  # for a sending process to be ready (imports, connections)


@dataclass(frozen=True, slots=True)
class Platform:
    """One platform's fan-out: how many scopes (workspaces, tenants) and channels, and its limits."""

    name: str
    scopes: int
    channels: int
    per_channel: tuple[int, float]  # posts, seconds
    per_scope: tuple[int, float]

    @property
    def posts(self) -> int:
        """Return how many posts the fan-out makes."""
        return self.scopes * self.channels * REMINDERS

    @property
    def bound(self) -> float:
        """Return the least time the limits allow: a scope's posts at its rate, or a channel's at its."""
        scope = self.channels * REMINDERS * self.per_scope[1] / self.per_scope[0]
        channel = REMINDERS * self.per_channel[1] / self.per_channel[0]
        return max(scope, channel)


SLACK = Platform("slack", scopes=50, channels=20, per_channel=(1, 1.0), per_scope=(10, 1.0))
TEAMS = Platform("teams", scopes=10, channels=20, per_channel=(7, 1.0), per_scope=(30, 1.0))


@dataclass(frozen=True, slots=True)
class PaceChoice:
    """How the run paces: shared by the processes on PostgreSQL (or each on its own), Slack per workspace."""

    shared: bool = True
    workspace: bool = True

    def label(self, database: str) -> str:
        """Return the choice as the table shows it (SQLite has one process: its pace is its own)."""
        shared = "pace shared" if self.shared and database == "postgres" else "pace per process"
        return shared if self.workspace else f"{shared}, no workspace pace"


@dataclass(frozen=True, slots=True)
class Result:
    """What one fan-out did, as the fake platform and the outbox saw it."""

    platform: Platform
    seconds: float
    lost: int
    duplicated: int
    random_429: int
    violations: dict[str, int]
    early: float
    claims: int
    deferred: int
    retried: int
    ticks: int
    work: Work
    processes: int = 1
    pace: PaceChoice = PaceChoice()

    @property
    def ratio(self) -> float:
        """Return the total time over the lower bound."""
        return self.seconds / self.platform.bound

    @property
    def clean(self) -> bool:
        """Tell whether nothing was lost, doubled or sent too fast."""
        return not (self.lost or self.duplicated or sum(self.violations.values()))


def scaled(platform: Platform, scale: float) -> Platform:
    """Return the platform's fan-out with ``scale`` times as many scopes and channels (at least one each)."""
    factor = math.sqrt(scale)
    return Platform(
        platform.name,
        max(1, round(platform.scopes * factor)),
        max(1, round(platform.channels * factor)),
        platform.per_channel,
        platform.per_scope,
    )


def _tenant_yaml(number: int) -> str:
    """Return the sample client's configuration as client ``number`` of the bench, with ids of its own."""
    yaml = YAML()
    config: dict[str, Any] = yaml.load(SAMPLE_TENANT.read_text(encoding="utf-8"))
    config["slug"] = f"fanout-{number:02d}"
    config["name"] = f"Fan-out {number:02d}"
    config["slack_team_id"] = _team(number)
    config["teams_tenant_id"] = f"00000000-0000-4000-8000-{number:012d}"
    for key in ("challenges", "challenge_meetings", "erfa", "erfa_meetings"):
        config.pop(key, None)  # nothing but the fan-out is posted
    with tempfile.SpooledTemporaryFile(mode="w+") as text:
        yaml.dump(config, text)
        text.seek(0)
        return str(text.read())


def _team(number: int) -> str:
    return f"T{number:04d}FAN"


def _channel(platform: Platform, scope: int, channel: int) -> str:
    if platform.name == "slack":
        return f"C{scope:03d}X{channel:03d}"
    return f"19:fanout-{scope:02d}-{channel:02d}@thread.tacv2"


def _marker(scope: int, channel: int, reminder: int) -> str:
    return f"fanout-{scope}-{channel}-{reminder}"


def set_up(runtime: Runtime, platform: Platform, fake_url: str) -> list[Tenant]:
    """Apply the bench's clients and queue the fan-out; return the clients."""
    for number in range(platform.scopes):
        apply_tenant(runtime.engine, load_tenant_config(_tenant_yaml(number)))
    now = runtime.deps.clock.now()
    tenants = []
    with runtime.deps.uow() as uow:
        for number in range(platform.scopes):
            tenant = uow.tenants.get_by_slug(f"fanout-{number:02d}")
            assert tenant is not None
            tenants.append(tenant)
        # Reminder by reminder, channel by channel: as the tick queues one offset's posts.
        for reminder in range(REMINDERS):
            for number, tenant in enumerate(tenants):
                for channel in range(platform.channels):
                    marker = _marker(number, channel, reminder)
                    text = Text.of("undeliverable.refused", detail=Verbatim(marker))
                    message = Message(
                        (text,), to_channel=_channel(platform, number, channel), dedupe_key=marker
                    )
                    uow.outbox.add(tenant.id, message, now)
        uow.commit()
    if platform.name == "teams":
        _store_channel_references(runtime, platform, tenants, fake_url)
    return tenants


def _store_channel_references(runtime: Runtime, platform: Platform, tenants: list[Tenant], url: str) -> None:
    """Record the channels as the bot learns them when it is @mentioned there (a reference each)."""
    store = TeamsStore(runtime.engine)
    now = datetime.now(UTC)
    for number, tenant in enumerate(tenants):
        for channel in range(platform.channels):
            conversation = _channel(platform, number, channel)
            reference = {
                "bot": {"id": "28:fanout-bot", "name": "Virtuelt PMO"},
                "conversation": {"id": conversation, "isGroup": True},
                "channelId": "msteams",
                "serviceUrl": url,
            }
            store.save_reference(
                TeamsReference(tenant.id, conversation, url, reference, channel_key=conversation), now
            )


def _slack_messenger(
    url: str, session: aiohttp.ClientSession, shared: SharedSends | None, workspace: bool
) -> Messenger:
    from bot.slack.messenger import WORKSPACE_LIMITS, SlackMessenger

    async def client_for(tenant: Tenant) -> AsyncWebClient:
        return AsyncWebClient(
            token=f"xoxb-fanout-{tenant.slack_team_id}", base_url=f"{url}api/", session=session
        )

    return SlackMessenger(
        client_for, workspace_limits=WORKSPACE_LIMITS if workspace else (), shared_pace=shared
    )


def _teams_messenger(runtime: Runtime, shared: SharedSends | None) -> Messenger:
    from bot.teams.http import build_adapter
    from bot.teams.messenger import TeamsMessenger
    from bot.teams.settings import TeamsSettings

    return TeamsMessenger(
        build_adapter(TeamsSettings.local()), TeamsStore(runtime.engine), "", shared_pace=shared
    )


class CountingSends:
    """The shared pace's store, counting its calls and their time (its cost per post)."""

    def __init__(self, store: PaceStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self.admissions = self.refused = self.writes = 0
        self.seconds = 0.0

    def admit(self, send: int, counters: Any, answered: Any = ()) -> float:
        started = time.perf_counter()
        wait = self._store.admit(send, counters, answered)
        with self._lock:
            self.admissions += 1
            self.refused += wait > 0
            self.seconds += time.perf_counter() - started
        return wait

    def answered(self, answered: Any) -> None:
        started = time.perf_counter()
        self._store.answered(answered)
        self._wrote(started)

    def hold(self, key: str, seconds: float) -> None:
        started = time.perf_counter()
        self._store.hold(key, seconds)
        self._wrote(started)

    def _wrote(self, started: float) -> None:
        with self._lock:
            self.writes += 1
            self.seconds += time.perf_counter() - started


class Counting:
    """The dispatcher's store, counting claims, deferrals and retries (where the time goes)."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.claims = self.deferred = self.retried = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def claim(self, *args: Any) -> Any:
        self.claims += 1
        return self._store.claim(*args)

    def defer(self, deferrals: list[Any]) -> None:
        self.deferred += len(deferrals)
        self._store.defer(deferrals)

    def retry_at(self, *args: Any) -> bool:
        self.retried += 1
        return bool(self._store.retry_at(*args))


async def _until_sent(runtime: Runtime, posts: int, limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        counts = await asyncio.to_thread(runtime.outbox.counts)
        if counts.get("sent", 0) + counts.get("failed", 0) >= posts:
            return
        await asyncio.sleep(0.05)


@dataclass(frozen=True, slots=True)
class Work:
    """What one sending process did: its time until every post was sent, and where that time went."""

    seconds: float
    claims: int
    deferred: int
    retried: int
    ticks: int
    admissions: int = 0  # the shared pace's calls: admissions (each one round trip) ...
    refused: int = 0  # ... of which the other processes' sends refused so many ...
    writes: int = 0  # ... and the answers and holds written apart
    pace_seconds: float = 0.0  # the time those calls took, summed


async def send_all(
    platform: Platform, url: str, fake_url: str, ready: Callable[[], Awaitable[None]], pace: PaceChoice
) -> Work:
    """Send the queued fan-out with vpmo's tick loop (after ``ready`` returns) until all of it is sent."""
    if platform.name == "teams":
        # botbuilder's connector client makes its requests with `requests` in the default executor:
        # 6 threads on this machine would cap Teams at about 40 sends a second, far below the limits.
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(TEAMS_SENDER_THREADS))
    runtime = build_runtime(url)
    session = aiohttp.ClientSession()
    store = shared_sends(runtime.engine, platform.name) if pace.shared else None
    shared = CountingSends(store) if store is not None else None
    try:
        messenger = (
            _slack_messenger(fake_url, session, shared, pace.workspace)
            if platform.name == "slack"
            else _teams_messenger(runtime, shared)
        )
        counting = Counting(runtime.outbox)
        dispatcher = build_dispatcher(Runtime(runtime.engine, runtime.deps, counting), messenger)  # type: ignore[arg-type]
        loop = TickLoop(_tick(runtime, dispatcher))
        await ready()
        start = time.monotonic()
        loop.start()
        await _until_sent(runtime, platform.posts, limit=30 * platform.bound + 60)
        seconds = time.monotonic() - start
        await loop.stop()
        dispatcher.close()
    finally:
        await session.close()
        if store is not None:
            store.dispose()
        runtime.engine.dispose()
    calls = (shared.admissions, shared.refused, shared.writes, shared.seconds) if shared else (0, 0, 0, 0.0)
    return Work(seconds, counting.claims, counting.deferred, counting.retried, loop.rounds, *calls)


async def run(
    platform: Platform, url: str, seed: int, processes: int = 1, pace: PaceChoice = PaceChoice()
) -> Result:
    """Queue the fan-out, send it with vpmo's tick loop in ``processes`` processes, and return what the fake saw."""
    fake = _start_fake(platform.name, seed)
    fake_url = f"http://127.0.0.1:{fake.port}/"
    try:
        runtime = build_runtime(url)
        try:
            await asyncio.to_thread(set_up, runtime, platform, fake_url)
        finally:
            runtime.engine.dispose()
        if processes == 1:
            work = await send_all(platform, url, fake_url, _at_once, pace)
        else:
            work = await _send_in_processes(platform, url, fake_url, processes, pace)
        stats = await _stats(fake_url)
    finally:
        fake.stop()
    posted = stats["posts"]
    expected = {
        _marker(s, c, r)
        for s in range(platform.scopes)
        for c in range(platform.channels)
        for r in range(REMINDERS)
    }
    return Result(
        platform,
        work.seconds,
        lost=len(expected - set(posted)),
        duplicated=sum(count - 1 for count in posted.values() if count > 1),
        random_429=int(stats["random_429"]),
        violations=dict(stats["violations"]),
        early=float(stats["early"]),
        claims=work.claims,
        deferred=work.deferred,
        retried=work.retried,
        ticks=work.ticks,
        work=work,
        processes=processes,
        pace=pace,
    )


async def _at_once() -> None:
    return None


async def _send_in_processes(
    platform: Platform, url: str, fake_url: str, processes: int, pace: PaceChoice
) -> Work:
    """Send the fan-out with ``processes`` sending processes on the one database, started together.

    Each says when it is ready to tick (imports and connections done) and starts on the word; the time
    is the slowest one's, and the rest is summed.
    """
    arguments = [url, fake_url, platform.name, str(platform.scopes), str(platform.channels)]
    arguments += ["shared" if pace.shared else "local", "workspace" if pace.workspace else "channel"]
    senders = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.fanout",
            "--sender",
            *arguments,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(processes)
    ]
    try:
        for sender in senders:
            assert sender.stdout is not None
            ready = await asyncio.wait_for(sender.stdout.readline(), SENDER_START_SECONDS)
            if ready.strip() != b"ready":
                raise SystemExit(f"a sending process did not start: {ready!r}")
        for sender in senders:
            assert sender.stdin is not None
            sender.stdin.write(b"go\n")
            await sender.stdin.drain()
        outputs = [await sender.communicate() for sender in senders]
    finally:
        for sender in senders:
            if sender.returncode is None:
                sender.kill()
    done = [Work(**json.loads(out.decode().splitlines()[-1])) for out, _ in outputs]
    return Work(
        max(work.seconds for work in done),
        sum(work.claims for work in done),
        sum(work.deferred for work in done),
        sum(work.retried for work in done),
        sum(work.ticks for work in done),
        sum(work.admissions for work in done),
        sum(work.refused for work in done),
        sum(work.writes for work in done),
        sum(work.pace_seconds for work in done),
    )


async def sender_main(
    url: str, fake_url: str, name: str, scopes: int, channels: int, pace: PaceChoice
) -> None:
    """Be one sending process of a fan-out in several: ready, then on the word send, then print the work."""
    template = SLACK if name == "slack" else TEAMS
    platform = Platform(name, scopes, channels, template.per_channel, template.per_scope)

    async def ready() -> None:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)

    work = await send_all(platform, url, fake_url, ready, pace)
    print(json.dumps(asdict(work)), flush=True)


def _tick(runtime: Runtime, dispatcher: Any) -> Callable[[bool], Awaitable[Any]]:
    async def tick(_full: bool) -> Any:
        return await run_tick(runtime.deps, dispatcher, escalate=False)

    return tick


def _start_fake(platform: str, seed: int) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "bench.fake_platforms", str(port), platform, str(seed)]
    return start_server(f"fake {platform}", command, port, dict(os.environ))


async def _stats(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(f"{url}_stats") as response:
        return dict(await response.json())


def report(result: Result, database: str) -> None:
    """Print one platform's figures as a table row."""
    p = result.platform
    violations = sum(result.violations.values())
    print(
        f"{p.name:<6} {p.scopes:>3}×{p.channels:<3} {p.posts:>6} {result.seconds:>8.2f} {p.bound:>7.2f} "
        f"{result.ratio:>6.2f} {result.lost:>5} {result.duplicated:>5} {result.random_429:>7} "
        f"{violations:>5} {result.claims:>6} {result.deferred:>6} {result.retried:>6} {result.ticks:>5} "
        f"{result.processes:>5} {database}; {result.pace.label(database)}",
        flush=True,
    )
    work = result.work
    if work.admissions:
        calls = work.admissions + work.writes
        print(
            f"       shared pace: {work.admissions} admissions ({work.refused} refused by the others' sends), "
            f"{work.writes} other writes: {calls / p.posts:.2f} round trips a post, "
            f"{work.pace_seconds / calls * 1000:.2f} ms each",
            flush=True,
        )
    if violations:
        print(
            f"       violations by limit: {result.violations}; at most {result.early * 1000:.0f} ms too early",
            flush=True,
        )


HEADER = (
    f"{'':<6} {'scopes':>7} {'posts':>6} {'time s':>8} {'bound':>7} {'ratio':>6} {'lost':>5} {'dup':>5} "
    f"{'429 rnd':>7} {'viol':>5} {'claims':>6} {'defer':>6} {'retry':>6} {'ticks':>5} {'procs':>5} database"
)


async def main(
    scale: float,
    seed: int,
    databases: list[str],
    platforms: list[Platform],
    processes: list[int],
    pace: PaceChoice,
) -> int:
    """Run the fan-out on each platform; return 1 when a message was lost or doubled, or a limit broken."""
    print(
        f"machine: {os.cpu_count()} cores; scale {scale:g}; seed {seed}; target ratio ≤ 1.2",
        flush=True,
    )
    print(HEADER, flush=True)
    clean = True
    for platform in platforms:
        for database in databases:
            for count in processes if database == "postgres" else [1]:
                with (
                    tempfile.TemporaryDirectory() as folder,
                    throwaway_database(folder, database == "postgres", "bench_fanout") as url,
                ):
                    result = await run(scaled(platform, scale), url, seed, count, pace)
                report(result, database)
                clean = clean and result.clean
    return 0 if clean else 1


def _arguments() -> tuple[float, int, list[str], list[Platform], list[int], PaceChoice]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the workspaces × channels")
    parser.add_argument("--seed", type=int, default=7, help="seed of the fakes' latency and random 429s")
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL (VPMO_TEST_POSTGRES_URL)")
    parser.add_argument(
        "--database", choices=["sqlite", "postgres", "both"], help="where (default: SQLite, or --postgres)"
    )
    parser.add_argument("--platform", choices=["slack", "teams", "both"], default="both")
    parser.add_argument(
        "--processes",
        type=int,
        nargs="+",
        default=[1],
        help="sending processes sharing the fan-out on PostgreSQL, one run each (e.g. 1 2)",
    )
    parser.add_argument(
        "--pace-per-process",
        action="store_true",
        help="each process paces on its own, as before the pace was shared (what sharing prevents)",
    )
    parser.add_argument(
        "--no-workspace-pace", action="store_true", help="Slack paced per channel only, not per workspace"
    )
    arguments = parser.parse_args()
    if not 0 < arguments.scale <= 1:
        parser.error("--scale is a fraction: more than 0, at most 1")
    if any(count < 1 for count in arguments.processes):
        parser.error("--processes counts sending processes: 1 or more")
    database = arguments.database or ("postgres" if arguments.postgres else "sqlite")
    if database == "sqlite" and max(arguments.processes) > 1:
        parser.error("SQLite serves one process: run several with --database postgres or both")
    databases = {"sqlite": ["sqlite"], "postgres": ["postgres"], "both": ["sqlite", "postgres"]}[database]
    chosen = {"slack": [SLACK], "teams": [TEAMS], "both": [SLACK, TEAMS]}[arguments.platform]
    pace = PaceChoice(shared=not arguments.pace_per_process, workspace=not arguments.no_workspace_pace)
    return arguments.scale, arguments.seed, databases, chosen, arguments.processes, pace


if __name__ == "__main__":
    if sys.argv[1:2] == ["--sender"]:
        # One of the sending processes of _send_in_processes: URL, fake URL, platform, scopes, channels, pace.
        url, fake_url, name, scopes, channels, shared, workspace = sys.argv[2:9]
        choice = PaceChoice(shared == "shared", workspace == "workspace")
        asyncio.run(sender_main(url, fake_url, name, int(scopes), int(channels), choice))
    else:
        sys.exit(asyncio.run(main(*_arguments())))
