"""Multi-workspace OAuth through the real server: install, callback, stored token, and revocation.

The server runs in OAuth mode against the fake Slack Web API, which plays the Nordlys workspace
(T01NORDLYS) and hands out ``BOT_TOKEN`` from ``oauth.v2.access``; only that token is accepted.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import Session, col, select

from bot.server import RUNTIME_KEY
from bot.settings import Settings
from bot.slack.manifest import BOT_SCOPES
from bot.slack.settings import SlackMode, SlackSettings
from storage.db import make_engine
from storage.tables import SlackInstallationRow, SlackOAuthStateRow
from tests.platforms.conftest import ANNA, BOT_TOKEN, JONAS, SIGNING_SECRET, TEAM, sample_database
from tests.platforms.server_harness import RunningServer
from tests.platforms.slack_fakes import (
    DEFAULT_BOT_USER_ID,
    FakeSlackApi,
    Payload,
    SlackClient,
    SlackSigner,
    event,
    slash_command,
)

CLIENT_ID = "111.222"
CLIENT_SECRET = "s3cret"
SECRET_KEY = "a passphrase of at least thirty-two characters!!"
STATE_COOKIE = "slack-app-oauth-state"


@dataclass
class OAuthWorld:
    """A vpmo server in OAuth mode beside a fake Slack that only accepts the installed bot token."""

    server: RunningServer
    slack: FakeSlackApi
    database_url: str

    def get(self, path: str, *, cookie_state: str | None = None) -> httpx.Response:
        """GET a page as a browser would, sending back the OAuth state cookie when given."""
        headers = {"Cookie": f"{STATE_COOKIE}={cookie_state}"} if cookie_state else {}
        return httpx.get(self.server.url + path, headers=headers, timeout=10, trust_env=False)

    def send(self, payload: Payload) -> httpx.Response:
        """POST a signed Slack payload to /slack/events."""
        client = SlackClient(self.server.url)
        return asyncio.run(client.send("/slack/events", payload, signer=SlackSigner(SIGNING_SECRET)))

    def start_install(self) -> tuple[httpx.Response, str]:
        """Open /slack/install and return the answer with the Slack authorize URL it leads to."""
        response = self.get("/slack/install")
        if response.status_code == 302:
            return response, response.headers["location"]
        match = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', response.text)
        assert match, f"no authorize link on the install page: {response.text[:500]}"
        return response, html.unescape(match.group(1))

    def install(self) -> httpx.Response:
        """Run the whole install: /slack/install, then Slack's redirect back with a code."""
        _, authorize_url = self.start_install()
        state = query_of(authorize_url)["state"]
        return self.get(f"/slack/oauth_redirect?code=abc&state={state}", cookie_state=state)

    def installations(self) -> list[SlackInstallationRow]:
        """Return the stored installation rows."""
        return self._read(select(SlackInstallationRow))

    def stored_states(self) -> list[str]:
        """Return the OAuth states waiting to be used."""
        return self._read(select(col(SlackOAuthStateRow.state)))

    def _read(self, statement: Any) -> list[Any]:
        engine = make_engine(self.database_url)
        try:
            with Session(engine) as session:
                return list(session.exec(statement).all())
        finally:
            engine.dispose()


