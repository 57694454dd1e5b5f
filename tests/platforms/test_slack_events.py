"""Slack events over the real protocol: App Home, DM commands, mentions, reactions and Slack's retries."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from storage.challenge_store import SqlVotes
from storage.tables import ChallengeVoteRow, SparringRequestRow
from tests.platforms.conftest import ANNA, JONAS, METTE, TEAM, SlackWorld
from tests.platforms.slack_fakes import (
    Call,
    SlackClient,
    app_home_opened_event,
    app_mention_event,
    event,
    message_event,
    reaction_event,
    retry_headers,
)
from tests.platforms.stored import post_challenge, votes
from tests.platforms.test_slack_interactions import ask_by_slash_command, count_rows, dms, settle, text_of


def open_home(world: SlackWorld, user: str) -> Call:
    response = world.send(event(app_home_opened_event(user), TEAM))
    assert response.status_code == 200
    [published] = world.slack.wait_for("views.publish")
    return published


def headers_of(published: Call) -> list[str]:
    return [b["text"]["text"] for b in published.params["view"]["blocks"] if b["type"] == "header"]


# --- 5. App Home -----------------------------------------------------------------------------------


def test_the_app_home_shows_a_requester_their_own_requests_only(slack_world: SlackWorld) -> None:
    ask_by_slash_command(slack_world)
    published = open_home(slack_world, JONAS)

    assert published.params["user_id"] == JONAS
    assert published.params["view"]["type"] == "home"
    assert headers_of(published) == ["Dine forespørgsler"]
    assert "S-1 · Budgettering · venter på svar fra Anna Berg siden" in text_of(published)


def test_the_app_home_shows_a_senior_her_queue_as_what_waits_for_her(slack_world: SlackWorld) -> None:
    ask_by_slash_command(slack_world)
    published = open_home(slack_world, ANNA)

    assert published.params["user_id"] == ANNA
    assert headers_of(published) == ["Dine forespørgsler", "Venter på dig"]
    assert "Dine åbne forespørgsler (1)" in text_of(published)
    assert "S-1 · Budgettering · fra Jonas Friis · har ventet" in text_of(published)
    assert "Skriv acceptér S-1 eller afvis S-1." in text_of(published)


def test_the_app_home_shows_the_coordinator_what_waits_for_her(slack_world: SlackWorld) -> None:
    published = open_home(slack_world, METTE)

    assert headers_of(published)[:3] == ["Dine forespørgsler", "Venter på dig", "Sparringsordningen"]
    assert "Intet venter på dig lige nu." in text_of(published)


def test_the_app_home_shows_the_coordinator_the_kpis(slack_world: SlackWorld) -> None:
    published = open_home(slack_world, METTE)

    assert published.params["user_id"] == METTE
    assert "Sparringsordningen" in headers_of(published)
    assert "Timer" in headers_of(published)  # a header per section of figures, then its fields
    assert "*Brugte timer*\\n0 af 60 (0 %)" in text_of(published)


# --- 6. DM commands and mentions -------------------------------------------------------------------


def test_status_typed_in_the_bots_dm_is_answered_by_dm(slack_world: SlackWorld) -> None:
    response = slack_world.send(event(message_event(JONAS, "status", f"D{JONAS}"), TEAM))
    [reply] = dms(slack_world, JONAS)

    assert response.status_code == 200
    assert "Du har ingen sparringsforespørgsler endnu" in text_of(reply)


def test_a_senior_mentioned_beside_the_bot_is_the_one_asked_for(slack_world: SlackWorld) -> None:
    mention = app_mention_event(JONAS, "<@UBOT> sparring <@U01SOD> Budgettet er skredet", "C0PROJEKT")
    slack_world.send(event(mention, TEAM))
    [reply] = dms(slack_world, JONAS)
    settle(slack_world)

    assert "S-1 (Budgettering) er sendt til Sofie Dahl" in text_of(reply)
    assert "Du bad selv om Sofie Dahl." in text_of(reply)


def test_a_mention_in_a_channel_is_answered_privately_by_dm(slack_world: SlackWorld) -> None:
    mention = app_mention_event(JONAS, "<@UBOT> hjælp", "C0PROJEKT")
    response = slack_world.send(event(mention, TEAM))
    [reply] = dms(slack_world, JONAS)
    settle(slack_world)

    assert response.status_code == 200
    assert "Dette er jeres virtuelle projektkontor" in text_of(reply)
    assert [
        c for c in slack_world.slack.calls("chat.postMessage") if c.params["channel"] == "C0PROJEKT"
    ] == []


# --- 7. reactions ----------------------------------------------------------------------------------

CHALLENGE_TS = "1700000000.000100"


def posted_challenge(world: SlackWorld) -> int:
    """Have challenge 1 posted in the challenge channel (C0CHALL) under CHALLENGE_TS; return its number."""
    return post_challenge(world.database_url, "C0CHALL", f"C0CHALL:{CHALLENGE_TS}")


def deliver_thumbsup(world: SlackWorld, *, added: bool, event_id: str) -> list[int]:
    """Deliver Jonas's :thumbsup: on the challenge's post (added or removed) five times at once, as Slack
    might: under ``event_id`` with its redeliveries 1 and 2, and twice more under fresh event ids."""
    reaction = reaction_event(JONAS, "thumbsup", "C0CHALL", CHALLENGE_TS, added=added)
    deliveries = [(event(reaction, TEAM, event_id), retry_headers(n) if n else None) for n in range(3)]
    deliveries += [(event(reaction, TEAM), None) for _ in range(2)]

    async def send_all() -> list[httpx.Response]:
        async with SlackClient(world.server.url) as client:
            sends = (client.send("/slack/events", p, signer=world.signer, headers=h) for p, h in deliveries)
            return list(await asyncio.gather(*sends))

    return [response.status_code for response in asyncio.run(send_all())]


def test_replayed_and_duplicated_reactions_are_one_vote_added_and_withdrawn_once(
    slack_world: SlackWorld,
) -> None:
    number = posted_challenge(slack_world)
    added = deliver_thumbsup(slack_world, added=True, event_id="Ev0ADDED001")
    settle(slack_world)
    after_adding = votes(slack_world.database_url)
    removed = deliver_thumbsup(slack_world, added=False, event_id="Ev0REMOVED1")
    settle(slack_world)

    assert added == removed == [200] * 5
    assert after_adding == [(1, number, f"slack:{JONAS}", "thumbsup", True)]
    # The set keeps the key's latest state: withdrawn.
    assert votes(slack_world.database_url) == [(1, number, f"slack:{JONAS}", "thumbsup", False)]


def test_a_reaction_that_failed_to_be_stored_is_stored_on_slacks_retry(
    slack_world: SlackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = posted_challenge(slack_world)
    failures: list[str] = []

    def fail_once(self: SqlVotes, *args: object) -> bool:
        # The database fails while the first delivery is stored: its event id must not stay behind.
        failures.append("votes.record")
        monkeypatch.undo()
        raise OperationalError("INSERT INTO challenge_vote", {}, Exception("database gone for a moment"))

    monkeypatch.setattr(SqlVotes, "record", fail_once)
    reaction = reaction_event(JONAS, "thumbsup", "C0CHALL", CHALLENGE_TS)
    first = slack_world.send(event(reaction, TEAM, "Ev0FAILED01"))
    settle(slack_world)
    retry = slack_world.send(event(reaction, TEAM, "Ev0FAILED01"), headers=retry_headers(1))
    settle(slack_world)

    assert failures == ["votes.record"]
    assert (first.status_code, retry.status_code) == (200, 200)
    assert votes(slack_world.database_url) == [(1, number, f"slack:{JONAS}", "thumbsup", True)]


def test_a_reaction_on_a_message_that_is_no_challenges_post_is_not_stored(slack_world: SlackWorld) -> None:
    offer = ask_by_slash_command(slack_world)
    settle(slack_world)
    posted_challenge(slack_world)
    on_the_offer = reaction_event(JONAS, "thumbsup", offer.response["channel"], offer.response["ts"])
    annas_own_message = reaction_event(
        ANNA, "thumbsup", offer.response["channel"], "1700000099.000100", item_user=ANNA
    )
    in_a_channel = reaction_event(ANNA, "thumbsup", "C0PROJEKT", CHALLENGE_TS, item_user=JONAS)
    not_a_vote = reaction_event(ANNA, "eyes", "C0CHALL", CHALLENGE_TS)
    sent = (on_the_offer, annas_own_message, in_a_channel, not_a_vote)
    responses = [slack_world.send(event(e, TEAM)) for e in sent]
    settle(slack_world)

    assert [r.status_code for r in responses] == [200] * 4
    assert count_rows(slack_world, ChallengeVoteRow) == 0


# --- 8. Slack's retries ----------------------------------------------------------------------------


def test_a_redelivered_dm_creates_one_request_and_one_offer(slack_world: SlackWorld) -> None:
    message = message_event(JONAS, "sparring " + "Budgettet er skredet, hvad gør jeg?", f"D{JONAS}")
    payload = event(message, TEAM, "Ev0RETRIED01")
    responses = [slack_world.send(payload)]
    responses += [slack_world.send(payload, headers=retry_headers(n, "http_timeout")) for n in (1, 2)]
    settle(slack_world)

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert len(slack_world.dms_to(ANNA)) == 1
    [confirmation] = slack_world.dms_to(JONAS)
    assert "S-1 (Budgettering) er sendt til Anna Berg" in text_of(confirmation)
    assert count_rows(slack_world, SparringRequestRow) == 1
