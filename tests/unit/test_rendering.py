"""What Slack, Teams and the console make of neutral messages: long quotes, many choices, figures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.adapters.render import render, shorten
from bot.console.messenger import ConsoleOutput
from bot.i18n import Reader
from bot.slack import blocks
from bot.teams import cards
from handlers.shared.calendar_rules import quarter_of
from handlers.shared.text import Action, Bilingual, ButtonStyle, Fact, Message, Section, Text, Verbatim
from handlers.sparring.commands import MAX_REQUEST_CHARS, FreeText, RequestSparring, ShowRequest, parse_text
from storage.codec import decode_message, encode_message
from tests.platforms.limits import card_problems, slack_problems

DANISH = Reader("da", ZoneInfo("Europe/Copenhagen"))
ENGLISH = Reader("en", ZoneInfo("Europe/Copenhagen"))
ANGLES = ("a&<> b&<> " * MAX_REQUEST_CHARS)[:MAX_REQUEST_CHARS]  # triples in length when escaped
EMOJI = "😀" * MAX_REQUEST_CHARS  # twelve bytes each in a card's JSON
AREAS = [
    "PID",
    "Styregruppe",
    "Tidsplan",
    "Budget",
    "Risiko",
    "Ressourcer",
    "Interessenter",
    "Metode",
    "Test",
    "Kvalitet",
]


def offer(text: str) -> Message:
    return Message(
        (
            Text.of("offer.new", ref="S-1", requester="Jonas Friis", area=Bilingual("Budget", "Budget"),
                    urgency=Text.of("urgency.normal")),
            Text.of("quote", text=Verbatim(text)),
            Text.of("offer.answer_by", deadline=datetime(2026, 12, 3, 9, 0, tzinfo=UTC)),
        ),
        to_person=1,
        actions=(
            Action("accept:S-1", Text.of("button.accept"), ButtonStyle.PRIMARY),
            Action("decline:S-1", Text.of("button.decline"), ButtonStyle.DANGER),
        ),
        ref="S-1",
    )  # fmt: skip


def unrouted(text: str) -> Message:
    return Message(
        (
            Text.of("coordinator.unrouted", ref="S-1", area=Bilingual("Budget", "Budget")),
            Text.of("quote", text=Verbatim(text)),
            Text.of("routing.nobody", area=Bilingual("Budget", "Budget")),
            Text.of("coordinator.assign_hint", ref="S-1"),
        ),
        to_person=1,
        actions=tuple(
            Action(f"assign:S-1:{n}", Text.of("button.assign", senior=f"Senior {n}")) for n in range(3)
        ),
        ref="S-1",
    )


def area_choice(count: int) -> Message:
    actions = tuple(
        Action(f"area:S-1:{n}", Text.of("area", name=Bilingual(name, name)))
        for n, name in enumerate(AREAS[:count])
    )
    return Message((Text.of("ask.which_area", ref="S-1"),), to_person=1, actions=actions, ref="S-1")


def section_text(payload: dict[str, object]) -> str:
    return "\n".join(b["text"]["text"] for b in payload["blocks"] if b["type"] == "section" and "text" in b)  # type: ignore[attr-defined, index]


def card_lines(card: dict[str, object]) -> list[str]:
    return [i["text"] for b in card["body"] if b["type"] == "RichTextBlock" for i in b["inlines"]]  # type: ignore[attr-defined, index]


# --- long text never pushes out what matters --------------------------------------------------------


def test_a_slack_offer_of_the_longest_escaped_request_keeps_its_deadline_and_both_buttons() -> None:
    payload = blocks.message_payload(offer(ANGLES), DANISH)

    text = section_text(payload)
    assert slack_problems(payload["blocks"]) == []
    assert [b["type"] for b in payload["blocks"]] == ["section", "actions"]
    assert "Svar venligst senest" in text
    assert "&lt;" in text
    assert "<" not in text
    assert "…”\nSkriv vis S-1 for hele teksten.\nSvar venligst" in text
    assert [e["action_id"] for e in payload["blocks"][-1]["elements"]] == ["accept:S-1", "decline:S-1"]


def test_a_slack_note_to_the_coordinator_keeps_the_reason_and_the_tildel_hint() -> None:
    payload = blocks.message_payload(unrouted(ANGLES), DANISH)

    text = section_text(payload)
    assert slack_problems(payload["blocks"]) == []
    assert text.endswith(
        "Ingen seniorprojektleder med kompetence i budget er ledig lige nu.\nEller skriv: tildel S-1 navn-eller-mail"
    )
    assert "Skriv vis S-1 for hele teksten." in text


def test_a_quote_is_cut_at_a_word_and_never_inside_an_escaped_character() -> None:
    text = section_text(blocks.message_payload(offer(ANGLES), DANISH))

    quote = text.split("\n")[1]
    assert quote.endswith("&gt;…”")  # the last whole word, "b&<>"
    assert len(text) <= blocks.MAX_SECTION_CHARS


def test_a_short_quote_is_shown_whole_without_the_hint() -> None:
    payload = blocks.message_payload(offer("Kort spørgsmål om <budget> & plan"), DANISH)

    text = section_text(payload)
    assert "“Kort spørgsmål om &lt;budget&gt; &amp; plan”" in text
    assert "vis S-1" not in text


def test_a_teams_card_fits_the_longest_request_whole_when_it_is_ascii() -> None:
    card = cards.message_card(offer(ANGLES), DANISH)

    assert card is not None
    assert card_problems(card) == []
    assert f"“{ANGLES}”" in card_lines(card)
    assert not any("vis S-1" in line for line in card_lines(card))


def test_a_teams_card_shortens_a_quote_that_would_pass_the_message_size_and_keeps_the_rest() -> None:
    card = cards.message_card(offer(EMOJI), DANISH)

    assert card is not None
    lines = card_lines(card)
    assert len(json.dumps(card)) <= cards.MAX_CARD_BYTES
    assert lines[1].endswith("…”")
    assert lines[2:] == ["Skriv vis S-1 for hele teksten.", lines[-1]]
    assert lines[-1].startswith("Svar venligst senest")
    assert [a["data"]["action"] for a in card["actions"]] == ["accept:S-1", "decline:S-1"]


def test_the_whole_text_shown_by_vis_goes_over_several_slack_sections() -> None:
    message = Message((Text.of("show.text", text=Verbatim(ANGLES)),), to_person=1, ref="S-1")

    payload = blocks.message_payload(message, DANISH)

    assert slack_problems(payload["blocks"]) == []
    assert len(payload["blocks"]) == 3
    assert "".join(section_text(payload).split()) == "".join(blocks.escape_mrkdwn(ANGLES).split())


def test_shorten_cuts_at_the_last_space_that_fits() -> None:
    assert shorten("en to tre fire", 10) == "en to tre…"
    assert shorten("kort", 10) == "kort"


# --- every choice can be chosen -----------------------------------------------------------------------


def test_ten_areas_are_a_slack_select_with_every_label_whole() -> None:
    payload = blocks.message_payload(area_choice(10), DANISH)

    [actions] = [b for b in payload["blocks"] if b["type"] == "actions"]
    [select] = actions["elements"]
    assert slack_problems(payload["blocks"]) == []
    assert select["type"] == "static_select"
    assert [(o["text"]["text"], o["value"]) for o in select["options"]] == [
        (name, f"area:S-1:{n}") for n, name in enumerate(AREAS)
    ]


def test_ten_areas_are_a_teams_choice_list_with_one_button() -> None:
    card = cards.message_card(area_choice(10), DANISH)

    assert card is not None
    [choices] = [b for b in card["body"] if b["type"] == "Input.ChoiceSet"]
    assert card_problems(card) == []
    assert choices["style"] == "compact"
    assert [c["title"] for c in choices["choices"]] == AREAS
    assert choices["choices"][3]["value"] == "area:S-1:3"
    assert [a["title"] for a in card["actions"]] == ["Vælg"]


def test_a_few_choices_stay_buttons_on_both_platforms() -> None:
    payload = blocks.message_payload(area_choice(3), DANISH)
    card = cards.message_card(area_choice(3), DANISH)

    assert card is not None
    assert [e["type"] for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "button"
    ] * 3
    assert [a["type"] for a in card["actions"]] == ["Action.Execute"] * 3


# --- figures look like figures --------------------------------------------------------------------------


def kpis() -> Message:
    quarter = quarter_of(datetime(2026, 11, 15, tzinfo=UTC), ZoneInfo("Europe/Copenhagen"))
    facts = (
        Fact(Text.of("kpi.fact.hours"), Text.of("kpi.value.hours", used=1.5, agreed=60, percent=3)),
        Fact(Text.of("area", name=Bilingual("*PID* <at>x</at>", "PID")), Text.of("kpi.value.count", count=2)),
    )
    return Message(
        (Text.of("kpi.head", quarter=quarter.name),),
        to_person=1,
        sections=(Section(Text.of("kpi.hours"), facts),),
    )


def test_slack_shows_each_section_as_a_header_and_fields() -> None:
    payload = blocks.message_payload(kpis(), DANISH)

    assert slack_problems(payload["blocks"]) == []
    assert [b["type"] for b in payload["blocks"]] == ["section", "header", "section"]
    assert payload["blocks"][0]["text"]["text"] == "Sparring, 4. kvartal 2026"
    assert payload["blocks"][1]["text"] == {"type": "plain_text", "text": "Timer"}
    assert [f["text"] for f in payload["blocks"][2]["fields"]] == [
        "*Brugte timer*\n1,5 af 60 (3 %)",
        "**PID* &lt;at&gt;x&lt;/at&gt;*\n2",
    ]


def test_teams_shows_each_section_as_a_bold_heading_and_a_fact_set_without_markdown() -> None:
    card = cards.message_card(kpis(), ENGLISH)

    assert card is not None
    assert card_problems(card) == []
    heading, facts = card["body"][1:]
    assert heading["inlines"] == [{"type": "TextRun", "text": "Hours", "weight": "bolder"}]
    assert facts == {
        "type": "FactSet",
        "facts": [
            {"title": "Hours used", "value": "1.5 of 60 (3 %)"},
            {"title": "PID", "value": "2"},
        ],
    }
    assert card_lines(card)[0] == "Sparring, Q4 2026"


def test_a_fact_set_escapes_markdown_from_configured_names() -> None:
    card = cards.message_card(kpis(), DANISH)

    assert card is not None
    assert card["body"][2]["facts"][1]["title"] == "\\*PID\\* \\<at\\>x\\</at\\>"


def test_the_console_aligns_the_facts_under_their_heading() -> None:
    written: list[str] = []

    ConsoleOutput(written.append, as_json=False).show("mette", render(kpis(), DANISH), current=True)

    assert written[0].splitlines() == [
        "→ you: Sparring, 4. kvartal 2026",
        "    Timer",
        "      Brugte timer:     1,5 af 60 (3 %)",
        "      *PID* <at>x</at>: 2",
    ]


def test_quarters_read_the_danish_and_the_english_way() -> None:
    quarter = quarter_of(datetime(2027, 5, 1, tzinfo=UTC), ZoneInfo("Europe/Copenhagen"))

    assert quarter.label == "2027-Q2"
    assert DANISH.render(quarter.name) == "2. kvartal 2027"
    assert ENGLISH.render(quarter.name) == "Q2 2027"


# --- vis S-4 -----------------------------------------------------------------------------------------------


def test_vis_and_show_with_a_reference_ask_for_the_whole_text() -> None:
    assert parse_text("vis S-4") == ShowRequest(4)
    assert parse_text("sparring show s4") == ShowRequest(4)


def test_vis_followed_by_words_is_still_a_request() -> None:
    assert parse_text("vis mig hvordan man laver en risikolog") == FreeText(
        "vis mig hvordan man laver en risikolog"
    )
    assert parse_text("sparring show me the budget") == RequestSparring("show me the budget")


def test_sections_of_facts_survive_the_outbox() -> None:
    message = kpis()

    decoded = decode_message(encode_message(message), to_person=1, to_channel=None, ref=None)

    assert decoded == message
