"""What people and workspaces can get wrong over Slack: mrkdwn in requests, strangers, bad input."""

from __future__ import annotations

import json

from tests.platforms.conftest import ANNA, JONAS, METTE, TEAM, SlackWorld
from tests.platforms.slack_fakes import event, message_event, slash_command
from tests.platforms.test_slack_interactions import ask_by_slash_command, dms, settle, text_of

GUEST = "U0GUEST"
EMMA_ELSEWHERE = "U0EMMA2"  # a Slack id the tenant file does not list, whose e-mail is Emma's


# --- 9. mrkdwn injection ---------------------------------------------------------------------------


def test_mrkdwn_in_a_request_reaches_the_senior_escaped(slack_world: SlackWorld) -> None:
    hostile = "Budgettet er skredet <!channel> <!here> <@U01MET> <https://evil.example|bank> & co"
    offer = ask_by_slash_command(slack_world, hostile)
    shown = json.dumps([offer.params["text"], offer.blocks], ensure_ascii=False)

    assert offer.params["channel"] == f"D{ANNA}"
    assert "&lt;!channel&gt; &lt;!here&gt; &lt;@U01MET&gt;" in shown
    assert "&lt;https://evil.example|bank&gt; &amp; co" in shown
    for raw in ("<!channel>", "<!here>", "<@U01MET>", "<https://"):
        assert raw not in shown


# --- 10. people the tenant does not know -----------------------------------------------------------


def test_an_unknown_slack_user_gets_a_polite_answer_naming_the_coordinator_who_is_told(
    slack_world: SlackWorld,
) -> None:
    slack_world.slack.emails = {GUEST: "gaest@andetfirma.dk"}
    response = slack_world.send(
        slash_command(
            TEAM, GUEST, "Budgettet er skredet", response_url=slack_world.slack.response_url("guest")
        )
    )
    [answer] = slack_world.slack.wait_for("response_url")
    [note] = dms(slack_world, METTE)
    settle(slack_world)

    assert response.status_code == 200
    assert response.text == ""
    assert [c.params["user"] for c in slack_world.slack.calls("users.info")] == [GUEST]
    assert answer.params["response_type"] == "ephemeral"
    assert "jeg kender dig ikke i Nordlys Energi A/S" in text_of(answer)
    assert "koordinatoren (Mette Holm)" in text_of(answer)
    assert "gaest@andetfirma.dk" in text_of(note)
    assert len(slack_world.slack.calls("chat.postMessage")) == 1


def test_a_slack_user_with_an_unknown_id_but_a_known_email_is_recognised_and_answered_in_her_language(
    slack_world: SlackWorld,
) -> None:
    slack_world.slack.emails = {EMMA_ELSEWHERE: "emma.larsen@nordlys.dk"}
    response = slack_world.send(
        slash_command(TEAM, EMMA_ELSEWHERE, "status", response_url=slack_world.slack.response_url("emma"))
    )
    [answer] = slack_world.slack.wait_for("response_url")
    settle(slack_world)

    assert response.status_code == 200
    assert "You have no sparring requests yet." in text_of(answer)
    assert slack_world.dms_to(METTE) == []


def test_an_unknown_slack_user_writing_by_dm_gets_the_polite_answer_there(slack_world: SlackWorld) -> None:
    slack_world.slack.emails = {GUEST: "gaest@andetfirma.dk"}
    response = slack_world.send(event(message_event(GUEST, "hjælp", f"D{GUEST}"), TEAM))
    [note] = dms(slack_world, METTE)
    settle(slack_world)

    assert response.status_code == 200
    assert "gaest@andetfirma.dk" in text_of(note)
    [answer] = slack_world.dms_to(GUEST)
    assert "koordinatoren (Mette Holm)" in text_of(answer)


def test_a_person_recognised_by_email_is_answered_in_the_dm_she_wrote_from(slack_world: SlackWorld) -> None:
    slack_world.slack.emails = {EMMA_ELSEWHERE: "emma.larsen@nordlys.dk"}
    slack_world.send(event(message_event(EMMA_ELSEWHERE, "status", f"D{EMMA_ELSEWHERE}"), TEAM))
    settle(slack_world)

    [answer] = slack_world.dms_to(EMMA_ELSEWHERE)
    assert "You have no sparring requests yet." in text_of(answer)


# --- 11. a workspace no tenant has -----------------------------------------------------------------


def test_a_command_from_an_unconnected_workspace_is_answered_ephemerally_and_nothing_is_posted(
    slack_world: SlackWorld,
) -> None:
    response = slack_world.send(slash_command("T0STRANGER", JONAS, "Budgettet er skredet"))
    settle(slack_world)

    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert "Dette Slack-workspace er endnu ikke koblet til en kundeorganisation" in body["text"]
    assert slack_world.slack.calls("chat.postMessage") == []
    assert slack_world.slack.calls("views.open") == []


# --- 12. malformed commands and overlong text ------------------------------------------------------


def test_a_malformed_subcommand_is_answered_with_its_usage(slack_world: SlackWorld) -> None:
    response = slack_world.send(slash_command(TEAM, ANNA, "done S-1"))

    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert "Skriv: færdig S-42 1,5" in body["text"]


def test_a_request_of_5000_characters_is_refused_as_too_long(slack_world: SlackWorld) -> None:
    text = ("Budgettet skrider, og styregruppen vil have en plan. " * 100)[:5000]
    response = slack_world.send(slash_command(TEAM, JONAS, text))
    settle(slack_world)

    assert len(text.strip()) == 5000
    assert response.status_code == 200
    assert "Din tekst er på 5.000 tegn; hold den under 2.000." in response.json()["text"]
    assert slack_world.slack.calls("chat.postMessage") == []
