"""Teams over the real protocol: activities POSTed to /api/messages, the bot's sends to a fake connector."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, select

from bot.server import RUNTIME_KEY
from bot.teams.manifest import MESSAGE_ACTION_ID
from bot.teams.settings import AppType, TeamsSettings
from storage.db import make_engine
from storage.tables import (
    ChallengeVoteRow,
    ConversationReferenceRow,
    OutboxRow,
    PersonRow,
    ProcessedEventRow,
    SparringRequestRow,
)
from storage.teams_store import TeamsStore
from tests.fakes import FixedClock
from tests.platforms.stored import add_other_tenant, post_challenge, votes
from tests.platforms.teams_fakes import activity, personal_conversation
from tests.platforms.teams_scenario import ANNA, JONAS, METTE, TENANT
from tests.platforms.teams_world import TeamsWorld, running_teams_world
from tests.platforms.test_transactions import Transactions
from tests.tenants import OTHER_TEAMS_TENANT

CHANNEL = "19:6848757105754c8981c67612732d9aa7@thread.tacv2"


@pytest.fixture
def teams_world(database_url: str) -> Iterator[TeamsWorld]:
    yield from running_teams_world(database_url, TeamsSettings.local())


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


@pytest.fixture
def clocked_world(database_url: str, clock: FixedClock) -> Iterator[TeamsWorld]:
    yield from running_teams_world(database_url, TeamsSettings.local(), clock)


def _rows_to(world: TeamsWorld, teams_id: str) -> list[OutboxRow]:
    """Return the outbox rows addressed to the person with this Teams id, oldest first."""
    engine = make_engine(world.database_url)
    try:
        with Session(engine) as session:
            statement = (
                select(OutboxRow)
                .join(PersonRow, col(PersonRow.id) == col(OutboxRow.recipient_id))
                .where(col(PersonRow.teams_id) == teams_id)
                .order_by(col(OutboxRow.id))
            )
            return list(session.exec(statement).all())
    finally:
        engine.dispose()


def _until(condition: Any, what: str, timeout: float = 20.0) -> None:
    """Wait until ``condition()`` holds; ``timeout`` only fails a server that never gets there."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.02)


