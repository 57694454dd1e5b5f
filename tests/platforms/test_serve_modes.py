"""Every way to run ``vpmo serve`` starts from a plain shell: the real process, its /healthz, its words.

One test per mode the README documents: Slack over HTTP, Socket Mode (against a local WebSocket
server that plays Slack's end), OAuth, Teams with and without authentication, both platforms at once,
and neither.  Each starts the installed ``vpmo serve`` command, waits for /healthz to answer 200,
checks what it said at start-up and which endpoints it serves, and stops it with SIGTERM (exit 0).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import parse_qsl

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from tests.platforms.conftest import BOT_TOKEN, JONAS, SIGNING_SECRET, TEAM, sample_database
from tests.platforms.serve_process import ServeProcess, clean_environment
from tests.platforms.slack_fakes import FakeSlackApi, slash_command
from tests.platforms.socket_mode_fake import APP_TOKEN, FakeSocketModeServer

APP_ID = "00000000-0000-4000-8000-00000000a991"
MS_TENANT = "00000000-0000-4000-8000-0000000000d1"
TEAMS_LOCAL_LINE = (
    "Teams: LOCAL MODE WITHOUT AUTHENTICATION (VPMO_TEAMS_LOCAL=1), at POST /api/messages: anyone who can "
    "reach it can act as any Teams user. For local testing only, never in production."
)


class OutboundTrap:
    """A proxy on 127.0.0.1 that answers nothing and counts who tried to reach the outside through it.

    ``vpmo serve`` gets it as HTTP(S)_PROXY, so a call to Microsoft (or anyone) at start-up shows up
    here instead of leaving the machine.
    """

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._accept, name="outbound-trap", daemon=True)
        self.attempts = 0

    @property
    def url(self) -> str:
        """Return the proxy URL."""
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self.attempts += 1
            connection.close()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._listener.close()


@pytest.fixture
def sample_db(database_url: str) -> str:
    sample_database(database_url)
    return database_url


@pytest.fixture
def trap() -> Iterator[OutboundTrap]:
    with OutboundTrap() as outbound:
        yield outbound


@contextmanager
def serve_healthy(environment: dict[str, str], workdir: Path) -> Iterator[ServeProcess]:
    """Start ``vpmo serve`` and yield it once /healthz answers 200; it must exit 0 on SIGTERM."""
    with ServeProcess(environment, workdir) as serve:
        serve.wait_healthy()
        yield serve
        code, _ = serve.terminate()
        assert code == 0, serve.log


def startup(serve: ServeProcess, database_url: str, slack: str, teams: str) -> list[str]:
    """Return the lines ``vpmo serve`` must print at start-up for the given Slack and Teams lines."""
    shown = make_url(database_url).render_as_string(hide_password=True)
    return [
        f"vpmo serve: listening on {serve.url} (health: {serve.url}/healthz)",
        f"Slack: {slack}",
        f"Teams: {teams}",
        f"Database: {shown}",
        "Time zone: Europe/Copenhagen; default language: da",
    ]


def assert_announced(serve: ServeProcess, lines: list[str]) -> None:
    """Check the start-up lines came in order and that nothing but them was printed (quiet by default).

    The one exception: each request the test sent without credentials is refused with one warning line.
    """
    printed = serve.log.splitlines()
    assert printed[: len(lines)] == lines, serve.log
    assert all(" WARNING bot." in line and "refused" in line for line in printed[len(lines) :]), serve.log


def status(serve: ServeProcess, method: str, path: str) -> int:
    """Return the HTTP status of a request without credentials (a bare JSON message activity)."""
    activity = {"type": "message", "text": "hej"}
    return httpx.request(method, serve.url + path, json=activity, timeout=10, trust_env=False).status_code


def test_neither_platform_serves_health_only(sample_db: str, tmp_path: Path) -> None:
    with serve_healthy(clean_environment(sample_db), tmp_path) as serve:
        health = httpx.get(serve.url + "/healthz", timeout=10, trust_env=False).json()
        events, messages = status(serve, "POST", "/slack/events"), status(serve, "POST", "/api/messages")
        lines = startup(serve, sample_db, "off (no SLACK_* variables)", "off (no MicrosoftAppId)")

    assert health == {"healthy": True, "database": "ok", "tick": "ok"}
    assert (events, messages) == (404, 404)
    assert_announced(serve, lines)


def test_slack_over_http_verifies_requests(sample_db: str, tmp_path: Path) -> None:
    with FakeSlackApi(team_id=TEAM, bot_token=BOT_TOKEN) as slack:
        environment = clean_environment(
            sample_db, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=slack.url
        )
        with serve_healthy(environment, tmp_path) as serve:
            unsigned = status(serve, "POST", "/slack/events")
            lines = startup(
                serve, sample_db, "HTTP, one workspace, at POST /slack/events", "off (no MicrosoftAppId)"
            )

    assert unsigned == 401
    assert_announced(serve, lines)


def test_slack_socket_mode_connects_to_slack_and_answers_a_command(sample_db: str, tmp_path: Path) -> None:
    with FakeSocketModeServer() as socket_end, FakeSlackApi(team_id=TEAM, bot_token=BOT_TOKEN) as slack:
        slack.socket_mode_url = socket_end.url
        environment = clean_environment(
            sample_db, SLACK_APP_TOKEN=APP_TOKEN, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=slack.url
        )
        with serve_healthy(environment, tmp_path) as serve:
            health = httpx.get(serve.url + "/healthz", timeout=10, trust_env=False).json()
            body, _ = slash_command(TEAM, JONAS, "Budgettet er skredet")
            command = dict(parse_qsl(body.decode("ascii")))
            envelope = socket_end.send("slash_commands", command, accepts_response_payload=True)
            ack = socket_end.wait_for_ack(envelope, timeout=15)
            http_events = status(serve, "POST", "/slack/events")
            lines = startup(
                serve,
                sample_db,
                "Socket Mode, one workspace (no public URL needed)",
                "off (no MicrosoftAppId)",
            )

    assert health == {"healthy": True, "database": "ok", "tick": "ok", "socket_mode": "connected"}
    [opened] = slack.calls("apps.connections.open")
    assert opened.token == APP_TOKEN
    assert "S-1" in json.dumps(ack["payload"]["blocks"], ensure_ascii=False)
    assert http_events == 404
    assert_announced(serve, lines)


def test_slack_oauth_offers_the_install_page(sample_db: str, tmp_path: Path) -> None:
    environment = clean_environment(
        sample_db,
        SLACK_CLIENT_ID="1111.2222",
        SLACK_CLIENT_SECRET="fake-client-secret",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        VPMO_SECRET_KEY=Fernet.generate_key().decode("ascii"),
    )
    with serve_healthy(environment, tmp_path) as serve:
        install = httpx.get(serve.url + "/slack/install", timeout=10, trust_env=False)
        lines = startup(
            serve,
            sample_db,
            "OAuth, many workspaces, at POST /slack/events; install at /slack/install",
            "off (no MicrosoftAppId)",
        )

    assert install.status_code == 200
    assert "https://slack.com/oauth/v2/authorize?" in install.text
    assert "client_id=1111.2222" in install.text
    assert_announced(serve, lines)


def test_teams_with_authentication_starts_without_calling_microsoft(
    sample_db: str, tmp_path: Path, trap: OutboundTrap
) -> None:
    environment = clean_environment(
        sample_db,
        MicrosoftAppId=APP_ID,
        MicrosoftAppPassword="fake-client-secret",
        MicrosoftAppType="SingleTenant",
        MicrosoftAppTenantId=MS_TENANT,
        HTTP_PROXY=trap.url,
        HTTPS_PROXY=trap.url,
        NO_PROXY="127.0.0.1",
    )
    with serve_healthy(environment, tmp_path) as serve:
        without_token = status(serve, "POST", "/api/messages")
        lines = startup(
            serve,
            sample_db,
            "off (no SLACK_* variables)",
            f"authenticated, SingleTenant app {APP_ID}, at POST /api/messages",
        )

    assert without_token == 401
    assert trap.attempts == 0
    assert_announced(serve, lines)


def test_teams_local_mode_says_loudly_that_it_does_not_authenticate(sample_db: str, tmp_path: Path) -> None:
    with serve_healthy(clean_environment(sample_db, VPMO_TEAMS_LOCAL="1"), tmp_path) as serve:
        messages = status(serve, "GET", "/api/messages")
        lines = startup(
            serve, sample_db, "off (no SLACK_* variables)", TEAMS_LOCAL_LINE.removeprefix("Teams: ")
        )

    assert messages == 405  # the endpoint is there, for POST
    assert_announced(serve, lines)


def test_slack_and_teams_at_once(sample_db: str, tmp_path: Path) -> None:
    with FakeSlackApi(team_id=TEAM, bot_token=BOT_TOKEN) as slack:
        environment = clean_environment(
            sample_db,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_API_URL=slack.url,
            VPMO_TEAMS_LOCAL="1",
        )
        with serve_healthy(environment, tmp_path) as serve:
            endpoints = status(serve, "POST", "/slack/events"), status(serve, "GET", "/api/messages")
            lines = startup(
                serve,
                sample_db,
                "HTTP, one workspace, at POST /slack/events",
                TEAMS_LOCAL_LINE.removeprefix("Teams: "),
            )

    assert endpoints == (401, 405)
    assert_announced(serve, lines)
