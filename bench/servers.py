"""What the server benchmarks share: free ports, server subprocesses and their CPU time, the sample client."""

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
from dataclasses import dataclass
from pathlib import Path

import httpx

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


def prepare_database(folder: str, env: dict[str, str]) -> None:
    """Apply the sample client to the database the environment names."""
    subprocess.run(
        [vpmo_command(), "tenant", "apply", str(SAMPLE_TENANT)],
        env=env,
        cwd=folder,
        check=True,
        capture_output=True,
    )


def percentiles(latencies_seconds: Sequence[float]) -> tuple[float, float]:
    """Return p50 and p99 in milliseconds."""
    ms = sorted(latency * 1000 for latency in latencies_seconds)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]


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
    request: Callable[[httpx.AsyncClient], Awaitable[httpx.Response]],
) -> Load:
    """Send requests from ``concurrency`` clients for ``seconds``; anything but 200 counts as an error."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, trust_env=False
    ) as client:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    failed = (await request(client)).status_code != 200
                except httpx.HTTPError:
                    failed = True
                latencies.append(time.perf_counter() - start)
                errors += failed

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return Load(latencies, errors, time.perf_counter() - started)
