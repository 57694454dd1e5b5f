"""Sparring in Slack over the real protocol: signed requests in, Web API calls out (to a fake Slack)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from sqlmodel import Session, select

from storage.db import make_engine
from storage.tables import SparringRequestRow
from tests.platforms.conftest import ANNA, JONAS, TEAM, SlackWorld
from tests.platforms.slack_fakes import block_actions_from_message, interactive, slash_command
from tests.platforms.test_slack_fakes import FIXTURES


def test_the_server_decodes_a_slash_command_form_as_slack_sends_it(slack_world: SlackWorld) -> None:
    # Slack's own bytes (bolt's fixture), made the sample client's: the percent-encoding, the "+" for
    # spaces and UTF-8 are decoded by the server, not by our fake's encoder.
    raw = (FIXTURES / "slash_command.form.txt").read_bytes().strip()
    for theirs, ours in (
        (b"team_id=T111", f"team_id={TEAM}".encode()),
        (b"user_id=W111", f"user_id={JONAS}".encode()),
        (b"command=%2Fhello-world", b"command=%2Fsparring"),
        (b"text=Hi", b"text=Budgettet+er+skredet%2C+hvad+g%C3%B8r+jeg%3F"),
    ):
        assert theirs in raw
        raw = raw.replace(theirs, ours)

    response = slack_world.send((raw, "application/x-www-form-urlencoded"))

    assert response.status_code == 200
    assert "S-1" in json.dumps(response.json(), ensure_ascii=False)
    engine = make_engine(slack_world.database_url)
    try:
        with Session(engine) as session:
            [stored] = session.exec(select(SparringRequestRow)).all()
    finally:
        engine.dispose()
    assert stored.text == "Budgettet er skredet, hvad gør jeg?"


def test_slash_command_with_text_is_acked_with_the_reference_area_and_senior(slack_world: SlackWorld) -> None:
    response = slack_world.send(
        slash_command(TEAM, JONAS, "Hvordan håndterer jeg, at budgettet er overskredet?")
    )

    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    text = json.dumps(body["blocks"], ensure_ascii=False)
    assert "S-1" in text
    assert "Budgettering" in text
    assert "Anna Berg" in text


def test_the_senior_gets_a_dm_with_accept_and_decline_and_a_click_updates_it_in_place(
    slack_world: SlackWorld,
) -> None:
    slack_world.send(slash_command(TEAM, JONAS, "Budgettet er skredet, hvad gør jeg?"))
    [offer] = slack_world.slack.wait_for("chat.postMessage")
    buttons = [e["action_id"] for b in offer.blocks if b["type"] == "actions" for e in b["elements"]]

    click = block_actions_from_message(
        offer, "accept:S-1", ANNA, TEAM, slack_world.slack.response_url("accept")
    )
    response = slack_world.send(interactive(click))

    assert offer.params["channel"] == f"D{ANNA}"
    assert buttons == ["accept:S-1", "decline:S-1"]
    assert response.status_code == 200
    [update] = slack_world.slack.wait_for("response_url")
    assert update.params["replace_original"] is True
    assert all(block["type"] != "actions" for block in update.params["blocks"])
    told = slack_world.slack.wait_for("chat.postMessage", count=2)[1]
    assert told.params["channel"] == f"D{JONAS}"
    assert "Anna Berg har accepteret S-1" in told.params["text"]


def test_a_bad_signature_gets_401_and_reaches_no_handler(slack_world: SlackWorld) -> None:
    body, content_type = slash_command(TEAM, JONAS, "Budgettet")
    response = slack_world.send((body, content_type), headers={"X-Slack-Signature": "v0=" + "0" * 64})

    assert response.status_code == 401
    assert slack_world.slack.calls("chat.postMessage") == []


def test_a_stale_timestamp_gets_401(slack_world: SlackWorld) -> None:
    import time

    response = slack_world.send(slash_command(TEAM, JONAS, "Budgettet"), timestamp=int(time.time()) - 600)

    assert response.status_code == 401


def test_health_is_reported(slack_world: SlackWorld) -> None:
    response = slack_world.server.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"healthy": True, "database": "ok", "tick": "ok"}


def test_slash_command_form_decodes_like_slack_sends_it(slack_world: SlackWorld) -> None:
    body, _ = slash_command(TEAM, JONAS, "status")

    assert parse_qs(body.decode())["command"] == ["/sparring"]
