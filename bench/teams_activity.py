"""Benchmark: Teams message activities over HTTP, vpmo's server against bare botbuilder bots.

    .venv/bin/python -m bench.teams_activity [--seconds 5] [--rounds 2]
    .venv/bin/python -m bench.teams_activity --open-loop [--seconds 20]

The servers run as subprocesses on 127.0.0.1 on the same stack (aiohttp + botbuilder's CloudAdapter,
no authentication): ``vpmo serve`` with ``VPMO_TEAMS_LOCAL=1`` on a SQLite database, and the
baselines of ``bench.bare_teams_bot``: an echo bot with botbuilder's defaults ("bare", two new
connector clients per activity), the same reusing its clients as vpmo does ("reuse"), and
"write+send", which writes one row to SQLite, answers, and then sends one proactive message (the
least a bot doing vpmo's job does, the honest floor). Their ``serviceUrl`` is a tiny fake Bot
Connector in a process of its own (``bench.fake_platforms``: botbuilder's connector calls block a
worker thread until it answers, so it must never wait on the load generator).

The clients: one vpmo serves a consultancy's many client organisations, each in a Microsoft tenant of
its own. The database holds ten (``TENANTS``), each applied with ``vpmo tenant apply`` from the sample
client's settings with people of its own: a coordinator, ten budget seniors and ten project managers
who ask. Teams allows an app 30 requests a second per tenant and each request costs two calls in its
tenant (the answer and the offer): at 100/s, ten tenants get 10 requests and 20 calls a second each,
within the limit with room for bursts, where five would need 40 and vpmo's pacing would have to hold
offers back. Ten seniors a tenant get one offer a second each at 100/s, half of the 60 in 30 seconds
Teams allows one conversation; ten askers each ask once a second.

Every activity is a personal ``message`` from one of the askers, picked at random (seeded: every
server gets the same ones in the same order), so each tenant's requests are Poisson arrivals too. It
carries the asker's tenant as Teams does, in ``channelData.tenant.id`` (which vpmo reads first) and in
``conversation.tenantId``, and the text ``sparring <a budget question>``. vpmo does the full path:
tenant lookup, replay check, the conversation reference, classification, routing among the tenant's
seniors, the database write with its outbox message, and the reply through the connector; the offers
to the seniors go out from its tick meanwhile (everyone has "installed" the app in vpmo first, so they
succeed), paced to Teams' limits per conversation and per tenant. The baselines do no pacing. Both
modes print the machine's cores and its load average first and last: on a shared machine the
others' work decides much of the latency.

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
(vpmo's offer to a senior). Printed per rate: a heading with the rate offered per tenant and who
paces; per server, with the same targets as ``bench.slack_ack --open-loop`` (p99 answer at most
50 ms, p99 offer at most 1 s, nothing lost): requests offered, answered (200 within 3 s), lost,
errors, p50/p99 answer latency, p99 time until the offer arrived, CPU per request, the most requests
one tenant was sent in one second of the turn, and the verdict; then vpmo's ratios to "write+send".
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from ruamel.yaml import YAML

from bench.bare_teams_bot import KINDS as BASELINES
from bench.servers import (
    SAMPLE_TENANT,
    FakePlatforms,
    Mode,
    Server,
    Spread,
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

BOT = "28:c9e8c047-2a74-40a2-b28a-b162d5f5327c"
TEXTS = (
    "sparring Hvordan håndterer jeg, at budgettet for fase 2 er overskredet med 20 %?",
    "sparring Budgettet skrider, og styregruppen vil have en ny prognose",
    "sparring Hvordan lægger jeg en reserve ind i projektets budget?",
)
CONCURRENCY = (1, 16, 64)
TENANTS = 10
"""The client tenants the requests are spread over.

