"""The quarterly challenges on Slack, over the real protocols: reading votes back, joining the channel,
Slack's rate-limit notice, the "Indsend som udfordring" shortcut and the channel post's Block Kit.

The fake Slack Web API (tests/platforms/slack_fakes.py) keeps channels, posted messages and reactions
as state, so ``reactions.get``, ``conversations.info`` and ``conversations.join`` answer as Slack does.
Storing votes and the challenge use cases are not here: where a listener hands a command to the core,
the use case is replaced by one that records what it was given (the router is the core's).
"""

from __future__ import annotations

import asyncio
import dataclasses
import html
import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session, col, select

from bot.adapters.reactions import PlatformReactionReader
from bot.i18n import Reader, catalogue
from bot.server import RUNTIME_KEY
from bot.slack.blocks import message_payload
from bot.slack.bridge import SlackBridge
from bot.slack.messenger import SlackMessenger
from bot.slack.reactions import SlackReactionReader
from bot.slack.workspace import Workspace
from handlers import router
from handlers.challenges.commands import MAX_CHALLENGE_CHARS, SubmitChallenge, Unvote, Vote
from handlers.shared.context import ActorContext
from handlers.shared.model import OverQuota, Tenant
from handlers.shared.ports import Delivery, PermanentSendError, Sent, TransientSendError
from handlers.shared.text import Action, Message, Text, Verbatim
from storage.db import make_engine
from storage.tables import OutboxRow
from storage.uow import SqlUnitOfWorkFactory
from tests.platforms.conftest import (
    ANNA,
    BOT_TOKEN,
    JONAS,
    METTE,
    SOFIE,
    TEAM,
    SlackWorld,
    SocketWorld,
    running_socket_mode_world,
)
from tests.platforms.limits import slack_problems
from tests.platforms.scenario import wait_until
from tests.platforms.slack_fakes import (
    DEFAULT_BOT_USER_ID,
    Call,
    FakeSlackApi,
    block_actions_from_message,
    encode_json,
    event,
    interactive,
    message_event,
    message_shortcut,
)
from tests.platforms.test_slack_interactions import dms, settle

CHANNEL = "C0CHALL"  # the sample client's challenge channel
SHORTCUT = "submit_challenge"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
DANISH = Reader("da", COPENHAGEN)
NORDLYS = Tenant(
    id=1,
    slug="nordlys",
    name="Nordlys Energi A/S",
    language="da",
    timezone="Europe/Copenhagen",
    agreed_hours_per_quarter=60,
    response_hours=8,
    over_quota=OverQuota.ASK_COORDINATOR,
    slack_team_id=TEAM,
)
BIRK = Tenant(
    id=2,
    slug="birk",
    name="Birk Byg ApS",
    language="da",
    timezone="Europe/Copenhagen",
    agreed_hours_per_quarter=60,
    response_hours=8,
    over_quota=OverQuota.ASK_COORDINATOR,
    slack_team_id="T02BIRK",
)
TEAMS_ONLY = Tenant(
    id=3,
    slug="fjord",
    name="Fjord A/S",
    language="da",
    timezone="Europe/Copenhagen",
    agreed_hours_per_quarter=60,
    response_hours=8,
    over_quota=OverQuota.ASK_COORDINATOR,
    teams_tenant_id="0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
)
CHALLENGE = "Vi mangler en fælles skabelon til risikologgen, så styregruppen kan sammenligne projekterne."


def challenge_post(text: str = CHALLENGE, channel: str = CHANNEL, label: Text | None = None) -> Message:
    """Return a challenge's channel post as the core would queue it: the text quoted, a vote button."""
    vote = Action("vote:U-7", label or Text.of("button.rating", rating=Verbatim("Stem på U-7")))
    return Message((Text.of("quote", text=Verbatim(text)),), to_channel=channel, actions=(vote,), ref="U-7")


def delivery(message: Message, tenant: Tenant = NORDLYS, number: int = 1) -> Delivery:
    return Delivery(number, tenant, message, None, 0)


@pytest.fixture
def slack() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(team_id=TEAM, bot_token=BOT_TOKEN) as fake:
        yield fake


def client(fake: FakeSlackApi) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=fake.url)


def post(fake: FakeSlackApi, text: str = "U-7", channel: str = CHANNEL) -> tuple[str, str]:
    """Post a message as the bot (through the fake's chat.postMessage) and return its channel and ts."""

    async def posted() -> Any:
        return await client(fake).chat_postMessage(channel=channel, text=text)

    answer = asyncio.run(posted())
    fake.reset()  # the tests look at what came after
    return str(answer["channel"]), str(answer["ts"])


