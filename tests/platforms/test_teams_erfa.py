"""A whole ERFA meeting on Teams, over the real protocol, from the announcement to the feedback.

Teams activities go over HTTP to the real server (``build_server``); everything the bot sends goes to the
fake Bot Connector on 127.0.0.1, which records it. The ERFA use cases, the outbox, the dispatcher, the
Teams messenger, the invite files on the bot's web server and the scheduler's tick are the real ones, on
SQLite and on PostgreSQL. The clock stands still until the scenario moves it (see teams_scenario).

The sample client on Teams only, with two meetings: the spring meeting (2 seats, so that a waiting list
forms) and a second one with the longest title and place, which is called off.

* 18 Mar 09:00 (28 days before): the announcement, a card with Deltager / Måske / Deltager ikke and the
  calendar link. Jonas and Ida take the two seats (Jonas' press is delivered twice), Peter waits, Karen
  answers Måske; Jonas then answers Deltager ikke, and Peter moves up. The post is edited in place, and
  whoever answers Deltager or Måske gets their own invite in their personal chat. ``erfa`` and
  ``erfa deltagere`` are typed to the bot.
* 25 Mar 13:00: the second meeting is announced, and Emma answers Måske; on 26 Mar it is called off.
* 8 Apr 09:00 (7 days before): a new post, and one nudge to those who have not answered.
* 9 Apr 08:00: the spring meeting is moved a day, to 16 Apr: answers reset, people asked again.
* 15 Apr: nothing for the old time; the day-before reminders of the new time at 09:00.
* 16 Apr: the 2-hour reminder; after the meeting the rating, the takeaway and the coordinator's summary.

Every message the bot sends is read, by whom it reached: after each step, whatever was not expected fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
import vobject

from tests.platforms.limits import TEAMS_MAX_MESSAGE_BYTES, activity_problems, card_problems
from tests.platforms.scenario import local
from tests.platforms.stored import apply_tenant_file
from tests.platforms.teams_fakes import ConnectorCall, personal_conversation
from tests.platforms.teams_scenario import (
    EMMA,
    IDA,
    JONAS,
    KAREN,
    METTE,
    PEOPLE,
    PETER,
    TENANT,
    TeamsScenario,
    card_lines,
    cards_of,
    channel_activity,
    lines_of,
    only_card,
    running_teams_scenario,
    teams_only_tenant,
)

PUBLIC_URL = "https://vpmo.example.dk"
ERFA_CHANNEL = "19:def@thread.tacv2"  # erfa.channel.teams in the sample tenant file
TEAM = "19:nordlys-erfa@thread.tacv2"
SPRING = "2027-spring"
EXTRA = "2027-extra"
LONG_TITLE = ("ERFA: Gevinstrealisering, styregrupper og test på tværs af projekterne " * 3)[:200]
LONG_PLACE = (
    "Nordlys' hovedkontor, Kolding, mødelokale Æblehaven på 3. sal / Teams-link i invitationen " * 3
)[:200]


def erfa_meetings(spring_at: str = "2027-04-15T09:00", *, extra_cancelled: bool = False) -> str:
    """Return the tenant file's erfa_meetings section of this scenario."""
    return (
        "erfa_meetings:\n"
        f"  - key: {SPRING}\n"
        '    title: "ERFA: Gevinstrealisering i praksis"\n'
        f"    at: {spring_at}\n"
        "    duration: 3h\n"
        '    place: "Nordlys, Kolding / Teams"\n'
        "    audience: [pm, tester, steering, participant]\n"
        "    seats: 2\n"
        f"  - key: {EXTRA}\n"
        f'    title: "{LONG_TITLE}"\n'
        "    at: 2027-04-22T13:00\n"
        "    duration: 2h\n"
        f'    place: "{LONG_PLACE}"\n'
        "    audience: [pm]\n"
        f"    cancelled: {'true' if extra_cancelled else 'false'}\n"
    )


