"""Benchmark: signed ``/sparring`` requests over HTTP, vpmo's server against a bare bolt app.

    .venv/bin/python -m bench.slack_ack [--seconds 5] [--rounds 2]

Both servers run as subprocesses on 127.0.0.1 on the same stack (aiohttp + bolt's AsyncApp), with
a small fake Slack Web API beside them; they take turns at each concurrency (1, 16, 64) within one
run, so machine noise hits both alike. vpmo does the full path: signature check, person lookup,
classification, routing, the database write with its outbox message, and the ephemeral answer.
Printed per concurrency: throughput, p50/p99 ack latency, server CPU per request, and the ratios.
Targets: at least 0.7x the bare app's throughput; p99 ack under 100 ms at concurrency 64.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from bench.servers import (
    Server,
    comparison_arguments,
    free_port,
    hammer,
    percentiles,
    prepare_database,
    start_server,
    vpmo_command,
)

SECRET = "bench-signing-secret"
TOKEN = "xoxb-0000000000-0000000000-benchbenchbenchbench"
TEAM = "T01NORDLYS"
USERS = ("U01JOF", "U01EML", "U01IDH", "U01PEM", "U01KAV")
TEXTS = (
    "Hvordan håndterer jeg, at budgettet er overskredet med 20 %?",
    "Vi skal forberede styregruppemødet, og sponsoren er utilfreds",
    "Hjælp til testplanen for UAT og regressionstest",
    "Tidsplanen skrider, milepælene holder ikke",
    "How do we track benefits realisation after go-live?",
)
CONCURRENCY = (1, 16, 64)


async def _fake_slack(port: int) -> web.AppRunner:
    """Answer the few Web API methods the servers call, as Slack would, instantly."""
    counter = iter(range(1, 10**9))

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        answers: dict[str, dict[str, Any]] = {
            "auth.test": {"team_id": TEAM, "user_id": "UBOT", "bot_id": "B1", "team": "Nordlys"},
            "conversations.open": {"channel": {"id": "D0BENCH"}},
            "chat.postMessage": {"channel": "D0BENCH", "ts": f"1700000000.{next(counter):06d}"},
        }
        return web.json_response({"ok": True, **answers.get(method, {})})

    app = web.Application()
    app.router.add_route("*", "/api/{method}", api)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def _signed(n: int) -> tuple[bytes, dict[str, str]]:
    body = urlencode(
        {
            "token": "verification",
            "team_id": TEAM,
            "team_domain": "nordlys",
            "channel_id": "C111",
            "channel_name": "general",
            "user_id": USERS[n % len(USERS)],
            "user_name": "bench",
            "command": "/sparring",
            "text": TEXTS[n % len(TEXTS)],
            "response_url": "http://127.0.0.1:9/response",
            "trigger_id": f"{n}.bench",
        }
    ).encode()
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature or "",
    }
    return body, headers


@dataclass
class Result:
    requests: int
    seconds: float
    latencies: list[float]
    cpu: float
    errors: int


async def _load(server: Server, concurrency: int, seconds: float) -> Result:
    counter = iter(range(10**9))

    async def slash_command(client: httpx.AsyncClient) -> httpx.Response:
        body, headers = _signed(next(counter))
        return await client.post("/slack/events", content=body, headers=headers, timeout=30)

    cpu_before = server.cpu_seconds()
    load = await hammer(server.port, concurrency, seconds, slash_command)
    return Result(
        len(load.latencies), load.seconds, load.latencies, server.cpu_seconds() - cpu_before, load.errors
    )


def _merge(results: list[Result]) -> Result:
    return Result(
        sum(r.requests for r in results),
        sum(r.seconds for r in results),
        [latency for r in results for latency in r.latencies],
        sum(r.cpu for r in results),
        sum(r.errors for r in results),
    )


def _line(name: str, result: Result) -> str:
    p50, p99 = percentiles(result.latencies)
    return (
        f"  {name:5s} {result.requests / result.seconds:8.1f} req/s   p50 {p50:6.1f} ms   "
        f"p99 {p99:6.1f} ms   CPU {1000 * result.cpu / max(result.requests, 1):5.2f} ms/req   errors {result.errors}"
    )


async def main(seconds: float, rounds: int) -> None:
    """Run both servers in turn at each concurrency and print the figures and ratios."""
    slack_port, ours_port, bare_port = free_port(), free_port(), free_port()
    fake = await _fake_slack(slack_port)
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "VPMO_"))},
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_API_URL": f"http://127.0.0.1:{slack_port}/api/",
            "VPMO_DATABASE_URL": f"sqlite:///{folder}/bench.db",
            "VPMO_LOG_LEVEL": "WARNING",
        }
        prepare_database(folder, env)
        vpmo = vpmo_command()
        servers = [
            start_server(
                "bare", [sys.executable, "-m", "bench.bare_slack_app", str(bare_port)], bare_port, env
            ),
            start_server("vpmo", [vpmo, "serve", "--port", str(ours_port)], ours_port, env),
        ]
        try:
            for server in servers:
                await _load(server, 4, 1.0)  # warm up: imports, caches, connections
            for concurrency in CONCURRENCY:
                results: dict[str, list[Result]] = {server.name: [] for server in servers}
                for _ in range(rounds):
                    for server in servers:
                        results[server.name].append(await _load(server, concurrency, seconds))
                bare, ours = _merge(results["bare"]), _merge(results["vpmo"])
                print(f"concurrency {concurrency}:")
                print(_line("bare", bare))
                print(_line("vpmo", ours))
                ratio = (ours.requests / ours.seconds) / (bare.requests / bare.seconds)
                print(f"  vpmo/bare throughput {ratio:.2f}x   (target: at least 0.7x)")
        finally:
            # Wait off the event loop: the fake Slack on this loop must keep answering while they stop.
            for server in servers:
                await asyncio.to_thread(server.stop)
            await fake.cleanup()


if __name__ == "__main__":
    asyncio.run(main(*comparison_arguments(__doc__)))