# --- 1. reading the votes back: SlackReactionReader ---------------------------------------------------


def reader_on(fake: FakeSlackApi, bot_user_id: str | None = DEFAULT_BOT_USER_ID) -> SlackReactionReader:
    async def workspace_for(tenant: Tenant) -> Workspace:
        return Workspace(client(fake), bot_user_id)

    return SlackReactionReader(workspace_for)


def read(
    reader: SlackReactionReader, message_id: str, tenant: Tenant = NORDLYS
) -> dict[str, list[str]] | None:
    return asyncio.run(reader.reactions(tenant, message_id))


def test_the_votes_on_a_post_are_read_with_full_lists_and_without_the_bots_own_reactions(
    slack: FakeSlackApi,
) -> None:
    channel, ts = post(slack)
    slack.react(channel, ts, "+1", JONAS, ANNA)
    slack.react(channel, ts, "+1::skin-tone-2", SOFIE)

    async def bot_reacts() -> None:
        # The bot seeds its post with the vote emoji (reactions.add): that is no vote.
        await client(slack).reactions_add(channel=channel, timestamp=ts, name="+1")
        await client(slack).reactions_add(channel=channel, timestamp=ts, name="eyes")

    asyncio.run(bot_reacts())

    found = read(reader_on(slack), f"{channel}:{ts}")

    assert found == {"+1": [JONAS, ANNA], "+1::skin-tone-2": [SOFIE]}
    asked = slack.last("reactions.get")
    assert (asked.http_method, asked.params) == ("GET", {"channel": channel, "timestamp": ts, "full": "1"})
    assert asked.token == BOT_TOKEN


def test_every_voter_is_read_even_where_slack_shortens_the_list_without_full(slack: FakeSlackApi) -> None:
    channel, ts = post(slack)
    voters = [f"U{n:05d}" for n in range(120)]
    slack.react(channel, ts, "thumbsup", *voters)

    async def shortened() -> Any:
        return await client(slack).reactions_get(channel=channel, timestamp=ts)

    found = read(reader_on(slack), f"{channel}:{ts}")

    assert found == {"thumbsup": voters}
    [reaction] = asyncio.run(shortened())["message"]["reactions"]
    assert (len(reaction["users"]), reaction["count"]) == (FakeSlackApi.REACTION_USERS_SHOWN, 120)


def test_a_post_nobody_reacted_to_has_no_votes(slack: FakeSlackApi) -> None:
    channel, ts = post(slack)

    assert read(reader_on(slack), f"{channel}:{ts}") == {}


def test_a_deleted_post_reads_as_gone(slack: FakeSlackApi) -> None:
    channel, ts = post(slack)
    slack.react(channel, ts, "+1", JONAS)
    slack.delete_message(channel, ts)

    assert read(reader_on(slack), f"{channel}:{ts}") is None
    assert slack.last("reactions.get").response == {"ok": False, "error": "message_not_found"}


def test_a_post_in_a_channel_the_bot_can_no_longer_see_reads_as_gone(slack: FakeSlackApi) -> None:
    slack.add_channel(CHANNEL, private=True, member=True)
    channel, ts = post(slack)
    slack.add_channel(CHANNEL, private=True, member=False)  # the bot was removed from the channel

    assert read(reader_on(slack), f"{channel}:{ts}") is None
    assert slack.last("reactions.get").response == {"ok": False, "error": "channel_not_found"}


def test_a_rate_limit_is_transient_and_carries_slacks_retry_after(slack: FakeSlackApi) -> None:
    channel, ts = post(slack)
    slack.fail_next("reactions.get", status=429, retry_after=7)

    with pytest.raises(TransientSendError) as raised:
        read(reader_on(slack), f"{channel}:{ts}")

    assert raised.value.retry_after == 7.0
    assert "rate limit" in str(raised.value)


@pytest.mark.parametrize("status", [500, 503])
def test_a_slack_outage_is_transient(slack: FakeSlackApi, status: int) -> None:
    channel, ts = post(slack)
    slack.fail_next("reactions.get", status=status)

    with pytest.raises(TransientSendError):
        read(reader_on(slack), f"{channel}:{ts}")


