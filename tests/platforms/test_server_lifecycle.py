"""``vpmo serve`` as a real process: it comes up healthy, stops cleanly on SIGTERM, and loses nothing.

Each test starts the installed ``vpmo`` command on a free port of 127.0.0.1 with a clean environment
(no SLACK_* or VPMO_* variables from the machine, and a scratch working directory, so no ``.env``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import httpx
from sqlmodel import Session, col, select

from bot.cli import SAMPLE_TENANT
from storage.db import make_engine
from storage.tables import OutboxRow, PersonRow
from tests.platforms.conftest import ANNA, BOT_TOKEN, JONAS, SIGNING_SECRET, TEAM, sample_database
from tests.platforms.slack_fakes import FakeSlackApi, SlackClient, SlackSigner, slash_command

VPMO = Path(sys.executable).with_name("vpmo")
STARTUP_SECONDS = 15.0
STOP_SECONDS = 10.0


def free_port() -> int:
    """Return a port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_environment(database_url: str, **variables: str) -> dict[str, str]:
    """Return this process's environment without SLACK_*/VPMO_* variables, plus the given ones."""
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith(("SLACK_", "VPMO_"))
    }
    environment.update(VPMO_DATABASE_URL=database_url, VPMO_HOST="127.0.0.1", VPMO_LOG_LEVEL="INFO")
    environment.update(variables)
    return environment


def apply_sample_tenant(database_url: str, workdir: Path) -> None:
    """Run ``vpmo tenant apply`` with the sample client, as an operator would."""
    subprocess.run(
        [str(VPMO), "tenant", "apply", str(SAMPLE_TENANT)],
        env=clean_environment(database_url),
        cwd=workdir,
        check=True,
        capture_output=True,
        timeout=60,
    )


class ServeProcess:
    """One ``vpmo serve`` process; killed on exit if the test left it running."""

    def __init__(self, environment: dict[str, str], workdir: Path, name: str = "serve") -> None:
        self.port = free_port()
        self._environment = {**environment, "VPMO_PORT": str(self.port)}
        self._workdir = workdir
        self._log_path = workdir / f"{name}.log"
        self._log: IO[bytes] | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Return the server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> str:
        """Return what the process wrote to stdout and stderr so far."""
        return self._log_path.read_text(encoding="utf-8", errors="replace")

    def start(self) -> Self:
        """Start the process (not waiting for it to listen)."""
        self._log = self._log_path.open("wb")
        self.process = subprocess.Popen(
            [str(VPMO), "serve"],
            env=self._environment,
            cwd=self._workdir,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        return self

    def wait_healthy(self, timeout: float = STARTUP_SECONDS) -> tuple[httpx.Response, float]:
        """Poll /healthz until it answers 200; return the answer and the seconds it took."""
        assert self.process is not None
        started = time.monotonic()
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"vpmo serve exited with {self.process.returncode}:\n{self.log}")
            try:
                response = httpx.get(self.url + "/healthz", timeout=2, trust_env=False)
                if response.status_code == 200:
                    return response, time.monotonic() - started
            except httpx.TransportError:
                pass
            if time.monotonic() - started > timeout:
                raise AssertionError(f"/healthz not 200 within {timeout} s:\n{self.log}")
            time.sleep(0.1)

    def terminate(self, timeout: float = STOP_SECONDS) -> tuple[int, float]:
        """Send SIGTERM and wait; return the exit code and the seconds the process took to end."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired as error:
            raise AssertionError(
                f"vpmo serve still running {timeout} s after SIGTERM:\n{self.log}"
            ) from error
        return code, time.monotonic() - started

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(STOP_SECONDS)
        if self._log is not None:
            self._log.close()


def offer_rows(database_url: str) -> list[OutboxRow]:
    """Return the outbox rows addressed to Anna."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            statement = (
                select(OutboxRow)
                .join(PersonRow, col(PersonRow.id) == col(OutboxRow.recipient_id))
                .where(col(PersonRow.slack_id) == ANNA)
            )
            return list(session.exec(statement).all())
    finally:
        engine.dispose()


def test_serve_without_slack_is_healthy_and_exits_0_on_sigterm(database_url: str, tmp_path: Path) -> None:
    apply_sample_tenant(database_url, tmp_path)

    with ServeProcess(clean_environment(database_url), tmp_path) as serve:
        response, took = serve.wait_healthy()
        code, stopping = serve.terminate()

    assert response.json() == {"healthy": True, "database": "ok", "tick": "ok"}
    assert took < 10
    assert code == 0, serve.log
    assert stopping < STOP_SECONDS
    assert "Slack: off" in serve.log


def test_a_request_queued_just_before_sigterm_is_offered_exactly_once_after_a_restart(
    database_url: str, tmp_path: Path
) -> None:
    sample_database(database_url)  # the same apply as `vpmo tenant apply`, without another process
    # Every Slack call takes 0.3 s, so the offer is still being sent when SIGTERM arrives.
    with FakeSlackApi(team_id=TEAM, bot_token=BOT_TOKEN, tokens={BOT_TOKEN: TEAM}, latency=0.3) as slack:
        environment = clean_environment(
            database_url,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_API_URL=slack.url,
        )
        with ServeProcess(environment, tmp_path, "first") as first:
            first.wait_healthy()
            client = SlackClient(first.url)
            request = slash_command(TEAM, JONAS, "Budgettet er skredet, hvad gør jeg?")
            acked = asyncio.run(client.send("/slack/events", request, signer=SlackSigner(SIGNING_SECRET)))
            first_code, _ = first.terminate()
        during_first = len(slack.calls("chat.postMessage"))

        with ServeProcess(environment, tmp_path, "second") as second:
            second.wait_healthy()
            deadline = time.monotonic() + 5
            while not [c for c in slack.calls("chat.postMessage") if c.ok] and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(1.0)  # several ticks: a second copy would show up now
            second_code, _ = second.terminate()

    assert acked.status_code == 200
    assert "S-1" in acked.text
    assert (first_code, second_code) == (0, 0), first.log + second.log
    posts = [c for c in slack.calls("chat.postMessage") if c.params.get("channel") == f"D{ANNA}"]
    assert len(posts) == 1, f"{during_first} post(s) before the restart; calls: {slack.calls()}"
    assert posts[0].ok
    [row] = offer_rows(database_url)
    assert row.state == "sent"
    assert row.platform_message_id == f"D{ANNA}:{posts[0].response['ts']}"
