"""The longest inputs and the many-option questions on Slack and Teams, over the real protocols.

Everything the fake Slack Web API and the fake Bot Connector recorded is checked against the
platforms' limits (tests/platforms/limits.py), not only the message each test looks at.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot.teams.settings import TeamsSettings
from handlers.sparring.commands import MAX_REQUEST_CHARS
from handlers.sparring.expertise import BUILTIN_AREAS
from tests.platforms.conftest import JONAS, TEAM, SlackWorld
from tests.platforms.limits import activity_problems, slack_problems
from tests.platforms.slack_fakes import (
    block_actions_from_message,
    event,
    interactive,
    message_event,
    slash_command,
)
from tests.platforms.teams_fakes import personal_conversation
from tests.platforms.teams_scenario import ANNA as ANNA_TEAMS
from tests.platforms.teams_scenario import JONAS as TEAMS_JONAS
from tests.platforms.teams_scenario import METTE as METTE_TEAMS
from tests.platforms.teams_world import TeamsWorld, running_teams_world
from tests.platforms.test_slack_interactions import ask_by_slash_command, dms, response_at, settle

BUDGET = "Budgettet er overskredet med 15 %, hvordan fremlægger jeg det for styregruppen? "
ANGLES = (BUDGET + "a&<> b&<> " * MAX_REQUEST_CHARS)[:MAX_REQUEST_CHARS]  # triples when escaped
EMOJI = (BUDGET + "😀" * MAX_REQUEST_CHARS)[:MAX_REQUEST_CHARS]  # twelve bytes each as card JSON
VAGUE = "sparring Kan vi tage en snak om det hele på torsdag?"
COORDINATOR = "U01MET"  # Mette Holm
AREA_COUNT = len(BUILTIN_AREAS) + 1  # and the sample client's own area


@pytest.fixture
def teams(database_url: str) -> Iterator[TeamsWorld]:
    yield from running_teams_world(database_url, TeamsSettings.local())


def all_slack_problems(world: SlackWorld) -> list[str]:
    calls = [*world.slack.calls("chat.postMessage"), *world.slack.calls("response_url")]
    return [problem for call in calls for problem in slack_problems(call.params.get("blocks") or [])]


def all_teams_problems(world: TeamsWorld) -> list[str]:
    sent = [*world.connector.sent(), *world.connector.updated()]
    return [problem for call in sent for problem in activity_problems(call.body)]


def section_text(blocks: list[dict[str, Any]]) -> str:
    return html.unescape(
        "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b)
    )


# --- Slack -------------------------------------------------------------------------------------------


def test_a_slack_offer_of_the_longest_escaped_request_keeps_the_deadline_and_both_buttons(
    slack_world: SlackWorld,
) -> None:
    offer = ask_by_slash_command(slack_world, ANGLES)
    settle(slack_world)

    text = section_text(offer.blocks)
    assert "Svar venligst senest" in text
    assert "…”\nSkriv vis S-1 for hele teksten." in text
    buttons = [e["action_id"] for b in offer.blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["accept:S-1", "decline:S-1"]
    assert all_slack_problems(slack_world) == []


def test_the_coordinators_note_on_the_longest_unroutable_request_keeps_the_reason_and_the_tildel_hint(
    slack_world: SlackWorld,
) -> None:
    # Nobody in the sample client knows agile project management, so the coordinator gets it.
    text = ("Vores scrum sprint retrospektiv og kanban er kaos. " + "a&<> b&<> " * MAX_REQUEST_CHARS)[
        :MAX_REQUEST_CHARS
    ]
    slack_world.send(event(message_event(JONAS, f"sparring {text}", f"D{JONAS}", team_id=TEAM), team_id=TEAM))

    [note] = dms(slack_world, COORDINATOR)
    shown = section_text(note.blocks)
    assert "Ingen seniorprojektleder med kompetence i agil projektledelse er ledig lige nu." in shown
    assert shown.endswith("Eller skriv: tildel S-1 navn-eller-mail")
    assert "Skriv vis S-1 for hele teksten." in shown
    assert [e["action_id"] for b in note.blocks if b["type"] == "actions" for e in b["elements"]]
    settle(slack_world)
    assert all_slack_problems(slack_world) == []


def test_vis_shows_the_senior_the_whole_escaped_request_over_several_sections(
    slack_world: SlackWorld,
) -> None:
    offer = ask_by_slash_command(slack_world, ANGLES)
    senior = str(offer.params["channel"])[1:]
    before = len(slack_world.dms_to(senior))

    slack_world.send(event(message_event(senior, "vis S-1", f"D{senior}", team_id=TEAM), team_id=TEAM))

    shown = dms(slack_world, senior, before + 1)[-1]
    sections = [b for b in shown.blocks if b["type"] == "section"]
    assert len(sections) >= 3
    assert "".join(ANGLES.split()) in "".join(section_text(shown.blocks).split())
    assert all_slack_problems(slack_world) == []


def test_slack_offers_every_area_in_a_select_and_the_chosen_one_routes_the_request(
    slack_world: SlackWorld,
) -> None:
    slack_world.send(event(message_event(JONAS, VAGUE, f"D{JONAS}", team_id=TEAM), team_id=TEAM))
    [question] = dms(slack_world, JONAS)
    [select] = [e for b in question.blocks if b["type"] == "actions" for e in b["elements"]]
    assert select["type"] == "static_select"
    assert len(select["options"]) == AREA_COUNT
    assert all(not o["text"]["text"].endswith("…") for o in select["options"])

    url = slack_world.slack.response_url("area")
    payload = block_actions_from_message(
        question, select["action_id"], JONAS, TEAM, url, selected_value="area:S-1:budget"
    )
    slack_world.send(interactive(payload))

    answer = response_at(slack_world, url)
    assert "S-1 (Budgettering) er sendt til" in section_text(answer.params["blocks"])
    assert all_slack_problems(slack_world) == []


# --- Teams -------------------------------------------------------------------------------------------


def test_a_teams_offer_of_the_longest_request_in_emoji_fits_the_message_size_and_keeps_the_deadline(
    teams: TeamsWorld,
) -> None:
    teams.install(ANNA_TEAMS)
    teams.say(TEAMS_JONAS, f"sparring {EMOJI}")

    [offer] = teams.connector.wait_for(personal_conversation(ANNA_TEAMS))
    [card] = offer.cards
    lines = [i["text"] for b in card["body"] if b["type"] == "RichTextBlock" for i in b["inlines"]]
    # Whole or shortened (the renderer tests show both), the deadline is the last line.
    assert lines[1].startswith("“Budgettet er overskredet")
    assert lines[-1].startswith("Svar venligst senest")
    assert [a["data"]["action"] for a in card["actions"]] == ["accept:S-1", "decline:S-1"]
    assert all_teams_problems(teams) == []


def test_teams_offers_every_area_in_a_choice_list_and_the_chosen_one_routes_the_request(
    teams: TeamsWorld,
) -> None:
    teams.say(TEAMS_JONAS, VAGUE)
    [question] = teams.connector.sent(personal_conversation(TEAMS_JONAS))
    [card] = question.cards
    [choices] = [b for b in card["body"] if b["type"] == "Input.ChoiceSet"]
    assert len(choices["choices"]) == AREA_COUNT
    assert all(not c["title"].endswith("…") for c in choices["choices"])
    [choose] = card["actions"]

    invoke = teams.activity(
        "invoke_adaptive_card_action_execute",
        TEAMS_JONAS,
        conversation=personal_conversation(TEAMS_JONAS),
        replyToId=question.activity_id,
    )
    # Teams merges the card's inputs into the action's data.
    invoke["value"]["action"] = {**choose, "data": {**choose["data"], choices["id"]: "area:S-1:budget"}}
    response = teams.post(invoke)

    assert response.status_code == 200
    shown = json.dumps(response.json()["value"], ensure_ascii=False)
    assert "S-1 (Budgettering) er sendt til" in shown
    assert all_teams_problems(teams) == []
    assert activity_problems({"attachments": [{"content": response.json()["value"]}]}) == []


# --- the key figures ---------------------------------------------------------------------------------


def test_slack_shows_the_key_figures_as_headers_and_fields(slack_world: SlackWorld) -> None:
    response = slack_world.send(slash_command(TEAM, COORDINATOR, "kpi"))

    blocks = response.json()["blocks"]
    assert slack_problems(blocks) == []
    assert [b["type"] for b in blocks[:3]] == ["section", "header", "section"]
    assert re.fullmatch(r"Sparring, [1-4]\. kvartal \d{4}", blocks[0]["text"]["text"])
    assert blocks[1]["text"]["text"] == "Forespørgsler"
    assert blocks[2]["fields"][0]["text"] == "*Nye forespørgsler*\n0"


def test_teams_shows_the_key_figures_as_headings_and_fact_sets(teams: TeamsWorld) -> None:
    teams.say(METTE_TEAMS, "kpi")

    [answer] = teams.connector.sent(personal_conversation(METTE_TEAMS))
    [card] = answer.cards
    assert all_teams_problems(teams) == []
    kinds = [b["type"] for b in card["body"]]
    assert kinds[:3] == ["RichTextBlock", "RichTextBlock", "FactSet"]
    assert card["body"][1]["inlines"][0] == {"type": "TextRun", "text": "Forespørgsler", "weight": "bolder"}
    assert card["body"][2]["facts"][0] == {"title": "Nye forespørgsler", "value": "0"}
