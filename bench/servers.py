"""What the server benchmarks share: free ports, server subprocesses and their CPU time, the fake
platforms they send to, the sample client, Slack's signing and environment, and the load generators
(closed loop: a fixed number of clients; open loop: Poisson arrivals at a fixed rate), and the
open-loop comparison of the request benchmarks: traced requests, and when each one's offer arrived."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import itertools
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
from sqlalchemy.engine import make_url

from bench.fake_platforms import trace_marker

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_TENANT = ROOT / "bot" / "console" / "sample_tenant.yaml"
STOP_SECONDS = 30.0
SLACK_SECRET = "bench-signing-secret"
SLACK_TOKEN = "xoxb-0000000000-0000000000-benchbenchbenchbench"
SLACK_TEAM = "T01NORDLYS"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A server under test, running as its own process."""

    name: str
    process: subprocess.Popen[bytes]
    port: int

    def cpu_seconds(self) -> float:
        """Return the server process's user + system CPU time so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """Terminate the server and wait for it (killing it if it does not end in time)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_SECONDS)


def start_server(name: str, command: list[str], port: int, env: dict[str, str]) -> Server:
    """Start a server process and wait until it accepts connections."""
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} before it served")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return Server(name, process, port)
        except OSError:
            time.sleep(0.1)
    process.kill()
    process.wait(STOP_SECONDS)
    raise RuntimeError(f"{name} did not start on port {port}")


def vpmo_command() -> str:
    """Return the path of the ``vpmo`` command of this environment."""
    return str(Path(sys.executable).with_name("vpmo"))


def prepare_database(folder: str, env: dict[str, str], tenant: Path = SAMPLE_TENANT) -> None:
    """Apply the client (the sample one unless told) to the database the environment names."""
    subprocess.run(
        [vpmo_command(), "tenant", "apply", str(tenant)],
        env=env,
        cwd=folder,
        check=True,
        capture_output=True,
    )


def slack_environment(folder: str, database_url: str | None = None) -> dict[str, str]:
    """Return the environment of a Slack benchmark's servers: the bench's secret and token, quiet logs.

    The database is SQLite in ``folder`` unless told; ``SLACK_API_URL`` is added once the fake runs.
    """
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "VPMO_"))},
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "VPMO_DATABASE_URL": database_url or f"sqlite:///{folder}/bench.db",
        "VPMO_LOG_LEVEL": "WARNING",
        # Every message is sent in its turn (and its CPU counted there), not held back by Slack's pace.
        "VPMO_SLACK_PACE_SECONDS": "0",
    }


def start_slack_server(
    name: str, env: dict[str, str], folder: str, database_url: str | None = None
) -> Server:
    """Start ``vpmo serve`` (name ``vpmo``) or a baseline of ``bench.bare_slack_app`` by its kind.

    A baseline writes to SQLite in ``folder`` unless given a database URL.
    """
    port = free_port()
    if name == "vpmo":
        return start_server(name, [vpmo_command(), "serve", "--port", str(port)], port, env)
    command = [sys.executable, "-m", "bench.bare_slack_app", str(port), name, folder]
    return start_server(name, [*command, *([database_url] if database_url else [])], port, env)


def slack_headers(body: bytes, content_type: str, secret: str = SLACK_SECRET) -> dict[str, str]:
    """Return the headers Slack sends with a body: its content type, the time and the v0 signature."""
    timestamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
    }


def percentiles(latencies_seconds: Sequence[float]) -> tuple[float, float]:
    """Return p50 and p99 in milliseconds."""
    ms = sorted(latency * 1000 for latency in latencies_seconds)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]


if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_Turn = TypeVar("_Turn", bound="DataclassInstance")


def merge_turns(turns: Sequence[_Turn]) -> _Turn:
    """Return one result for a server's turns at a concurrency: lists joined, counts and times added."""
    merged: dict[str, Any] = {}
    for field in fields(turns[0]):
        values = [getattr(turn, field.name) for turn in turns]
        merged[field.name] = (
            [item for value in values for item in value] if isinstance(values[0], list) else sum(values)
        )
    return replace(turns[0], **merged)