def _utc(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@pytest.fixture
def secured_world(database_url: str) -> Iterator[TeamsWorld]:
    settings = TeamsSettings(
        True, "00000000-0000-4000-8000-00000000b07", "secret", AppType.SINGLE_TENANT, TENANT
    )
    yield from running_teams_world(database_url, settings)


def _offer_to_anna(world: TeamsWorld) -> Any:
    world.install(ANNA)
    response = world.say(JONAS, "sparring Budgettet er skredet")
    assert response.status_code == 200
    [offer] = world.connector.wait_for(personal_conversation(ANNA))
    return offer


def test_personal_sparring_message_is_answered_with_the_reference_and_the_senior(
    teams_world: TeamsWorld,
) -> None:
    response = teams_world.say(JONAS, "sparring Budgettet er skredet")

    assert response.status_code == 200
    [reply] = teams_world.connector.sent(personal_conversation(JONAS))
    assert reply.body["textFormat"] == "plain"
    assert "S-1" in reply.body["text"]
    assert "Anna Berg" in reply.body["text"]
    # A reply to the message it answers, in Jonas' own chat.
    assert reply.path.endswith("/activities/" + reply.path.rsplit("/", 1)[-1])


def test_a_senior_mentioned_in_a_personal_message_is_the_one_asked_for(teams_world: TeamsWorld) -> None:
    body = teams_world.activity(
        "personal_message",
        JONAS,
        conversation=personal_conversation(JONAS),
        text="sparring <at>Sofie Dahl</at> Budgettet er skredet",
    )
    body["entities"] = [
        {
            "type": "mention",
            "text": "<at>Sofie Dahl</at>",
            "mentioned": {"id": "29:1sod", "name": "Sofie Dahl"},
        }
    ]

    response = teams_world.post(body)

    assert response.status_code == 200
    [reply] = teams_world.connector.sent(personal_conversation(JONAS))
    assert "S-1 (Budgettering) er sendt til Sofie Dahl" in reply.body["text"]
    assert "Du bad selv om Sofie Dahl." in reply.body["text"]


def test_the_senior_gets_a_proactive_card_with_accept_and_decline(teams_world: TeamsWorld) -> None:
    offer = _offer_to_anna(teams_world)

    [card] = offer.cards
    actions = [(a["type"], a["verb"], a["data"]) for a in card["actions"]]
    assert actions == [
        ("Action.Execute", "vpmo", {"action": "accept:S-1"}),
        ("Action.Execute", "vpmo", {"action": "decline:S-1"}),
    ]
    assert all(block["type"] == "RichTextBlock" for block in card["body"])


def test_accept_invoke_answers_with_a_refreshed_card_and_the_requester_is_told(
    teams_world: TeamsWorld,
) -> None:
    offer = _offer_to_anna(teams_world)
    message_id = _posted_id(teams_world, offer)
    invoke = teams_world.activity(
        "invoke_adaptive_card_action_execute",
        ANNA,
        conversation=personal_conversation(ANNA),
        replyToId=message_id,
    )
    invoke["value"]["action"] = {"type": "Action.Execute", "verb": "vpmo", "data": {"action": "accept:S-1"}}

    response = teams_world.post(invoke)

    assert response.status_code == 200
    body = response.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    card = body["value"]
    shown = json.dumps(card["body"], ensure_ascii=False)
    assert "S-1" in shown
    assert not any(a["data"]["action"].startswith(("accept:", "decline:")) for a in card.get("actions", []))
    told = teams_world.connector.wait_for(personal_conversation(JONAS), count=2)[-1]
    assert "Anna Berg har accepteret S-1" in told.shown


def _posted_id(world: TeamsWorld, offer: Any) -> str:
    """Return the activity id the fake gave the offer, once the bot has recorded it after the send."""
    engine = make_engine(world.database_url)
    deadline = time.monotonic() + 10
    try:
        while True:
            with Session(engine) as session:
                rows = session.exec(
                    select(OutboxRow).where(col(OutboxRow.platform_message_id).is_not(None))
                ).all()
            mine = [
                row.platform_message_id
                for row in rows
                if row.platform_message_id
                and row.platform_message_id.startswith(personal_conversation(ANNA) + ":")
            ]
            if mine or time.monotonic() > deadline:
                break
            time.sleep(0.02)
    finally:
        engine.dispose()
    [posted] = mine
    return posted.rsplit(":", 1)[-1]


def _submitted(world: TeamsWorld, user: str, card_id: str, value: dict[str, Any]) -> dict[str, Any]:
    """Return the message Teams sends when the user presses an Action.Submit button on a card in their chat."""
    body = world.activity(
        "message_action_submit_value",
        user,
        conversation=personal_conversation(user),
        replyToId=card_id,
        value=value,
    )
    body.pop("text", None)  # Action.Submit carries the card's data and usually no text
    body["conversation"]["conversationType"] = "personal"
    body["channelData"] = {"tenant": {"id": TENANT}}
    return body


def _replies_to(world: TeamsWorld, activity_id: str) -> list[Any]:
    return [c for c in world.connector.sent(personal_conversation(ANNA)) if c.activity_id == activity_id]


def _requests_and_outbox(world: TeamsWorld) -> tuple[list[dict[str, Any]], list[int]]:
    """Return every request as stored, and the ids of every queued message."""
    engine = make_engine(world.database_url)
    try:
        with Session(engine) as session:
            requests = [row.model_dump() for row in session.exec(select(SparringRequestRow)).all()]
            outbox = sorted(row.id for row in session.exec(select(OutboxRow)).all() if row.id is not None)
    finally:
        engine.dispose()
    return requests, outbox


def test_accept_by_action_submit_updates_the_clicked_card_in_place(teams_world: TeamsWorld) -> None:
    offer = _offer_to_anna(teams_world)
    card_id = _posted_id(teams_world, offer)
    click = _submitted(teams_world, ANNA, card_id, {"action": "accept:S-1"})

    response = teams_world.post(click)

    assert response.status_code == 200
    [update] = teams_world.connector.updated(personal_conversation(ANNA))
    assert update.activity_id == card_id
    assert update.body["id"] == card_id
    [card] = update.cards
    assert "actions" not in card
    [offered] = offer.cards
    assert card["body"][: len(offered["body"])] == offered["body"]  # the offer's text stays, without buttons
    assert "Du har accepteret S-1" in update.shown
    assert _replies_to(teams_world, click["id"]) == []  # the outcome is on the card, not said twice
    told = teams_world.connector.wait_for(personal_conversation(JONAS), count=2)[-1]
    assert "Anna Berg har accepteret S-1" in told.shown


def test_a_second_action_submit_click_changes_nothing_and_is_answered_politely(
    teams_world: TeamsWorld,
) -> None:
    offer = _offer_to_anna(teams_world)
    card_id = _posted_id(teams_world, offer)
    first = _submitted(teams_world, ANNA, card_id, {"action": "accept:S-1"})
    assert teams_world.post(first).status_code == 200
    teams_world.connector.wait_for(personal_conversation(JONAS), count=2)
    before = _requests_and_outbox(teams_world)

    again = _submitted(teams_world, ANNA, card_id, {"action": "accept:S-1"})
    response = teams_world.post(again)

    assert response.status_code == 200
    assert _requests_and_outbox(teams_world) == before
    _, second = teams_world.connector.updated(personal_conversation(ANNA))
    assert second.activity_id == card_id
    [card] = second.cards
    assert "actions" not in card
    assert "Du har allerede accepteret S-1." in second.shown
    assert "Du har accepteret" not in second.shown
    assert _replies_to(teams_world, again["id"]) == []
    teams_world.server.ticks(2)  # whole ticks after the click: nobody else hears about it
    assert len(teams_world.connector.sent(personal_conversation(JONAS))) == 2


def test_when_the_card_update_fails_the_outcome_is_posted_as_a_reply(teams_world: TeamsWorld) -> None:
    offer = _offer_to_anna(teams_world)
    card_id = _posted_id(teams_world, offer)
    teams_world.connector.fail_next(404, conversation=personal_conversation(ANNA), method="PUT")
    click = _submitted(teams_world, ANNA, card_id, {"action": "accept:S-1"})

    response = teams_world.post(click)

    assert response.status_code == 200
    [refused] = teams_world.connector.updated(personal_conversation(ANNA))
    assert refused.activity_id == card_id
    [reply] = _replies_to(teams_world, click["id"])
    assert "Du har accepteret S-1" in reply.shown
    [request] = _requests_and_outbox(teams_world)[0]
    assert request["status"] == "accepted"


def test_an_intake_form_submitted_by_action_submit_gets_a_reply_and_keeps_its_card(
    teams_world: TeamsWorld,
) -> None:
    teams_world.say(JONAS, "sparring")
    [form] = teams_world.connector.sent(personal_conversation(JONAS))
    [card] = form.cards
    area = next(e for e in card["body"] if e.get("id") == "area")["choices"][0]["value"]
    value = {"form": "intake", "area": area, "text": "Budgettet er skredet", "urgency": "normal"}
    submit = _submitted(teams_world, JONAS, "1700000000001", value)  # the fake's first id: the form's

    response = teams_world.post(submit)

    assert response.status_code == 200
    assert teams_world.connector.updated() == []
    [reply] = [
        c for c in teams_world.connector.sent(personal_conversation(JONAS)) if c.activity_id == submit["id"]
    ]
    assert "S-1" in reply.shown
    assert teams_world.count(SparringRequestRow) == 1


def test_channel_mention_is_handled_like_a_personal_message(teams_world: TeamsWorld) -> None:
    body = teams_world.activity("channel_message_mention", JONAS)
    body["text"] = "<at>vpmo</at> sparring status"
    body["entities"] = [
        {
            "type": "mention",
            "text": "<at>vpmo</at>",
            "mentioned": {"id": body["recipient"]["id"], "name": "vpmo"},
        }
    ]

    response = teams_world.post(body)
    teams_world.say(JONAS, "sparring status")

    assert response.status_code == 200
    [in_channel] = teams_world.connector.sent(body["conversation"]["id"])
    [personal] = teams_world.connector.sent(personal_conversation(JONAS))
    assert in_channel.body["text"] == personal.body["text"]
    assert in_channel.path.endswith("/activities/" + body["id"])
    channel = TeamsStore(make_engine(teams_world.database_url)).reference_of_channel(1, CHANNEL)
    assert channel is not None
    assert channel.conversation_id == CHANNEL  # the channel itself, not the thread of the mention


CHALLENGE_CHANNEL = "19:abc@thread.tacv2"  # the sample client's challenge channel in Teams
CHALLENGE_POST = "1700000000999"


def _posted_challenge(world: TeamsWorld) -> int:
    """Have challenge 1 posted in the challenge channel under the activity id CHALLENGE_POST."""
    return post_challenge(world.database_url, CHALLENGE_CHANNEL, f"{CHALLENGE_CHANNEL}:{CHALLENGE_POST}")


def test_reactions_added_and_removed_are_recorded_once(teams_world: TeamsWorld) -> None:
    number = _posted_challenge(teams_world)
    on_the_post = {"conversation": CHALLENGE_CHANNEL, "replyToId": CHALLENGE_POST}
    added = teams_world.activity("message_reaction_added", ANNA, **on_the_post)
    # Later than the add: at the same time (as the two fixtures have it) the vote would stay.
    later = {"timestamp": "2017-10-16T18:46:02.120Z"}
    removed = teams_world.activity("message_reaction_removed", ANNA, **on_the_post, **later, id=added["id"])
    statuses = [teams_world.post(added).status_code, teams_world.post(added).status_code]
    after_add = votes(teams_world.database_url)
    teams_world.post(removed)
    teams_world.post(removed)
    after_remove = votes(teams_world.database_url)

    assert statuses == [200, 200]
    assert after_add == [(1, number, f"teams:{ANNA}", "like", True)]
    assert after_remove == [(1, number, f"teams:{ANNA}", "like", False)]


def _from_other_tenant(world: TeamsWorld, name: str, user: str, **fields: Any) -> dict[str, Any]:
    # Local mode takes the tenant an activity names at its word: anyone can claim any tenant and any
    # conversation, so only the tenant scoping of every lookup keeps the tenants apart.
    return activity(name, service_url=world.connector.url, tenant=OTHER_TEAMS_TENANT, user=user, **fields)


def test_a_click_from_another_tenant_on_a_message_id_does_not_get_that_tenants_offer(
    teams_world: TeamsWorld,
) -> None:
    add_other_tenant(teams_world.database_url)
    offer = _offer_to_anna(teams_world)
    message_id = _posted_id(teams_world, offer)
    invoke = _from_other_tenant(
        teams_world,
        "invoke_adaptive_card_action_execute",
        ANNA,
        conversation=personal_conversation(ANNA),
        replyToId=message_id,
    )
    invoke["value"]["action"] = {"type": "Action.Execute", "verb": "vpmo", "data": {"action": "accept:S-1"}}

    response = teams_world.post(invoke)

    assert response.status_code == 200
    shown = json.dumps(response.json()["value"], ensure_ascii=False)
    assert "Budgettet er skredet" in offer.shown  # the offer's own text, which only Nordlys may see
    assert "Budgettet er skredet" not in shown
    assert "Anna Berg har accepteret" not in shown


def test_a_reaction_from_another_tenant_is_not_recorded_against_this_tenants_message(
    teams_world: TeamsWorld,
) -> None:
    add_other_tenant(teams_world.database_url)
    number = _posted_challenge(teams_world)
    on_the_post = {"conversation": CHALLENGE_CHANNEL, "replyToId": CHALLENGE_POST}
    elsewhere = _from_other_tenant(teams_world, "message_reaction_added", ANNA, **on_the_post)
    # The same activity id in the post's own tenant: another tenant's id cannot make it a replay.
    here = teams_world.activity("message_reaction_added", ANNA, **on_the_post, id=elsewhere["id"])

    from_elsewhere = teams_world.post(elsewhere)
    after_elsewhere = votes(teams_world.database_url)
    teams_world.post(here)

    assert from_elsewhere.status_code == 200
    assert after_elsewhere == []
    assert votes(teams_world.database_url) == [(1, number, f"teams:{ANNA}", "like", True)]


def test_a_duplicated_activity_changes_nothing_the_second_time(teams_world: TeamsWorld) -> None:
    body = teams_world.activity(
        "personal_message",
        JONAS,
        conversation=personal_conversation(JONAS),
        text="sparring Budgettet er skredet",
    )

    first, second = teams_world.post(body), teams_world.post(body)

    assert (first.status_code, second.status_code) == (200, 200)
    replies = [
        c for c in teams_world.connector.sent(personal_conversation(JONAS)) if c.path.endswith(body["id"])
    ]
    assert len(replies) == 1
    assert teams_world.count(SparringRequestRow) == 1


def test_an_unknown_teams_tenant_is_refused_politely_and_nothing_is_stored(teams_world: TeamsWorld) -> None:
    body = activity(
        "personal_message",
        service_url=teams_world.connector.url,
        tenant="72f988bf-86f1-41af-91ab-2d7cd011db47",
        user=JONAS,
        conversation=personal_conversation(JONAS),
        text="sparring Budgettet er skredet",
    )

    response = teams_world.post(body)

    assert response.status_code == 200
    [reply] = teams_world.connector.sent()
    assert "teams_tenant_id" in reply.body["text"]
    assert teams_world.count(ProcessedEventRow) == 0
    assert teams_world.count(ConversationReferenceRow) == 0
    assert teams_world.count(SparringRequestRow) == 0


def test_with_an_app_id_a_request_without_a_token_gets_401(secured_world: TeamsWorld) -> None:
    response = secured_world.post(secured_world.activity("personal_message", JONAS, text="sparring status"))

    assert response.status_code == 401
    assert secured_world.connector.calls == []


def test_with_an_app_id_a_garbage_token_gets_401(secured_world: TeamsWorld) -> None:
    body = secured_world.activity("personal_message", JONAS, text="sparring status")

    response = secured_world.post(body, headers={"Authorization": "Bearer not-a-jwt"})

    assert response.status_code == 401
    assert secured_world.connector.calls == []
    assert secured_world.count(ProcessedEventRow) == 0


def test_a_429_on_the_proactive_send_is_retried_after_retry_after(
    clocked_world: TeamsWorld, clock: FixedClock
) -> None:
    clocked_world.install(ANNA)
    clocked_world.connector.fail_next(429, retry_after="1", conversation=personal_conversation(ANNA))
    limited_at = clock.now()

    clocked_world.say(JONAS, "sparring Budgettet er skredet")
    _until(lambda: [r.attempts for r in _rows_to(clocked_world, ANNA)] == [1], "the offer to be retried")
    clocked_world.server.ticks()
    assert len(clocked_world.connector.sent(personal_conversation(ANNA))) == 1  # Retry-After holds it
    clock.advance(seconds=1)
    _refused, second = clocked_world.connector.wait_for(personal_conversation(ANNA), count=2, timeout=15)

    [card] = second.cards
    assert card["actions"][0]["data"] == {"action": "accept:S-1"}
    _until(lambda: [r.state for r in _rows_to(clocked_world, ANNA)] == ["sent"], "the offer to be sent")
    [row] = _rows_to(clocked_world, ANNA)
    assert _utc(row.sent_at) == limited_at + timedelta(seconds=1)


def _busiest(moments: list[datetime], window: float) -> int:
    """Return the most moments that fall within any ``window`` seconds."""
    return max(sum(0 <= (later - start).total_seconds() < window for later in moments) for start in moments)


def test_offers_fanned_out_to_one_senior_keep_to_seven_a_second_and_none_is_lost(
    clocked_world: TeamsWorld, clock: FixedClock
) -> None:
    clocked_world.install(ANNA)
    for number in range(10):
        assert clocked_world.say(JONAS, f"sparring Budgettet er skredet ({number})").status_code == 200

    _until(lambda: len(_rows_to(clocked_world, ANNA)) == 10, "ten offers to Anna in the outbox")
    clocked_world.server.ticks()
    assert len(clocked_world.connector.sent(personal_conversation(ANNA))) == 7  # the clock stood still
    for _ in range(20):  # half a second at a time, until all are out (2 s of the clock's time)
        if all(row.state == "sent" for row in _rows_to(clocked_world, ANNA)):
            break
        clock.advance(seconds=0.5)
        clocked_world.server.ticks()
    clocked_world.server.ticks(2)  # anything doubled would arrive now

    delivered = clocked_world.connector.sent(personal_conversation(ANNA))
    references = sorted(re.findall(r"S-\d+\b", offer.shown)[0] for offer in delivered)
    assert references == sorted(f"S-{number}" for number in range(1, 11))
    sent = [_utc(row.sent_at) for row in _rows_to(clocked_world, ANNA)]
    # Teams allows a bot seven sends in any second to one conversation and eight in any two.
    assert _busiest(sent, 1.0) == 7
    assert _busiest(sent, 2.0) == 8


def test_a_messaging_extension_submit_creates_a_request(teams_world: TeamsWorld) -> None:
    body = teams_world.activity("invoke_compose_extension_submit_action", JONAS)
    body["value"] = {
        "commandId": MESSAGE_ACTION_ID,
        "commandContext": "message",
        "messagePayload": {
            "body": {"contentType": "html", "content": "<p>Budgettet er skredet &amp; hvad nu?</p>"}
        },
    }

    response = teams_world.post(body)

    assert response.status_code == 200
    answer = response.json()["composeExtension"]
    assert answer["type"] == "message"
    assert "S-1" in answer["text"]
    assert teams_world.count(SparringRequestRow) == 1


def test_an_unreachable_person_is_reported_to_the_coordinator(teams_world: TeamsWorld) -> None:
    teams_world.install(METTE)

    teams_world.say(JONAS, "sparring Budgettet er skredet")
    # Neither senior for budgeting has installed the app: the coordinator hears of both, then gets the
    # request to assign; the three notes arrive one by one, so wait for all of them.
    notes = teams_world.connector.wait_for(personal_conversation(METTE), count=3, timeout=15)

    assert (
        "En besked til Anna Berg kunne ikke leveres: vedkommende har ikke åbnet appen i Teams"
        in notes[0].shown
    )
    assert "Sofie Dahl" in notes[1].shown
    assert "tildel S-1" in notes[2].shown


def test_an_unknown_teams_id_is_recognised_by_the_roster_e_mail(teams_world: TeamsWorld) -> None:
    newcomer = "29:emma-in-another-app"
    teams_world.connector.members[newcomer] = "Emma.Larsen@nordlys.dk"

    teams_world.say(newcomer, "sparring We need help with the test plan for UAT")

    [reply] = teams_world.connector.sent(personal_conversation(newcomer))
    assert "has gone to Sofie Dahl" in reply.body["text"]


def test_someone_known_by_the_roster_e_mail_gets_proactive_messages_in_the_chat_they_opened(
    teams_world: TeamsWorld,
) -> None:
    # Anna's 29: id in this app is not the one in the client's file (ids are per app): Teams' roster
    # gives her e-mail when she opens the app, and the offer goes to that chat.
    anna = "29:anna-in-another-app"
    teams_world.connector.members[anna] = "anna.berg@maximize.dk"
    teams_world.install(anna)

    teams_world.say(JONAS, "sparring Budgettet er skredet")

    [offer] = teams_world.connector.wait_for(personal_conversation(anna))
    assert "Ny sparringsforespørgsel S-1 fra Jonas Friis" in offer.shown
    [reply] = teams_world.connector.sent(personal_conversation(JONAS))
    assert "S-1 (Budgettering) er sendt til Anna Berg" in reply.body["text"]


def test_a_like_from_someone_known_by_the_roster_e_mail_is_their_vote(teams_world: TeamsWorld) -> None:
    number = _posted_challenge(teams_world)
    emma = "29:emma-in-another-app"
    teams_world.connector.members[emma] = "Emma.Larsen@nordlys.dk"
    like = teams_world.activity(
        "message_reaction_added", emma, conversation=CHALLENGE_CHANNEL, replyToId=CHALLENGE_POST
    )

    assert teams_world.post(like).status_code == 200

    assert votes(teams_world.database_url) == [(1, number, f"teams:{emma}", "like", True)]
    engine = make_engine(teams_world.database_url)
    try:
        with Session(engine) as session:
            [vote] = session.exec(select(ChallengeVoteRow)).all()
            voter = session.get(PersonRow, vote.person_id)
    finally:
        engine.dispose()
    assert voter is not None
    assert voter.email == "emma.larsen@nordlys.dk"  # counted as Emma's, not as an unknown voter's


def test_someone_unknown_to_the_roster_and_the_tenant_gets_the_polite_answer(teams_world: TeamsWorld) -> None:
    teams_world.say("29:stranger", "sparring Budgettet")

    [reply] = teams_world.connector.sent(personal_conversation("29:stranger"))
    assert "Mette Holm" in reply.body["text"]


# --- bad input: what Teams never sends is refused with a 400 and one log line ----------------------


def _without(body: dict[str, Any], field: str) -> dict[str, Any]:
    return {name: value for name, value in body.items() if name != field}


def _hostile_bodies(world: TeamsWorld) -> dict[str, bytes]:
    """Return request bodies no Teams client sends, by name, built on a real personal message."""
    good = world.activity("personal_message", JONAS, conversation=personal_conversation(JONAS), text="hjælp")
    stranger = activity(
        "personal_message", service_url=world.connector.url, tenant="72f988bf-0000", user=JONAS, text="hej"
    )
    shapes: dict[str, Any] = {
        "missing-from": _without(good, "from"),
        "missing-conversation": _without(good, "conversation"),
        "missing-type": _without(good, "type"),
        "missing-service-url": _without(good, "serviceUrl"),
        "from-without-id": {**good, "from": {"name": "Jonas"}},
        "from-not-an-object": {**good, "from": "29:1jof"},
        "conversation-a-list": {**good, "conversation": [personal_conversation(JONAS)]},
        "type-a-number": {**good, "type": 5},
        "unknown-tenant-missing-conversation": _without(stranger, "conversation"),
        "json-array": [good],
        "json-string": "message",
    }
    bodies = {name: json.dumps(shape).encode() for name, shape in shapes.items()}
    bodies["invalid-json"] = b'{"type": "message", '
    bodies["not-utf-8"] = b'{"type": "\xff"}'
    return bodies


HOSTILE = [
    "missing-from",
    "missing-conversation",
    "missing-type",
    "missing-service-url",
    "from-without-id",
    "from-not-an-object",
    "conversation-a-list",
    "type-a-number",
    "unknown-tenant-missing-conversation",
    "json-array",
    "json-string",
    "invalid-json",
    "not-utf-8",
]


def _post_raw(world: TeamsWorld, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(
        world.server.url + "/api/messages",
        content=body,
        headers={"Content-Type": "application/json", **(headers or {})},
        timeout=30,
        trust_env=False,
    )


def _assert_one_line(caplog: pytest.LogCaptureFixture, says: str) -> None:
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING and r.name != "bot.server"]
    assert [r.name for r in warnings] == ["bot.teams.http"]
    assert says in warnings[0].getMessage()
    assert warnings[0].exc_info is None
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("name", HOSTILE)
def test_an_activity_teams_would_never_send_gets_400_and_one_log_line(
    teams_world: TeamsWorld, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.set_level(logging.INFO)

    response = _post_raw(teams_world, _hostile_bodies(teams_world)[name])

    assert response.status_code == 400
    _assert_one_line(caplog, says=f"(400): {response.text}")
    assert teams_world.connector.calls == []
    assert teams_world.count(ProcessedEventRow) == 0
    assert teams_world.say(JONAS, "hjælp").status_code == 200
    assert len(teams_world.connector.sent(personal_conversation(JONAS))) == 1


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("missing-from", "an activity needs from.id"),
        ("missing-conversation", "an activity needs conversation.id"),
        ("missing-type", "an activity needs a type"),
        ("json-array", "expected an activity (a JSON object)"),
        ("invalid-json", "malformed JSON"),
    ],
)
def test_the_400_names_what_the_activity_lacks(teams_world: TeamsWorld, name: str, reason: str) -> None:
    response = _post_raw(teams_world, _hostile_bodies(teams_world)[name])

    assert (response.status_code, response.text) == (400, reason)


