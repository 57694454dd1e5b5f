"""Benchmark: signed ``/sparring`` requests over HTTP, vpmo's server against bare bolt apps.

    .venv/bin/python -m bench.slack_ack [--seconds 5] [--rounds 2]
    .venv/bin/python -m bench.slack_ack --open-loop [--seconds 20]

Five servers run as subprocesses on 127.0.0.1 on the same stack (aiohttp + bolt's AsyncApp): vpmo,
a bare app that only acks with bolt's defaults ("bare": the listener runs as a task and bolt polls
for its ack every 10 ms), the same app acking inline ("inline": ``process_before_response``, as
vpmo runs), one that writes one row to SQLite before it acks inline ("write"), and one that also posts
one ``chat.postMessage`` after the ack ("write+send": the least any app doing vpmo's job does, the
honest floor; see ``bench.bare_slack_app``). A fake Slack Web API runs in a process of its own
(``bench.fake_platforms``), with a DM channel per user; vpmo's per-channel pace is off, so every
offer goes out, and is counted, in its turn. vpmo does the full path: signature check, person
lookup, classification, routing, the database write with its outbox message, the ephemeral answer,
and the offer to the senior.

Closed loop (the default): the servers take turns at each concurrency (1, 16, 64) within one run, so
machine noise hits all alike. Printed per concurrency: acks per second, the sustained rate (until the
last offer reached Slack: the bench waits for one message per request from vpmo and "write+send"),
p50/p99 ack latency, server CPU per request (from /proc, including sends after the turn), and the
ratios of vpmo's sustained rate to each baseline.
Targets (issue 13), as ratios to "write+send" in the same run: vpmo's server CPU per request at most
2x, and its sustained rate at least 0.5x at concurrency 16 and 64. The other baselines are printed to
show where the cost is (an app doing nothing acks in a fraction of a millisecond of CPU).

Open loop (``--open-loop``, what users feel): "write+send" and vpmo in turn are offered ``/sparring``
requests at 50 and then 100 per second for ``--seconds`` each, with Poisson arrivals (the same
arrivals for both servers at a rate) that never wait for answers. Each request's question ends with
a trace marker; the fake notes when the first message carrying it arrived, which for vpmo is the
offer to the senior. Printed per rate and server: requests offered, acked (200 within 3 s: Slack
gives up after 3, so a later answer is an error), lost (no offer reached the fake by the time it
had been quiet for 2 s, at most 30 s after the turn), errors, p50/p99 ack latency from the moment
the request was due, p99 time from sending the request until its offer reached the fake, CPU per
request, and the verdict against the targets: p99 ack at most 50 ms, p99 offer at most 1 s,
nothing lost (and no errors).
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp

from bench.bare_slack_app import KINDS as BASELINES
from bench.servers import (
    SLACK_TEAM,
    FakePlatforms,
    Mode,
    Server,
    compare_open_loop,
    hammer,
    merge_turns,
    mode_arguments,
    percentiles,
    prepare_database,
    slack_environment,
    slack_headers,
    start_fake_platforms,
    start_slack_server,
)

USERS = ("U01JOF", "U01EML", "U01IDH", "U01PEM", "U01KAV")
TEXTS = (
    "Hvordan håndterer jeg, at budgettet er overskredet med 20 %?",
    "Vi skal forberede styregruppemødet, og sponsoren er utilfreds",
    "Hjælp til testplanen for UAT og regressionstest",
    "Tidsplanen skrider, milepælene holder ikke",
    "How do we track benefits realisation after go-live?",
)
CONCURRENCY = (1, 16, 64)
FLOOR = "write+send"
"""The baseline the targets are measured against: a write and a post, as vpmo's /sparring does."""
SENDERS = (FLOOR, "vpmo")
"""The servers that post one message per request."""
CPU_TARGET = 2.0
SUSTAINED_TARGET = 0.5


def signed_sparring(n: int, user: str, text: str) -> tuple[bytes, dict[str, str]]:
    """Return a signed /sparring request from ``user`` asking ``text``, and its headers (``n``: trigger id)."""
    body = urlencode(
        {
            "token": "verification",
            "team_id": SLACK_TEAM,
            "team_domain": "nordlys",
            "channel_id": "C111",
            "channel_name": "general",
            "user_id": user,
            "user_name": "bench",
            "command": "/sparring",
            "text": text,
            "response_url": "http://127.0.0.1:9/response",
            "trigger_id": f"{n}.bench",
        }
    ).encode()
    return body, slack_headers(body, "application/x-www-form-urlencoded")


def _signed(n: int, marker: str = "") -> tuple[bytes, dict[str, str]]:
    """Return the ``n``th request, its user and question by ``n``; a trace marker ends the question."""
    text = TEXTS[n % len(TEXTS)]
    return signed_sparring(n, USERS[n % len(USERS)], f"{text} ({marker})" if marker else text)


