"""What the server benchmarks share: free ports, server subprocesses and their CPU time, the fake
platforms they send to, the sample client, and the load generator."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_TENANT = ROOT / "bot" / "console" / "sample_tenant.yaml"
STOP_SECONDS = 30.0


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


def comparison_arguments(doc: str | None) -> tuple[float, int]:
    """Read --seconds and --rounds for a benchmark that compares two servers."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="seconds per server, concurrency and round"
    )
    parser.add_argument("--rounds", type=int, default=2, help="alternations per concurrency")
    arguments = parser.parse_args()
    return arguments.seconds, arguments.rounds


@dataclass
class Load:
    """What a burst of requests from ``concurrency`` clients measured."""

    latencies: list[float]
    errors: int
    seconds: float


async def hammer(
    port: int,
    concurrency: int,
    seconds: float,
    request: Callable[[aiohttp.ClientSession], Awaitable[int]],
) -> Load:
    """Send requests from ``concurrency`` clients for ``seconds``; any status but 200 counts as an error.

    The client is aiohttp's: on these two shared cores the load generator must cost far less per
    request than the servers it measures, or it measures itself.
    """
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        f"http://127.0.0.1:{port}", connector=connector, timeout=timeout
    ) as session:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
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
