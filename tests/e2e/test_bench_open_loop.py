"""The benchmarks' open loop: arrivals never wait for answers, late answers are errors, each
request's offer is found at the fake platform by its trace marker, and the Teams one spreads its
requests over client tenants of their own."""

from __future__ import annotations

import asyncio
import itertools
import json
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web
from botbuilder.schema import Activity

from bench.fake_platforms import trace_marker
from bench.servers import Offered, free_port, open_loop, slack_environment, start_fake_platforms
from bench.teams_activity import CLIENTS, SENIORS, TENANTS, askers, message
from bot.admin.tenant_config import load_tenant_config
from bot.teams.bot import teams_tenant_id
from tests.e2e.conftest import run_bench


@asynccontextmanager
async def _serving(app: web.Application) -> AsyncIterator[int]:
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield port
    finally:
        await runner.cleanup()


async def _get(session: aiohttp.ClientSession) -> int:
    async with session.get("/") as response:
        return response.status


def test_arrivals_do_not_wait_for_answers() -> None:
    async def run() -> tuple[int, int]:
        arrived = 0
        everyone = asyncio.Event()

        async def hold_until_all_arrived(_request: web.Request) -> web.Response:
            nonlocal arrived
            arrived += 1
            if arrived == 20:
                everyone.set()
            await everyone.wait()
            return web.Response()

        app = web.Application()
        app.router.add_get("/", hold_until_all_arrived)
        async with _serving(app) as port:
            load = await open_loop(port, 200.0, 20, _get, answer_limit=20.0)
        return len(load.latencies), load.errors

    # A closed loop would wait for the first answer, which comes only once all twenty have arrived.
    assert asyncio.run(run()) == (20, 0)


def test_an_answer_later_than_the_limit_is_an_error() -> None:
    async def run() -> tuple[int, int]:
        calls = 0
        given_up = asyncio.Event()

        async def third_answered_after_the_client_gave_up(_request: web.Request) -> web.Response:
            nonlocal calls
            calls += 1
            if calls == 3:
                await given_up.wait()
            return web.Response()

        app = web.Application()
        app.router.add_get("/", third_answered_after_the_client_gave_up)
        async with _serving(app) as port:
            load = await open_loop(port, 100.0, 10, _get, answer_limit=0.5)
            given_up.set()
        return len(load.latencies), load.errors

    assert asyncio.run(run()) == (10, 1)


def test_the_fake_notes_the_first_offer_carrying_each_marker() -> None:
    first, second, replied = trace_marker(1), trace_marker(2), trace_marker(3)
    assert len({first, second, replied}) == 3

    async def run(url: str) -> dict[str, float]:
        async with aiohttp.ClientSession(url) as session:
            blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"> Budget? ({first})"}}]
            for _ in range(2):  # the same offer twice: the first arrival counts
                await session.post("/api/chat.postMessage", json={"channel": "D1", "blocks": blocks})
            card = {"type": "message", "attachments": [{"content": {"body": [{"text": second}]}}]}
            await session.post("/v3/conversations/a:senior/activities/f00", data=json.dumps(card))
            reply = {"type": "message", "text": f"Tak ({replied})"}
            await session.post("/v3/conversations/a:jonas/activities/bench-1", json=reply)
            async with session.get("/_arrivals") as response:
                return dict(await response.json())

    with tempfile.TemporaryDirectory() as folder:
        fake = start_fake_platforms(slack_environment(folder))
        try:
            arrivals = asyncio.run(run(fake.url))
        finally:
            fake.server.stop()

    # A reply goes back to whoever asked; only a Slack post or a proactive message can be an offer.
    assert set(arrivals) == {first, second}
    assert arrivals[first] <= arrivals[second]


def test_a_turn_meets_its_targets_only_with_fast_answers_fast_offers_and_none_lost() -> None:
    fast = Offered(3, 0, [0.004, 0.005, 0.010], [0.02, 0.03, 0.2], cpu=0.01)
    slow_ack = Offered(3, 0, [0.004, 0.005, 0.090], [0.02, 0.03, 0.2], cpu=0.01)
    one_lost = Offered(3, 0, [0.004, 0.005, 0.010], [0.02, 1.5], cpu=0.01)
    late_answer = Offered(3, 1, [0.004, 0.005, 3.2], [0.02, 0.03, 0.2], cpu=0.01)

    assert fast.misses() == []
    assert slow_ack.misses() == ["p99 ack over 50 ms"]
    assert one_lost.lost == 1
    assert one_lost.misses() == ["p99 offer over 1 s", "1 lost"]
    assert late_answer.misses() == ["p99 ack over 50 ms", "1 errors"]