@dataclass
class Result:
    requests: int
    seconds: float
    latencies: list[float]
    cpu: float
    errors: int
    catch_up: float  # seconds after the turn until the last of its messages reached Slack
    messages: int

    @property
    def acks_per_second(self) -> float:
        """Return the requests acked per second of the turn."""
        return self.requests / self.seconds

    @property
    def sustained(self) -> float:
        """Return the requests per second including the time their outbox messages took to go out."""
        return self.requests / (self.seconds + self.catch_up)


async def _load(server: Server, fake: FakePlatforms, concurrency: int, seconds: float) -> Result:
    counter = iter(range(10**9))

    async def slash_command(session: aiohttp.ClientSession) -> int:
        body, headers = _signed(next(counter))
        async with session.post("/slack/events", data=body, headers=headers) as response:
            await response.read()
            return response.status

    sent_before = (await fake.stats()).get("slack", 0)
    cpu_before = server.cpu_seconds()
    load = await hammer(server.port, concurrency, seconds, slash_command)
    ended = time.time()
    # The offers vpmo's outbox sends after the last ack belong to this turn: wait for them and count
    # their CPU, so that it is neither missed nor spent while the other server is measured. Under
    # load the outbox falls thousands behind, with pauses longer than the fake's quiet time.
    if server.name in SENDERS:
        await fake.reach("slack", int(sent_before) + len(load.latencies) - load.errors)
    last = await fake.settle()
    sent = (await fake.stats()).get("slack", 0) - sent_before
    return Result(
        len(load.latencies),
        load.seconds,
        load.latencies,
        server.cpu_seconds() - cpu_before,
        load.errors,
        max(0.0, last - ended) if sent else 0.0,
        int(sent),
    )


def _line(name: str, result: Result) -> str:
    p50, p99 = percentiles(result.latencies)
    return (
        f"  {name:10s} {result.acks_per_second:7.1f} acks/s  {result.sustained:7.1f} req/s sustained   "
        f"p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   CPU {1000 * result.cpu / max(result.requests, 1):5.2f} ms/req"
        f"   messages {result.messages}   errors {result.errors}"
    )


_requests = itertools.count()


async def _traced(session: aiohttp.ClientSession, marker: str) -> int:
    body, headers = _signed(next(_requests), marker)
    async with session.post("/slack/events", data=body, headers=headers) as response:
        await response.read()
        return response.status


async def main(mode: Mode) -> None:
    """Run the servers in turn at each concurrency (or rate) and print the figures and ratios."""
    with tempfile.TemporaryDirectory() as folder:
        env = slack_environment(folder)
        fake = start_fake_platforms(env)
        env["SLACK_API_URL"] = f"{fake.url}api/"
        prepare_database(folder, env)
        names = (FLOOR, "vpmo") if mode.open_loop else (*BASELINES, "vpmo")
        servers = [start_slack_server(name, env, folder) for name in names]
        try:
            for server in servers:
                await _load(server, fake, 4, 1.0)  # warm up: imports, caches, connections
            if mode.open_loop:
                await compare_open_loop(servers, fake, mode.seconds, _traced)
                return
            for concurrency in CONCURRENCY:
                results: dict[str, list[Result]] = {server.name: [] for server in servers}
                for _ in range(mode.rounds):
                    for server in servers:
                        results[server.name].append(await _load(server, fake, concurrency, mode.seconds))
                _report(concurrency, {name: merge_turns(turns) for name, turns in results.items()})
        finally:
            for server in [*servers, fake.server]:
                await asyncio.to_thread(server.stop)


def _report(concurrency: int, merged: dict[str, Result]) -> None:
    print(f"concurrency {concurrency}:")
    for name, result in merged.items():
        print(_line(name, result))
    ours, floor = merged["vpmo"], merged[FLOOR]
    for baseline in BASELINES:
        print(f"  vpmo sustained / {baseline} sustained {ours.sustained / merged[baseline].sustained:.2f}x")
    cpu = _cpu_per_request(ours) / max(_cpu_per_request(floor), 1e-9)
    sustained = ours.sustained / floor.sustained
    print(
        f"  vpmo CPU per request / {FLOOR} {cpu:.2f}x   (target: at most {CPU_TARGET}x, {_verdict(cpu <= CPU_TARGET)})"
    )
    if concurrency > 1:
        print(
            f"  vpmo sustained / {FLOOR} {sustained:.2f}x   "
            f"(target: at least {SUSTAINED_TARGET}x, {_verdict(sustained >= SUSTAINED_TARGET)})"
        )
    print(flush=True)


def _cpu_per_request(result: Result) -> float:
    return result.cpu / max(result.requests, 1)


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


if __name__ == "__main__":
    asyncio.run(main(mode_arguments(__doc__)))
