"""Benchmark: Teams message activities over HTTP, vpmo's server against bare botbuilder bots.

    .venv/bin/python -m bench.teams_activity [--seconds 5] [--rounds 2]
    .venv/bin/python -m bench.teams_activity --open-loop [--seconds 20]

The servers run as subprocesses on 127.0.0.1 on the same stack (aiohttp + botbuilder's CloudAdapter,
no authentication): ``vpmo serve`` with ``VPMO_TEAMS_LOCAL=1`` on a SQLite database holding the sample
client with 60 more budget seniors (one senior's conversation takes 60 messages in 30 seconds: the
offers must not wait for Teams' limits, or their sends would not be measured), and the baselines of
``bench.bare_teams_bot``: an echo bot with botbuilder's defaults ("bare", two new connector clients
per activity), the same reusing its clients as vpmo does ("reuse"), and "write+send", which writes
one row to SQLite, answers, and then sends one proactive message (the least a bot doing vpmo's job
does, the honest floor). Their ``serviceUrl`` is a tiny fake Bot Connector in a process of its own
(``bench.fake_platforms``: botbuilder's connector calls block a worker thread until it answers, so it
must never wait on the load generator).

Every activity is a personal ``message`` from Jonas (the sample client's Teams user) in the sample
client's Microsoft tenant with the text ``sparring <a budget question>``. vpmo does the full path: tenant
lookup, replay check, the conversation reference, classification, routing, the database write with
its outbox message, and the reply through the connector; the offers to the seniors go out from its
tick meanwhile (every senior and the coordinator have "installed" the app in vpmo first, so they
succeed), paced to Teams' limits (30 requests a second in one tenant among them).

Closed loop (the default): the servers take turns at each concurrency (1, 16, 64) within one run, so
machine noise hits all alike. After each turn the bench waits until every offer has arrived (one
proactive message per request from vpmo and "write+send") and the connector has then been quiet for
half a second: vpmo's last offers go out then, and their CPU is counted with the turn instead of
being spent while another server is measured. Printed per concurrency: throughput and p50/p99
latency (over the turn), server CPU per request (from /proc/<pid>/stat, including the wait), the
replies and proactive messages the connector received, and the ratios of vpmo to each baseline.
Targets: at least 0.7x the echo bots' throughput; vpmo's CPU per request at most 2x that of
"write+send" (issue 13).

Open loop (``--open-loop``): "write+send" and vpmo in turn get the ``sparring`` message at 50 and then
100 per second for ``--seconds`` each, with Poisson arrivals that never wait for answers, each
question ending with a trace marker that the fake notes when a proactive message carrying it arrives
(vpmo's offer to a senior). Printed per rate and server, with the same targets as
``bench.slack_ack --open-loop`` (p99 answer at most 50 ms, p99 offer at most 1 s, nothing lost): requests
offered, answered (200 within 3 s), lost, errors, p50/p99 answer latency, p99 time until the offer
arrived, CPU per request and the verdict.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bench.bare_teams_bot import KINDS as BASELINES
from bench.servers import (
    SAMPLE_TENANT,
    FakePlatforms,
    Mode,
    Server,
    Traced,
    compare_open_loop,
    free_port,
    hammer,
    merge_turns,
    mode_arguments,
    percentiles,
    prepare_database,
    start_fake_platforms,
    start_server,
    vpmo_command,
)
from bot.admin.tenant_config import load_tenant_config

TEAMS_TENANT = "5f3c2a1e-8b7d-4c6a-9e0f-1a2b3c4d5e6f"
JONAS = "29:1jof"
BOT = "28:c9e8c047-2a74-40a2-b28a-b162d5f5327c"
TEXTS = (
    "sparring Hvordan håndterer jeg, at budgettet for fase 2 er overskredet med 20 %?",
    "sparring Budgettet skrider, og styregruppen vil have en ny prognose",
    "sparring Hvordan lægger jeg en reserve ind i projektets budget?",
)
CONCURRENCY = (1, 16, 64)
EXTRA_SENIORS = 60
FLOOR = "write+send"
"""The baseline the CPU target is measured against: a write, an answer and a proactive message."""
CPU_TARGET = 2.0
SENDERS = (FLOOR, "vpmo")
"""The servers that send one proactive message per request."""


_activity_ids = itertools.count(1)
_RUN = uuid.uuid4().hex[:8]


def _personal(user: str) -> dict[str, Any]:
    return {"conversationType": "personal", "tenantId": TEAMS_TENANT, "id": f"a:bench-personal-{user[3:]}"}


def message(service_url: str, text: str) -> dict[str, Any]:
    """Return a personal message activity from Jonas, with a fresh id (vpmo drops repeated ids)."""
    return {
        "type": "message",
        "id": f"bench-{_RUN}-{next(_activity_ids)}",
        "timestamp": datetime.now(UTC).isoformat(),
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": JONAS, "name": "Jonas Friis", "aadObjectId": "00000000-0000-4000-8000-00000000a001"},
        "conversation": _personal(JONAS),
        "recipient": {"id": BOT, "name": "vpmo"},
        "textFormat": "plain",
        "text": text,
        "locale": "da-DK",
        "channelData": {"tenant": {"id": TEAMS_TENANT}},
    }


def install(service_url: str, user: str) -> dict[str, Any]:
    """Return the conversationUpdate Teams sends when a person adds the app (vpmo stores the chat)."""
    return {
        "type": "conversationUpdate",
        "id": f"bench-{_RUN}-{next(_activity_ids)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": user},
        "conversation": _personal(user),
        "recipient": {"id": BOT, "name": "vpmo"},
        "membersAdded": [{"id": BOT}, {"id": user}],
        "channelData": {"tenant": {"id": TEAMS_TENANT}},
    }


@dataclass
class Result:
    requests: int
    seconds: float
    latencies: list[float]
    cpu: float
    errors: int
    replies: int
    proactive: int


async def _counts(connector: FakePlatforms) -> tuple[int, int]:
    stats = await connector.stats()
    return int(stats.get("reply", 0)), int(stats.get("proactive", 0))


async def _load(server: Server, connector: FakePlatforms, concurrency: int, seconds: float) -> Result:
    texts = itertools.cycle(TEXTS)

    async def activity(session: aiohttp.ClientSession) -> int:
        async with session.post("/api/messages", json=message(connector.url, next(texts))) as response:
            await response.read()
            return response.status

    replies_before, proactive_before = await _counts(connector)
    cpu_before = server.cpu_seconds()
    load = await hammer(server.port, concurrency, seconds, activity)
    # The offers vpmo's tick sends after the last answer belong to these requests: wait for them and
    # count their CPU, so that it is neither missed nor spent while the other server is measured.
    # Paced to the tenant's limit, they keep coming longer than the connector's quiet time.
    if server.name in SENDERS:
        await connector.reach("proactive", proactive_before + len(load.latencies) - load.errors)
    await connector.settle()
    cpu = server.cpu_seconds() - cpu_before
    replies, proactive = await _counts(connector)
    return Result(
        len(load.latencies),
        load.seconds,
        load.latencies,
        cpu,
        load.errors,
        replies - replies_before,
        proactive - proactive_before,
    )


def _throughput(result: Result) -> float:
    return result.requests / result.seconds if result.seconds else 0.0


def _cpu_per_request(result: Result) -> float:
    return result.cpu / max(result.requests, 1)


def _line(name: str, result: Result) -> str:
    p50, p99 = percentiles(result.latencies or [0.0])
    return (
        f"  {name:10s} {_throughput(result):8.1f} req/s   p50 {p50:7.1f} ms   "
        f"p99 {p99:7.1f} ms   CPU {1000 * _cpu_per_request(result):6.2f} ms/req   "
        f"replies {result.replies}/{result.requests}   proactive {result.proactive}   errors {result.errors}"
    )


def _bench_tenant(folder: str) -> Path:
    """Write the sample client with budget seniors enough to take every offer within Teams' limits.

    Teams lets a bot send one conversation 60 messages in 30 seconds: with the sample's one budget
    senior, most offers would wait for her conversation, and their sends would not be measured.
    """
    extra = "".join(
        f"\n  - email: budget.senior.{n}@maximize.dk\n    name: Budget Senior {n}\n    roles: [senior]\n"
        f'    teams_id: "29:bench-senior-{n}"\n    expertise: [budget]\n    capacity_hours_per_month: 100\n'
        for n in range(EXTRA_SENIORS)
    )
    text = SAMPLE_TENANT.read_text(encoding="utf-8").rstrip("\n") + "\n" + extra
    load_tenant_config(text)  # the people list ends the sample: what is appended must still be valid
    path = Path(folder) / "bench-tenant.yaml"
    path.write_text(text, encoding="utf-8")
    return path


async def _install_everyone(server: Server, connector: FakePlatforms, tenant: Path) -> None:
    """Let every Teams user of the client add the app, so the offers vpmo sends can be delivered."""
    config = load_tenant_config(tenant.read_text(encoding="utf-8"))
    users = [str(person.teams_id) for person in config.people if person.teams_id]
    async with aiohttp.ClientSession(f"http://127.0.0.1:{server.port}") as session:
        for user in users:
            async with session.post("/api/messages", json=install(connector.url, user)) as response:
                response.raise_for_status()


def _environment(folder: str) -> dict[str, str]:
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "VPMO_", "Microsoft", "MICROSOFT"))
    }
    return {
        **inherited,
        "VPMO_DATABASE_URL": f"sqlite:///{folder}/bench.db",
        "VPMO_TEAMS_LOCAL": "1",
        "VPMO_LOG_LEVEL": "WARNING",
    }


async def _compare(servers: list[Server], connector: FakePlatforms, seconds: float, rounds: int) -> None:
    for server in servers:
        await _load(server, connector, 4, 1.0)  # warm up: imports, caches, connections
    for concurrency in CONCURRENCY:
        results: dict[str, list[Result]] = {server.name: [] for server in servers}
        for _ in range(rounds):
            for server in servers:
                results[server.name].append(await _load(server, connector, concurrency, seconds))
        merged = {name: merge_turns(turns) for name, turns in results.items()}
        print(f"concurrency {concurrency}:")
        for name, result in merged.items():
            print(_line(name, result))
        ours = merged["vpmo"]
        for baseline in ("bare", "reuse"):
            bare = merged[baseline]
            ratio = _throughput(ours) / _throughput(bare) if _throughput(bare) else 0.0
            cpu_ratio = _cpu_per_request(ours) / _cpu_per_request(bare) if bare.cpu else 0.0
            verdict = "met" if ratio >= 0.7 else "NOT met"
            print(
                f"  vpmo/{baseline} throughput {ratio:.2f}x   (target: at least 0.7x, {verdict})   "
                f"CPU per request {cpu_ratio:.1f}x",
                flush=True,
            )
        floor = merged[FLOOR]
        cpu_ratio = _cpu_per_request(ours) / _cpu_per_request(floor) if floor.cpu else 0.0
        verdict = "met" if cpu_ratio <= CPU_TARGET else "NOT met"
        print(
            f"  vpmo CPU per request / {FLOOR} {cpu_ratio:.2f}x   (target: at most {CPU_TARGET}x, {verdict})",
            flush=True,
        )


def _start_baseline(kind: str, folder: str, env: dict[str, str]) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "bench.bare_teams_bot", str(port), kind, folder]
    return start_server(kind, command, port, env)


def _traced(connector: FakePlatforms) -> Traced:
    texts = itertools.cycle(TEXTS)

    async def activity(session: aiohttp.ClientSession, marker: str) -> int:
        body = message(connector.url, f"{next(texts)} ({marker})")
        async with session.post("/api/messages", json=body) as response:
            await response.read()
            return response.status

    return activity


async def main(mode: Mode) -> None:
    """Run the servers in turn at each concurrency (or rate) and print the figures and ratios."""
    with tempfile.TemporaryDirectory() as folder:
        env = _environment(folder)
        tenant = _bench_tenant(folder)
        prepare_database(folder, env, tenant)
        connector = start_fake_platforms(env)
        servers: list[Server] = []
        try:
            for kind in (FLOOR,) if mode.open_loop else BASELINES:
                servers.append(_start_baseline(kind, folder, env))
            port = free_port()
            ours = start_server("vpmo", [vpmo_command(), "serve", "--port", str(port)], port, env)
            servers.append(ours)
            await _install_everyone(ours, connector, tenant)
            if mode.open_loop:
                for server in servers:
                    await _load(server, connector, 4, 1.0)  # warm up: imports, caches, connections
                await compare_open_loop(servers, connector, mode.seconds, _traced(connector))
            else:
                await _compare(servers, connector, mode.seconds, mode.rounds)
        finally:
            # Off the event loop: a server may still be finishing sends to the connector as it stops.
            for server in [*servers, connector.server]:
                await asyncio.to_thread(server.stop)


if __name__ == "__main__":
    asyncio.run(main(mode_arguments(__doc__)))