def test_slack_out_of_reach_is_transient() -> None:
    async def unreachable(tenant: Tenant) -> Workspace:
        # Port 9 (discard) on loopback refuses at once.
        return Workspace(AsyncWebClient(token=BOT_TOKEN, base_url="http://127.0.0.1:9/api/"), "UBOT")

    with pytest.raises(TransientSendError, match="could not be reached"):
        read(SlackReactionReader(unreachable), f"{CHANNEL}:1700000000.000100")


@pytest.mark.parametrize(
    ("code", "kind"), [("invalid_auth", PermanentSendError), ("brand_new", TransientSendError)]
)
def test_other_refusals_are_classified_as_the_messenger_classifies_them(
    slack: FakeSlackApi, code: str, kind: type[Exception]
) -> None:
    channel, ts = post(slack)
    slack.fail_next("reactions.get", error=code)

    with pytest.raises(kind):
        read(reader_on(slack), f"{channel}:{ts}")


@pytest.mark.parametrize(
    "message_id", ["19:abc@thread.tacv2", "C0CHALL", "C0CHALL:", ":1700000000.000100", ""]
)
def test_an_id_that_is_no_slack_post_reads_as_unknown_without_asking_slack(
    slack: FakeSlackApi, message_id: str
) -> None:
    assert read(reader_on(slack), message_id) is None
    assert slack.calls() == []


def test_a_workspace_the_app_is_not_installed_in_reads_as_unknown(slack: FakeSlackApi) -> None:
    async def not_installed(tenant: Tenant) -> None:
        return None

    assert read(SlackReactionReader(not_installed), f"{CHANNEL}:1700000000.000100") is None
    assert slack.calls() == []


def test_a_teams_tenant_has_no_reactions_to_read_back() -> None:
    reader = PlatformReactionReader(slack=None)

    assert asyncio.run(reader.reactions(TEAMS_ONLY, "1712345678901")) is None


def test_the_server_reads_votes_with_the_workspaces_token_and_asks_slack_once_who_the_bot_is(
    slack_world: SlackWorld,
) -> None:
    channel, ts = post(slack_world.slack)
    slack_world.slack.react(channel, ts, "+1", JONAS, DEFAULT_BOT_USER_ID)
    server = slack_world.server.app[RUNTIME_KEY]  # type: ignore[index]
    tenant = slack_world.server.call(server.bridges[0].tenant(TEAM))

    first = slack_world.server.call(server.reactions.reactions(tenant, f"{channel}:{ts}"))
    second = slack_world.server.call(server.reactions.reactions(tenant, f"{channel}:{ts}"))

    assert first == second == {"+1": [JONAS]}
    assert [call.method for call in slack_world.slack.calls()] == [
        "auth.test",
        "reactions.get",
        "reactions.get",
    ]
    assert {call.token for call in slack_world.slack.calls()} == {BOT_TOKEN}


# --- 2. joining the channel before the first post ------------------------------------------------------


def messenger_on(fake: FakeSlackApi) -> SlackMessenger:
    async def client_for(tenant: Tenant) -> AsyncWebClient:
        return client(fake)

    return SlackMessenger(client_for, pace_seconds=0)


def send_all(messenger: SlackMessenger, *deliveries: Delivery) -> list[Sent | Exception]:
    """Send the deliveries one after the other; what each gave back, or raised."""

    async def run() -> list[Sent | Exception]:
        results: list[Sent | Exception] = []
        for one in deliveries:
            try:
                results.append(await messenger.send(one))
            except (TransientSendError, PermanentSendError) as error:
                results.append(error)
        return results

    return asyncio.run(run())


def methods(fake: FakeSlackApi) -> list[str]:
    return [call.method for call in fake.calls()]


def test_before_its_first_post_in_a_public_channel_the_bot_joins_it_so_that_it_hears_the_votes(
    slack: FakeSlackApi,
) -> None:
    first, second = send_all(
        messenger_on(slack), delivery(challenge_post()), delivery(challenge_post(), number=2)
    )

    assert methods(slack) == [
        "conversations.info",
        "conversations.join",
        "chat.postMessage",
        "chat.postMessage",
    ]
    assert slack.last("conversations.join").params == {"channel": CHANNEL}
    assert slack.is_member(CHANNEL)
    posts = slack.calls("chat.postMessage")
    assert [first, second] == [Sent(f"{CHANNEL}:{call.response['ts']}") for call in posts]