Each request costs two Bot Connector calls in its tenant (the answer and the offer), and Teams
allows an app 30 requests a second per tenant: at 100/s, ten tenants get 10 requests and 20 calls a
second each, with room for Poisson's bursts, where five would need 40 calls a second and vpmo's
pacing would have to hold offers back however fast it is.
"""
SENIORS = 10
"""Budget seniors per tenant: at 100/s each one's chat gets an offer a second, half the 60 in 30 s
Teams allows a conversation, so the offers wait for no senior's limit."""
ASKERS = 10
"""Project managers per tenant: at 100/s each one asks once a second, and gets one answer a second."""
FLOOR = "write+send"
"""The baseline the CPU target is measured against: a write, an answer and a proactive message."""
CPU_TARGET = 2.0
SENDERS = (FLOOR, "vpmo")
"""The servers that send one proactive message per request."""
PACING = (
    "vpmo paces each tenant to Teams' 30 requests a second and each chat to its limits, "
    f"{FLOOR} does no pacing"
)


@dataclass(frozen=True)
class Person:
    """A Teams user of a bench client: their user id and their client's Microsoft tenant."""

    user: str
    tenant: str


@dataclass(frozen=True)
class Client:
    """One client tenant of the bench: its Microsoft tenant, its coordinator, seniors and askers."""

    number: int

    @property
    def tenant(self) -> str:
        """Return the client's Microsoft tenant id."""
        return f"b3c4a000-0000-4000-8000-{self.number:012d}"

    @property
    def askers(self) -> list[Person]:
        """Return the project managers who ask for sparring."""
        return [self._person(f"pm-{n}") for n in range(ASKERS)]

    @property
    def people(self) -> list[Person]:
        """Return everyone with a Teams chat: the coordinator, the seniors and the askers."""
        return [self._person("coordinator"), *self._seniors, *self.askers]

    @property
    def _seniors(self) -> list[Person]:
        return [self._person(f"senior-{n}") for n in range(SENIORS)]

    def _person(self, handle: str) -> Person:
        return Person(f"29:bench-{self.number:02d}-{handle}", self.tenant)

    def configuration(self) -> str:
        """Return the client's tenant file: the sample client's settings with people of its own."""
        yaml = YAML()
        config: dict[str, Any] = yaml.load(SAMPLE_TENANT.read_text(encoding="utf-8"))
        config["slug"] = f"bench-{self.number:02d}"
        config["name"] = f"Bench-klient {self.number:02d}"
        config["teams_tenant_id"] = self.tenant
        for key in ("slack_team_id", "challenges", "erfa", "erfa_meetings"):
            config.pop(key, None)  # nothing but sparring is measured, and on Teams only
        config["people"] = [
            self._entry(self.people[0], "coordinator"),
            *(self._entry(senior, "senior") for senior in self._seniors),
            *(self._entry(asker, "pm") for asker in self.askers),
        ]
        with tempfile.SpooledTemporaryFile(mode="w+") as text:
            yaml.dump(config, text)
            text.seek(0)
            return str(text.read())

    def _entry(self, person: Person, role: str) -> dict[str, Any]:
        handle = person.user.removeprefix(f"29:bench-{self.number:02d}-")
        entry: dict[str, Any] = {
            "email": f"{handle}@client-{self.number:02d}.dk",
            "name": handle.replace("-", " ").title(),
            "roles": [role],
            "teams_id": person.user,
        }
        if role == "senior":
            entry |= {"expertise": ["budget"], "capacity_hours_per_month": 100}
        return entry


CLIENTS = [Client(number) for number in range(TENANTS)]

_activity_ids = itertools.count(1)
_RUN = uuid.uuid4().hex[:8]


def _personal(person: Person) -> dict[str, Any]:
    return {
        "conversationType": "personal",
        "tenantId": person.tenant,
        "id": f"a:bench-personal-{person.user[3:]}",
    }


def message(service_url: str, text: str, sender: Person) -> dict[str, Any]:
    """Return a personal message activity from ``sender``, with a fresh id (vpmo drops repeated ids)."""
    return {
        "type": "message",
        "id": f"bench-{_RUN}-{next(_activity_ids)}",
        "timestamp": datetime.now(UTC).isoformat(),
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": sender.user, "name": sender.user},
        "conversation": _personal(sender),
        "recipient": {"id": BOT, "name": "vpmo"},
        "textFormat": "plain",
        "text": text,
        "locale": "da-DK",
        # vpmo finds the client by the tenant in channelData, as Teams sends it.
        "channelData": {"tenant": {"id": sender.tenant}},
    }