def comparison_parser(doc: str | None) -> argparse.ArgumentParser:
    """Return the argument parser of a benchmark that compares servers: its doc as help, and --rounds."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2, help="alternations per concurrency")
    return parser


def comparison_arguments(doc: str | None) -> tuple[float, int]:
    """Read --seconds and --rounds for a benchmark that compares two servers."""
    parser = comparison_parser(doc)
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="seconds per server, concurrency and round"
    )
    arguments = parser.parse_args()
    return arguments.seconds, arguments.rounds


@dataclass(frozen=True)
class Mode:
    """How a request benchmark runs: fixed concurrencies (closed loop) or fixed rates (open loop)."""

    open_loop: bool
    seconds: float
    rounds: int


def mode_arguments(doc: str | None) -> Mode:
    """Read --open-loop, --seconds and --rounds for a benchmark with both load generators."""
    parser = comparison_parser(doc)
    parser.add_argument(
        "--open-loop",
        action="store_true",
        help=f"offer requests at {' and '.join(f'{rate:g}' for rate in OPEN_LOOP_RATES)}/s instead",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        help=f"seconds per server, concurrency and round (5), or per server and rate ({OPEN_LOOP_SECONDS:g})",
    )
    arguments = parser.parse_args()
    default = OPEN_LOOP_SECONDS if arguments.open_loop else 5.0
    seconds = arguments.seconds if arguments.seconds is not None else default
    if seconds <= 0 or arguments.rounds < 1:
        parser.error("--seconds must be positive and --rounds at least 1")
    return Mode(arguments.open_loop, seconds, arguments.rounds)


@dataclass
class Load:
    """What a burst of requests from ``concurrency`` clients measured."""

    latencies: list[float]
    errors: int
    seconds: float


Request = Callable[[aiohttp.ClientSession], Awaitable[int]]
"""Send one request on the session and return its HTTP status."""


async def hammer(
    port: int,
    concurrency: int,
    seconds: float,
    request: Request,
    total: int | None = None,
) -> Load:
    """Send requests from ``concurrency`` clients for ``seconds``; any status but 200 counts as an error.

    With ``total``, the clients stop once that many requests were sent (``seconds`` stays the limit).
    The client is aiohttp's: on these two shared cores the load generator must cost far less per
    request than the servers it measures, or it measures itself.
    """
    latencies: list[float] = []
    errors = 0
    left = total if total is not None else -1
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        f"http://127.0.0.1:{port}", connector=connector, timeout=timeout
    ) as session:

        async def worker() -> None:
            nonlocal errors, left
            while left != 0 and time.perf_counter() < deadline:
                left -= 1
                start = time.perf_counter()
                try:
                    failed = await request(session) != 200
                except (aiohttp.ClientError, TimeoutError):
                    failed = True
                latencies.append(time.perf_counter() - start)
                errors += failed

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return Load(latencies, errors, time.perf_counter() - started)


async def open_loop(
    port: int,
    rate: float,
    total: int,
    request: Request,
    *,
    seed: int = 0,
    connections: int = 256,
    seconds: float = 600.0,
    answer_limit: float = 60.0,
) -> Load:
    """Send ``total`` requests arriving at ``rate`` per second (Poisson), whether or not answers keep up.

    Unlike :func:`hammer`, a slow server does not slow the arrivals: requests queue, and each latency
    runs from the moment the request was due, so the wait in the queue counts (no coordinated
    omission). At most ``connections`` are open at once; no request is sent after ``seconds``. A
    request not answered within ``answer_limit`` seconds of being due is an error (Slack gives up
    after 3).
    """
    latencies: list[float] = []
    errors = 0
    arrivals = random.Random(seed)
    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=answer_limit)
    async with aiohttp.ClientSession(
        f"http://127.0.0.1:{port}", connector=connector, timeout=timeout
    ) as session:

        async def one(due: float) -> None:
            nonlocal errors
            try:
                failed = await request(session) != 200
            except (aiohttp.ClientError, TimeoutError):
                failed = True
            latency = time.perf_counter() - due
            latencies.append(latency)
            errors += failed or latency > answer_limit

        started = time.perf_counter()
        due = started
        sent: list[asyncio.Task[None]] = []
        for _ in range(total):
            due += arrivals.expovariate(rate)
            if due - started > seconds:
                break
            if (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            sent.append(asyncio.create_task(one(due)))
        await asyncio.gather(*sent)
        return Load(latencies, errors, time.perf_counter() - started)


OPEN_LOOP_RATES = (50.0, 100.0)
OPEN_LOOP_SECONDS = 20.0
ANSWER_LIMIT = 3.0
"""Seconds Slack waits for an answer before it tells the user the app failed."""
ACK_TARGET = 0.050
OFFER_TARGET = 1.0
OFFER_QUIET = 2.0
"""Seconds without an arrival at the fake after which the offers still missing count as lost."""
OFFER_LIMIT = 30.0
"""The most seconds after a turn that its offers are waited for."""

Traced = Callable[[aiohttp.ClientSession, str], Awaitable[int]]
"""Send one request whose text carries the given trace marker and return its HTTP status."""

_markers = (trace_marker(number) for number in itertools.count(1))


@dataclass
class Offered:
    """What one server's open-loop turn measured: its answers, and when each request's offer arrived."""

    offered: int
    errors: int
    latencies: list[float]
    offer_delays: list[float]
    cpu: float

    @property
    def lost(self) -> int:
        """Return how many requests' offers never reached the fake platform."""
        return self.offered - len(self.offer_delays)

    def misses(self) -> list[str]:
        """Return the targets this turn missed, in words (none: all met)."""
        ack = percentiles(self.latencies)[1] / 1000 if self.latencies else math.inf
        offer = percentiles(self.offer_delays)[1] / 1000 if self.offer_delays else math.inf
        return [
            *([f"p99 ack over {ACK_TARGET * 1000:g} ms"] if ack > ACK_TARGET else []),
            *([f"p99 offer over {OFFER_TARGET:g} s"] if offer > OFFER_TARGET else []),
            *([f"{self.lost} lost"] if self.lost else []),
            *([f"{self.errors} errors"] if self.errors else []),
        ]


