"""Tests of the Slack protocol kit: the fake Web API against real slack_sdk clients, the signer against the
fixture vector and SignatureVerifier, the payload builders against the fixtures, and a round trip through a
real bolt app served by aiohttp.

pytest-asyncio is not installed: async bodies run through ``asyncio.run`` inside sync tests.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import parse_qs, parse_qsl

import aiohttp
import httpx
import pytest
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond, AsyncSay
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.platforms.slack_fakes import (
    FIXTURES,
    FORM,
    JSON,
    Call,
    FakeSlackApi,
    Headers,
    SlackClient,
    SlackSigner,
    app_home_opened_event,
    app_mention_event,
    app_uninstalled_event,
    block_actions_from_message,
    block_actions_from_view,
    event,
    event_callback,
    fixture,
    global_shortcut,
    interactive,
    message_event,
    message_shortcut,
    reaction_event,
    retry_headers,
    selected_users,
    serve_web_app,
    slash_command,
    tokens_revoked_event,
    url_verification,
    view_submission,
    view_submission_from_view,
)

SECRET = "secret"
T = TypeVar("T")


def run(factory: Callable[[], Awaitable[T]]) -> T:
    """Run an async test body on a fresh event loop."""

    async def main() -> T:
        return await factory()

    return asyncio.run(main())


def client_for(fake: FakeSlackApi, token: str = "xoxb-test") -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=fake.url)


def _fake_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "FakeSlackApi"]


@pytest.fixture(autouse=True)
def _no_leftover_servers() -> Iterator[None]:
    yield
    assert not _fake_threads(), "a FakeSlackApi thread outlived its test"


@pytest.fixture
def fake() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(emails={"U1": "anne@example.dk", "U2": "bo@example.dk", "UNOMAIL": None}) as running:
        yield running


# --- the fake Web API against slack_sdk --------------------------------------------------------------


def test_post_message_is_recorded_with_its_blocks(fake: FakeSlackApi) -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Hej *Anne*"}},
        {
            "type": "actions",
            "block_id": "choice",
            "elements": [
                {
                    "type": "button",
                    "action_id": "accept",
                    "value": "42",
                    "text": {"type": "plain_text", "text": "Ja"},
                }
            ],
        },
    ]

    async def body() -> list[Any]:
        client = client_for(fake)
        first = await client.chat_postMessage(channel="C123", text="Hej Anne", blocks=blocks)
        second = await client.chat_postMessage(channel="U1", text="DM")
        return [first, second]

    first, second = run(body)
    call = fake.last("chat.postMessage")
    assert [c.params["channel"] for c in fake.calls("chat.postMessage")] == ["C123", "U1"]
    posted = fake.calls("chat.postMessage")[0]
    assert posted.params["blocks"] == blocks
    assert posted.params["text"] == "Hej Anne"
    assert posted.token == "xoxb-test"
    assert posted.headers["Authorization"] == "Bearer xoxb-test"
    assert posted.http_method == "POST"
    assert posted.path == "/api/chat.postMessage"
    assert first["ok"] is True
    assert first["channel"] == "C123"
    assert first["message"]["blocks"][1]["block_id"] == "choice"
    assert first["message"]["blocks"][0]["block_id"]  # Slack fills in missing block ids
    assert first["message"]["bot_id"] == fake.bot_id
    assert second["channel"] == "DU1"  # a user id as channel lands in the DM
    assert float(first["ts"]) < float(second["ts"])
    assert first["ts"] == "1700000000.000100"
    assert call.response == second.data


def test_a_scripted_429_surfaces_as_slack_api_error_with_retry_after(fake: FakeSlackApi) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=7)

    async def body() -> tuple[SlackApiError, Any]:
        client = client_for(fake)
        with pytest.raises(SlackApiError) as caught:
            await client.chat_postMessage(channel="C1", text="hej")
        return caught.value, await client.chat_postMessage(channel="C1", text="igen")

    error, retried = run(body)
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "7"
    assert error.response["error"] == "ratelimited"
    assert retried["ok"] is True
    calls = fake.calls("chat.postMessage")
    assert [call.status for call in calls] == [429, 200]  # failed calls are recorded too
    assert not calls[0].ok
    assert calls[1].ok


@pytest.mark.parametrize("code", ["channel_not_found", "not_in_channel", "account_inactive"])
def test_a_scripted_error_surfaces_as_slack_api_error(fake: FakeSlackApi, code: str) -> None:
    fake.fail_next("chat.postMessage", error=code, times=2)

    async def body() -> list[SlackApiError]:
        client = client_for(fake)
        errors = []
        for _ in range(2):
            with pytest.raises(SlackApiError) as caught:
                await client.chat_postMessage(channel="C1", text="hej")
            errors.append(caught.value)
        await client.chat_postMessage(channel="C1", text="now it works")
        return errors

    errors = run(body)
    assert [e.response.status_code for e in errors] == [200, 200]
    assert [e.response["error"] for e in errors] == [code, code]
    assert [call.ok for call in fake.calls("chat.postMessage")] == [False, False, True]


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_surfaces_with_its_status(fake: FakeSlackApi, status: int) -> None:
    fake.fail_next("users.info", status=status)

    async def body() -> SlackApiError:
        with pytest.raises(SlackApiError) as caught:
            await client_for(fake).users_info(user="U1")
        return caught.value

    error = run(body)
    assert error.response.status_code == status
    assert "Retry-After" not in error.response.headers  # only 429s carry Retry-After
    assert fake.last("users.info").status == status


def test_users_info_answers_the_configured_email(fake: FakeSlackApi) -> None:
    async def body() -> tuple[Any, Any, SlackApiError, Any]:
        client = client_for(fake)
        anne = await client.users_info(user="U1")
        hidden = await client.users_info(user="UNOMAIL")
        with pytest.raises(SlackApiError) as caught:
            await client.users_info(user="U404")
        by_email = await client.users_lookupByEmail(email="BO@example.dk")
        return anne, hidden, caught.value, by_email

    anne, hidden, missing, by_email = run(body)
    assert anne["user"]["id"] == "U1"
    assert anne["user"]["profile"]["email"] == "anne@example.dk"
    assert "email" not in hidden["user"]["profile"]
    assert missing.response["error"] == "user_not_found"
    assert by_email["user"]["id"] == "U2"
    assert fake.last("users.info").http_method == "GET"
    assert fake.last("users.info").params == {"user": "U404"}


# slack_sdk 3.48 still builds aiohttp.BasicAuth for oauth.v2.access
@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
def test_oauth_v2_access_answers_a_realistic_v2_response(fake: FakeSlackApi) -> None:
    async def body() -> Any:
        return await AsyncWebClient(base_url=fake.url).oauth_v2_access(
            client_id="111.222",
            client_secret="shh",
            code="the-code",
            redirect_uri="https://vpmo.dk/slack/oauth",
        )

    answer = run(body)
    assert answer["ok"] is True
    assert answer["access_token"].startswith("xoxb-")
    assert answer["token_type"] == "bot"
    assert "chat:write" in answer["scope"].split(",")
    assert answer["bot_user_id"] == fake.bot_user_id
    assert answer["app_id"] == fake.app_id
    assert answer["team"] == {"id": fake.team_id, "name": fake.team_name}
    assert answer["enterprise"] is None
    assert answer["authed_user"] == {"id": fake.installer_user_id}
    assert answer["is_enterprise_install"] is False
    call = fake.last("oauth.v2.access")
    assert call.basic_auth == ("111.222", "shh")
    assert call.params["code"] == "the-code"
    assert call.headers["content-type"].startswith(FORM)


def test_auth_test_and_per_token_teams() -> None:
    with FakeSlackApi(team_id="TAAA", tokens={"xoxb-a": "TAAA", "xoxb-b": "TBBB"}) as fake:

        async def body() -> tuple[Any, Any, SlackApiError]:
            a = await client_for(fake, "xoxb-a").auth_test()
            b = await client_for(fake, "xoxb-b").auth_test()
            with pytest.raises(SlackApiError) as caught:
                await client_for(fake, "xoxb-stolen").chat_postMessage(channel="C1", text="x")
            return a, b, caught.value

        a, b, bad = run(body)
    assert a["team_id"] == "TAAA"
    assert b["team_id"] == "TBBB"
    assert {"url", "team", "user_id", "bot_id"} <= a.data.keys()
    assert bad.response["error"] == "invalid_auth"


def test_the_other_methods_answer_like_slack(fake: FakeSlackApi) -> None:
    view = {
        "type": "modal",
        "callback_id": "ask",
        "title": {"type": "plain_text", "text": "Spørg"},
        "blocks": [],
    }

    async def body() -> dict[str, Any]:
        client = client_for(fake)
        return {
            "update": await client.chat_update(channel="C1", ts="1700000000.000100", text="ny"),
            "ephemeral": await client.chat_postEphemeral(channel="C1", user="U1", text="kun dig"),
            "open": await client.conversations_open(users="U1"),
            "views.open": await client.views_open(trigger_id="1.2.3", view=view),
            "views.update": await client.views_update(view_id="V9", view=view),
            "views.publish": await client.views_publish(user_id="U1", view={"type": "home", "blocks": []}),
            "reaction": await client.reactions_add(channel="C1", timestamp="1.2", name="white_check_mark"),
            "socket": await AsyncWebClient(token="xapp-1", base_url=fake.url).apps_connections_open(
                app_token="xapp-1"
            ),
            "other": await client.api_call("conversations.members", params={"channel": "C1"}),
        }

    answers = run(body)
    assert answers["update"]["ts"] == "1700000000.000100"
    assert answers["ephemeral"]["message_ts"]
    assert answers["open"]["channel"]["id"] == "DU1"
    assert answers["views.open"]["view"]["id"].startswith("V")
    assert answers["views.open"]["view"]["callback_id"] == "ask"
    assert answers["views.update"]["view"]["id"] == "V9"
    assert answers["views.publish"]["view"]["type"] == "home"
    assert answers["reaction"]["ok"] is True
    assert answers["socket"]["url"].startswith("ws://127.0.0.1:")
    assert answers["other"].data == {"ok": True}
    assert fake.last("conversations.open").params["users"] == "U1"


def test_reactions_get_answers_slacks_shape_for_a_posted_message(fake: FakeSlackApi) -> None:
    async def body() -> Any:
        client = client_for(fake)
        posted = await client.chat_postMessage(channel="C7", text="U-7")
        await client.reactions_add(channel="C7", timestamp=posted["ts"], name="+1")
        fake.react("C7", posted["ts"], "+1", "U1", "U2")
        fake.react("C7", posted["ts"], "eyes", "U2")
        fake.unreact("C7", posted["ts"], "eyes", "U2")
        return posted["ts"], await client.reactions_get(channel="C7", timestamp=posted["ts"], full=True)

    ts, answer = run(body)
    assert (answer["ok"], answer["type"], answer["channel"]) == (True, "message", "C7")
    message = answer["message"]
    assert (message["ts"], message["text"], message["user"]) == (ts, "U-7", fake.bot_user_id)
    assert message["reactions"] == [{"name": "+1", "users": [fake.bot_user_id, "U1", "U2"], "count": 3}]
    assert message["permalink"].endswith(f"/archives/C7/p{ts.replace('.', '')}")


def test_reactions_get_refuses_what_slack_would_not_find(fake: FakeSlackApi) -> None:
    fake.add_channel("C8", private=True)

    async def body() -> list[str]:
        client = client_for(fake)
        errors = []
        for params in ({"channel": "C7", "timestamp": "1.2"}, {"channel": "C8", "timestamp": "1.2"}, {}):
            try:
                await client.api_call("reactions.get", http_verb="GET", params=params)
            except SlackApiError as error:
                errors.append(error.response["error"])
        return errors

    assert run(body) == ["message_not_found", "channel_not_found", "no_item_specified"]


def test_conversations_info_and_join_keep_the_bots_membership(fake: FakeSlackApi) -> None:
    async def body() -> list[Any]:
        client = client_for(fake)
        return [
            await client.conversations_info(channel="C7"),
            await client.conversations_join(channel="C7"),
            await client.conversations_join(channel="C7"),
            await client.conversations_info(channel="C7"),
        ]

    before, joined, again, after = run(body)
    assert (before["channel"]["is_member"], after["channel"]["is_member"]) == (False, True)
    assert joined["channel"]["is_member"] is True
    assert "warning" not in joined
    assert again["warning"] == "already_in_channel"
    assert again["response_metadata"] == {"warnings": ["already_in_channel"]}
    assert before["channel"]["is_private"] is False
    assert fake.is_member("C7")


@pytest.mark.parametrize(
    ("channel", "info", "join", "post"),
    [
        ({"private": True}, "channel_not_found", "channel_not_found", "channel_not_found"),
        ({"private": True, "member": True}, None, "method_not_supported_for_channel_type", None),
        ({"archived": True}, None, "is_archived", "is_archived"),
    ],
)
def test_private_and_archived_channels_refuse_as_slack_does(
    fake: FakeSlackApi, channel: dict[str, bool], info: str | None, join: str | None, post: str | None
) -> None:
    fake.add_channel("C9", "hemmelig", **channel)

    async def attempt(call: Callable[[], Awaitable[Any]]) -> str | None:
        try:
            await call()
        except SlackApiError as error:
            return str(error.response["error"])
        return None

    async def body() -> list[str | None]:
        client = client_for(fake)
        return [
            await attempt(lambda: client.conversations_info(channel="C9")),
            await attempt(lambda: client.conversations_join(channel="C9")),
            await attempt(lambda: client.chat_postMessage(channel="C9", text="hej")),
        ]

    assert run(body) == [info, join, post]


def test_form_bodies_get_params_and_answer_overrides(fake: FakeSlackApi) -> None:
    fake.answer("conversations.members", {"ok": True, "members": ["U1", "U2"]})
    fake.answer("reactions.get", lambda params: {"ok": True, "channel": params["channel"]})

    async def body() -> tuple[Any, Any]:
        client = client_for(fake)
        await client.api_call(
            "chat.postMessage", data={"channel": "C1", "blocks": json.dumps([{"type": "divider"}])}
        )
        members = await client.api_call("conversations.members", params={"channel": "C1"})
        reactions = await client.api_call("reactions.get", http_verb="GET", params={"channel": "C7"})
        return members, reactions

    members, reactions = run(body)
    assert fake.last("chat.postMessage").params["blocks"] == [{"type": "divider"}]  # JSON field decoded
    assert members["members"] == ["U1", "U2"]
    assert reactions["channel"] == "C7"
    fake.reset()
    assert fake.calls() == []


def test_response_url_is_recorded(fake: FakeSlackApi) -> None:
    async def body() -> tuple[int, str]:
        response = await AsyncWebhookClient(fake.response_url("cmd-1")).send(
            text="Tak!", response_type="ephemeral"
        )
        return response.status_code, response.body

    status, text = run(body)
    assert (status, text) == (200, "ok")
    call = fake.last("response_url")
    assert call.params == {"text": "Tak!", "response_type": "ephemeral"}
    assert call.path == "/response_url/cmd-1"


def test_files_upload_v2_stays_on_the_fake(fake: FakeSlackApi) -> None:
    async def body() -> Any:
        return await client_for(fake).files_upload_v2(channel="C1", content="a;b\n1;2\n", filename="kpi.csv")

    assert run(body)["ok"] is True
    assert fake.last("file_upload").body == b"a;b\n1;2\n"
    assert fake.last("files.completeUploadExternal").ok


def test_wait_for_from_another_thread_and_its_timeout(fake: FakeSlackApi) -> None:
    def bot() -> None:
        time.sleep(0.05)
        asyncio.run(client_for(fake).chat_postMessage(channel="C1", text="senere"))

    worker = threading.Thread(target=bot)
    worker.start()
    calls = fake.wait_for("chat.postMessage", timeout=5)
    worker.join()
    assert [call.params["text"] for call in calls] == ["senere"]
    with pytest.raises(AssertionError, match=r"1 views\.open call\(s\), got 0; recorded: chat\.postMessage"):
        fake.wait_for("views.open", timeout=0.05)


def test_wait_for_refuses_to_block_a_running_loop(fake: FakeSlackApi) -> None:
    async def body() -> None:
        with pytest.raises(RuntimeError, match="wait_for_async"):
            fake.wait_for("chat.postMessage")
        with pytest.raises(AssertionError):
            await fake.wait_for_async("chat.postMessage", timeout=0.05)

    run(body)


def test_lifecycle_leaves_nothing_running() -> None:
    fake = FakeSlackApi()
    with pytest.raises(RuntimeError, match="not running"):
        _ = fake.url
    with fake:
        assert fake.running
        assert fake.url == f"http://127.0.0.1:{fake.port}/api/"
        port = fake.port
        httpx.post(f"{fake.url}api.test", trust_env=False)
    assert not fake.running
    assert not _fake_threads()
    assert fake.calls("api.test")  # the record outlives the server
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"http://127.0.0.1:{port}/api/api.test", trust_env=False)
    fake.stop()  # idempotent
    with fake:  # restartable
        assert fake.running


def test_stop_does_not_wait_for_open_keep_alive_or_slow_requests() -> None:
    fake = FakeSlackApi(latency=0.05).start()

    async def body() -> BaseException | None:
        session = aiohttp.ClientSession()
        client = AsyncWebClient(token="xoxb-test", base_url=fake.url, session=session)
        try:
            await client.chat_postMessage(channel="C1", text="hej")  # leaves a keep-alive connection
            fake.latency = 3600.0  # a request stop would have to wait an hour for
            slow = asyncio.ensure_future(client.chat_postMessage(channel="C1", text="langsom"))
            async with asyncio.timeout(30):  # fails a fake that never sees the request
                while fake.arrived < 2:
                    await asyncio.sleep(0.005)
            # Only a stuck stop makes this time out: waiting for the slow request would take an hour.
            await asyncio.wait_for(asyncio.to_thread(fake.stop), 60)
            try:
                await slow
            except Exception as error:  # the connection was closed under it
                return error
            return None
        finally:
            await session.close()

    cut_off = run(body)

    assert not fake.running
    assert cut_off is not None  # the slow request was not answered: stop did not wait for it
    assert not fake.running


def test_response_url_failures_are_scripted_too(fake: FakeSlackApi) -> None:
    fake.fail_next("response_url", status=404, error="expired_url")

    async def body() -> tuple[int, str]:
        response = await AsyncWebhookClient(fake.response_url()).send(text="for sent")
        return response.status_code, response.body

    assert run(body) == (404, "expired_url")
    assert fake.last("response_url").status == 404


# --- signing -----------------------------------------------------------------------------------------


class _FixedClock(Clock):
    def __init__(self, now: float) -> None:
        self.moment = now

    def now(self) -> float:
        return self.moment


def test_the_signature_of_the_fixture_vector_is_reproduced_exactly() -> None:
    vector = fixture("signature_test_vector.json")
    raw = (FIXTURES / "slash_command.form.txt").read_bytes().rstrip(b"\n")
    assert raw.decode() == vector["body"]
    signer = SlackSigner(vector["signing_secret"])
    headers = signer.headers(raw, timestamp=vector["x-slack-request-timestamp"])
    assert headers == {
        "X-Slack-Request-Timestamp": vector["x-slack-request-timestamp"],
        "X-Slack-Signature": vector["x-slack-signature"],
    }
    verifier = SignatureVerifier(
        vector["signing_secret"], clock=_FixedClock(int(vector["x-slack-request-timestamp"]))
    )
    assert verifier.is_valid_request(raw, headers)


def test_signatures_verify_now_and_go_stale_after_five_minutes() -> None:
    signer = SlackSigner(SECRET)
    body, _ = slash_command("T111", "U1", "æøå")
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid_request(body, signer.headers(body))
    assert not verifier.is_valid_request(body, signer.headers(body, timestamp=int(time.time()) - 301))
    assert not verifier.is_valid_request(body + b"x", signer.headers(body))
    assert not SignatureVerifier("other").is_valid_request(body, signer.headers(body))


# --- payload builders --------------------------------------------------------------------------------


def test_slash_command_encodes_like_the_fixture() -> None:
    body, content_type = slash_command(
        "T111",
        "W111",
        "Hi",
        command="/hello-world",
        response_url="https://hooks.slack.com/commands/T111/111/xxxxx",
        trigger_id="111.111.xxx",
        channel_id="C111",
        channel_name="random",
        user_name="primary-owner",
        team_domain="test-domain",
        enterprise_id="E111",
        enterprise_name="Org Name",
        api_app_id=None,
        is_enterprise_install=None,
    )
    assert content_type == FORM
    assert body == (FIXTURES / "slash_command.form.txt").read_bytes().rstrip(b"\n")
    assert dict(parse_qsl(body.decode())) == fixture("slash_command.json")
    defaults = dict(parse_qsl(slash_command("T1", "U1", "hjælp til budget")[0].decode()))
    assert defaults["command"] == "/sparring"
    assert defaults["text"] == "hjælp til budget"
    assert defaults["api_app_id"] == "A111"
    assert defaults["response_url"].startswith("http://127.0.0.1:")


def test_interactive_and_event_encodings() -> None:
    payload = message_shortcut(
        "ask", "Hvad med æøå?", "U1", "T111", "C1", "1.2", "http://127.0.0.1:9/x", "t.1"
    )
    body, content_type = interactive(payload)
    assert content_type == FORM
    assert list(parse_qs(body.decode())) == ["payload"]
    assert json.loads(parse_qs(body.decode())["payload"][0]) == payload
    assert fixture("shortcut_message_action.json").keys() - payload.keys() == set()

    reaction = reaction_event("U1", "+1", "C1", "1700000000.000100")
    raw, content_type = event(reaction, "T111", "Ev1")
    envelope = json.loads(raw)
    assert content_type == JSON
    assert envelope["type"] == "event_callback"
    assert envelope["event"] == reaction
    assert envelope["event_id"] == "Ev1"
    assert envelope["authorizations"][0] == {
        "enterprise_id": None,
        "team_id": "T111",
        "user_id": "UBOT",
        "is_bot": True,
        "is_enterprise_install": False,
    }
    assert fixture("event_reaction_removed.json").keys() <= envelope.keys()
    assert fixture("event_reaction_removed.json")["event"]["item"].keys() >= reaction["item"].keys()
    assert json.loads(url_verification("abc")[0]) == {**fixture("url_verification.json"), "challenge": "abc"}
    assert json.loads(url_verification()[0]) == fixture("url_verification.json")


def test_view_submission_shapes_state_values_like_slack() -> None:
    payload = view_submission(
        "ask",
        {
            "question": {"text": "Budget?"},
            "who": {"people": selected_users(["U1", "U2"])},
            "opt": {"note": None},
        },
        "U1",
        "T111",
        private_metadata='{"request": 7}',
    )
    assert payload.keys() >= fixture("view_submission.json").keys()
    assert payload["view"].keys() >= fixture("view_submission.json")["view"].keys()
    assert payload["view"]["state"]["values"] == {
        "question": {"text": {"type": "plain_text_input", "value": "Budget?"}},
        "who": {"people": {"type": "multi_users_select", "selected_users": ["U1", "U2"]}},
        "opt": {"note": {"type": "plain_text_input", "value": None}},
    }
    assert payload["view"]["private_metadata"] == '{"request": 7}'


# Each builder against its fixture: every key the fixture has (at any depth of nested objects) is in the
# builder's output, except the enterprise keys dropped for a workspace outside a Grid, and the values the
# test named are where Slack puts them.
_ENTERPRISE = {"enterprise_id", "team.enterprise_id", "team.enterprise_name"}


def _paths(data: Any, prefix: str = "") -> set[str]:
    if not isinstance(data, dict):
        return set()
    found = set()
    for key, value in data.items():
        found |= {prefix + key} | _paths(value, f"{prefix}{key}.")
    return found


def _at(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data[int(key)] if isinstance(data, list) else data[key]
    return data


def _posted_message() -> Call:
    button = {
        "type": "button",
        "action_id": "accept",
        "value": "req-7",
        "text": {"type": "plain_text", "text": "Ja"},
    }
    answer = {"ok": True, "channel": "D0JONAS", "ts": "1700000000.000200"}
    answer["message"] = {
        "type": "message",
        "ts": answer["ts"],
        "blocks": [{"type": "actions", "elements": [button]}],
    }
    return Call(
        "chat.postMessage",
        {"channel": "U0JONAS", "blocks": answer["message"]["blocks"]},
        Headers(),
        0.0,
        response=answer,
    )


def _published_view() -> Call:
    blocks = [{"type": "actions", "block_id": "b", "elements": [{"type": "button", "action_id": "mine"}]}]
    view = {
        "id": "V0HOME",
        "team_id": "T0TEAM",
        "type": "home",
        "blocks": blocks,
        "app_id": "A111",
        "bot_id": "B111",
    }
    return Call("views.publish", {"view": view}, Headers(), 0.0, response={"ok": True, "view": view})


BUILT_FROM_FIXTURES: dict[str, tuple[Callable[[], dict[str, Any]], str, set[str], dict[str, Any]]] = {
    # name: (build, fixture[:part], fixture paths (and what is under them) not expected, filled-in values)
    "message_event": (
        lambda: message_event(
            "U0JONAS", "status <@UBOT>", "D0JONAS", ts="1700000000.000100", team_id="T0TEAM"
        ),
        "socket_mode_events_api_retry.json:payload.event",
        set(),
        {
            "text": "status <@UBOT>",
            "user": "U0JONAS",
            "channel": "D0JONAS",
            "ts": "1700000000.000100",
            "event_ts": "1700000000.000100",
            "team": "T0TEAM",
            "channel_type": "im",
            "blocks.0.elements.0.elements": [
                {"type": "text", "text": "status "},
                {"type": "user", "user_id": "UBOT"},
            ],
        },
    ),
    "app_mention_event": (
        lambda: app_mention_event("U0JONAS", "<@UBOT> hjælp", "C0PROJ", ts="1.2", team_id="T0TEAM"),
        "event_app_mention.json:event",
        set(),
        {
            "type": "app_mention",
            "text": "<@UBOT> hjælp",
            "user": "U0JONAS",
            "channel": "C0PROJ",
            "ts": "1.2",
            "event_ts": "1.2",
            "team": "T0TEAM",
        },
    ),
    "reaction_added": (
        lambda: reaction_event("U0JONAS", "+1", "C0PROJ", "1.2", event_ts="1.3"),
        "event_reaction_added.json:event",
        set(),
        {
            "type": "reaction_added",
            "user": "U0JONAS",
            "reaction": "+1",
            "item.channel": "C0PROJ",
            "item.ts": "1.2",
            "item_user": "UBOT",
            "event_ts": "1.3",
        },
    ),
    "reaction_removed": (
        lambda: reaction_event("U0JONAS", "+1", "D0JONAS", "1.2", added=False),
        "event_reaction_removed.json:event",
        set(),
        {"type": "reaction_removed", "item.channel": "D0JONAS", "item.channel_type": "im"},
    ),
    "app_home_opened_event": (
        lambda: app_home_opened_event("U0JONAS"),
        "event_app_home_opened.json:event",
        set(),
        {"type": "app_home_opened", "user": "U0JONAS", "channel": "DU0JONAS", "tab": "home"},
    ),
    "tokens_revoked_event": (
        lambda: tokens_revoked_event(bot=["UBOT"]),
        "event_tokens_revoked.json:event",
        set(),
        {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}},
    ),
    "event_callback": (
        lambda: event_callback(
            message_event("U0JONAS", "status", "C0PROJ", channel_type="channel"), "T0TEAM", "Ev1"
        ),
        "socket_mode_events_api_retry.json:payload",
        set(),
        {
            "type": "event_callback",
            "team_id": "T0TEAM",
            "event_id": "Ev1",
            "event.text": "status",
            "authorizations.0.team_id": "T0TEAM",
            "authorizations.0.user_id": "UBOT",
            "authorizations.0.enterprise_id": None,
            "event_context": "1-message-T0TEAM-C0PROJ",
        },
    ),
    "event_callback in a Grid": (
        lambda: event_callback(app_home_opened_event("W0JONAS"), "T0TEAM", enterprise_id="E0ORG"),
        "event_app_home_opened.json",
        {"authorizations.team_id"},  # an org-wide install; ours is installed in the workspace
        {
            "enterprise_id": "E0ORG",
            "authorizations.0.enterprise_id": "E0ORG",
            "authorizations.0.team_id": "T0TEAM",
        },
    ),
    "block_actions_from_message": (
        lambda: block_actions_from_message(
            _posted_message(), "accept", "U0JONAS", "T0TEAM", trigger_id="t.1"
        ),
        "block_actions.json",
        _ENTERPRISE,
        {
            "user.id": "U0JONAS",
            "user.team_id": "T0TEAM",
            "team.id": "T0TEAM",
            "trigger_id": "t.1",
            "container.channel_id": "D0JONAS",
            "container.message_ts": "1700000000.000200",
            "container.is_ephemeral": False,
            "channel": {"id": "D0JONAS", "name": "directmessage"},
            "actions.0.action_id": "accept",
            "actions.0.value": "req-7",
            "actions.0.type": "button",
            "message.ts": "1700000000.000200",
            "is_enterprise_install": False,
            "enterprise": None,
        },
    ),
    "block_actions_from_view": (
        lambda: block_actions_from_view(_published_view(), "mine", "U0JONAS"),
        "block_actions.json",
        _ENTERPRISE
        | {"channel", "channel.id", "channel.name", "response_url"}
        | {"container.message_ts", "container.channel_id", "container.is_ephemeral"},
        {
            "user.id": "U0JONAS",
            "team.id": "T0TEAM",
            "container": {"type": "view", "view_id": "V0HOME"},
            "view.type": "home",
            "actions.0.action_id": "mine",
            "actions.0.block_id": "b",
        },
    ),
    "view_submission": (
        lambda: view_submission(
            "ask", {"q": {"text": "Budget?"}}, "U0JONAS", "T0TEAM", "req-7", trigger_id="t.2"
        ),
        "view_submission.json",
        _ENTERPRISE | {"view.state.values.hspI"},  # keyed by the fixture's own block id
        {
            "user.id": "U0JONAS",
            "team.id": "T0TEAM",
            "trigger_id": "t.2",
            "view.callback_id": "ask",
            "view.private_metadata": "req-7",
            "view.team_id": "T0TEAM",
            "view.title.text": "vpmo",
            "view.state.values": {"q": {"text": {"type": "plain_text_input", "value": "Budget?"}}},
            "view.blocks.0.block_id": "q",
            "view.blocks.0.element.action_id": "text",
        },
    ),
    "message_shortcut": (
        lambda: message_shortcut(
            "ask", "Hvad med <@U0SOD>?", "U0JONAS", "T0TEAM", "C0PROJ", "1.2", trigger_id="t.3"
        ),
        "shortcut_message_action.json",
        _ENTERPRISE,
        {
            "callback_id": "ask",
            "user": {"id": "U0JONAS", "name": "u0jonas"},
            "team.id": "T0TEAM",
            "channel.id": "C0PROJ",
            "message_ts": "1.2",
            "message.ts": "1.2",
            "message.text": "Hvad med <@U0SOD>?",
            "message.user": "U0JONAS",
            "trigger_id": "t.3",
            "message.blocks.0.elements.0.elements.1": {"type": "user", "user_id": "U0SOD"},
        },
    ),
    "global_shortcut": (
        lambda: global_shortcut("new", "U0JONAS", "T0TEAM", "t.4"),
        "shortcut_global.json",
        _ENTERPRISE,
        {
            "callback_id": "new",
            "user": {"id": "U0JONAS", "username": "u0jonas", "team_id": "T0TEAM"},
            "team": {"id": "T0TEAM", "domain": "vpmo-test"},
            "trigger_id": "t.4",
        },
    ),
}


@pytest.mark.parametrize("name", list(BUILT_FROM_FIXTURES))
def test_each_builder_has_its_fixtures_shape_and_the_values_filled_in(name: str) -> None:
    build, source, not_expected, filled = BUILT_FROM_FIXTURES[name]
    file, _, part = source.partition(":")
    shape = _at(fixture(file), part) if part else fixture(file)
    built = build()
    expected = {
        path for path in _paths(shape) if not any(path == p or path.startswith(p + ".") for p in not_expected)
    }
    assert expected - _paths(built) == set()
    assert {path: _at(built, path) for path in filled} == filled


def test_the_builders_hand_out_fresh_copies_of_their_fixtures() -> None:
    first = message_event("U1", "a", "D1")
    first["blocks"][0]["elements"].clear()
    assert message_event("U1", "a", "D1")["blocks"][0]["elements"]
    assert fixture("socket_mode_events_api_retry.json")["payload"]["event"]["text"] == "<@W111>"


def test_app_uninstalled_is_hand_built_for_want_of_a_fixture() -> None:
    assert not list(FIXTURES.glob("*uninstall*"))
    assert app_uninstalled_event() == {"type": "app_uninstalled"}


def _posted(fake: FakeSlackApi, blocks: list[dict[str, Any]]) -> Call:
    run(lambda: client_for(fake).chat_postMessage(channel="C1", text="fallback", blocks=blocks))
    return fake.last("chat.postMessage")


def test_block_actions_from_a_posted_message(fake: FakeSlackApi) -> None:
    button = {
        "type": "button",
        "action_id": "accept",
        "value": "req-7",
        "text": {"type": "plain_text", "text": "Ja"},
    }
    select = {
        "type": "static_select",
        "action_id": "when",
        "options": [{"text": {"type": "plain_text", "text": "I morgen"}, "value": "tomorrow"}],
    }
    posted = _posted(
        fake,
        [
            {"type": "section", "text": {"type": "mrkdwn", "text": "?"}, "accessory": button},
            {"type": "actions", "elements": [select]},
        ],
    )
    payload = block_actions_from_message(posted, "accept", "U2", "T111", fake.response_url("b"))
    action = payload["actions"][0]
    assert payload.keys() >= fixture("block_actions.json").keys()
    assert (action["action_id"], action["value"], action["type"]) == ("accept", "req-7", "button")
    assert action["block_id"] == posted.response["message"]["blocks"][0]["block_id"]
    assert payload["container"] == {
        "type": "message",
        "message_ts": posted.response["ts"],
        "channel_id": "C1",
        "is_ephemeral": False,
    }
    assert payload["message"]["blocks"] == posted.response["message"]["blocks"]
    assert payload["response_url"] == fake.response_url("b")
    chosen = block_actions_from_message(posted, "when", "U2", "T111", selected_value="tomorrow")
    assert chosen["actions"][0]["selected_option"]["value"] == "tomorrow"
    with pytest.raises(LookupError, match="accept"):
        block_actions_from_message(posted, "decline", "U2", "T111")


# --- a real bolt app behind aiohttp ------------------------------------------------------------------


def bolt_web_app(app: AsyncApp, path: str = "/slack/events") -> web.Application:
    """Serve a bolt app with aiohttp, the way slack_bolt's own aiohttp server does."""

    async def handle(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post(path, handle)
    return web_app


def sparring_app(fake: FakeSlackApi, seen: dict[str, Any]) -> AsyncApp:
    app = AsyncApp(signing_secret=SECRET, token="xoxb-test", client=client_for(fake))

    @app.command("/sparring")
    async def sparring(
        ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        await client.chat_postMessage(
            channel=command["user_id"],
            text=f"Du spurgte: {command['text']}",
            blocks=[
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "accept",
                            "value": "req-1",
                            "text": {"type": "plain_text", "text": "Ja"},
                        }
                    ],
                }
            ],
        )
        await client.views_open(
            trigger_id=command["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "ask",
                "private_metadata": "req-1",
                "title": {"type": "plain_text", "text": "Spørg"},
                "blocks": [
                    {
                        "type": "input",
                        "block_id": "q",
                        "label": {"type": "plain_text", "text": "?"},
                        "element": {"type": "plain_text_input", "action_id": "text"},
                    }
                ],
            },
        )
        await respond("Modtaget")

    @app.action("accept")
    async def accept(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await respond(f"Accepteret {body['actions'][0]['value']}")

    @app.view("ask")
    async def ask(ack: AsyncAck, view: dict[str, Any]) -> None:
        seen["submitted"] = (view["private_metadata"], view["state"]["values"]["q"]["text"]["value"])
        await ack()

    @app.event("app_mention")
    async def mention(event: dict[str, Any], request: AsyncBoltRequest, say: AsyncSay) -> None:
        seen.setdefault("retries", []).append(request.headers.get("x-slack-retry-num"))
        await say(f"Hej <@{event['user']}>")

    return app


def test_bolt_round_trip_with_signed_requests(fake: FakeSlackApi) -> None:
    signer = SlackSigner(SECRET)
    seen: dict[str, Any] = {}

    async def body() -> dict[str, int]:
        statuses: dict[str, int] = {}
        async with serve_web_app(bolt_web_app(sparring_app(fake, seen))) as base, SlackClient(base) as slack:
            command = slash_command("T111", "U1", "budget", response_url=fake.response_url("cmd"))
            statuses["command"] = (await slack.send("/slack/events", command, signer=signer)).status_code
            await fake.wait_for_async("response_url")

            click = block_actions_from_message(
                fake.last("chat.postMessage"), "accept", "U1", "T111", fake.response_url("click")
            )
            statuses["click"] = (
                await slack.send("/slack/events", interactive(click), signer=signer)
            ).status_code
            await fake.wait_for_async("response_url", count=2)

            submit = view_submission_from_view(fake.last("views.open"), {"q": {"text": "Hvordan?"}}, "U1")
            response = await slack.send("/slack/events", interactive(submit), signer=signer)
            statuses["submit"] = response.status_code

            mention = event(app_mention_event("U1", "<@UBOT> hej", "C1"), "T111", "Ev42")
            statuses["event"] = (await slack.send("/slack/events", mention, signer=signer)).status_code
            retry = await slack.send("/slack/events", mention, signer=signer, headers=retry_headers(1))
            statuses["retry"] = retry.status_code
            await fake.wait_for_async("chat.postMessage", count=3)

            challenge = await slack.send("/slack/events", url_verification("c-1"), signer=signer)
            statuses["challenge"] = challenge.status_code
            assert challenge.json() == {"challenge": "c-1"}
        return statuses

    statuses = run(body)
    assert statuses == dict.fromkeys(["command", "click", "submit", "event", "retry", "challenge"], 200)
    dm = fake.calls("chat.postMessage")[0]
    assert dm.params["channel"] == "U1"
    assert dm.params["text"] == "Du spurgte: budget"
    assert fake.last("auth.test").token == "xoxb-test"  # bolt verified its token against the fake
    assert [call.params["text"] for call in fake.calls("response_url")] == ["Modtaget", "Accepteret req-1"]
    assert [call.path for call in fake.calls("response_url")] == ["/response_url/cmd", "/response_url/click"]
    assert seen["submitted"] == ("req-1", "Hvordan?")
    assert seen["retries"] == [None, ["1"]]  # bolt does not de-duplicate redeliveries
    assert [call.params["channel"] for call in fake.calls("chat.postMessage")[1:]] == ["C1", "C1"]


def test_bolt_rejects_bad_missing_and_stale_signatures(fake: FakeSlackApi) -> None:
    async def body() -> list[int]:
        async with serve_web_app(bolt_web_app(sparring_app(fake, {}))) as base:
            slack = SlackClient(base)
            command = slash_command("T111", "U1", "budget")
            return [
                (await slack.send("/slack/events", command, signer=SlackSigner("wrong"))).status_code,
                (await slack.send("/slack/events", command, signer=None)).status_code,
                (
                    await slack.send(
                        "/slack/events", command, signer=SlackSigner(SECRET), timestamp=int(time.time()) - 600
                    )
                ).status_code,
            ]

    assert run(body) == [401, 401, 401]
    assert fake.calls("chat.postMessage") == []


def test_block_actions_from_a_view(fake: FakeSlackApi) -> None:
    home = {
        "type": "home",
        "blocks": [
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "action_id": "mine", "text": {"type": "plain_text", "text": "Mine"}}
                ],
            }
        ],
    }
    run(lambda: client_for(fake).views_publish(user_id="U1", view=home))
    payload = block_actions_from_view(fake.last("views.publish"), "mine", "U1")
    assert payload["container"] == {
        "type": "view",
        "view_id": fake.last("views.publish").response["view"]["id"],
    }
    assert payload["view"]["type"] == "home"
    assert "response_url" not in payload
    with pytest.raises(LookupError):
        view_submission_from_view(fake.last("views.publish"), {"nope": {"x": "y"}}, "U1")