def install(service_url: str, person: Person) -> dict[str, Any]:
    """Return the conversationUpdate Teams sends when a person adds the app (vpmo stores the chat)."""
    return {
        "type": "conversationUpdate",
        "id": f"bench-{_RUN}-{next(_activity_ids)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": person.user},
        "conversation": _personal(person),
        "recipient": {"id": BOT, "name": "vpmo"},
        "membersAdded": [{"id": BOT}, {"id": person.user}],
        "channelData": {"tenant": {"id": person.tenant}},
    }


def askers(seed: int = 0) -> Iterator[Person]:
    """Yield the askers of every client in a random order that is the same for the same seed.

    Each request picks its tenant at random, so each tenant's requests are Poisson arrivals too.
    """
    everyone = [person for client in CLIENTS for person in client.askers]
    choice = random.Random(seed)
    while True:
        yield choice.choice(everyone)


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
    senders = askers()

    async def activity(session: aiohttp.ClientSession) -> int:
        body = message(connector.url, next(texts), next(senders))
        async with session.post("/api/messages", json=body) as response:
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


def _write_clients(folder: str) -> list[Path]:
    """Write the tenant file of every bench client and return their paths."""
    paths = []
    for client in CLIENTS:
        path = Path(folder) / f"bench-{client.number:02d}.yaml"
        path.write_text(client.configuration(), encoding="utf-8")
        paths.append(path)
    return paths


async def _install_everyone(server: Server, connector: FakePlatforms) -> None:
    """Let every Teams user of every client add the app, so the offers vpmo sends can be delivered."""
    async with aiohttp.ClientSession(f"http://127.0.0.1:{server.port}") as session:
        for person in (person for client in CLIENTS for person in client.people):
            async with session.post("/api/messages", json=install(connector.url, person)) as response:
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


class _TenantLoad:
    """The open loop's senders over the clients, and how many requests each tenant got each second."""

    def __init__(self, connector: FakePlatforms) -> None:
        self._connector = connector
        self._per_second: Counter[tuple[str, int]] = Counter()

    def sender(self) -> Traced:
        """Return a sender for one server's turn: the same askers in the same order as every turn."""
        self._per_second.clear()
        texts = itertools.cycle(TEXTS)
        senders = askers()
        first: float | None = None

        async def activity(session: aiohttp.ClientSession, marker: str) -> int:
            nonlocal first
            asker = next(senders)
            # Seconds counted from the turn's first request, so that every turn is cut alike.
            first = time.monotonic() if first is None else first
            self._per_second[asker.tenant, int(time.monotonic() - first)] += 1
            body = message(self._connector.url, f"{next(texts)} ({marker})", asker)
            async with session.post("/api/messages", json=body) as response:
                await response.read()
                return response.status

        return activity

    def busiest(self) -> int:
        """Return the most requests one tenant was sent in one second of the last turn."""
        return max(self._per_second.values(), default=0)

    def spread(self) -> Spread:
        """Return the spread the open-loop comparison runs with."""
        return Spread(TENANTS, "tenant", PACING, self.sender, self.busiest)


async def main(mode: Mode) -> None:
    """Run the servers in turn at each concurrency (or rate) and print the figures and ratios."""
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        env = _environment(folder)
        for tenant in _write_clients(folder):
            prepare_database(folder, env, tenant)
        connector = start_fake_platforms(env)
        servers: list[Server] = []
        try:
            for kind in (FLOOR,) if mode.open_loop else BASELINES:
                servers.append(_start_baseline(kind, folder, env))
            port = free_port()
            ours = start_server("vpmo", [vpmo_command(), "serve", "--port", str(port)], port, env)
            servers.append(ours)
            await _install_everyone(ours, connector)
            if mode.open_loop:
                for server in servers:
                    await _load(server, connector, 4, 1.0)  # warm up: imports, caches, connections
                await compare_open_loop(servers, connector, mode.seconds, _TenantLoad(connector).spread())
            else:
                await _compare(servers, connector, mode.seconds, mode.rounds)
        finally:
            # Off the event loop: a server may still be finishing sends to the connector as it stops.
            for server in [*servers, connector.server]:
                await asyncio.to_thread(server.stop)
    print(f"machine: load average {os.getloadavg()[0]:.1f} at the end", flush=True)


if __name__ == "__main__":
    asyncio.run(main(mode_arguments(__doc__)))