async def offer_at_rate(
    server: Server, fake: FakePlatforms, rate: float, seconds: float, send: Traced
) -> Offered:
    """Offer traced requests to a server at ``rate`` per second for ``seconds`` (Poisson arrivals).

    Each request carries a fresh trace marker; its offer counts from the wall time the request was
    sent until the fake platform first saw the marker. The same rate gets the same arrivals (seeded).
    """
    sent_at: dict[str, float] = {}

    async def request(session: aiohttp.ClientSession) -> int:
        marker = next(_markers)
        sent_at[marker] = time.time()
        return await send(session, marker)

    cpu_before = server.cpu_seconds()
    load = await open_loop(
        server.port, rate, sys.maxsize, request, seed=round(rate), seconds=seconds, answer_limit=ANSWER_LIMIT
    )
    await fake.settle(OFFER_QUIET, OFFER_LIMIT)
    arrived = await fake.arrivals()
    delays = [arrived[marker] - at for marker, at in sent_at.items() if marker in arrived]
    return Offered(len(sent_at), load.errors, load.latencies, delays, server.cpu_seconds() - cpu_before)


def offered_line(name: str, result: Offered, spread: str = "") -> str:
    """Return the printed line of one server's open-loop turn: counts, latencies, CPU, spread and verdict."""
    ack_p50, ack_p99 = percentiles(result.latencies or [math.inf])
    offer_p99 = percentiles(result.offer_delays or [math.inf])[1]
    misses = result.misses()
    return (
        f"  {name:10s} offered {result.offered:5d}  acked {result.offered - result.errors:5d}   "
        f"lost {result.lost:4d}   errors {result.errors:4d}   ack p50 {ack_p50:6.1f} ms  p99 {ack_p99:7.1f} ms   "
        f"offer p99 {offer_p99:7.1f} ms   CPU {1000 * result.cpu / max(result.offered, 1):5.2f} ms/req   "
        + (f"{spread}   " if spread else "")
        + ("targets met" if not misses else "NOT met: " + ", ".join(misses))
    )


def ratio_line(ours: tuple[str, Offered], floor: tuple[str, Offered]) -> str:
    """Return the printed ratios of one server's open-loop turn to the floor's at the same rate."""
    (name, mine), (floor_name, theirs) = ours, floor

    def ratio(of: Callable[[Offered], float]) -> str:
        return f"{of(mine) / of(theirs):.1f}x" if of(theirs) else "-"

    return (
        f"  {name}/{floor_name}: p99 ack {ratio(lambda r: percentiles(r.latencies or [math.inf])[1])}   "
        f"p99 offer {ratio(lambda r: percentiles(r.offer_delays or [math.inf])[1])}   "
        f"CPU per request {ratio(lambda r: r.cpu / max(r.offered, 1))}"
    )