def open_loop_rows(stdout: str) -> tuple[list[str], list[list[str]]]:
    """Return an open-loop run's headings and its servers' rows, checking what every run must show.

    Both rates, both servers in turn, every request offered answered or counted an error, and no
    offer lost (vpmo's offer quotes the question, and the fake found its marker).
    """
    headings = [line for line in stdout.splitlines() if line.startswith("open loop at")]
    assert [heading.split()[3] for heading in headings] == ["50/s", "100/s"], stdout
    rows = [line.split() for line in stdout.splitlines() if "offered" in line and "open loop" not in line]
    assert [row[0] for row in rows] == ["write+send", "vpmo"] * 2, stdout
    for row in rows:
        offered, acked, lost, errors = (
            int(row[row.index(word) + 1]) for word in ("offered", "acked", "lost", "errors")
        )
        assert offered > 0, stdout
        assert acked + errors == offered, stdout
        assert lost == 0, stdout
    return headings, rows


def test_a_short_slack_open_loop_finds_every_offer_of_both_servers() -> None:
    run = run_bench("slack_ack", "--open-loop", "--seconds", "1")

    assert run.returncode == 0, run.stdout + run.stderr
    open_loop_rows(run.stdout)


def test_every_teams_bench_client_is_a_valid_tenant_with_a_microsoft_tenant_of_its_own() -> None:
    configs = [load_tenant_config(client.configuration()) for client in CLIENTS]

    assert len({config.teams_tenant_id for config in configs}) == TENANTS
    for client, config in zip(CLIENTS, configs, strict=True):
        assert config.teams_tenant_id == client.tenant
        assert {asker.tenant for asker in client.askers} == {client.tenant}
        seniors = [person for person in config.people if "senior" in person.roles]
        assert len(seniors) == SENIORS
        assert all(senior.expertise == ("budget",) for senior in seniors)
        people = {str(person.teams_id) for person in config.people}
        assert people == {person.user for person in client.people}


def test_the_teams_askers_spread_evenly_over_the_tenants_in_the_same_order_for_the_same_seed() -> None:
    first = list(itertools.islice(askers(), 2000))
    again = list(itertools.islice(askers(), 2000))
    other = list(itertools.islice(askers(seed=1), 2000))
    per_tenant = Counter(asker.tenant for asker in first)

    assert first == again
    assert first != other
    assert set(per_tenant) == {client.tenant for client in CLIENTS}
    assert all(150 <= count <= 250 for count in per_tenant.values()), per_tenant


def test_a_teams_bench_activity_carries_its_askers_tenant_where_vpmo_looks_for_it() -> None:
    asker = CLIENTS[7].askers[3]
    body = message("http://127.0.0.1:1/", "sparring Budgettet skrider", asker)
    activity = Activity().deserialize(body)

    assert teams_tenant_id(activity) == asker.tenant
    assert body["conversation"]["tenantId"] == asker.tenant
    assert activity.from_property.id == asker.user


def test_a_short_teams_open_loop_over_ten_tenants_finds_every_offer_of_both_servers() -> None:
    run = run_bench("teams_activity", "--open-loop", "--seconds", "1", timeout=300)

    assert run.returncode == 0, run.stdout + run.stderr
    headings, rows = open_loop_rows(run.stdout)
    assert "over 10 tenants, 5/s offered per tenant" in headings[0]
    assert "over 10 tenants, 10/s offered per tenant" in headings[1]
    assert all("write+send does no pacing" in heading for heading in headings)
    for row in rows:
        assert 0 < int(row[row.index("tenant") + 1]) <= int(row[row.index("offered") + 1]), run.stdout
    ratios = [line for line in run.stdout.splitlines() if line.lstrip().startswith("vpmo/write+send:")]
    assert len(ratios) == 2, run.stdout
