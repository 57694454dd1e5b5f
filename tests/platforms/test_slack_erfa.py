"""A whole ERFA meeting on Slack, through the real server and the fake Slack Web API.

The issue's scenario: announcement → answers (a replayed click, a full meeting and its waiting list, a
Deltager ikke that moves the first waiting person up) → personal invites → later reminders → a move of
the meeting → a new place → the day-before reminders → the meeting → the feedback, a takeaway sent on as
a challenge, and the coordinator's summary; then a second meeting announced and cancelled. Everything a person does is a signed Slack request over HTTP to
vpmo's web server (button clicks with Slack's ``action_ts``, DMs, the slash command); everything the bot
does is what the fake Slack Web API recorded, and the calendar files are read back with ``vobject``, a
parser independent of the ``icalendar`` that wrote them. The server's clock (``FixedClock``) is the
meetings' time: the test moves it and waits until the server's own tick has run the ERFA cycle then.

The sample client (bot/console/sample_tenant.yaml) holds its spring ERFA meeting on Thursday 15 April 2027
at 09:00 with reminders 28 days, 7 days, 1 day and 2 hours before; here with 2 seats, so that the
waiting list shows.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Iterator
from datetime import UTC
from typing import Any
from urllib.parse import urlsplit

import pytest
import vobject

from bot.cli import SAMPLE_TENANT
from handlers.erfa.invites import meeting_uid
from tests.platforms.conftest import JONAS, METTE, TEAM
from tests.platforms.limits import SLACK_LIMITS
from tests.platforms.scenario import local
from tests.platforms.slack_fakes import Call, Upload, block_actions_from_message, interactive
from tests.platforms.slack_scenario import SlackScenario, errors_logged, running_slack_scenario, shown
from tests.platforms.stored import apply_tenant_file
from tests.platforms.test_slack_interactions import button_ids
from tests.platforms.test_slack_invites import LONG_PLACE, LONG_TITLE

PUBLIC_URL = "https://vpmo.example.dk"
CHANNEL = "C0ERFA"  # the sample client's ERFA channel (erfa.channel.slack)
SPRING, AUTUMN = "2027-spring", "2027-autumn"
TITLE = "ERFA: Gevinstrealisering i praksis"
AUTUMN_TITLE = "ERFA: Styregrupper der træffer beslutninger"
EMMA, IDA, PETER, KAREN = "U01EML", "U01IDH", "U01PEM", "U01KAV"
ANSWERS = ["attending", "maybe", "not_attending"]
NEW_PLACE = "Nordlys, Fredericia / Teams"


def tenant_file(
    *,
    seats: int = 2,
    spring_at: str = "2027-04-15T09:00",
    spring_cancelled: bool = False,
    autumn_cancelled: bool = False,
    title: str = TITLE,
    place: str = "Nordlys, Kolding / Teams",
) -> str:
    """Return the sample tenant file with the spring meeting's seats, time, title and place; either one off."""
    config = SAMPLE_TENANT.read_text(encoding="utf-8")
    config = config.replace(json.dumps(TITLE), json.dumps(title, ensure_ascii=False))
    config = config.replace('"Nordlys, Kolding / Teams"', json.dumps(place, ensure_ascii=False))
    spring_off = "    cancelled: true\n" if spring_cancelled else ""
    # The spring meeting is the sample's only one with seats; set them here, whatever the sample holds.
    assert len(re.findall(r"^    seats: \d+\n", config, flags=re.MULTILINE)) == 1
    config = re.sub(r"^    seats: \d+\n", f"    seats: {seats}\n{spring_off}", config, flags=re.MULTILINE)
    config = config.replace("at: 2027-04-15T09:00", f"at: {spring_at}")
    if autumn_cancelled:
        config = config.replace(
            "    audience: [pm, steering]\n", "    audience: [pm, steering]\n    cancelled: true\n"
        )
    return config


def rsvp(key: str, answer: str) -> str:
    return f"erfa:rsvp:{key}:{answer}"


