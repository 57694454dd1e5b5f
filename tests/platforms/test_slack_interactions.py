"""Slack interactions over the real protocol: the intake modal, buttons, feedback and message shortcuts.

Every test sends signed, real-shaped requests to vpmo's server and asserts on what the bot sent to
the fake Slack Web API (or to a ``response_url``). Shared helpers live here and are imported by the
other ``test_slack_*`` modules.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.server import RUNTIME_KEY
from tests.platforms.conftest import ANNA, JONAS, SOFIE, TEAM, SlackWorld, running_slack_world
from tests.platforms.slack_fakes import (
    Call,
    block_actions_from_message,
    event,
    interactive,
    message_event,
    message_shortcut,
    slash_command,
    view_submission_from_view,
)

BUDGET_QUESTION = "Budgettet er overskredet med 15 %, hvordan fremlægger jeg det for styregruppen?"


# --- helpers shared by the test_slack_* modules -----------------------------------------------------


def text_of(call: Call) -> str:
    """Return everything a message or view shows (fallback text and blocks) as one searchable string."""
    params = call.params
    return json.dumps([params.get("text", ""), call.blocks], ensure_ascii=False)


def button_ids(blocks: list[dict[str, Any]]) -> list[str]:
    """Return the action ids of the buttons in the blocks, in order."""
    return [e["action_id"] for b in blocks if b.get("type") == "actions" for e in b["elements"]]


async def _work_running(world: SlackWorld) -> int:
    # The listeners ack, then hand their work to the bridge, which runs it after the answer.
    return sum(bridge.background_work() for bridge in world.server.app[RUNTIME_KEY].bridges)  # type: ignore[index]


def settle(world: SlackWorld, timeout: float = 5.0) -> None:
    """Wait until every listener the requests started has finished and the outbox has sent everything."""
    outbox = world.server.app[RUNTIME_KEY].runtime.outbox  # type: ignore[index]
    deadline = time.monotonic() + timeout
    while True:
        # The work first, then the outbox: what the work queued before it ended is in the outbox then.
        # (Read the other way round, work that queues and ends between the two reads looks settled.)
        working = world.server.call(_work_running(world))
        counts = outbox.counts()
        if not working and not counts.get("pending") and not counts.get("sending"):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the server did not settle in {timeout} s (outbox: {counts})")
        time.sleep(0.02)


def count_rows(world: SlackWorld, table: type[Any]) -> int:
    """Return how many rows a table holds (read through the server's own engine)."""
    engine = world.server.app[RUNTIME_KEY].runtime.engine  # type: ignore[index]
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def clicked_message(posted: Call, replacement: Call) -> Call:
    """Return the posted message as it looks after a ``replace_original`` answer to its response_url."""
    blocks = replacement.params["blocks"]
    message = {**posted.response["message"], "blocks": blocks, "text": replacement.params.get("text", "")}
    return dataclasses.replace(
        posted, params={**posted.params, "blocks": blocks}, response={**posted.response, "message": message}
    )


def response_at(world: SlackWorld, url: str, timeout: float = 5.0) -> Call:
    """Wait for the bot's one answer to a ``response_url`` and return it."""
    deadline = time.monotonic() + timeout
    while True:
        answers = [c for c in world.slack.calls("response_url") if url.endswith(c.path)]
        if answers:
            [answer] = answers
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing was posted to {url} in {timeout} s")
        time.sleep(0.01)


def ask_by_slash_command(world: SlackWorld, text: str = BUDGET_QUESTION, user: str = JONAS) -> Call:
    """Ask for sparring with ``/sparring <text>`` and return the offer DM the routed senior gets."""
    response = world.send(slash_command(TEAM, user, text))
    assert response.status_code == 200
    [offer] = world.slack.wait_for("chat.postMessage")
    return offer


def dms(world: SlackWorld, user: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
    """Wait until the bot has posted ``count`` DMs to the user and return them all, oldest first."""
    deadline = time.monotonic() + timeout
    while len(world.dms_to(user)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{user} got {len(world.dms_to(user))} DM(s), expected {count}")
        time.sleep(0.01)
    return world.dms_to(user)


# --- 1. the intake modal ---------------------------------------------------------------------------


def open_intake(world: SlackWorld, response_url: str) -> tuple[Any, Call]:
    response = world.send(slash_command(TEAM, JONAS, "", response_url=response_url))
    [opened] = world.slack.wait_for("views.open")
    return response, opened


def test_sparring_alone_is_acked_and_opens_the_intake_modal(slack_world: SlackWorld) -> None:
    response, opened = open_intake(slack_world, slack_world.slack.response_url("intake"))

    assert response.status_code == 200
    assert response.text == ""
    view = opened.params["view"]
    assert view["type"] == "modal"
    assert view["callback_id"] == "sparring_intake"
    assert [block["block_id"] for block in view["blocks"]] == ["area", "text", "urgency", "preferred"]
    assert opened.params["trigger_id"]


def test_submitting_the_intake_modal_offers_the_request_and_confirms_at_the_commands_response_url(
    slack_world: SlackWorld,
) -> None:
    response_url = slack_world.slack.response_url("intake")
    _, opened = open_intake(slack_world, response_url)
    submission = view_submission_from_view(
        opened,
        {"area": {"area": "budget"}, "text": {"text": BUDGET_QUESTION}, "urgency": {"urgency": "urgent"}},
        JONAS,
    )
    response = slack_world.send(interactive(submission))
    [offer] = slack_world.slack.wait_for("chat.postMessage")
    confirmation = response_at(slack_world, response_url)

    assert response.status_code == 200
    assert response.text == ""
    assert json.loads(opened.params["view"]["private_metadata"])["response_url"] == response_url
    assert offer.params["channel"] == f"D{ANNA}"
    assert "S-1" in offer.params["text"]
    assert "hastegrad: Haster" in offer.params["text"]
    assert button_ids(offer.blocks) == ["accept:S-1", "decline:S-1"]
    assert confirmation.params["response_type"] == "ephemeral"
    assert "S-1 (Budgettering) er sendt til Anna Berg" in text_of(confirmation)


def test_an_intake_modal_without_a_description_is_refused_on_the_text_block(slack_world: SlackWorld) -> None:
    _, opened = open_intake(slack_world, slack_world.slack.response_url("intake"))
    submission = view_submission_from_view(
        opened, {"area": {"area": "budget"}, "text": {"text": "   "}, "urgency": {"urgency": "normal"}}, JONAS
    )
    response = slack_world.send(interactive(submission))
    settle(slack_world)

    assert response.status_code == 200
    assert response.json() == {
        "response_action": "errors",
        "errors": {"text": "Beskriv venligst, hvad du har brug for hjælp til."},
    }
    assert slack_world.slack.calls("chat.postMessage") == []
    assert slack_world.slack.calls("response_url") == []


def test_the_senior_chosen_in_the_intake_modal_gets_the_offer(slack_world: SlackWorld) -> None:
    response_url = slack_world.slack.response_url("intake")
    _, opened = open_intake(slack_world, response_url)
    values = {
        "area": {"area": "budget"},
        "text": {"text": BUDGET_QUESTION},
        "urgency": {"urgency": "normal"},
        "preferred": {"preferred": "sofie.dahl@nordlys.dk"},
    }
    slack_world.send(interactive(view_submission_from_view(opened, values, JONAS)))
    [offer] = slack_world.slack.wait_for("chat.postMessage")
    confirmation = response_at(slack_world, response_url)

    assert offer.params["channel"] == f"D{SOFIE}"
    assert "hastegrad: Normal" in offer.params["text"]
    assert "Du bad selv om Sofie Dahl." in text_of(confirmation)


# --- 2. declining --------------------------------------------------------------------------------


def test_declining_replaces_the_offer_without_buttons_and_moves_the_request_on_to_sofie(
    slack_world: SlackWorld,
) -> None:
    offer = ask_by_slash_command(slack_world)
    click = block_actions_from_message(
        offer, "decline:S-1", ANNA, TEAM, slack_world.slack.response_url("decline")
    )
    response = slack_world.send(interactive(click))
    replaced = response_at(slack_world, slack_world.slack.response_url("decline"))
    settle(slack_world)

    assert response.status_code == 200
    assert replaced.params["replace_original"] is True
    assert button_ids(replaced.params["blocks"]) == []
    assert "Ny sparringsforespørgsel S-1" in text_of(replaced)
    assert "Du har afvist S-1" in text_of(replaced)
    [offer_to_sofie] = slack_world.dms_to(SOFIE)
    assert "Ny sparringsforespørgsel S-1" in offer_to_sofie.params["text"]
    assert button_ids(offer_to_sofie.blocks) == ["accept:S-1", "decline:S-1"]
    [told] = slack_world.dms_to(JONAS)
    assert "Anna Berg kunne ikke tage S-1" in text_of(told)
    assert "S-1 er nu sendt til Sofie Dahl" in text_of(told)


# --- 3. after the session: hours and feedback ------------------------------------------------------


@pytest.fixture
def unpaced_world(database_url: str) -> Iterator[SlackWorld]:
    """A server with Slack's per-channel pace off, as ``VPMO_SLACK_PACE_SECONDS=0`` sets it."""
    with running_slack_world(database_url, pace_seconds=0.0) as world:
        yield world


def test_feedback_by_buttons_and_a_comment_modal_closes_the_request_and_tells_the_senior(
    unpaced_world: SlackWorld,
) -> None:
    # Anna and Jonas each get three DMs here; Slack's per-channel pace (1 s) is not under test.
    slack_world = unpaced_world
    slack = slack_world.slack
    offer = ask_by_slash_command(slack_world)
    accept = block_actions_from_message(offer, "accept:S-1", ANNA, TEAM, slack.response_url("accept"))
    slack_world.send(interactive(accept))
    slack_world.send(event(message_event(ANNA, "done S-1 1,5", f"D{ANNA}"), TEAM))
    accepted_dm, rating_dm = dms(slack_world, JONAS, count=2)

    rate = block_actions_from_message(rating_dm, "rate:S-1:4", JONAS, TEAM, slack.response_url("rate"))
    slack_world.send(interactive(rate))
    thanks = response_at(slack_world, slack.response_url("rate"))
    comment = block_actions_from_message(
        clicked_message(rating_dm, thanks), "comment:S-1", JONAS, TEAM, slack.response_url("comment")
    )
    slack_world.send(interactive(comment))
    [modal] = slack.wait_for("views.open")
    submitted = slack_world.send(
        interactive(
            view_submission_from_view(modal, {"comment": {"comment": "Gode råd om risikologgen"}}, JONAS)
        )
    )
    closed = response_at(slack_world, slack.response_url("comment"))
    settle(slack_world)
    _offer, held, feedback = slack_world.dms_to(ANNA)

    assert "Anna Berg har accepteret S-1" in text_of(accepted_dm)
    assert "Hvordan var din sparring S-1?" in text_of(rating_dm)
    assert button_ids(rating_dm.blocks) == [f"rate:S-1:{n}" for n in range(1, 6)]
    assert thanks.params["replace_original"] is True
    assert "Tak — du gav S-1 4 ud af 5" in text_of(thanks)
    assert button_ids(thanks.params["blocks"]) == ["comment:S-1", "no-comment:S-1"]
    assert modal.params["view"]["callback_id"] == "sparring_comment"
    assert submitted.status_code == 200
    assert json.loads(modal.params["view"]["private_metadata"])["number"] == 1
    assert "Tak for din feedback på S-1. Den er nu lukket" in text_of(closed)
    assert "S-1 er registreret som holdt med 1,5 timer" in text_of(held)
    assert "Feedback på S-1: 4 ud af 5" in text_of(feedback)
    assert "Gode råd om risikologgen" in text_of(feedback)


# --- 4. the message shortcut -----------------------------------------------------------------------


def test_the_message_shortcut_asks_about_the_message_and_answers_at_its_response_url(
    slack_world: SlackWorld,
) -> None:
    shortcut = message_shortcut(
        "ask_sparring_about_message",
        "Testplanen for release 2 mangler regressionstest og testdata. Hvordan prioriterer vi testcases?",
        JONAS,
        TEAM,
        response_url=slack_world.slack.response_url("shortcut"),
        message_user_id=ANNA,
    )
    response = slack_world.send(interactive(shortcut))
    [offer] = slack_world.slack.wait_for("chat.postMessage")
    answer = response_at(slack_world, slack_world.slack.response_url("shortcut"))

    assert response.status_code == 200
    assert response.text == ""
    assert offer.params["channel"] == f"D{SOFIE}"
    assert "Testplanen for release 2 mangler regressionstest" in text_of(offer)
    assert answer.params["response_type"] == "ephemeral"
    assert "S-1 (Test) er sendt til Sofie Dahl" in text_of(answer)