@pytest.mark.parametrize("name", HOSTILE)
def test_with_an_app_id_a_bad_activity_without_a_token_still_gets_401_first(
    secured_world: TeamsWorld, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.set_level(logging.INFO)

    response = _post_raw(secured_world, _hostile_bodies(secured_world)[name])

    assert response.status_code == 401
    _assert_one_line(caplog, says="(401): missing Authorization")
    assert secured_world.connector.calls == []


@pytest.mark.parametrize("name", ["missing-from", "missing-conversation", "missing-type", "invalid-json"])
def test_with_an_app_id_a_bad_activity_with_a_token_gets_400(
    secured_world: TeamsWorld, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.set_level(logging.INFO)

    response = _post_raw(
        secured_world, _hostile_bodies(secured_world)[name], headers={"Authorization": "Bearer not-a-jwt"}
    )

    assert response.status_code == 400
    _assert_one_line(caplog, says="(400)")
    assert secured_world.connector.calls == []


def test_a_personal_message_records_its_activity_id_in_the_requests_own_transaction(
    teams_world: TeamsWorld,
) -> None:
    engine = teams_world.server.app[RUNTIME_KEY].runtime.engine  # type: ignore[index]
    watched = Transactions()
    watched.watch(engine)
    try:
        response = teams_world.say(JONAS, "sparring Budgettet er skredet")
    finally:
        watched.forget(engine)

    assert response.status_code == 200
    [request] = [t for t in watched.committed if "INSERT INTO SPARRING_REQUEST" in t]
    assert "INSERT INTO PROCESSED_EVENT" in request
    assert not any("INSERT INTO PROCESSED_EVENT" in t for t in watched.committed if t is not request)