def test_a_channel_the_bot_was_invited_to_is_not_joined_again(slack: FakeSlackApi) -> None:
    slack.add_channel(CHANNEL, "udfordringer", private=True, member=True)

    [sent] = send_all(messenger_on(slack), delivery(challenge_post()))

    assert isinstance(sent, Sent)
    assert methods(slack) == ["conversations.info", "chat.postMessage"]


def test_a_dm_needs_no_membership_check(slack: FakeSlackApi) -> None:
    reply = Message((Text.of("quote", text=Verbatim("modtaget")),), to_channel=JONAS)

    send_all(messenger_on(slack), delivery(reply))

    assert methods(slack) == ["conversations.open", "chat.postMessage"]


def test_membership_is_checked_once_per_tenant_and_channel(slack: FakeSlackApi) -> None:
    messenger = messenger_on(slack)

    send_all(
        messenger,
        delivery(challenge_post()),
        delivery(challenge_post(channel="C0OTHER"), number=2),
        delivery(challenge_post(), BIRK, number=3),
        delivery(challenge_post(), number=4),
    )

    checked = [call.params["channel"] for call in slack.calls("conversations.info")]
    assert checked == [CHANNEL, "C0OTHER", CHANNEL]
    assert len(slack.calls("chat.postMessage")) == 4


def test_after_slack_says_the_bot_is_not_in_the_channel_it_looks_again_and_posts_once_more(
    slack: FakeSlackApi,
) -> None:
    messenger = messenger_on(slack)
    send_all(messenger, delivery(challenge_post()))
    slack.fail_next("chat.postMessage", error="not_in_channel")

    refused, again = send_all(
        messenger, delivery(challenge_post(), number=2), delivery(challenge_post(), number=3)
    )

    assert isinstance(refused, Sent)
    assert isinstance(again, Sent)
    assert methods(slack)[-4:] == [
        "chat.postMessage",
        "conversations.info",
        "chat.postMessage",
        "chat.postMessage",
    ]


REFUSALS = [
    pytest.param(
        lambda fake: fake.add_channel(CHANNEL, private=True),
        "undeliverable.slack_channel_not_found",
        "jeg kan ikke finde kanalen: enten findes den ikke, eller også er den privat, og jeg er ikke inviteret; "
        "tjek kanalens id i kundens konfiguration, eller invitér mig med /invite @PMO i kanalen",
        id="private-channel-not-invited",
    ),
    pytest.param(
        lambda fake: fake.fail_next("conversations.join", error="method_not_supported_for_channel_type"),
        "undeliverable.slack_private_channel",
        "kanalen er privat, og jeg er ikke medlem af den, så jeg kan ikke se stemmerne; "
        "invitér mig med /invite @PMO i kanalen",
        id="join-refused-private",
    ),
    pytest.param(
        lambda fake: fake.add_channel(CHANNEL, archived=True),
        "undeliverable.slack_channel_archived",
        "kanalen er arkiveret, så jeg kan hverken skrive i den eller se stemmerne; "
        "vælg en anden kanal i kundens konfiguration",
        id="archived",
    ),
    pytest.param(
        lambda fake: fake.fail_next("conversations.info", error="missing_scope"),
        "undeliverable.slack_channel_scope",
        "appen mangler Slack-tilladelsen channels:read, så jeg kan ikke melde mig ind i kanalen og se stemmerne; "
        "opdatér appen i Slack med det nye manifest (vpmo manifest slack), og installér den igen",
        id="no-channels-read",
    ),
    pytest.param(
        lambda fake: fake.fail_next("conversations.join", error="missing_scope"),
        "undeliverable.slack_channel_scope",
        "appen mangler Slack-tilladelsen channels:join, så jeg kan ikke melde mig ind i kanalen og se stemmerne; "
        "opdatér appen i Slack med det nye manifest (vpmo manifest slack), og installér den igen",
        id="no-channels-join",
    ),
    pytest.param(
        lambda fake: fake.fail_next("conversations.join", error="too_many_members"),
        "undeliverable.slack_not_member",
        "jeg er ikke medlem af kanalen og kunne ikke melde mig ind (too_many_members), så jeg kan ikke se "
        "stemmerne; invitér mig med /invite @PMO i kanalen",
        id="join-refused-otherwise",
    ),
]