@dataclass(frozen=True)
class Spread:
    """An open loop's requests spread over several clients of the server (tenants, say).

    ``sender`` makes a fresh sender for each server's turn, so that every server gets the same
    requests from the same clients; ``busiest`` tells the most requests one client was offered in
    one second of the last turn; ``pacing`` says, in a sentence, which server paces what.
    """

    clients: int
    noun: str
    pacing: str
    sender: Callable[[], Traced]
    busiest: Callable[[], int]

    def describe(self, rate: float) -> str:
        """Return the heading's words on the spread: how many clients, and the rate each one is offered."""
        return f"over {self.clients} {self.noun}s, {rate / self.clients:g}/s offered per {self.noun}; {self.pacing}"


async def compare_open_loop(
    servers: Sequence[Server], fake: FakePlatforms, seconds: float, send: Traced | Spread
) -> None:
    """Offer each server the same Poisson arrivals at each rate in turn and print a line per server.

    The last server's ratios to the first (the floor) follow the lines.
    """
    for rate in OPEN_LOOP_RATES:
        spread = send if isinstance(send, Spread) else None
        print(
            f"open loop at {rate:g}/s for {seconds:g} s, Poisson arrivals"
            + (f" {spread.describe(rate)}" if spread else "")
            + f" (targets: p99 ack at most {ACK_TARGET * 1000:g} ms, p99 until the offer reaches the "
            f"platform at most {OFFER_TARGET:g} s, nothing lost):"
        )
        results: list[tuple[str, Offered]] = []
        for server in servers:
            sender = send.sender() if isinstance(send, Spread) else send
            result = await offer_at_rate(server, fake, rate, seconds, sender)
            busiest = f"busiest {spread.noun} {spread.busiest()} in 1 s" if spread else ""
            print(offered_line(server.name, result, busiest), flush=True)
            results.append((server.name, result))
        if len(results) > 1:
            print(ratio_line(results[-1], results[0]), flush=True)
        print(flush=True)


@dataclass
class FakePlatforms:
    """The fake Slack Web API and Bot Connector (bench.fake_platforms), running as its own process."""

    server: Server

    @property
    def url(self) -> str:
        """Return the fake's base URL."""
        return f"http://127.0.0.1:{self.server.port}/"

    async def stats(self) -> dict[str, float]:
        """Return how many messages of each kind arrived, and ``last``: when the last one did."""
        async with aiohttp.ClientSession() as session, session.get(f"{self.url}_stats") as response:
            return dict(await response.json())

    async def reach(self, kind: str, count: int, stall: float = 30.0) -> int:
        """Wait until ``count`` messages of ``kind`` arrived in all, or none came for ``stall`` seconds.

        Return how many arrived. A backlog drains at the server's pace; only a stop ends the wait.
        """
        arrived = int((await self.stats()).get(kind, 0))
        progressed = time.monotonic()
        while arrived < count and time.monotonic() - progressed < stall:
            await asyncio.sleep(0.2)
            now = int((await self.stats()).get(kind, 0))
            if now > arrived:
                arrived, progressed = now, time.monotonic()
        return arrived

    async def arrivals(self) -> dict[str, float]:
        """Return the wall time each trace marker first arrived."""
        async with aiohttp.ClientSession() as session, session.get(f"{self.url}_arrivals") as response:
            return {marker: float(at) for marker, at in (await response.json()).items()}

    async def settle(self, quiet: float = 0.5, limit: float = 30.0) -> float:
        """Wait until nothing has arrived for ``quiet`` seconds; return the wall time of the last arrival.

        A server's outbox may still be sending after its turn: that work belongs to the turn, and
        must not take CPU while the other server is measured.
        """
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            last = (await self.stats())["last"]
            if time.time() - last >= quiet:
                return last
            await asyncio.sleep(quiet / 5)
        return (await self.stats())["last"]


def start_fake_platforms(env: dict[str, str]) -> FakePlatforms:
    """Start the fake platforms process on a free port."""
    port = free_port()
    command = [sys.executable, "-m", "bench.fake_platforms", str(port)]
    return FakePlatforms(start_server("fake", command, port, env))


@contextmanager
def throwaway_database(folder: str, postgres: bool, prefix: str) -> Iterator[str]:
    """Yield the database URL: SQLite in the folder, or a fresh database on VPMO_TEST_POSTGRES_URL's server."""
    if not postgres:
        yield f"sqlite:///{folder}/bench.db"
        return
    server = os.environ.get("VPMO_TEST_POSTGRES_URL", "").strip()
    if not server:
        raise SystemExit(
            "--postgres needs VPMO_TEST_POSTGRES_URL (bash scripts/postgres start DIR prints one)"
        )
    import psycopg
    from psycopg import sql

    url = make_url(server)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
