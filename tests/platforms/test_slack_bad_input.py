"""A hostile client at /slack/events: unsigned garbage gets 401, signed garbage 400, each one log line."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from urllib.parse import quote_from_bytes

import httpx
import pytest

from tests.platforms.conftest import JONAS, TEAM, SlackWorld
from tests.platforms.slack_fakes import FORM, JSON, SlackClient, slash_command, url_verification


def quote(raw: bytes) -> bytes:
    return quote_from_bytes(raw).encode("ascii")


GARBAGE = [
    pytest.param(b"{nope", JSON, id="malformed-json"),
    pytest.param(b"[1, 2]", JSON, id="json-array"),
    pytest.param(b'"event_callback"', JSON, id="json-string"),
    pytest.param(b"", JSON, id="empty-json"),
    pytest.param(b"\xff\xfe{}", JSON, id="not-utf-8"),
    pytest.param(b"payload=%7Bnope", FORM, id="form-with-broken-payload"),
    pytest.param(b"payload=%5B1%5D", FORM, id="form-with-array-payload"),
    pytest.param(b"payload=null", FORM, id="form-with-null-payload"),
    pytest.param(b"", FORM, id="empty-form"),
    pytest.param(b"{nope", FORM, id="form-that-bolt-would-read-as-json"),
    pytest.param(b'{"type": "event_callback", "enterprise": 5}', JSON, id="fields-of-the-wrong-shape"),
    pytest.param(b'{"type": "event_callback", "authorizations": 7}', JSON, id="authorizations-not-a-list"),
    pytest.param(b'{"type": "event_callback", "event": 5}', JSON, id="event-not-an-object"),
    pytest.param(
        b"payload=" + quote(b'{"type": "block_actions", "actions": 5}'), FORM, id="actions-not-a-list"
    ),
    pytest.param(b"payload=" + quote(b'{"type": "view_submission", "view": ["x"]}'), FORM, id="view-a-list"),
    pytest.param(b"hello", "text/plain", id="text-plain"),
    pytest.param(b"<xml/>", "application/xml", id="xml"),
]


def post(world: SlackWorld, body: bytes, content_type: str, *, signed: bool) -> httpx.Response:
    signer = world.signer if signed else None
    return asyncio.run(SlackClient(world.server.url).post("/slack/events", body, content_type, signer=signer))


def assert_still_serving(world: SlackWorld) -> None:
    """A good request right after the bad one goes through bolt as usual."""
    response = world.send(url_verification("still-here"))
    assert response.status_code == 200
    assert response.json() == {"challenge": "still-here"}


def assert_one_line(caplog: pytest.LogCaptureFixture, *, says: str) -> None:
    # Only the request's own handling counts: on a loaded machine the scheduler may warn of a late tick.
    handling = ("bot.", "slack_bolt", "slack_sdk", "aiohttp")
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith(handling)]
    assert [r.name for r in warnings] == ["bot.slack.http"]
    [refusal] = warnings
    assert says in refusal.getMessage()
    assert "\n" not in refusal.getMessage()
    assert refusal.exc_info is None
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize(("body", "content_type"), GARBAGE)
def test_unsigned_garbage_gets_401_before_it_is_parsed(
    slack_world: SlackWorld, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    caplog.set_level(logging.INFO)

    response = post(slack_world, body, content_type, signed=False)

    assert response.status_code == 401
    assert response.json() == {"error": "invalid request"}
    assert_one_line(caplog, says="(401)")
    assert_still_serving(slack_world)


@pytest.mark.parametrize(("body", "content_type"), GARBAGE)
def test_signed_garbage_gets_400_saying_what_is_wrong(
    slack_world: SlackWorld, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    caplog.set_level(logging.INFO)

    response = post(slack_world, body, content_type, signed=True)

    assert response.status_code == 400
    reason = response.json()["error"]
    assert reason.startswith("malformed request: ")
    assert_one_line(caplog, says=reason.removeprefix("malformed request: "))
    assert slack_world.slack.calls() == []
    assert_still_serving(slack_world)


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"{nope", JSON, "the body is not valid JSON"),
        (b"[1, 2]", JSON, "the body is not a JSON object"),
        (b"payload=%7Bnope", FORM, "the payload field is not valid JSON"),
        (b"payload=%5B1%5D", FORM, "the payload field is not a JSON object"),
        (b"hello", "text/plain", "content type text/plain is not JSON or a form"),
        (b"\xff\xfe{}", JSON, "the body is not UTF-8"),
        (b'{"type": "event_callback", "event": "x"}', JSON, "event is not a JSON object"),
    ],
)
def test_the_400_names_the_problem(
    slack_world: SlackWorld, body: bytes, content_type: str, reason: str
) -> None:
    response = post(slack_world, body, content_type, signed=True)

    assert response.status_code == 400
    assert response.json() == {"error": f"malformed request: {reason}"}


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(
            {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"}, id="timestamp-not-a-number"
        ),
        pytest.param(
            {"X-Slack-Request-Timestamp": "١٢٣", "X-Slack-Signature": "v0=00"},
            id="timestamp-in-arabic-digits",
        ),
        pytest.param({"X-Slack-Signature": "v0=æøå"}, id="signature-not-ascii"),
    ],
)
def test_forged_signature_headers_get_401(
    slack_world: SlackWorld, caplog: pytest.LogCaptureFixture, headers: dict[str, str]
) -> None:
    caplog.set_level(logging.INFO)
    body, content_type = slash_command(TEAM, JONAS, "Budgettet")
    now = {"X-Slack-Request-Timestamp": str(int(time.time()))}
    encoded = {name: value.encode("utf-8") for name, value in {**now, **headers}.items()}

    response = httpx.post(
        slack_world.server.url + "/slack/events",
        content=body,
        headers={"Content-Type": content_type, **encoded},
        trust_env=False,
    )

    assert response.status_code == 401
    assert_one_line(caplog, says="(401)")
    assert_still_serving(slack_world)


# --- blank variables mean unset, for bolt too ------------------------------------------------------


@pytest.fixture
def blank_slack_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Empty OAuth variables (as a template's ``SLACK_CLIENT_ID=`` line leaves them) beside one workspace."""
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_REDIRECT_URI", "SLACK_SCOPES"):
        monkeypatch.setenv(name, "" if name != "SLACK_SCOPES" else "  ")


def test_blank_oauth_variables_leave_a_single_workspace_answering_everyone(
    blank_slack_variables: None, slack_world: SlackWorld
) -> None:
    response = slack_world.send(slash_command(TEAM, JONAS, "Budgettet er skredet, hvad gør jeg?"))

    assert response.status_code == 200
    assert response.json()["response_type"] == "ephemeral"
    assert "S-1" in json.dumps(response.json()["blocks"], ensure_ascii=False)
    assert slack_world.server.get("/slack/install").status_code == 404