def query_of(url: str) -> dict[str, str]:
    """Return the single-valued query parameters of a URL."""
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def wait_until(condition: Any, timeout: float = 5.0) -> bool:
    """Poll ``condition`` every 50 ms; return whether it held within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


@pytest.fixture
def oauth_world(database_url: str) -> Iterator[OAuthWorld]:
    sample_database(database_url)
    with FakeSlackApi(team_id=TEAM, bot_token=BOT_TOKEN, tokens={BOT_TOKEN: TEAM}) as slack:
        settings = Settings(database_url=SecretStr(database_url), secret_key=SecretStr(SECRET_KEY))
        slack_settings = SlackSettings(
            SlackMode.OAUTH,
            signing_secret=SIGNING_SECRET,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            api_url=slack.url,
        )

        def factory() -> Any:
            from bot.server import build_server

            return build_server(settings, slack_settings, tick_seconds=0.2)

        with RunningServer(factory) as server:
            yield OAuthWorld(server, slack, database_url)


# --- the install flow ----------------------------------------------------------------------------


def test_the_install_page_leads_to_slack_with_the_client_id_scopes_and_a_stored_state(
    oauth_world: OAuthWorld,
) -> None:
    response, authorize_url = oauth_world.start_install()

    assert response.status_code in (200, 302)
    assert authorize_url.startswith("https://slack.com/oauth/v2/authorize?")
    query = query_of(authorize_url)
    assert query["client_id"] == CLIENT_ID
    assert set(query["scope"].split(",")) == set(BOT_SCOPES)
    assert oauth_world.stored_states() == [query["state"]]
    assert f"{STATE_COOKIE}={query['state']}" in response.headers.get("set-cookie", "")


def test_the_redirect_exchanges_the_code_and_stores_the_bot_token_encrypted(
    oauth_world: OAuthWorld,
) -> None:
    response = oauth_world.install()

    assert response.status_code == 200, response.text
    [exchange] = oauth_world.slack.calls("oauth.v2.access")
    assert exchange.params["code"] == "abc"
    credentials = exchange.basic_auth or (
        exchange.params.get("client_id"),
        exchange.params.get("client_secret"),
    )
    assert credentials == (CLIENT_ID, CLIENT_SECRET)
    [row] = oauth_world.installations()
    assert row.team_id == TEAM
    assert row.bot_user_id == DEFAULT_BOT_USER_ID
    assert "xoxb" not in row.bot_token_encrypted
    assert BOT_TOKEN.split("-")[-1] not in row.bot_token_encrypted
    assert oauth_world.stored_states() == []


def test_a_state_is_good_for_one_install_only(oauth_world: OAuthWorld) -> None:
    _, authorize_url = oauth_world.start_install()
    state = query_of(authorize_url)["state"]
    first = oauth_world.get(f"/slack/oauth_redirect?code=abc&state={state}", cookie_state=state)

    replay = oauth_world.get(f"/slack/oauth_redirect?code=abc&state={state}", cookie_state=state)

    assert first.status_code == 200
    assert replay.status_code >= 400
    assert len(oauth_world.slack.calls("oauth.v2.access")) == 1


def test_an_unknown_state_is_refused_without_asking_slack(oauth_world: OAuthWorld) -> None:
    oauth_world.start_install()
    forged = "forged-state-0123456789"

    response = oauth_world.get(f"/slack/oauth_redirect?code=abc&state={forged}", cookie_state=forged)

    assert response.status_code >= 400
    assert oauth_world.slack.calls("oauth.v2.access") == []
    assert oauth_world.installations() == []
    assert len(oauth_world.stored_states()) == 1  # the genuine state is still there, unused


def test_a_state_from_another_browser_is_refused(oauth_world: OAuthWorld) -> None:
    _, authorize_url = oauth_world.start_install()
    state = query_of(authorize_url)["state"]

    response = oauth_world.get(f"/slack/oauth_redirect?code=abc&state={state}")

    assert response.status_code >= 400
    assert oauth_world.slack.calls("oauth.v2.access") == []
    assert oauth_world.installations() == []


# --- using the stored token ------------------------------------------------------------------------


def test_after_install_a_slash_command_works_with_the_stored_token(oauth_world: OAuthWorld) -> None:
    assert oauth_world.install().status_code == 200

    response = oauth_world.send(slash_command(TEAM, JONAS, "Budgettet er skredet, hvad gør jeg?"))

    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert "S-1" in body["text"] or "S-1" in str(body["blocks"])
    [offer] = oauth_world.slack.wait_for("chat.postMessage")
    assert offer.params["channel"] == f"D{ANNA}"
    assert offer.ok
    assert offer.token == BOT_TOKEN
    assert all(
        call.token == BOT_TOKEN for call in oauth_world.slack.calls() if call.method != "oauth.v2.access"
    )


def test_before_install_a_slash_command_reaches_no_use_case(oauth_world: OAuthWorld) -> None:
    response_url = oauth_world.slack.response_url("not-installed")

    response = oauth_world.send(
        slash_command(TEAM, JONAS, "Budgettet er skredet, hvad gør jeg?", response_url=response_url)
    )

    assert response.status_code == 200
    assert "S-1" not in response.text
    [told] = oauth_world.slack.wait_for("response_url")
    assert "install" in str(told.params).lower()
    oauth_world.server.ticks(2)  # the answer came, and whole ticks after it
    assert oauth_world.server.app[RUNTIME_KEY].runtime.outbox.counts() == {}  # type: ignore[index]
    assert oauth_world.slack.calls("chat.postMessage") == []


# --- revocation ----------------------------------------------------------------------------------


def tokens_revoked(bot_users: list[str], user_tokens: list[str] | None = None) -> Payload:
    """Return a signed-ready tokens_revoked event for the workspace (shape of event_tokens_revoked.json)."""
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": user_tokens or [], "bot": bot_users}}
    return event(revoked, TEAM, authorizations_user_id=DEFAULT_BOT_USER_ID)


def test_revoking_the_bot_token_forgets_the_installation(oauth_world: OAuthWorld) -> None:
    oauth_world.install()
    assert len(oauth_world.installations()) == 1

    response = oauth_world.send(tokens_revoked([DEFAULT_BOT_USER_ID]))

    assert response.status_code == 200
    assert wait_until(lambda: oauth_world.installations() == [])


def test_revoking_only_a_user_token_keeps_the_bot_installation(
    oauth_world: OAuthWorld, caplog: pytest.LogCaptureFixture
) -> None:
    oauth_world.install()
    [installed] = oauth_world.installations()
    caplog.set_level(logging.DEBUG, logger="bot.slack.oauth")

    response = oauth_world.send(tokens_revoked([], user_tokens=["U0INSTALLER"]))

    assert response.status_code == 200
    # bolt runs the revocation listener after the ack: wait until the store has heard of the user.
    assert wait_until(lambda: any("revoked a user token" in r.getMessage() for r in caplog.records), 10)
    [kept] = oauth_world.installations()
    assert (kept.id, kept.team_id, kept.bot_token_encrypted) == (
        installed.id,
        installed.team_id,
        installed.bot_token_encrypted,
    )


def test_uninstalling_the_app_forgets_the_installation(oauth_world: OAuthWorld) -> None:
    oauth_world.install()
    assert len(oauth_world.installations()) == 1

    response = oauth_world.send(event({"type": "app_uninstalled"}, TEAM))

    assert response.status_code == 200
    assert wait_until(lambda: oauth_world.installations() == [])


# --- reading a post's votes back with the installation's token ----------------------------------


def read_votes(world: OAuthWorld, message_id: str) -> dict[str, list[str]] | None:
    server = world.server.app[RUNTIME_KEY]  # type: ignore[index]
    tenant = world.server.call(server.bridges[0].tenant(TEAM))
    return world.server.call(server.reactions.reactions(tenant, message_id))  # type: ignore[no-any-return]


def test_votes_are_read_with_the_installed_token_without_the_installed_bot_itself(
    oauth_world: OAuthWorld,
) -> None:
    oauth_world.slack.bot_user_id = "U0VPMOBOT"  # what the installation records as the bot's user
    oauth_world.install()
    oauth_world.slack.react("C0CHALL", "1700000000.000100", "+1", JONAS, "U0VPMOBOT", ANNA)
    oauth_world.slack.reset()

    votes = read_votes(oauth_world, "C0CHALL:1700000000.000100")

    assert votes == {"+1": [JONAS, ANNA]}
    [asked] = oauth_world.slack.calls()
    assert (asked.method, asked.token) == ("reactions.get", BOT_TOKEN)


def test_before_install_there_are_no_votes_to_read_and_slack_is_not_asked(oauth_world: OAuthWorld) -> None:
    assert read_votes(oauth_world, "C0CHALL:1700000000.000100") is None
    assert oauth_world.slack.calls() == []
