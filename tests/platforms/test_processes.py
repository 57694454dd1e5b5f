"""The process model: ``vpmo serve --workers N``, ``vpmo worker``, and one process only on SQLite."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.platforms.conftest import JONAS, SIGNING_SECRET, TEAM, sample_database
from tests.platforms.serve_process import (
    STARTUP_SECONDS,
    STOP_SECONDS,
    VPMO,
    ServeProcess,
    clean_environment,
    free_port,
    slack_environment,
    slack_for_processes,
)
from tests.platforms.slack_fakes import SlackClient, SlackSigner, slash_command

DRAIN_SECONDS = 3.0


def _vpmo(environment: dict[str, str], workdir: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VPMO), *arguments], env=environment, cwd=workdir, capture_output=True, text=True, timeout=60
    )


def _children(pid: int) -> set[int]:
    tasks = Path(f"/proc/{pid}/task")
    found: set[int] = set()
    for task in tasks.iterdir():
        children = (task / "children").read_text().split()
        found.update(int(child) for child in children)
    return found


def test_several_server_processes_on_sqlite_are_refused_with_what_to_use_instead(tmp_path: Path) -> None:
    environment = clean_environment(f"sqlite:///{tmp_path}/vpmo.db", VPMO_PORT=str(free_port()))

    refused = _vpmo(environment, tmp_path, "serve", "--workers", "2")

    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "Error: vpmo serve --workers 2 needs PostgreSQL: SQLite lets one process write at a time and "
        "cannot share the outbox between processes; use --workers 1, or set VPMO_DATABASE_URL to a "
        "PostgreSQL database (postgresql+psycopg://USER:PASSWORD@HOST/DB)"
    )


def test_a_second_process_on_one_sqlite_file_is_refused_until_the_first_is_gone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/vpmo.db"
    sample_database(url)
    environment = clean_environment(url)
    with ServeProcess(environment, tmp_path, "first") as first:
        first.wait_healthy()
        second = _vpmo({**environment, "VPMO_PORT": str(free_port())}, tmp_path, "serve")
        jobs = _vpmo(environment, tmp_path, "jobs", "run")
        first.kill()
    # Killed without any clean-up: the kernel has freed the lock all the same.
    with ServeProcess(environment, tmp_path, "after") as after:
        after.wait_healthy()

    assert second.returncode == 1
    assert second.stderr.strip() == (
        f"Error: vpmo serve (pid {first.process.pid if first.process else '?'}) already uses the SQLite "
        f"database {tmp_path}/vpmo.db, and SQLite serves one vpmo process: stop it, or use PostgreSQL "
        "(VPMO_DATABASE_URL) to run several"
    )
    assert jobs.returncode == 1
    assert "already uses the SQLite database" in jobs.stderr


def test_a_worker_without_a_platform_says_what_it_needs(tmp_path: Path) -> None:
    refused = _vpmo(clean_environment(f"sqlite:///{tmp_path}/vpmo.db"), tmp_path, "worker")

    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "Error: vpmo worker delivers through Slack or Teams and neither is configured (SLACK_* or "
        "Microsoft* variables); vpmo jobs run prints the messages here instead"
    )


@pytest.mark.postgres
def test_workers_share_one_port_a_killed_one_is_replaced_and_sigterm_ends_them_all(
    postgres_url: str, tmp_path: Path
) -> None:
    sample_database(postgres_url)
    with slack_for_processes() as slack:
        environment = slack_environment(postgres_url, slack.url)
        with ServeProcess(environment, tmp_path, "workers", arguments=("serve", "--workers", "2")) as server:
            server.wait_healthy()
            assert server.process is not None
            first = _children(server.process.pid)
            os.kill(min(first), signal.SIGKILL)
            deadline = time.monotonic() + STARTUP_SECONDS
            while len(_children(server.process.pid) - first) < 1 and time.monotonic() < deadline:
                time.sleep(0.1)
            replaced = _children(server.process.pid)
            server.wait_healthy()
            client = SlackClient(server.url)
            signer = SlackSigner(SIGNING_SECRET)
            acks = [
                asyncio.run(client.send("/slack/events", slash_command(TEAM, JONAS, text), signer=signer))
                for text in (
                    "Budgettet er overskredet med 20 %",
                    "Tidsplanen skrider, milepælene holder ikke",
                )
            ]
            slack.wait_for("chat.postMessage", 2, timeout=30)
            code, seconds = server.terminate(STOP_SECONDS)
        log = server.log

    assert len(first) == 2
    assert len(replaced) == 2, (first, replaced)
    assert len(replaced & first) == 1, (first, replaced)
    assert [ack.status_code for ack in acks] == [200, 200]
    assert "2 server processes" in log
    assert "ended (signal SIGKILL); starting another" in log
    assert code == 0, log
    assert seconds < STOP_SECONDS
    assert all(not Path(f"/proc/{pid}").exists() for pid in replaced)


def test_with_a_drain_time_sigterm_first_sends_the_load_balancer_away_and_goes_on_serving(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/vpmo.db"
    sample_database(url)
    with slack_for_processes() as slack:
        environment = slack_environment(url, slack.url, VPMO_DRAIN_SECONDS=str(DRAIN_SECONDS))
        with ServeProcess(environment, tmp_path, "draining") as server:
            server.wait_healthy()
            assert server.process is not None
            sigterm = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            health = httpx.get(f"{server.url}/healthz", timeout=5, trust_env=False)
            request = slash_command(TEAM, JONAS, "Budgettet er overskredet med 20 %")
            ack = asyncio.run(
                SlackClient(server.url).send("/slack/events", request, signer=SlackSigner(SIGNING_SECRET))
            )
            code = server.process.wait(DRAIN_SECONDS + STOP_SECONDS)
            stopped = time.monotonic() - sigterm
        offers = [
            call
            for call in slack.calls("chat.postMessage")
            if "Ny sparringsforespørgsel" in str(call.params.get("text"))
        ]

    assert health.status_code == 503
    assert health.json()["serving"] == "draining before it stops"
    assert ack.status_code == 200
    assert len(offers) == 1
    assert code == 0, server.log
    assert DRAIN_SECONDS <= stopped < DRAIN_SECONDS + STOP_SECONDS