class Office(SlackScenario):
    """The sample client's people on Slack, their ERFA channel, and the meetings' clock."""

    channel = CHANNEL

    # --- the tenant file

    def apply(self, config: str) -> None:
        """Apply a new tenant file (as ``vpmo tenant apply`` does) to the running server's database."""
        apply_tenant_file(self.world.database_url, config)

    # --- what people do

    def press(self, posted: Call, action_id: str, user: str, response_url: str = "") -> tuple[bytes, str]:
        """Return the block_actions of a press now (Slack's ``action_ts``) on a button the bot sent."""
        url = response_url or self.slack.response_url(f"{user}-{action_id}-{len(self.slack.calls())}")
        payload = block_actions_from_message(posted, action_id, user, TEAM, url)
        payload["actions"][0]["action_ts"] = self.slack_ts()
        return interactive(payload)

    # --- what the bot sent

    def updates(self, ts: str) -> list[Call]:
        return [c for c in self.slack.calls("chat.update") if c.params.get("ts") == ts]

    def uploads_to(self, channel: str) -> list[Upload]:
        return [u for u in self.slack.uploads() if u.channel == channel]

    def link_buttons(self) -> list[str]:
        """Return the URLs of the link buttons in everything the bot sent."""
        return [
            e["url"]
            for _, blocks in self.sent_blocks()
            for b in blocks
            if b["type"] == "actions"
            for e in b["elements"]
            if "url" in e
        ]

    def fetch(self, url: str) -> Any:
        """GET an invite link from the real server."""
        answer = self.world.server.get(urlsplit(url).path)
        assert answer.status_code == 200, answer.text
        return answer


def calendar(content: bytes) -> Any:
    """Read a calendar file with vobject."""
    return vobject.readOne(content.decode("utf-8"))


def counts(call: Call) -> str:
    """Return the line of a post that counts the answers."""
    [line] = [line for line in shown(call).splitlines() if re.match(r"\d+ deltagere?, \d+ måske", line)]
    return line


def invite_url(blocks: list[dict[str, Any]]) -> str:
    [url] = [e["url"] for b in blocks if b.get("type") == "actions" for e in b["elements"] if "url" in e]
    return str(url)


