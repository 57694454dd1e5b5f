"""A message's calendar invite on each platform: the link in Slack blocks, Teams cards and the console."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.adapters.render import render
from bot.console.messenger import ConsoleOutput
from bot.i18n import Reader
from bot.settings import Settings
from bot.slack.blocks import MAX_BLOCKS, OPEN_LINK_ACTION, message_payload
from bot.teams.cards import MAX_ACTIONS, message_card
from handlers.shared.text import Action, Fact, InviteFile, Message, Section, Text, Verbatim

DANISH = Reader("da", ZoneInfo("Europe/Copenhagen"))
ENGLISH = Reader("en", ZoneInfo("Europe/Copenhagen"))
PUBLIC = "https://vpmo.example.dk"
INVITE = InviteFile("Abc_123-xyz", "erfa-2027-spring.ics")


def message(*, actions: int = 3, sections: int = 0, invite: InviteFile | None = INVITE) -> Message:
    return Message(
        (Text.of("quote", text=Verbatim("ERFA: Gevinstrealisering i praksis")),),
        to_channel="C0ERFA",
        actions=tuple(Action(f"erfa:{n}", Text.of("invite.answer.maybe")) for n in range(actions)),
        sections=tuple(
            Section(
                Text.of("quote", text=Verbatim(f"S{n}")),
                (Fact(Text.of("invite.answer.none"), Text.of("invite.answer.none")),),
            )
            for n in range(sections)
        ),
        invite=invite,
    )


@pytest.mark.parametrize(("reader", "label"), [(DANISH, "Føj til kalender"), (ENGLISH, "Add to calendar")])
def test_an_invite_renders_as_a_link_to_the_public_url(reader: Reader, label: str) -> None:
    rendered = render(message(), reader, public_url=PUBLIC + "/")

    assert rendered.invite is not None
    assert rendered.invite.label == label
    assert rendered.invite.url == f"{PUBLIC}/invites/Abc_123-xyz.ics"
    assert rendered.invite.filename == "erfa-2027-spring.ics"


@pytest.mark.parametrize(
    ("reader", "label"), [(DANISH, "Fjern fra kalender"), (ENGLISH, "Remove from calendar")]
)
def test_a_cancelling_invite_says_it_takes_the_meeting_out_of_the_calendar(
    reader: Reader, label: str
) -> None:
    cancelling = InviteFile("Abc_123-xyz", "erfa-2027-spring.ics", cancels=True)

    rendered = render(message(invite=cancelling), reader, public_url=PUBLIC)

    assert rendered.invite is not None
    assert rendered.invite.label == label
    assert rendered.invite.url == f"{PUBLIC}/invites/Abc_123-xyz.ics"


def test_a_message_without_invite_has_no_link() -> None:
    assert render(message(invite=None), DANISH, public_url=PUBLIC).invite is None


def test_slack_shows_the_invite_as_a_url_button_after_the_answers() -> None:
    blocks = message_payload(message(), DANISH, public_url=PUBLIC)["blocks"]

    answers, link = blocks[-2], blocks[-1]
    assert [e["action_id"] for e in answers["elements"]] == ["erfa:0", "erfa:1", "erfa:2"]
    assert link["elements"] == [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Føj til kalender", "emoji": True},
            "action_id": OPEN_LINK_ACTION,
            "url": f"{PUBLIC}/invites/Abc_123-xyz.ics",
        }
    ]


def test_slack_keeps_the_invite_when_a_message_is_cut_to_fifty_blocks() -> None:
    blocks = message_payload(message(sections=40), DANISH, public_url=PUBLIC)["blocks"]

    assert len(blocks) == MAX_BLOCKS
    assert blocks[-1]["elements"][0]["action_id"] == OPEN_LINK_ACTION


def test_slack_leaves_out_a_link_longer_than_it_takes() -> None:
    blocks = message_payload(message(), DANISH, public_url=PUBLIC + "/" + "x" * 3000)["blocks"]

    assert all("url" not in e for b in blocks if b["type"] == "actions" for e in b["elements"])


def test_teams_offers_the_invite_as_open_url_after_as_many_buttons_as_a_row_holds() -> None:
    card = message_card(message(actions=5), DANISH, public_url=PUBLIC)

    assert card is not None
    assert len(card["actions"]) == MAX_ACTIONS
    assert card["actions"][-1] == {
        "type": "Action.OpenUrl",
        "title": "Føj til kalender",
        "url": f"{PUBLIC}/invites/Abc_123-xyz.ics",
    }


def test_teams_sends_a_card_for_an_invite_even_without_buttons() -> None:
    card = message_card(message(actions=0), ENGLISH, public_url=PUBLIC)

    assert card is not None
    assert [a["type"] for a in card["actions"]] == ["Action.OpenUrl"]
    assert card["version"] <= "1.5"


def test_the_console_prints_the_link_and_marks_an_edited_post() -> None:
    written: list[str] = []
    output = ConsoleOutput(written.append, as_json=False)

    output.show(
        "#C0ERFA", render(message(actions=0), DANISH, public_url=PUBLIC), current=False, updated="(opdateret)"
    )

    (shown,) = written
    assert shown.splitlines()[0] == "→ #C0ERFA (opdateret): “ERFA: Gevinstrealisering i praksis”"
    assert shown.splitlines()[-1] == f"    Føj til kalender: {PUBLIC}/invites/Abc_123-xyz.ics"


def test_the_public_url_defaults_to_where_the_server_listens() -> None:
    assert Settings(host="127.0.0.1", port=3000).public_base() == "http://127.0.0.1:3000"
    assert Settings(host="0.0.0.0").public_base(port=8080) == "http://127.0.0.1:8080"
    assert Settings(host="::").public_base() == "http://[::1]:3000"
    assert Settings(public_url="https://vpmo.example.dk/pmo/").public_base() == "https://vpmo.example.dk/pmo"


@pytest.mark.parametrize(
    "bad",
    [
        "vpmo.example.dk",
        "ftp://vpmo.example.dk",
        "https://vpmo.example.dk?x=1",
        "https://u:p@vpmo.example.dk",
        "https://vpmo.example.dk:0x",
    ],
)
def test_a_bad_public_url_is_refused_at_start_up_in_one_sentence(bad: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(public_url=bad)

    (problem,) = raised.value.errors()
    assert problem["loc"] == ("public_url",)
    assert "e.g. https://vpmo.example.dk" in problem["msg"]