@pytest.mark.parametrize(("arrange", "key", "danish"), REFUSALS)
def test_a_channel_the_bot_cannot_join_is_refused_with_what_the_coordinator_must_do(
    slack: FakeSlackApi, arrange: Callable[[FakeSlackApi], None], key: str, danish: str
) -> None:
    arrange(slack)

    [refused] = send_all(messenger_on(slack), delivery(challenge_post()))

    assert isinstance(refused, PermanentSendError)
    assert refused.explanation.key == key
    assert DANISH.render(refused.explanation) == danish
    assert CHANNEL in str(refused)
    assert slack.calls("chat.postMessage") == []  # no post where no vote would be heard


def test_a_rate_limited_membership_check_waits_for_retry_after_and_then_goes_through(
    slack: FakeSlackApi,
) -> None:
    slack.fail_next("conversations.info", status=429, retry_after=4)
    messenger = messenger_on(slack)

    limited, sent = send_all(messenger, delivery(challenge_post()), delivery(challenge_post()))

    assert isinstance(limited, TransientSendError)
    assert limited.retry_after == 4.0
    assert isinstance(sent, Sent)


def test_a_refusal_of_the_check_that_is_not_about_the_channel_keeps_the_messengers_meaning(
    slack: FakeSlackApi,
) -> None:
    slack.fail_next("conversations.info", error="invalid_auth")

    [refused] = send_all(messenger_on(slack), delivery(challenge_post()))

    assert isinstance(refused, PermanentSendError)
    assert refused.explanation.key == "undeliverable.refused"


def queue_channel_post(database_url: str, message: Message) -> int:
    """Queue a channel post in the outbox (as the challenge use cases will); return the tenant's id."""
    engine = make_engine(database_url)
    try:
        with SqlUnitOfWorkFactory(engine)() as uow:
            tenant = uow.tenants.find(slack_team_id=TEAM)
            assert tenant is not None
            uow.outbox.add(tenant.id, message, datetime.now(UTC))
            uow.commit()
        return tenant.id
    finally:
        engine.dispose()


def channel_rows(database_url: str) -> list[OutboxRow]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(OutboxRow).where(col(OutboxRow.channel) == CHANNEL)).all())
    finally:
        engine.dispose()


def test_the_coordinator_reads_in_danish_why_the_challenge_could_not_go_to_a_private_channel(
    slack_world: SlackWorld,
) -> None:
    slack_world.slack.add_channel(CHANNEL, "udfordringer", private=True)

    queue_channel_post(slack_world.database_url, challenge_post())
    slack_world.server.ticks(2)
    settle(slack_world)

    [note] = dms(slack_world, METTE)
    assert html.unescape(note.params["text"]) == (
        f"En besked til {CHANNEL} kunne ikke leveres: jeg kan ikke finde kanalen: enten findes den ikke, "
        "eller også er den privat, og jeg er ikke inviteret; tjek kanalens id i kundens konfiguration, "
        "eller invitér mig med /invite @PMO i kanalen."
    )
    [row] = channel_rows(slack_world.database_url)
    assert row.state == "failed"
    assert slack_world.slack.calls("chat.postMessage") == [note]


# --- 5. the channel post of the longest challenge stays within Block Kit's limits -------------------