def answers_of(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Return the answer buttons' (text, action id)."""
    return [
        (e["text"]["text"], e["action_id"])
        for b in blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if "url" not in e
    ]


@pytest.fixture
def office(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Office]:
    monkeypatch.setenv("VPMO_PUBLIC_URL", PUBLIC_URL)
    with running_slack_scenario(
        Office, database_url, monkeypatch, start="2027-03-18T08:00", cycle="run_erfa_cycle"
    ) as office:
        office.apply(tenant_file())
        yield office


def test_a_whole_erfa_meeting_on_slack_from_the_announcement_to_the_feedback_summary(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    o, slack = office, office.slack

    # --- the announcement, 28 days before -------------------------------------------------------------

    o.tick_at("2027-03-18T08:59")
    assert o.channel_posts() == []
    o.tick_at("2027-03-18T09:00")
    [announcement] = o.channel_posts()
    ts = announcement.response["ts"]
    assert answers_of(announcement.blocks) == [
        ("Deltager", rsvp(SPRING, "attending")),
        ("Måske", rsvp(SPRING, "maybe")),
        ("Deltager ikke", rsvp(SPRING, "not_attending")),
    ]
    assert shown(announcement).splitlines() == [
        f"I er inviteret til »{TITLE}«",
        "Tid: torsdag den 15. april kl. 09:00 (3 timer)",
        "Sted: Nordlys, Kolding / Teams",
        "For: projektledere, testere, styregruppemedlemmer og projektdeltagere",
        "0 deltagere, 0 måske · 2 pladser, 2 ledige",
        "Svar med knapperne herunder, så koordinatoren ved, hvem der kommer. Svarer du Deltager eller Måske, "
        "får du en personlig invitation til din kalender.",
    ]
    # The meeting to add to one's calendar: the link button, and the same file shared in the channel.
    link = invite_url(announcement.blocks)
    assert link.startswith(f"{PUBLIC_URL}/invites/")
    [shared] = o.uploads_to(CHANNEL)
    assert (shared.filename, shared.title) == (f"erfa-{SPRING}.ics", f"Kalenderinvitation: {TITLE}")
    assert shared.content is not None
    for content in (shared.content, o.fetch(link).content):
        published = calendar(content)
        assert published.method.value == "PUBLISH"
        assert published.vevent.uid.value == meeting_uid("nordlys", SPRING)
        assert published.vevent.sequence.value == "0"
        assert published.vevent.dtstart.value.astimezone(UTC) == local("2027-04-15T09:00")
        assert published.vtimezone.tzid.value == "Europe/Copenhagen"
        assert not hasattr(published.vevent, "attendee")
    assert b"RRULE:" in shared.content

    # --- the answers -----------------------------------------------------------------------------------

    # Jonas answers Deltager: a seat. The post shows it in place; his own invite comes in his DM, as a file.
    o.at("2027-03-18T10:00")
    jonas_press = o.press(announcement, rsvp(SPRING, "attending"), JONAS)
    o.send(jonas_press)
    [update] = o.updates(ts)
    assert update.params["channel"] == CHANNEL
    assert counts(update) == "1 deltager, 0 måske · 2 pladser, 1 ledig"
    assert answers_of(update.blocks) == answers_of(announcement.blocks)
    assert invite_url(update.blocks) == link
    assert slack.calls("response_url") == []  # nothing ephemeral: the answer is in the DM
    [confirmed] = o.dms(JONAS)
    assert shown(confirmed).splitlines() == [
        f"Tak, du er tilmeldt mødet »{TITLE}« og har en plads. Tryk Føj til kalender for at lægge mødet i din kalender.",
        "Tid: torsdag den 15. april kl. 09:00 (3 timer)",
        "Sted: Nordlys, Kolding / Teams",
    ]
    [jonas_file] = o.uploads_to(f"D{JONAS}")
    assert jonas_file.content is not None
    jonas_link = invite_url(confirmed.blocks)
    assert jonas_link != link  # his own token
    for content in (jonas_file.content, o.fetch(jonas_link).content):
        request = calendar(content)
        assert request.method.value == "REQUEST"
        assert request.vevent.uid.value == meeting_uid("nordlys", SPRING)
        assert request.vevent.sequence.value == "0"
        assert request.vevent.organizer.value == "mailto:mette.holm@nordlys.dk"
        assert request.vevent.attendee.value == "mailto:jonas.friis@nordlys.dk"
        assert request.vevent.attendee.params["PARTSTAT"] == ["ACCEPTED"]

    # Slack delivers the same press again (its answer was slow): nothing changes, nothing new is sent.
    calls = len(slack.calls())
    o.send(jonas_press)
    again = slack.calls()[calls:]
    assert [c.method for c in again if c.method.startswith("chat.")] == []
    [answer] = [c for c in again if c.method == "response_url"]
    assert shown(answer) == f"Du er allerede tilmeldt mødet »{TITLE}« og har din plads."
    assert answer.params["response_type"] == "ephemeral"

    # Ida takes the second seat; Peter comes third and waits; Karen may come (a Måske holds no seat).
    o.at("2027-03-18T10:05")
    o.send(o.press(announcement, rsvp(SPRING, "attending"), IDA))
    assert counts(o.updates(ts)[-1]) == "2 deltagere, 0 måske · 2 pladser, ingen ledige"
    o.at("2027-03-18T10:10")
    waits = o.click(announcement, rsvp(SPRING, "attending"), PETER)
    assert shown(waits).splitlines()[0] == (
        f"Tak! Alle pladser til mødet »{TITLE}« er taget, så du står som nummer 1 på ventelisten. Du får "
        "besked, så snart der bliver en plads."
    )
    assert (waits.params["response_type"], waits.params["replace_original"]) == ("ephemeral", False)
    assert o.uploads_to(f"D{PETER}") == []  # no seat, no invite
    assert counts(o.updates(ts)[-1]) == "2 deltagere, 0 måske · 2 pladser, ingen ledige · 1 på venteliste"
    o.at("2027-03-18T10:15")
    o.send(o.press(announcement, rsvp(SPRING, "maybe"), KAREN))
    [karens] = o.dms(KAREN)
    assert shown(karens).startswith(f"Tak, du har svaret måske til mødet »{TITLE}«.")
    [karen_file] = o.uploads_to(f"D{KAREN}")
    assert karen_file.content is not None
    assert calendar(karen_file.content).vevent.attendee.params["PARTSTAT"] == ["TENTATIVE"]

    # The coordinator sees who answered what, the waiting list in order.
    waiting_list = o.slash(METTE, f"erfa deltagere {SPRING}")
    [listing] = [b["text"]["text"] for b in waiting_list["blocks"]]
    assert html.unescape(listing).splitlines()[1:7] == [
        "2 deltagere, 1 måske · 2 pladser, ingen ledige · 1 på venteliste",
        "Deltagere (2):",
        "• Jonas Friis",
        "• Ida Holm",
        "Venteliste (1):",
        "1. Peter Munk",
    ]

    # Ida cannot come after all: her seat goes to Peter, the first on the waiting list, who is told.
    o.at("2027-03-18T11:00")
    declined = o.click(announcement, rsvp(SPRING, "not_attending"), IDA)
    assert shown(declined).splitlines()[0] == (
        f"Tak for dit svar – du er ikke tilmeldt mødet »{TITLE}«. Ombestemmer du dig, så tryk Deltager."
    )
    [moved_up] = o.told(PETER)
    assert moved_up == (
        f"Der er blevet en plads til dig: du er nu tilmeldt mødet »{TITLE}« torsdag den 15. april kl. 09:00. "
        "Tryk Føj til kalender for at lægge mødet i din kalender. Kan du alligevel ikke komme, så skriv erfa og tryk "
        "Deltager ikke."
    )
    [peter_file] = o.uploads_to(f"D{PETER}")
    assert peter_file.content is not None
    assert calendar(peter_file.content).vevent.attendee.params["PARTSTAT"] == ["ACCEPTED"]
    assert counts(o.updates(ts)[-1]) == "2 deltagere, 1 måske · 2 pladser, ingen ledige"
    # Every edit was of the announcement itself, and it still shows in Slack as the latest edit.
    assert {c.params["ts"] for c in slack.calls("chat.update")} == {ts}
    assert len(o.channel_posts()) == 1
    latest = slack.message(CHANNEL, ts)
    assert latest is not None
    assert "2 deltagere, 1 måske" in latest["blocks"][0]["text"]["text"]

    # --- erfa and erfa deltagere as slash commands ---------------------------------------------------

    listed = o.slash(JONAS, "erfa")
    assert listed["response_type"] == "ephemeral"
    assert [b["text"]["text"].splitlines()[-1] for b in listed["blocks"] if b["type"] == "section"] == [
        "2 kommende ERFA-møder:",
        "Dit svar: Deltager – du har en plads.",
        "Du har ikke svaret endnu.",
    ]
    assert button_ids(listed["blocks"]) == [rsvp(key, a) for key in (SPRING, AUTUMN) for a in ANSWERS]
    attendees = o.slash(METTE, f"erfa deltagere {SPRING}")
    [listing] = [b["text"]["text"] for b in attendees["blocks"]]
    assert html.unescape(listing).splitlines() == [
        f"Svar på mødet »{TITLE}« torsdag den 15. april kl. 09:00:",
        "2 deltagere, 1 måske · 2 pladser, ingen ledige",
        "Deltagere (2):",
        "• Jonas Friis",
        "• Peter Munk",
        "Måske (1):",
        "• Karen Vestergaard",
        "Kommer ikke (1):",
        "• Ida Holm",
    ]

    # --- the reminder 7 days before: a new post, and one nudge to who has not answered ---------------

    before = o.dm_counts()
    o.tick_at("2027-04-08T08:59")
    assert len(o.channel_posts()) == 1
    o.tick_at("2027-04-08T09:00")
    week = o.channel_posts()[-1]
    assert shown(week).splitlines() == [
        f"Om 7 dage: »{TITLE}«",
        "Tid: torsdag den 15. april kl. 09:00 (3 timer)",
        "Sted: Nordlys, Kolding / Teams",
        "For: projektledere, testere, styregruppemedlemmer og projektdeltagere",
        "2 deltagere, 1 måske · 2 pladser, ingen ledige",
        "Svar med knapperne herunder, så koordinatoren ved, hvem der kommer. Svarer du Deltager eller Måske, "
        "får du en personlig invitation til din kalender.",
    ]
    assert answers_of(week.blocks) == answers_of(announcement.blocks)
    assert invite_url(week.blocks) == link
    nudged = o.new_dms(before)
    assert set(nudged) == {EMMA}  # the only one of the audience who has not answered
    [nudge] = nudged[EMMA]
    assert shown(nudge) == (
        f"You are invited to the meeting “{TITLE}” on Thursday 15 April at 09:00 (Nordlys, Kolding / Teams), "
        "but I have not had your answer. Press Attending, Maybe or Not attending below so the coordinator can "
        "plan."
    )
    assert button_ids(nudge.blocks) == [rsvp(SPRING, a) for a in ANSWERS]
    o.tick_at("2027-04-08T10:00")
    assert o.new_dms(before) == nudged  # one nudge, not one per tick

    # Emma looks her meetings up and answers Maybe on that answer, which only she sees.
    o.at("2027-04-08T10:30")
    mine = o.slash(EMMA, "erfa")
    seen = dataclasses.replace(
        announcement,
        method="chat.postEphemeral",
        params={"channel": "C0PMO", "blocks": mine["blocks"]},
        response={"ok": True, "message_ts": o.slack_ts()},
    )
    calls = len(slack.calls())
    o.send(o.press(seen, rsvp(SPRING, "maybe"), EMMA))
    # The answer comes in her DM with the invite; the answer only she sees is left as it was (not emptied).
    assert [c.method for c in slack.calls()[calls:] if c.method == "response_url"] == []
    assert o.told(EMMA)[-1].startswith(
        f"Thank you, you answered maybe to the meeting “{TITLE}”. Press Add to calendar to put it in your calendar."
    )
    assert o.uploads_to(f"D{EMMA}")[-1].filename == f"erfa-{SPRING}.ics"

    # --- the meeting is moved a week: answers reset, everyone asked again, updated invites -----------

    before, posts = o.dm_counts(), len(o.channel_posts())  # before the change: the server may tick at once
    o.at("2027-04-09T12:00")
    o.apply(tenant_file(spring_at="2027-04-22T09:00"))
    o.tick_at("2027-04-09T12:00:05")
    [moved] = o.channel_posts()[posts:]
    assert shown(moved).splitlines() == [
        f"Mødet »{TITLE}« er flyttet fra torsdag den 15. april kl. 09:00 til torsdag den 22. april kl. 09:00.",
        "Tid: torsdag den 22. april kl. 09:00 (3 timer)",
        "Sted: Nordlys, Kolding / Teams",
        "For: projektledere, testere, styregruppemedlemmer og projektdeltagere",
        "Svarene til det gamle tidspunkt gælder ikke længere, så svar igen med knapperne herunder – også "
        "selvom du allerede havde svaret.",
    ]
    assert answers_of(moved.blocks) == answers_of(announcement.blocks)
    assert counts(o.updates(ts)[-1]) == "0 deltagere, 0 måske · 2 pladser, 2 ledige"
    assert "torsdag den 22. april kl. 09:00" in shown(o.updates(ts)[-1])
    told_of_move = o.new_dms(before)
    assert set(told_of_move) == {JONAS, PETER, KAREN, EMMA}  # who had said Deltager or Måske
    [jonas_moved] = told_of_move[JONAS]
    assert shown(jonas_moved) == (
        f"Mødet »{TITLE}« er flyttet fra torsdag den 15. april kl. 09:00 til torsdag den 22. april kl. 09:00. "
        "Dit svar gjaldt det gamle tidspunkt, så svar igen herunder. Tryk Føj til kalender, så "
        "flytter mødet også i din kalender."
    )
    assert answers_of(jonas_moved.blocks) == answers_of(announcement.blocks)
    updated = calendar(o.uploads_to(f"D{JONAS}")[-1].content or b"")
    assert updated.method.value == "REQUEST"
    assert updated.vevent.uid.value == meeting_uid("nordlys", SPRING)
    assert updated.vevent.sequence.value == "1"
    assert updated.vevent.dtstart.value.astimezone(UTC) == local("2027-04-22T09:00")
    assert updated.vevent.attendee.params["PARTSTAT"] == ["NEEDS-ACTION"]
    assert calendar(o.fetch(link).content).vevent.sequence.value == "1"

    # They answer again: Jonas and Peter in their DMs, Karen on the channel post.
    o.at("2027-04-09T13:00")
    o.send(o.press(jonas_moved, rsvp(SPRING, "attending"), JONAS))
    o.at("2027-04-09T13:05")
    o.send(o.press(told_of_move[PETER][0], rsvp(SPRING, "attending"), PETER))
    o.at("2027-04-09T13:10")
    o.send(o.press(moved, rsvp(SPRING, "maybe"), KAREN))
    assert counts(o.updates(ts)[-1]) == "2 deltagere, 1 måske · 2 pladser, ingen ledige"
    # A press in a DM replaces the message without its buttons (no second press); the answer comes anew.
    [again_in_dm] = [c for c in slack.calls("response_url") if c.params.get("replace_original")][:1]
    assert button_ids(again_in_dm.params["blocks"]) == []
    assert o.told(JONAS)[-1].startswith(f"Tak, du er tilmeldt mødet »{TITLE}« og har en plads.")
    assert calendar(o.uploads_to(f"D{JONAS}")[-1].content or b"").vevent.attendee.params["PARTSTAT"] == [
        "ACCEPTED"
    ]

    # No reminder for the old time: the day before it, and the time itself, pass quietly.
    posts = len(o.channel_posts())
    o.tick_at("2027-04-14T09:00")
    o.tick_at("2027-04-15T07:00")
    assert len(o.channel_posts()) == posts

    # 7 days before the new time: a new post that says the meeting moved.
    before = o.dm_counts()
    o.tick_at("2027-04-15T09:00")
    [week_after_move] = o.channel_posts()[posts:]
    assert shown(week_after_move).splitlines()[:5] == [
        f"Om 7 dage: »{TITLE}«",
        "Tid: torsdag den 22. april kl. 09:00 (3 timer)",
        "Sted: Nordlys, Kolding / Teams",
        "For: projektledere, testere, styregruppemedlemmer og projektdeltagere",
        "Mødet er flyttet siden første udmelding – det nye tidspunkt er torsdag den 22. april kl. 09:00.",
    ]
    # Asked again for the new time: the two of the audience without an answer to it (Emma for the second time).
    # Both had answered for the old time (Ida Deltager ikke), so they are told their answer was for that one.
    nudged = o.new_dms(before)
    assert set(nudged) == {EMMA, IDA}
    assert shown(nudged[IDA][0]).startswith(
        f"Mødet »{TITLE}« er flyttet til torsdag den 22. april kl. 09:00 (Nordlys, Kolding / Teams), og dit "
        "svar gjaldt det gamle tidspunkt."
    )

    # --- a new place: the answers stand, those coming get an updated invite --------------------------

    before, posts = o.dm_counts(), len(o.channel_posts())
    o.at("2027-04-16T10:00")
    o.apply(tenant_file(spring_at="2027-04-22T09:00", place=NEW_PLACE))
    o.tick_at("2027-04-16T10:00:05")
    [new_place] = o.channel_posts()[posts:]
    changed = [
        f"Nyt om mødet »{TITLE}«:",
        f"Nyt sted: {NEW_PLACE} (før: Nordlys, Kolding / Teams)",
    ]
    assert shown(new_place).splitlines() == [
        *changed,
        "Tid: torsdag den 22. april kl. 09:00 (3 timer)",
        f"Sted: {NEW_PLACE}",
        "For: projektledere, testere, styregruppemedlemmer og projektdeltagere",
        "Tidspunktet er det samme, så alle svar gælder stadig.",
    ]
    told_of_place = o.new_dms(before)
    assert set(told_of_place) == {JONAS, PETER, KAREN}
    assert shown(told_of_place[JONAS][0]).splitlines() == [
        *changed,
        "Dit svar gælder stadig. Tryk Føj til kalender, så bliver mødet også opdateret i din kalender.",
    ]
    moved_here = calendar(o.uploads_to(f"D{JONAS}")[-1].content or b"").vevent
    assert (moved_here.sequence.value, moved_here.location.value) == ("2", NEW_PLACE)
    assert moved_here.attendee.params["PARTSTAT"] == ["ACCEPTED"]  # his answer stands
    assert counts(o.updates(ts)[-1]) == "2 deltagere, 1 måske · 2 pladser, ingen ledige"
    assert f"Sted: {NEW_PLACE}" in shown(o.updates(ts)[-1]).splitlines()

    # --- the day before: the channel, and personal reminders to who comes --------------------------

    before, posts = o.dm_counts(), len(o.channel_posts())
    o.tick_at("2027-04-21T09:00")
    [tomorrow] = o.channel_posts()[posts:]
    assert shown(tomorrow).splitlines()[0] == f"I morgen: »{TITLE}«"
    assert f"Mødet har fået nyt sted siden første udmelding: {NEW_PLACE}." in shown(tomorrow).splitlines()
    reminded = o.new_dms(before)
    assert set(reminded) == {JONAS, PETER, KAREN}
    for seated in (JONAS, PETER):
        [reminder] = reminded[seated]
        assert shown(reminder) == (
            f"Husk mødet »{TITLE}« i morgen, torsdag den 22. april kl. 09:00. Sted: {NEW_PLACE}. Kan du alligevel "
            "ikke komme, så skriv erfa og tryk Deltager ikke, så en anden kan få din plads."
        )
    # Karen said Måske: she holds no seat to give up, so she is asked to settle her answer.
    assert shown(reminded[KAREN][0]) == (
        f"Mødet »{TITLE}« er i morgen, torsdag den 22. april kl. 09:00. Sted: {NEW_PLACE}. Du har "
        "svaret måske, og et måske holder ikke en plads. Ved du nu, om du kommer, så skriv erfa og tryk "
        "Deltager eller Deltager ikke."
    )
    o.tick_at("2027-04-21T12:00")
    assert o.new_dms(before) == reminded  # once

    before, posts = o.dm_counts(), len(o.channel_posts())
    o.tick_at("2027-04-22T07:00")
    [soon] = o.channel_posts()[posts:]
    assert shown(soon).splitlines()[0] == f"Om 2 timer: »{TITLE}«"

    # --- after the meeting: the feedback, and the coordinator's summary ----------------------------

    o.tick_at("2027-04-22T11:59")
    assert o.new_dms(before) == {}
    o.tick_at("2027-04-22T12:00")
    asked = o.new_dms(before)
    assert set(asked) == {JONAS, PETER}  # those with a seat
    [ask] = asked[JONAS]
    assert shown(ask).splitlines() == [
        f"Tak, fordi du deltog i mødet »{TITLE}«! Hvor meget fik du ud af det? Giv det 1 til 5 med knapperne "
        "herunder.",
        "Skriv også én ting, du tager med hjem: tryk på en bedømmelse og skriv den bagefter, eller skriv erfa "
        f"tag-med {SPRING} efterfulgt af din tekst.",
    ]
    assert button_ids(ask.blocks) == [f"erfa:rate:{SPRING}:{n}" for n in range(1, 6)]
    o.at("2027-04-22T13:00")
    rated = o.click(ask, f"erfa:rate:{SPRING}:4", JONAS)
    assert rated.params["replace_original"] is True
    assert button_ids(rated.params["blocks"]) == []  # the ratings are gone: one press
    assert shown(rated).splitlines()[-2:] == [
        "Tak for din bedømmelse: 4 ud af 5.",
        "Hvad er den ene ting, du tager med hjem fra mødet? Skriv den bare her som din næste besked.",
    ]
    o.say(JONAS, "Vi prøver gevinstkort i styregruppen")
    thanks = o.dms(JONAS)[-1]
    assert shown(thanks).splitlines() == [
        "Tak! Det, du tager med hjem, kommer med i koordinatorens opsamling på mødet.",
        "Er det noget, I bør prøve i metoden? Så kan du sende det videre som en udfordring til næste "
        "kvartalsmøde.",
    ]
    assert button_ids(thanks.blocks) == [f"erfa:challenge:{SPRING}"]
    o.at("2027-04-22T13:05")
    submitted = o.click(thanks, f"erfa:challenge:{SPRING}", JONAS)
    # What Jonas takes home is worth trying in the method: he sends it on as a challenge.
    assert shown(submitted).splitlines()[-1] == (
        "Tak! Din udfordring har fået referencen U-1 og står nu i kanalen, hvor de andre kan stemme på den. "
        "Den kommer med til kvartalsmødet tirsdag den 8. juni kl. 13:00, og afstemningen lukker søndag den 6. "
        "juni kl. 13:00."
    )
    assert button_ids(submitted.params["blocks"]) == []
    [challenge] = [c for c in slack.calls("chat.postMessage") if c.params["channel"] == "C0CHALL"]
    assert shown(challenge).splitlines()[:2] == [
        "U-1 · udfordring fra Jonas Friis",
        "“Vi prøver gevinstkort i styregruppen”",
    ]
    mark = len(o.dms(METTE))
    o.at("2027-04-22T13:10")
    o.click(asked[PETER][0], f"erfa:rate:{SPRING}:5", PETER)
    o.say(PETER, "Styregruppen skal have beslutningsoplæg en uge før")
    o.tick_at("2027-04-22T13:30")  # everyone asked has answered: the summary comes now, not in 3 days
    [summary] = o.told(METTE, mark)
    assert summary.splitlines() == [
        f"Opsamling på mødet »{TITLE}« torsdag den 22. april kl. 09:00:",
        "Svar: 2 deltagere, 1 måske og 0 afbud.",
        "Bedømmelse: 4,5 ud af 5 i gennemsnit (2 svar).",
        "Det tager deltagerne med hjem (2):",
        "“Vi prøver gevinstkort i styregruppen”",
        "“Styregruppen skal have beslutningsoplæg en uge før”",
    ]
    o.tick_at("2027-04-25T13:00")
    assert len(o.told(METTE, mark)) == 1  # once

    # --- the autumn meeting: announced, then cancelled ---------------------------------------------

    posts = len(o.channel_posts())
    o.tick_at("2027-10-14T13:00")
    [autumn] = o.channel_posts()[posts:]
    autumn_ts = autumn.response["ts"]
    assert shown(autumn).splitlines()[:2] == [
        f"I er inviteret til »{AUTUMN_TITLE}«",
        "Tid: torsdag den 11. november kl. 13:00 (2 timer og 30 minutter)",
    ]
    assert counts(autumn) == "0 deltagere, 0 måske"  # no seats: room for everyone
    o.at("2027-10-14T14:00")
    mark = len(o.dms(JONAS))
    o.send(o.press(autumn, rsvp(AUTUMN, "attending"), JONAS))
    assert counts(o.updates(autumn_ts)[-1]) == "1 deltager, 0 måske"
    assert len(o.dms(JONAS)) == mark + 1

    before, posts, shared = o.dm_counts(), len(o.channel_posts()), len(o.uploads_to(CHANNEL))
    o.at("2027-10-20T10:00")
    o.apply(tenant_file(spring_at="2027-04-22T09:00", place=NEW_PLACE, autumn_cancelled=True))
    o.tick_at("2027-10-20T10:00:05")
    [cancelled] = o.channel_posts()[posts:]
    assert shown(cancelled) == (
        f"Mødet »{AUTUMN_TITLE}« torsdag den 11. november kl. 13:00 er aflyst. Invitationen herunder fjerner "
        "det fra kalenderen, hvis du har lagt det ind."
    )
    assert answers_of(cancelled.blocks) == []  # nothing to answer
    [remove] = [e for b in cancelled.blocks if b["type"] == "actions" for e in b["elements"]]
    assert remove["text"]["text"] == "Fjern fra kalender"
    [cancelling] = o.uploads_to(CHANNEL)[shared:]
    for content in (cancelling.content or b"", o.fetch(remove["url"]).content):
        called_off = calendar(content)
        assert called_off.method.value == "CANCEL"
        assert called_off.vevent.status.value == "CANCELLED"
        assert called_off.vevent.uid.value == meeting_uid("nordlys", AUTUMN)
        assert called_off.vevent.sequence.value == "1"
    # The announcement itself now says it is off, without its buttons.
    edited = o.updates(autumn_ts)[-1]
    assert shown(edited) == (
        f"Aflyst: »{AUTUMN_TITLE}« torsdag den 11. november kl. 13:00 bliver ikke holdt."
    )
    assert button_ids(edited.blocks) == []
    [to_jonas] = o.new_dms(before)[JONAS]
    assert shown(to_jonas) == (
        f"Mødet »{AUTUMN_TITLE}« torsdag den 11. november kl. 13:00 er aflyst, så du skal ikke komme. Tryk "
        "Fjern fra kalender, så forsvinder mødet fra din kalender."
    )
    assert set(o.new_dms(before)) == {JONAS}
    jonas_cancel = calendar(o.uploads_to(f"D{JONAS}")[-1].content or b"")
    assert (jonas_cancel.method.value, jonas_cancel.vevent.sequence.value) == ("CANCEL", "1")
    # A late press on the old buttons is refused, and no reminder follows.
    refused = o.click(autumn, rsvp(AUTUMN, "maybe"), KAREN)
    assert shown(refused) == f"Mødet »{AUTUMN_TITLE}« er aflyst, så der kan ikke svares på det."
    posts = len(o.channel_posts())
    o.tick_at("2027-11-04T13:00")
    o.tick_at("2027-11-10T13:00")
    assert len(o.channel_posts()) == posts

    # --- everything the bot sent fits Slack ---------------------------------------------------------

    assert all(c.ok for c in slack.calls() if c.method.startswith(("chat.", "files.")))
    assert {c.params["ts"] for c in slack.calls("chat.update")} == {ts, autumn_ts}  # edits, never new posts
    assert o.blocks_slack_refuses() == {}
    assert all(
        url.startswith(f"{PUBLIC_URL}/invites/") for url in o.link_buttons()
    )  # absolute: Slack needs them so
    assert errors_logged(caplog) == []


# --- the longest title and place the tenant file allows -------------------------------------------------


def test_every_post_and_answer_of_a_meeting_with_the_longest_title_and_place_fits_slack(
    office: Office,
) -> None:
    o, slack = office, office.slack
    o.apply(tenant_file(seats=1, title=LONG_TITLE, place=LONG_PLACE))

    o.tick_at("2027-03-18T09:00")
    [announcement] = o.channel_posts()
    o.at("2027-03-18T10:00")
    o.send(o.press(announcement, rsvp(SPRING, "attending"), JONAS))
    o.click(announcement, rsvp(SPRING, "attending"), PETER)  # waits
    o.at("2027-03-18T10:30")
    o.click(announcement, rsvp(SPRING, "not_attending"), JONAS)  # Peter moves up
    o.slash(JONAS, "erfa")
    o.slash(METTE, f"erfa deltagere {SPRING}")
    o.tick_at("2027-04-08T09:00")  # the reminder a week before, and the nudges
    o.at("2027-04-09T12:00")
    o.apply(tenant_file(seats=1, title=LONG_TITLE, place=LONG_PLACE, spring_at="2027-04-22T09:00"))
    o.tick_at("2027-04-09T12:00:05")  # the move
    o.at("2027-04-10T12:00")
    o.apply(
        tenant_file(
            seats=1, title=LONG_TITLE, place=LONG_PLACE, spring_at="2027-04-22T09:00", spring_cancelled=True
        )
    )
    o.tick_at("2027-04-10T12:00:05")  # the cancellation

    assert [shown(p).splitlines()[0][:12] for p in o.channel_posts()] == [
        "I er inviter",
        "Om 7 dage: »",
        "Mødet »ERFA:",
        "Mødet »ERFA:",
    ]
    assert LONG_TITLE in shown(o.channel_posts()[0])
    assert LONG_PLACE in shown(o.channel_posts()[0])
    assert o.told(PETER)[0].startswith(
        f"Der er blevet en plads til dig: du er nu tilmeldt mødet »{LONG_TITLE}«"
    )
    assert len(o.sent_blocks()) > 15
    assert o.blocks_slack_refuses() == {}
    assert all(len(c.params["text"]) <= 4000 for c in slack.calls("chat.postMessage"))
    # Every invite the bot shared is folded at 75 octets and reads back with the whole title and place.
    assert len(slack.uploads()) >= 6
    for upload in slack.uploads():
        assert upload.content is not None
        assert max(len(line) for line in upload.content.split(b"\r\n")) <= 75
        event = calendar(upload.content).vevent
        assert (event.summary.value, event.location.value) == (LONG_TITLE, LONG_PLACE)
    assert max(len(url) for url in o.link_buttons()) <= SLACK_LIMITS["button_url"]