def tenant_file(spring_at: str = "2027-04-15T09:00", *, extra_cancelled: bool = False) -> str:
    """Return the sample tenant on Teams only (ERFA channel too) with this scenario's meetings."""
    teams_only = teams_only_tenant().replace("channel: {slack: C0ERFA, teams:", "channel: {teams:")
    assert "C0ERFA" not in teams_only
    start = teams_only.index("erfa_meetings:\n")
    end = teams_only.index("\n# Everyone the bot should know")
    return teams_only[:start] + erfa_meetings(spring_at, extra_cancelled=extra_cancelled) + teams_only[end:]


@dataclass
class Erfa(TeamsScenario):
    """The sample client's people on Teams, in the ERFA channel, and who has read what the bot sent."""

    channel_id = ERFA_CHANNEL
    team_id = TEAM
    last_invoke: dict[str, Any] = field(default_factory=dict)

    def edited(self, count: int = 1) -> list[ConnectorCall]:
        """Wait for ``count`` new edits of channel posts (PUT of an activity); return and mark them read."""
        return self._take(lambda c: c.method == "PUT", count, "edits of posts")

    def press(self, user: str, post: ConnectorCall, title: str) -> dict[str, Any]:
        """The person presses a button on a channel post (Action.Execute: Teams invokes adaptiveCard/action)."""
        return self.click(user, only_card(post), title, message=post.answered_id, conversation=ERFA_CHANNEL)

    def invoke(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST an invoke, and keep it, for Teams to deliver it again."""
        self.last_invoke = body
        return super().invoke(body)

    def press_personal(self, user: str, call: ConnectorCall, title: str) -> dict[str, Any]:
        """The person presses a button on a card in their personal chat."""
        return self.click(
            user, only_card(call), title, message=call.answered_id, conversation=personal_conversation(user)
        )

    def calendar(self, url: str) -> Any:
        """Fetch an invite from the bot's web server (as Outlook would) and read it with vobject."""
        assert url.startswith(f"{PUBLIC_URL}/invites/")
        answer = self.server.get(urlsplit(url).path)
        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith("text/calendar")
        # Outlook's form of the zone (its rules as RRULEs) and CRLF line ends, read by a second parser.
        assert "BEGIN:VTIMEZONE\r\nTZID:Europe/Copenhagen\r\n" in answer.text
        assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n" in answer.text
        return vobject.readOne(answer.text)


def calendar_link(card: dict[str, Any]) -> str:
    [link] = [a for a in card["actions"] if a["type"] == "Action.OpenUrl"]
    url: str = link["url"]
    return url


@pytest.fixture
def erfa(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Erfa]:
    monkeypatch.setenv("VPMO_PUBLIC_URL", PUBLIC_URL)
    with running_teams_scenario(Erfa, database_url, tenant_file(), start="2027-03-17T10:00") as erfa:
        yield erfa


WHEN_DA = "Tid: torsdag den 15. april kl. 09:00 (3 timer)"
MOVED_DA = "Tid: fredag den 16. april kl. 09:00 (3 timer)"
PLACE_DA = "Sted: Nordlys, Kolding / Teams"
FOR_DA = "For: projektledere, testere, styregruppemedlemmer og projektdeltagere"
ANSWER_HOW = (
    "Svar med knapperne herunder, så koordinatoren ved, hvem der kommer. Svarer du Deltager eller Måske, "
    "får du en personlig invitation til din kalender."
)
BUTTONS = ["[Deltager]", "[Måske]", "[Deltager ikke]"]
TITLE = "ERFA: Gevinstrealisering i praksis"


def announcement(counts: str, when: str = WHEN_DA) -> list[str]:
    return [
        f"I er inviteret til »{TITLE}«",
        when,
        PLACE_DA,
        FOR_DA,
        counts,
        ANSWER_HOW,
        *BUTTONS,
        "[Føj til kalender]",
    ]


def test_a_whole_erfa_meeting_on_teams_from_the_announcement_to_the_feedback(erfa: Erfa) -> None:
    e = erfa
    e.add_to_team(METTE)
    for person in PEOPLE:
        e.install(person)
    e.nothing_else(due=True)
    announced = the_announcement(e)
    answers_and_the_waiting_list(e, announced)
    asked_by_typing(e)
    the_second_meeting_is_called_off(e)
    the_week_before(e)
    the_move(e, announced)
    the_day_before(e)
    the_feedback(e)
    e.at(local("2027-04-20T12:00"))
    e.nothing_else(due=True)  # the summary came once; three days on, nothing comes again
    everything_sent_keeps_to_teams_limits(e)


def the_announcement(e: Erfa) -> ConnectorCall:
    """28 days before, at the meeting's time of day: the card in the ERFA channel, with the calendar link."""
    e.at(local("2027-03-18T08:59"))
    e.nothing_else(due=True)
    e.at(local("2027-03-18T09:00"))
    [announced] = e.channel()
    assert lines_of(announced) == announcement("0 deltagere, 0 måske · 2 pladser, 2 ledige")
    assert announced.body["channelData"] == {"channel": {"id": ERFA_CHANNEL}, "tenant": {"id": TENANT}}
    card = only_card(announced)
    assert [(a["type"], a.get("data")) for a in card["actions"][:3]] == [
        ("Action.Execute", {"action": f"erfa:rsvp:{SPRING}:{answer}"})
        for answer in ("attending", "maybe", "not_attending")
    ]
    invite = e.calendar(calendar_link(card))
    assert invite.method.value == "PUBLISH"
    assert invite.vtimezone.tzid.value == "Europe/Copenhagen"
    event = invite.vevent
    assert event.uid.value == f"erfa-{SPRING}.nordlys@vpmo"
    assert event.sequence.value == "0"
    assert event.dtstart.value == local("2027-04-15T09:00")
    assert event.summary.value == TITLE
    assert not hasattr(event, "attendee")  # the channel's copy is nobody's answer
    e.nothing_else(due=True)
    return announced


def answers_and_the_waiting_list(e: Erfa, announced: ConnectorCall) -> None:
    """Two seats: Jonas and Ida take them, Peter waits, Karen says Måske; Jonas leaves, Peter moves up."""
    e.later(5)
    pressed = e.press(JONAS, announced, "Deltager")
    assert (pressed["statusCode"], pressed["type"]) == (200, "application/vnd.microsoft.card.adaptive")
    # The answer to his press shows the post as his answer left it, without its buttons, so they cannot be
    # pressed twice; it lasts only until the post's edit, so his confirmation and invite go to his chat.
    assert card_lines(pressed["value"]) == announcement("1 deltager, 0 måske · 2 pladser, 1 ledig")[:6]
    [mine] = e.told(JONAS)
    assert lines_of(mine) == [
        f"Tak, du er tilmeldt mødet »{TITLE}« og har en plads. Tryk Føj til kalender for at lægge mødet i din kalender.",
        WHEN_DA,
        PLACE_DA,
        "[Føj til kalender]",
    ]
    personal = e.calendar(calendar_link(only_card(mine)))
    assert personal.method.value == "REQUEST"
    assert personal.vevent.attendee.params["PARTSTAT"] == ["ACCEPTED"]
    assert personal.vevent.attendee.value == "mailto:jonas.friis@nordlys.dk"
    assert personal.vevent.organizer.value == "mailto:mette.holm@nordlys.dk"
    [edit] = e.edited()
    assert edit.activity_id == announced.answered_id  # the announcement, edited in place
    assert lines_of(edit) == announcement("1 deltager, 0 måske · 2 pladser, 1 ledig")
    e.nothing_else()

    # Teams delivers the same press again: it changes nothing, and nothing is edited or sent.
    assert e.post(e.last_invoke).status_code == 200
    e.nothing_else()

    e.later()
    e.press(IDA, announced, "Deltager")
    assert lines_of(e.told(IDA)[0])[0] == (
        f"Tak, du er tilmeldt mødet »{TITLE}« og har en plads. Tryk Føj til kalender for at lægge mødet i din kalender."
    )
    assert lines_of(e.edited()[0]) == announcement("2 deltagere, 0 måske · 2 pladser, ingen ledige")
    e.later()
    waits = e.press(PETER, announced, "Deltager")
    assert card_lines(waits["value"])[-3:] == [
        f"Tak! Alle pladser til mødet »{TITLE}« er taget, så du står som nummer 1 på ventelisten. Du får "
        "besked, så snart der bliver en plads.",
        WHEN_DA,
        PLACE_DA,  # no invite while waiting
    ]
    assert lines_of(e.edited()[0]) == announcement(
        "2 deltagere, 0 måske · 2 pladser, ingen ledige · 1 på venteliste"
    )
    e.later()
    e.press(KAREN, announced, "Måske")
    [maybe] = e.told(KAREN)
    assert lines_of(maybe) == [
        f"Tak, du har svaret måske til mødet »{TITLE}«. Tryk Føj til kalender for at lægge mødet i din kalender. Et måske "
        "holder ikke en plads, så tryk Deltager, når du ved, at du kommer.",
        WHEN_DA,
        PLACE_DA,
        "[Føj til kalender]",
    ]
    tentative = e.calendar(calendar_link(only_card(maybe)))
    assert tentative.vevent.attendee.params["PARTSTAT"] == ["TENTATIVE"]
    assert lines_of(e.edited()[0]) == announcement(
        "2 deltagere, 1 måske · 2 pladser, ingen ledige · 1 på venteliste"
    )
    e.nothing_else()

    # Jonas cannot come after all: his seat goes to Peter, who is told in his personal chat.
    e.later(60)
    left = e.press(JONAS, announced, "Deltager ikke")
    assert card_lines(left["value"])[-3:] == [
        f"Tak for dit svar – du er ikke tilmeldt mødet »{TITLE}«. Ombestemmer du dig, så tryk Deltager.",
        WHEN_DA,
        PLACE_DA,
    ]
    assert lines_of(e.edited()[0]) == announcement("2 deltagere, 1 måske · 2 pladser, ingen ledige")
    [up] = e.told(PETER)
    assert lines_of(up) == [
        f"Der er blevet en plads til dig: du er nu tilmeldt mødet »{TITLE}« torsdag den 15. april kl. 09:00. "
        "Tryk Føj til kalender for at lægge mødet i din kalender. Kan du alligevel ikke komme, så skriv erfa og tryk "
        "Deltager ikke.",
        "[Føj til kalender]",
    ]
    moved_up = e.calendar(calendar_link(only_card(up)))
    assert moved_up.method.value == "REQUEST"
    assert moved_up.vevent.attendee.params["PARTSTAT"] == ["ACCEPTED"]
    assert moved_up.vevent.attendee.value == "mailto:peter.munk@nordlys.dk"
    e.nothing_else()


def asked_by_typing(e: Erfa) -> None:
    """``erfa`` lists the meetings with one's answer; the coordinator asks who comes."""
    e.later(30)
    head, spring, extra = e.say(JONAS, "erfa")
    assert lines_of(head) == ["2 kommende ERFA-møder:"]
    assert lines_of(spring) == [
        f"»{TITLE}« ({SPRING})",
        WHEN_DA,
        PLACE_DA,
        FOR_DA,
        "Dit svar: Deltager ikke.",
        *BUTTONS,
    ]
    assert lines_of(extra)[0] == f"»{LONG_TITLE}« ({EXTRA})"
    assert lines_of(extra)[-4:] == ["Du har ikke svaret endnu.", *BUTTONS]
    e.later()
    [attendees] = e.say(METTE, f"erfa deltagere {SPRING}")
    assert lines_of(attendees) == [
        f"Svar på mødet »{TITLE}« torsdag den 15. april kl. 09:00:",
        "2 deltagere, 1 måske · 2 pladser, ingen ledige",
        "Deltagere (2):",
        "• Ida Holm",
        "• Peter Munk",
        "Måske (1):",
        "• Karen Vestergaard",
        "Kommer ikke (1):",
        "• Jonas Friis",
    ]
    e.nothing_else(due=True)


def the_second_meeting_is_called_off(e: Erfa) -> None:
    """The meeting with the longest title and place is announced, answered by Emma, and called off."""
    e.at(local("2027-03-25T13:00"))
    [second] = e.channel()
    assert lines_of(second)[0] == f"I er inviteret til »{LONG_TITLE}«"
    assert lines_of(second)[2] == f"Sted: {LONG_PLACE}"
    e.nothing_else(due=True)
    # Emma (known by e-mail alone) answers Måske on the channel's Danish card; her chat is in English.
    e.later(60)
    e.press(EMMA, second, "Måske")
    [maybe] = e.told(EMMA)
    assert lines_of(maybe)[0] == (
        f"Thank you, you answered maybe to the meeting “{LONG_TITLE}”. Press Add to calendar to put it "
        "in your calendar. A maybe holds no seat, so press Attending once you know you are coming."
    )
    assert (
        e.calendar(calendar_link(only_card(maybe))).vevent.attendee.value == "mailto:emma.larsen@nordlys.dk"
    )
    assert lines_of(e.edited()[0])[4] == "0 deltagere, 1 måske"
    e.nothing_else(due=True)
    e.at(local("2027-03-26T10:00"))
    apply_tenant_file(e.database_url, tenant_file(extra_cancelled=True))
    [cancelled] = e.channel()
    assert lines_of(cancelled) == [
        f"Mødet »{LONG_TITLE}« torsdag den 22. april kl. 13:00 er aflyst. Invitationen herunder fjerner det "
        "fra kalenderen, hvis du har lagt det ind.",
        "[Fjern fra kalender]",
    ]
    invite = e.calendar(calendar_link(only_card(cancelled)))
    assert invite.method.value == "CANCEL"
    assert invite.vevent.status.value == "CANCELLED"
    assert invite.vevent.sequence.value == "1"
    [edit] = e.edited()
    assert edit.activity_id == second.answered_id
    # The announcement now says it is called off, without the buttons: nobody can answer it any more.
    assert lines_of(edit) == [f"Aflyst: »{LONG_TITLE}« torsdag den 22. april kl. 13:00 bliver ikke holdt."]
    assert cards_of(edit.body) == []
    [told] = e.told(EMMA)  # she said Måske: her calendar is cleared too
    assert lines_of(told) == [
        f"The meeting “{LONG_TITLE}” on Thursday 22 April at 13:00 is cancelled, so you need not come. Press "
        "Remove from calendar to take it out of your calendar.",
        "[Remove from calendar]",
    ]
    cancelling = e.calendar(calendar_link(only_card(told)))
    assert (cancelling.method.value, cancelling.vevent.status.value) == ("CANCEL", "CANCELLED")
    assert cancelling.vevent.attendee.value == "mailto:emma.larsen@nordlys.dk"
    e.nothing_else(due=True)


def nudge_da(day: str) -> list[str]:
    return [
        f"Du er inviteret til mødet »{TITLE}« {day} kl. 09:00 (Nordlys, Kolding / Teams), men jeg har ikke fået "
        "dit svar. Tryk Deltager, Måske eller Deltager ikke herunder, så koordinatoren kan planlægge.",
        *BUTTONS,
    ]


def nudge_moved_da(day: str) -> list[str]:
    """The nudge to whoever answered for the meeting's old time: that answer no longer counts."""
    return [
        f"Mødet »{TITLE}« er flyttet til {day} kl. 09:00 (Nordlys, Kolding / Teams), og dit svar gjaldt det "
        "gamle tidspunkt. Tryk Deltager, Måske eller Deltager ikke herunder, så koordinatoren ved, om du kommer "
        "på det nye tidspunkt.",
        *BUTTONS,
    ]


def nudge_en(day: str) -> list[str]:
    return [
        f"You are invited to the meeting “{TITLE}” on {day} at 09:00 (Nordlys, Kolding / Teams), but I have not "
        "had your answer. Press Attending, Maybe or Not attending below so the coordinator can plan.",
        "[Attending]",
        "[Maybe]",
        "[Not attending]",
    ]


def the_week_before(e: Erfa) -> None:
    """7 days before: a new post that counts the answers; the one who has not answered is nudged, once."""
    e.at(local("2027-04-08T09:00"))
    [reminder] = e.channel()
    assert lines_of(reminder) == [
        f"Om 7 dage: »{TITLE}«",
        WHEN_DA,
        PLACE_DA,
        FOR_DA,
        "2 deltagere, 1 måske · 2 pladser, ingen ledige",
        ANSWER_HOW,
        *BUTTONS,
        "[Føj til kalender]",
    ]
    assert lines_of(e.told(EMMA)[0]) == nudge_en("Thursday 15 April")
    e.nothing_else(due=True)


def the_move(e: Erfa, announced: ConnectorCall) -> None:
    """A day later: answers reset, those who were coming or waiting asked again, the invites renewed."""
    e.at(local("2027-04-09T08:00"))
    apply_tenant_file(e.database_url, tenant_file("2027-04-16T09:00", extra_cancelled=True))
    [moved] = e.channel()
    assert lines_of(moved) == [
        f"Mødet »{TITLE}« er flyttet fra torsdag den 15. april kl. 09:00 til fredag den 16. april kl. 09:00.",
        MOVED_DA,
        PLACE_DA,
        FOR_DA,
        "Svarene til det gamle tidspunkt gælder ikke længere, så svar igen med knapperne herunder – også "
        "selvom du allerede havde svaret.",
        *BUTTONS,
        "[Føj til kalender]",
    ]
    channel_copy = e.calendar(calendar_link(only_card(moved)))
    assert channel_copy.vevent.sequence.value == "1"
    assert channel_copy.vevent.dtstart.value == local("2027-04-16T09:00")
    assert channel_copy.vevent.uid.value == f"erfa-{SPRING}.nordlys@vpmo"  # the same meeting, moved
    asked_again = {}
    for person in (IDA, PETER, KAREN):
        [asked] = asked_again[person] = e.told(person)
        assert lines_of(asked) == [
            f"Mødet »{TITLE}« er flyttet fra torsdag den 15. april kl. 09:00 til fredag den 16. april kl. "
            "09:00. Dit svar gjaldt det gamle tidspunkt, så svar igen herunder. Tryk Føj til kalender, så "
            "flytter mødet også i din kalender.",
            *BUTTONS,
            "[Føj til kalender]",
        ]
        renewed = e.calendar(calendar_link(only_card(asked)))
        assert (renewed.method.value, renewed.vevent.sequence.value) == ("REQUEST", "1")
        assert renewed.vevent.dtstart.value == local("2027-04-16T09:00")
    [edit] = e.edited()
    assert edit.activity_id == announced.answered_id
    assert lines_of(edit) == announcement("0 deltagere, 0 måske · 2 pladser, 2 ledige", MOVED_DA)
    e.nothing_else(due=True)

    # The new time's 7-day reminder, and one nudge each: nobody has answered for the new time. Those who
    # answered for the old time (Jonas Deltager ikke) are told so; Emma, who never answered, is asked plainly.
    e.at(local("2027-04-09T09:00"))
    [reminder] = e.channel()
    assert lines_of(reminder)[:5] == [
        f"Om 7 dage: »{TITLE}«",
        MOVED_DA,
        PLACE_DA,
        FOR_DA,
        "Mødet er flyttet siden første udmelding – det nye tidspunkt er fredag den 16. april kl. 09:00.",
    ]
    for person in (JONAS, IDA, PETER, KAREN):
        assert lines_of(e.told(person)[0]) == nudge_moved_da("fredag den 16. april")
    assert lines_of(e.told(EMMA)[0]) == nudge_en("Friday 16 April")
    e.nothing_else(due=True)

    # Ida and Peter take the seats again, from the move's message in their chats; Karen says Måske.
    e.later(30)
    ida = e.press_personal(IDA, asked_again[IDA][0], "Deltager")
    assert card_lines(ida["value"])[-4:-1] == [
        f"Tak, du er tilmeldt mødet »{TITLE}« og har en plads. Tryk Føj til kalender for at lægge mødet i din kalender.",
        MOVED_DA,
        PLACE_DA,
    ]
    accepted = e.calendar(calendar_link(ida["value"]))
    assert accepted.vevent.attendee.params["PARTSTAT"] == ["ACCEPTED"]
    assert accepted.vevent.sequence.value == "1"
    assert lines_of(e.edited()[0]) == announcement("1 deltager, 0 måske · 2 pladser, 1 ledig", MOVED_DA)
    e.later()
    e.press_personal(PETER, asked_again[PETER][0], "Deltager")
    assert lines_of(e.edited()[0]) == announcement("2 deltagere, 0 måske · 2 pladser, ingen ledige", MOVED_DA)
    e.later()
    e.press(KAREN, reminder, "Måske")  # on the reminder's post: the announcement is the one kept current
    [maybe] = e.told(KAREN)
    assert lines_of(maybe)[1:] == [MOVED_DA, PLACE_DA, "[Føj til kalender]"]
    assert e.calendar(calendar_link(only_card(maybe))).vevent.sequence.value == "1"
    assert lines_of(e.edited()[0]) == announcement("2 deltagere, 1 måske · 2 pladser, ingen ledige", MOVED_DA)
    e.nothing_else(due=True)


def the_day_before(e: Erfa) -> None:
    """Nothing for the old time; the new time's day-before reminders, in the channel and personally."""
    e.at(local("2027-04-14T09:00"))  # the old time's day before
    e.nothing_else(due=True)
    e.at(local("2027-04-15T07:00"))  # the old time's 2 hours before
    e.nothing_else(due=True)
    e.at(local("2027-04-15T09:00"))
    [reminder] = e.channel()
    assert lines_of(reminder)[:2] == [f"I morgen: »{TITLE}«", MOVED_DA]
    assert lines_of(reminder)[5] == "2 deltagere, 1 måske · 2 pladser, ingen ledige"
    for person in (IDA, PETER):
        [tomorrow] = e.told(person)
        assert lines_of(tomorrow) == [
            f"Husk mødet »{TITLE}« i morgen, fredag den 16. april kl. 09:00. Sted: Nordlys, Kolding / Teams. Kan du "
            "alligevel ikke komme, så skriv erfa og tryk Deltager ikke, så en anden kan få din plads.",
            "[Føj til kalender]",
        ]
        assert e.calendar(calendar_link(only_card(tomorrow))).vevent.sequence.value == "1"
    [maybe] = e.told(KAREN)  # a Måske holds no seat to give up
    assert lines_of(maybe) == [
        f"Mødet »{TITLE}« er i morgen, fredag den 16. april kl. 09:00. Sted: Nordlys, Kolding / Teams. Du har svaret "
        "måske, og et måske holder ikke en plads. Ved du nu, om du kommer, så skriv erfa og tryk Deltager "
        "eller Deltager ikke.",
        "[Føj til kalender]",
    ]
    assert e.calendar(calendar_link(only_card(maybe))).vevent.attendee.params["PARTSTAT"] == ["TENTATIVE"]
    e.nothing_else(due=True)  # Jonas said Deltager ikke, Emma never answered: nothing personal for them

    e.at(local("2027-04-16T07:00"))
    [reminder] = e.channel()
    assert lines_of(reminder)[0] == f"Om 2 timer: »{TITLE}«"
    e.nothing_else(due=True)


def the_feedback(e: Erfa) -> None:
    """After the meeting the seated rate it and write a takeaway; then the coordinator gets the summary."""
    e.at(local("2027-04-16T12:00"))
    asked = {}
    for person in (IDA, PETER):
        [asked[person]] = e.told(person)
        assert lines_of(asked[person]) == [
            f"Tak, fordi du deltog i mødet »{TITLE}«! Hvor meget fik du ud af det? Giv det 1 til 5 med knapperne "
            "herunder.",
            "Skriv også én ting, du tager med hjem: tryk på en bedømmelse og skriv den bagefter, eller skriv "
            f"erfa tag-med {SPRING} efterfulgt af din tekst.",
            *(f"[{n}]" for n in range(1, 6)),
        ]
    e.nothing_else(due=True)  # not Karen (Måske), not the others

    e.later(10)
    rated = e.press_personal(IDA, asked[IDA], "4")
    assert card_lines(rated["value"])[-2:] == [
        "Tak for din bedømmelse: 4 ud af 5.",
        "Hvad er den ene ting, du tager med hjem fra mødet? Skriv den bare her som din næste besked.",
    ]
    e.later()
    thanked = [
        "Tak! Det, du tager med hjem, kommer med i koordinatorens opsamling på mødet.",
        "Er det noget, I bør prøve i metoden? Så kan du sende det videre som en udfordring til næste "
        "kvartalsmøde.",
        "[Indsend som udfordring]",
    ]
    [thanks] = e.say(IDA, "Gevinstkort i styregruppen hver måned")  # typed next: her takeaway
    assert lines_of(thanks) == thanked
    e.nothing_else()  # Peter has not answered yet: no summary
    e.later()
    e.press_personal(PETER, asked[PETER], "5")
    e.later()
    [thanks] = e.say(PETER, f"erfa tag-med {SPRING} Vi tager gevinsterne med i hver statusrapport")
    assert lines_of(thanks) == thanked
    [summary] = e.told(METTE)
    assert lines_of(summary) == [
        f"Opsamling på mødet »{TITLE}« fredag den 16. april kl. 09:00:",
        "Svar: 2 deltagere, 1 måske og 0 afbud.",
        "Bedømmelse: 4,5 ud af 5 i gennemsnit (2 svar).",
        "Det tager deltagerne med hjem (2):",
        "“Gevinstkort i styregruppen hver måned”",
        "“Vi tager gevinsterne med i hver statusrapport”",
    ]
    e.nothing_else(due=True)


def everything_sent_keeps_to_teams_limits(e: Erfa) -> None:
    """Every activity the bot sent, and every card it answered a press with, is one Teams accepts."""
    sent = [c for c in e.connector.calls if c.method in ("POST", "PUT")]
    for call in sent:
        body = channel_activity(call)
        assert activity_problems(body) == [], lines_of(call)
        assert "/sparring" not in call.shown  # Slack's slash command means nothing on Teams
        for card in cards_of(body):
            assert card_problems(card) == [], lines_of(call)
            assert float(card["version"]) <= 1.5
            for link in card.get("actions", []):
                if link["type"] == "Action.OpenUrl":
                    assert link["url"].startswith(f"{PUBLIC_URL}/invites/")
    for answer in e.answers:
        assert len(json.dumps(answer).encode()) <= TEAMS_MAX_MESSAGE_BYTES
        assert card_problems(answer["value"]) == []
        assert "/sparring" not in json.dumps(answer, ensure_ascii=False)
        for link in answer["value"].get("actions", []):
            if link["type"] == "Action.OpenUrl":
                assert link["url"].startswith(f"{PUBLIC_URL}/invites/")
