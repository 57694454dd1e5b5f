"""``vpmo serve`` as a real process on a free port of 127.0.0.1, with a clean environment.

The environment has no SLACK_*, VPMO_* or Microsoft* variables from the machine, and the working
directory is a scratch one, so no ``.env`` is read.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import httpx

from bot.cli import SAMPLE_TENANT
from tests.platforms.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM
from tests.platforms.slack_fakes import FakeSlackApi

VPMO = Path(sys.executable).with_name("vpmo")
# Generous: several processes may start at once on a shared 2-core machine that runs other tests too.
STARTUP_SECONDS = 45.0
STOP_SECONDS = 10.0


def free_port() -> int:
    """Return a port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_environment(database_url: str, **variables: str) -> dict[str, str]:
    """Return this process's environment without SLACK_*/VPMO_*/Microsoft* variables, plus the given ones."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "VPMO_", "Microsoft"))
    }
    environment.update(VPMO_DATABASE_URL=database_url, VPMO_HOST="127.0.0.1", VPMO_LOG_LEVEL="INFO")
    environment.update(variables)
    return environment


def slack_environment(database_url: str, slack_api_url: str, **variables: str) -> dict[str, str]:
    """Return a clean environment for Slack over HTTP with the tests' secret and token, at a fake Web API.

    ``variables`` add to it, or take the place of the secret or the token.
    """
    tests_slack = {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack_api_url,
    }
    return clean_environment(database_url, **(tests_slack | variables))


def slack_for_processes(*, tokens: Iterable[str] = (BOT_TOKEN,), latency: float = 0.0) -> FakeSlackApi:
    """Return a fake Slack Web API for ``vpmo`` processes that takes each of the bot tokens (the tests' one)."""
    return FakeSlackApi(
        team_id=TEAM, bot_token=BOT_TOKEN, tokens=dict.fromkeys(tokens, TEAM), latency=latency
    )


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
    """One ``vpmo serve`` process (or another ``vpmo`` command); killed on exit if the test left it running.

    ``arguments`` replace ``serve``: ``("serve", "--workers", "2")``, or ``("worker", "--health-port",
    str(port))`` with that ``port``, which is where /healthz is polled.
    """

    def __init__(
        self,
        environment: dict[str, str],
        workdir: Path,
        name: str = "serve",
        *,
        arguments: tuple[str, ...] = ("serve",),
        port: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.name = name
        self._arguments = arguments
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
            [str(VPMO), *self._arguments],
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
                raise AssertionError(f"vpmo {self.name} exited with {self.process.returncode}:\n{self.log}")
            try:
                response = httpx.get(self.url + "/healthz", timeout=2, trust_env=False)
                if response.status_code == 200:
                    return response, time.monotonic() - started
            except httpx.TransportError:
                pass
            if time.monotonic() - started > timeout:
                raise AssertionError(f"vpmo {self.name}: /healthz not 200 within {timeout} s:\n{self.log}")
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

    def kill(self) -> None:
        """Send SIGKILL (no clean-up of any kind, as a crash or the OOM killer) and wait for the end."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(STOP_SECONDS)

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
