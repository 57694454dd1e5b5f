"""The benchmarks' Teams floor does what vpmo's sparring must at least do, and the memory benchmark runs."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import aiohttp
from sqlalchemy import create_engine, text

from bench.servers import free_port, slack_environment, start_fake_platforms, start_server
from bench.teams_activity import CLIENTS, message
from tests.e2e.conftest import run_bench


def test_the_teams_write_send_floor_writes_a_row_answers_and_sends_one_proactive_message() -> None:
    async def send(port: int, service_url: str) -> int:
        async with (
            aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session,
            session.post(
                "/api/messages", json=message(service_url, "sparring Budgettet skrider", CLIENTS[0].askers[0])
            ) as response,
        ):
            return response.status

    async def counted(fake_url: str) -> dict[str, float]:
        async with aiohttp.ClientSession() as session, session.get(f"{fake_url}_stats") as response:
            return dict(await response.json())

    with tempfile.TemporaryDirectory() as folder:
        env = slack_environment(folder)
        fake = start_fake_platforms(env)
        port = free_port()
        command = [sys.executable, "-m", "bench.bare_teams_bot", str(port), "write+send", folder]
        floor = start_server("write+send", command, port, env)
        try:
            status = asyncio.run(send(port, fake.url))
            asyncio.run(fake.settle(0.5, 10.0))
            stats = asyncio.run(counted(fake.url))
        finally:
            floor.stop()
            fake.server.stop()
        with create_engine(f"sqlite:///{Path(folder) / 'teams-write-send.db'}").connect() as connection:
            rows = connection.execute(text("SELECT user_id, text FROM request")).all()

    assert status == 200
    assert (stats.get("reply"), stats.get("proactive")) == (1, 1)
    assert rows == [(CLIENTS[0].askers[0].user, "sparring Budgettet skrider")]


def test_a_short_memory_run_prints_both_points_and_their_ratio() -> None:
    run = run_bench("memory", "--requests", "200", "--concurrency", "4")

    assert run.returncode == 0, run.stdout + run.stderr
    points = [line.split() for line in run.stdout.splitlines() if line.lstrip().startswith("after")]
    assert [(row[1], row[4]) for row in points] == [("20", "20"), ("200", "200")]  # every offer was sent
    assert "RSS after 200 / after 20:" in run.stdout