PLAIN = (CHALLENGE + " ") * (MAX_CHALLENGE_CHARS // len(CHALLENGE) + 1)
LONGEST = {
    "danish": PLAIN[:MAX_CHALLENGE_CHARS],
    "ampersands": "&" * MAX_CHALLENGE_CHARS,  # five times as long escaped: &amp;
    "emoji": "😀" * MAX_CHALLENGE_CHARS,
    "one-word": "x" * MAX_CHALLENGE_CHARS,
    "lines": "\n".join(["a"] * (MAX_CHALLENGE_CHARS // 2)),
}


def sections(blocks: list[dict[str, Any]]) -> str:
    return html.unescape("\n".join(b["text"]["text"] for b in blocks if b["type"] == "section"))


def vote_buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [element for b in blocks if b["type"] == "actions" for element in b["elements"]]


@pytest.mark.parametrize("name", sorted(LONGEST))
def test_the_post_of_the_longest_challenge_fits_block_kit_with_its_vote_button(name: str) -> None:
    text = LONGEST[name]
    long_label = Text.of("button.rating", rating=Verbatim("Stem på udfordring U-7 " * 10))

    for reader in (DANISH, Reader("en", COPENHAGEN)):
        payload = message_payload(challenge_post(text, label=long_label), reader)

        assert slack_problems(payload["blocks"]) == []
        [button] = vote_buttons(payload["blocks"])
        assert (button["action_id"], button["value"]) == ("vote:U-7", "vote:U-7")
        assert len(payload["text"]) <= 4000  # what Slack shows of the notification text


@pytest.mark.parametrize("name", ["danish", "emoji", "one-word", "lines"])
def test_the_longest_challenge_is_posted_whole_unless_escaping_makes_it_too_long_for_a_section(
    name: str,
) -> None:
    payload = message_payload(challenge_post(LONGEST[name]), DANISH)

    assert LONGEST[name] in sections(payload["blocks"])


def test_a_challenge_that_escaping_makes_five_times_longer_is_shortened_with_a_pointer_to_the_whole() -> None:
    payload = message_payload(challenge_post(LONGEST["ampersands"]), DANISH)

    shown = sections(payload["blocks"])
    assert shown.endswith("…”\nSkriv vis U-7 for hele teksten.")
    assert len(shown) < MAX_CHALLENGE_CHARS


def test_the_server_joins_the_challenge_channel_and_posts_the_longest_challenge_within_the_limits(
    slack_world: SlackWorld,
) -> None:
    queue_channel_post(slack_world.database_url, challenge_post(LONGEST["danish"]))
    slack_world.server.ticks(2)
    settle(slack_world)

    assert methods(slack_world.slack)[-3:] == ["conversations.info", "conversations.join", "chat.postMessage"]
    posted = slack_world.slack.last("chat.postMessage")
    assert posted.params["channel"] == CHANNEL
    assert slack_problems(posted.blocks) == []
    assert LONGEST["danish"] in sections(posted.blocks)
    [row] = channel_rows(slack_world.database_url)
    assert (row.state, row.platform_message_id) == ("sent", f"{CHANNEL}:{posted.response['ts']}")


# --- 3. Slack's app_rate_limited notice ------------------------------------------------------------------


MINUTE = 1518467820  # 2018-02-12 20:37 UTC, as in Slack's documentation


def rate_limit_notice(minute: object = MINUTE, team_id: str = TEAM) -> dict[str, Any]:
    return {
        "token": "verification_token",
        "type": "app_rate_limited",
        "team_id": team_id,
        "minute_rate_limited": minute,
        "api_app_id": "A111",
    }


@pytest.fixture
def dropped(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Record what the bridge's hook is told, and let it do what it does."""
    told: list[tuple[str, int]] = []
    original = SlackBridge.events_dropped

    async def spy(self: SlackBridge, team_id: str, minute: int) -> None:
        told.append((team_id, minute))
        await original(self, team_id, minute)

    monkeypatch.setattr(SlackBridge, "events_dropped", spy)
    return told


def warnings_of_handling(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    # Only the request's own handling counts: on a loaded machine the scheduler may warn of a late tick.
    handling = ("bot.", "slack_bolt", "slack_sdk", "aiohttp")
    return [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith(handling)]


@pytest.mark.parametrize(
    ("minute", "told", "shown"),
    [(MINUTE, MINUTE, "2018-02-12T20:37+00:00"), ("soon", 0, "?"), (10**20, 10**20, "?")],
)
def test_slacks_rate_limit_notice_is_answered_200_and_logged_once_with_the_team(
    slack_world: SlackWorld,
    caplog: pytest.LogCaptureFixture,
    dropped: list[tuple[str, int]],
    minute: object,
    told: int,
    shown: str,
) -> None:
    caplog.set_level(logging.INFO)

    response = slack_world.send(encode_json(rate_limit_notice(minute)))
    wait_until(lambda: bool(dropped) and bool(warnings_of_handling(caplog)), "the hook and its log line")
    settle(slack_world)

    assert (response.status_code, response.text) == (200, "")
    assert dropped == [(TEAM, told)]
    [warning] = warnings_of_handling(caplog)
    assert warning.name == "bot.slack.bridge"
    assert TEAM in warning.getMessage()
    assert f"app_rate_limited from {shown}" in warning.getMessage()
    assert warning.exc_info is None
    assert "Traceback" not in caplog.text
    # The coordinator hears that votes may lag until the agenda reconciles them.
    [note] = dms(slack_world, METTE)
    assert "Slack har holdt beskeder om reaktioner tilbage" in note.params["text"]


def test_a_second_rate_limit_notice_in_the_same_hour_tells_the_coordinator_nothing_new(
    slack_world: SlackWorld, dropped: list[tuple[str, int]]
) -> None:
    slack_world.send(encode_json(rate_limit_notice()))
    dms(slack_world, METTE)

    slack_world.send(encode_json(rate_limit_notice(MINUTE + 60)))
    wait_until(lambda: len(dropped) == 2, "the second notice")
    settle(slack_world)

    assert len(slack_world.dms_to(METTE)) == 1


def test_events_after_a_rate_limit_notice_are_handled_as_before(
    slack_world: SlackWorld, dropped: list[tuple[str, int]]
) -> None:
    slack_world.send(encode_json(rate_limit_notice()))
    response = slack_world.send(event(message_event(JONAS, "hjælp", f"D{JONAS}", team_id=TEAM), TEAM))

    assert response.status_code == 200
    [reply] = dms(slack_world, JONAS)
    assert reply.params["text"] == catalogue("da")["help.head"]
    assert dropped == [(TEAM, MINUTE)]


@pytest.fixture
def socket_world(database_url: str) -> Iterator[SocketWorld]:
    with running_socket_mode_world(database_url) as world:
        world.wait_for_health(lambda r: r.status_code == 200)  # the socket is connected
        yield world


def test_the_rate_limit_notice_over_socket_mode_is_acked_without_a_traceback(
    socket_world: SocketWorld,
    caplog: pytest.LogCaptureFixture,
    dropped: list[tuple[str, int]],
) -> None:
    caplog.set_level(logging.INFO)
    socket = socket_world.socket

    envelope_id = socket.send("events_api", rate_limit_notice(), accepts_response_payload=False)

    assert socket.wait_for_ack(envelope_id) == {"envelope_id": envelope_id}
    wait_until(lambda: bool(warnings_of_handling(caplog)), "the log line")
    assert dropped == [(TEAM, MINUTE)]
    [warning] = warnings_of_handling(caplog)
    assert (warning.name, warning.exc_info) == ("bot.slack.bridge", None)
    assert "Traceback" not in caplog.text


# --- 4. the message shortcut "Indsend som udfordring" ----------------------------------------------------


@pytest.fixture
def submitted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, SubmitChallenge]]:
    """Stand in for the core's SubmitChallenge use case: record who submitted what, and answer them."""
    received: list[tuple[str, SubmitChallenge]] = []

    def submit(ctx: ActorContext, command: SubmitChallenge) -> None:
        received.append((ctx.actor.email, command))
        ctx.reply(Text.of("quote", text=Verbatim(f"modtaget: {command.plain}")))

    monkeypatch.setitem(router.HANDLERS, SubmitChallenge, submit)  # type: ignore[index]
    return received


MARKED_UP = (
    "Kan <@U01ANB> &amp; jeg få en skabelon? Se <https://intra.nordlys.dk/risiko|risikologgen> i <#C0PMO|pmo>"
)
WITHOUT_MARKUP = "Kan   & jeg få en skabelon? Se  risikologgen  i  "


def test_the_shortcut_acks_at_once_and_submits_the_message_for_whoever_used_it(
    slack_world: SlackWorld, submitted: list[tuple[str, SubmitChallenge]]
) -> None:
    # Jonas submits the message Anna wrote: the challenge is his.
    shortcut = message_shortcut(SHORTCUT, MARKED_UP, JONAS, TEAM, "C0PMO", message_user_id=ANNA)

    response = slack_world.send(interactive(shortcut))
    settle(slack_world)

    assert (response.status_code, response.text) == (200, "")
    assert submitted == [("jonas.friis@nordlys.dk", SubmitChallenge(MARKED_UP, WITHOUT_MARKUP))]
    [answer] = dms(slack_world, JONAS)
    assert f"modtaget: {WITHOUT_MARKUP}" in html.unescape(json.dumps(answer.blocks, ensure_ascii=False))
    assert slack_world.slack.calls("response_url") == []


def test_the_shortcut_on_a_message_without_text_leaves_the_answer_to_the_use_case(
    slack_world: SlackWorld, submitted: list[tuple[str, SubmitChallenge]]
) -> None:
    shortcut = message_shortcut(SHORTCUT, "", JONAS, TEAM)
    del shortcut["message"]["text"]  # a message of files only

    response = slack_world.send(interactive(shortcut))
    settle(slack_world)

    assert response.status_code == 200
    assert submitted == [("jonas.friis@nordlys.dk", SubmitChallenge("", ""))]
    assert len(dms(slack_world, JONAS)) == 1


def test_the_shortcut_in_a_workspace_of_no_client_says_so_where_it_was_used(
    slack_world: SlackWorld, submitted: list[tuple[str, SubmitChallenge]]
) -> None:
    shortcut = message_shortcut(
        SHORTCUT, CHALLENGE, JONAS, "T0STRANGER", response_url=slack_world.slack.response_url("stranger")
    )

    response = slack_world.send(interactive(shortcut))
    [answer] = slack_world.slack.wait_for("response_url")

    assert response.status_code == 200
    assert answer.params["response_type"] == "ephemeral"
    assert submitted == []
    assert slack_world.slack.calls("chat.postMessage") == []


def test_a_typed_challenge_reaches_the_use_case_with_slacks_markup_read_too(
    slack_world: SlackWorld, submitted: list[tuple[str, SubmitChallenge]]
) -> None:
    typed = message_event(JONAS, f"udfordring {MARKED_UP}", f"D{JONAS}", team_id=TEAM)

    response = slack_world.send(event(typed, TEAM))
    settle(slack_world)

    assert response.status_code == 200
    assert submitted == [("jonas.friis@nordlys.dk", SubmitChallenge(MARKED_UP, WITHOUT_MARKUP))]


# --- 6. clicks on a challenge's post in the channel, and on the answer only the clicker sees -----------


@pytest.fixture
def ballots(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, object]]:
    """Stand in for the core's Vote and Unvote use cases: record who pressed what, answer with the other."""
    pressed: list[tuple[str, object]] = []

    def vote(ctx: ActorContext, command: Vote) -> None:
        pressed.append((ctx.actor.email, command))
        ctx.reply(
            Text.of("quote", text=Verbatim("stemt")), actions=(Action("unvote:U-7", Text.of("button.vote")),)
        )

    def unvote(ctx: ActorContext, command: Unvote) -> None:
        pressed.append((ctx.actor.email, command))
        ctx.reply(
            Text.of("quote", text=Verbatim("fjernet")), actions=(Action("vote:U-7", Text.of("button.vote")),)
        )

    monkeypatch.setitem(router.HANDLERS, Vote, vote)  # type: ignore[index]
    monkeypatch.setitem(router.HANDLERS, Unvote, unvote)  # type: ignore[index]
    return pressed


def shown_ephemerally(answer: Call, channel: str = CHANNEL) -> Call:
    """Return an ephemeral answer to a response_url as Slack shows it to the clicker in the channel.

    A click on it arrives as on a ``chat.postEphemeral`` message: ``container.is_ephemeral`` and no
    ``message`` (Slack keeps no copy of an ephemeral message).
    """
    params = {**answer.params, "channel": channel}
    return dataclasses.replace(
        answer,
        method="chat.postEphemeral",
        params=params,
        response={"ok": True, "message_ts": "1700000099.000100"},
    )


def test_a_click_on_the_channel_post_is_answered_to_the_clicker_and_on_that_answer_replaces_it(
    slack_world: SlackWorld, ballots: list[tuple[str, object]]
) -> None:
    queue_channel_post(slack_world.database_url, challenge_post())
    slack_world.server.ticks(2)
    settle(slack_world)
    posted = slack_world.slack.last("chat.postMessage")
    on_post = slack_world.slack.response_url("on-post")
    on_answer = slack_world.slack.response_url("on-answer")

    slack_world.send(interactive(block_actions_from_message(posted, "vote:U-7", JONAS, TEAM, on_post)))
    [answer] = slack_world.slack.wait_for("response_url")
    clicked = block_actions_from_message(shown_ephemerally(answer), "unvote:U-7", JONAS, TEAM, on_answer)
    slack_world.send(interactive(clicked))
    first, second = slack_world.slack.wait_for("response_url", 2)
    settle(slack_world)

    assert ballots == [("jonas.friis@nordlys.dk", Vote(7)), ("jonas.friis@nordlys.dk", Unvote(7))]
    # On the post everyone sees: a new message only Jonas sees, and the post stays as it is.
    assert first.path.endswith("on-post")
    assert (first.params["response_type"], first.params["replace_original"]) == ("ephemeral", False)
    assert "stemt" in sections(first.params["blocks"])
    # On that answer of his own: it is replaced, so its pressed button is gone.
    assert second.path.endswith("on-answer")
    assert second.params["replace_original"] is True
    assert "fjernet" in sections(second.params["blocks"])
    assert vote_buttons(second.params["blocks"])[0]["action_id"] == "vote:U-7"
    assert len(vote_buttons(second.params["blocks"])) == 1
    assert slack_world.slack.calls("chat.update") == []
