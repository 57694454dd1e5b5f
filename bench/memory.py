"""Benchmark: a serving process's memory as its history grows (issue 13).

    .venv/bin/python -m bench.memory [--requests 100000] [--concurrency 16]

One ``vpmo serve`` (Slack over HTTP, SQLite) runs on 127.0.0.1 against the fake Slack Web API
(``bench.fake_platforms``). It gets signed ``/sparring`` requests from the sample client's project
managers, testers and steering-group members and from 20 more project managers, with the questions
of ``bench.slack_ack``, from ``--concurrency`` clients. Every request is stored with its outbox
message, and the offer goes out to a senior (the per-channel pace is off), so the database grows
with history as in real use. After a tenth of the requests and after all of them, the bench waits
until the last offer reached the fake and the process has had a quiet second, then reads its
resident memory (VmRSS in ``/proc/PID/status``).

Printed: for each of the two points, the requests so far, the offers the fake received (one per
request), the sustained rate (until the last offer arrived: under a closed loop the outbox falls
behind the answers), the database's size and the RSS; then the ratio of the second RSS to the first.
Target: the RSS after 100,000 requests within 10 % of the RSS after 10,000 (no growth with history).
100,000 requests take several minutes; ``--requests 5000`` is a quick look.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.servers import (
    SAMPLE_TENANT,
    FakePlatforms,
    Server,
    hammer,
    prepare_database,
    slack_environment,
    start_fake_platforms,
    start_slack_server,
)
from bench.slack_ack import TEXTS, USERS, signed_sparring
from bot.admin.tenant_config import load_tenant_config

EXTRA_REQUESTERS = tuple(f"U0MEM{n:03d}" for n in range(20))
REQUESTERS = (*USERS, *EXTRA_REQUESTERS)
TARGET = 0.10
QUIET = 1.0
"""Seconds the process is left alone before its memory is read: what it still had to send is sent."""
TURN_LIMIT = 3600.0


def _bench_tenant(folder: str) -> Path:
    """Write the sample client with 20 more project managers on Slack, the requesters of the bench."""
    extra = "".join(
        f"\n  - email: bench.pm.{n}@nordlys.dk\n    name: Bench PM {n}\n    roles: [pm]\n    slack_id: {user}\n"
        for n, user in enumerate(EXTRA_REQUESTERS)
    )
    text = SAMPLE_TENANT.read_text(encoding="utf-8").rstrip("\n") + "\n" + extra
    load_tenant_config(text)  # the people list ends the sample: what is appended must still be valid
    path = Path(folder) / "bench-tenant.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def resident_kib(server: Server) -> int:
    """Return the server process's resident set size in KiB (VmRSS)."""
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"{server.name} has no VmRSS: did it exit?")


async def _send(server: Server, fake: FakePlatforms, first: int, count: int, concurrency: int) -> float:
    """Send ``count`` requests numbered from ``first``; return the seconds until their last offer arrived."""
    numbers = iter(range(first, first + count))

    async def sparring(session: aiohttp.ClientSession) -> int:
        n = next(numbers)
        body, headers = signed_sparring(n, REQUESTERS[n % len(REQUESTERS)], TEXTS[n % len(TEXTS)])
        async with session.post("/slack/events", data=body, headers=headers) as response:
            await response.read()
            return response.status

    started = time.time()
    load = await hammer(server.port, concurrency, TURN_LIMIT, sparring, total=count)
    if load.errors:
        raise SystemExit(f"{load.errors} of {count} requests failed: the figures would not be comparable")
    # Under a closed loop the outbox falls behind the acks: its backlog is part of the history.
    offers = await fake.reach("slack", first + count)
    if offers < first + count:
        raise SystemExit(
            f"{first + count - offers} offers never reached the fake Slack: see why before trusting the figures"
        )
    seconds = time.time() - started
    await asyncio.sleep(QUIET)
    return seconds


def _line(requests: int, offers: int, seconds: float, database: Path, kib: int) -> str:
    return (
        f"  after {requests:7,d} requests   offers {offers:7,d}   {requests / seconds:6.1f} req/s sustained   "
        f"database {database.stat().st_size / 2**20:6.1f} MiB   RSS {kib / 1024:6.1f} MiB"
    )


async def main(requests: int, concurrency: int) -> None:
    """Serve a tenth of the requests, read the RSS, serve the rest, read it again and print the ratio."""
    first = requests // 10
    with tempfile.TemporaryDirectory() as folder:
        env = slack_environment(folder)
        fake = start_fake_platforms(env)
        env["SLACK_API_URL"] = f"{fake.url}api/"
        prepare_database(folder, env, _bench_tenant(folder))
        database = Path(folder) / "bench.db"
        server = start_slack_server("vpmo", env, folder)
        try:
            print(
                f"vpmo serve (Slack over HTTP, SQLite), {len(REQUESTERS)} requesters, concurrency {concurrency}:"
            )
            seconds = await _send(server, fake, 0, first, concurrency)
            early = resident_kib(server)
            print(
                _line(first, int((await fake.stats()).get("slack", 0)), seconds, database, early), flush=True
            )
            seconds += await _send(server, fake, first, requests - first, concurrency)
            late = resident_kib(server)
            print(_line(requests, int((await fake.stats()).get("slack", 0)), seconds, database, late))
            ratio = late / early
            verdict = "met" if abs(ratio - 1) <= TARGET else "NOT met"
            print(
                f"  RSS after {requests:,d} / after {first:,d}: {ratio:.3f}x   (target: within {TARGET:.0%}, {verdict})"
            )
        finally:
            for process in (server, fake.server):
                await asyncio.to_thread(process.stop)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--requests", type=int, default=100_000, help="requests in all (RSS read after a tenth)"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="clients sending at once")
    arguments = parser.parse_args()
    if arguments.requests < 10 or arguments.concurrency < 1:
        parser.error("--requests must be at least 10 and --concurrency at least 1")
    return arguments


if __name__ == "__main__":
    options = _arguments()
    asyncio.run(main(options.requests, options.concurrency))
