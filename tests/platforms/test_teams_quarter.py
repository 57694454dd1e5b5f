"""A whole quarter of challenges on Teams, over the real protocol, from the call to the yearly review.

The issue's scenario: call → submissions → votes and withdrawals from several people → reminder →
agenda → merge → decisions → notifications → yearly review. Teams activities go over HTTP to the real
server (``build_server``); everything the bot sends goes to the fake Bot Connector on 127.0.0.1, which
records it. Nothing is replaced: the challenge use cases, the outbox, the dispatcher, the Teams
messenger and the scheduler's tick are the real ones, on SQLite and on PostgreSQL.

The quarter before the meeting on 9 March 2027 (13:00):

* 6 Feb: the app is added to the team in the challenge channel, and everyone installs it.
* 16 Feb 13:00: the call, in the channel. Jonas types ``udfordring …`` in his chat (U-1); Karen uses
  *Submit as challenge* on Peter's message, is told it looks like U-1 and submits hers anyway (U-2);
  Emma types ``challenge …`` in English (U-3); Ida's looks like U-1 too, and she votes for U-1 instead;
  Peter @mentions the bot in the channel (U-4: a fourth, so that one decision can be a rejection).
* 18-19 Feb: likes (one delivered twice), likes taken back, a like turned into a heart, likes on
  messages that are no challenge, ``stem U-3``, Stem clicks on the posts (one taken back and cast
  again), and a like and a click from someone the client's configuration does not know.
* 4 Mar 13:00: the reminder, in the channel and to those of the client's people who have not voted.
* 7 Mar 13:00: voting closes; the agenda, ranked by the votes that arrived, in the channel and to the
  coordinator and the seniors. A late click changes nothing. Mette merges U-2 into U-1.
* 10 Mar: the decisions: U-1 adopted, U-3 sparring (Sofie gets the offer and accepts), U-4 rejected.
* 1 Nov 09:00: the yearly method review; Anna records the template version U-1 went into.

Time: the server runs on a clock that stands still until the scenario moves it (the use cases, the
dispatcher, the tick's challenge cycle and Teams' pace all read it). Moved to a moment, the server's
own tick loop (every 0.2 s) finds what has fallen due; the scenario waits for what the bot sends,
never for a fixed time. Each step moves the clock on a little, as time passes between people's
actions, so that Teams' per-second pace never holds back a message of the next step.

The tenant: the sample client served on Teams only. The sample file has a Slack workspace too, and a
tenant with both is served on Slack; here its ``slack_team_id`` (and the Slack channel) are left out.
Emma is in it by e-mail alone, as people often are (a 29: id is the app's own): the bot knows her by
the e-mail Teams' roster gives for her id, writes to her in the chat she opened, and counts her likes.

Every message the bot sends is read, by whom it reached: after each step, whatever was not expected
fails the test, so "only these people were reminded" and "nobody else heard" are checked, not assumed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from storage.tables import CHALLENGE, CHALLENGE_VOTE, PERSON, PROCESSED_EVENT
from tests.platforms.limits import TEAMS_MAX_MESSAGE_BYTES, activity_problems, card_problems
from tests.platforms.scenario import local
from tests.platforms.stored import opened
from tests.platforms.teams_fakes import ConnectorCall, personal_conversation
from tests.platforms.teams_scenario import (
    ANNA,
    EMMA,
    IDA,
    JONAS,
    KAREN,
    LARS,
    METTE,
    PEOPLE,
    PETER,
    SOFIE,
    TENANT,
    TeamsScenario,
    card_lines,
    cards_of,
    channel_activity,
    lines_of,
    only_card,
    post_id,
    running_teams_scenario,
    teams_only_tenant,
)

CHANNEL = "19:abc@thread.tacv2"  # the challenge channel (challenges.channel.teams)
TEAM = "19:nordlys-projektledere@thread.tacv2"
GUEST = "29:1guest-from-another-department"  # in the team, not in the client's configuration

FIRST = "Styregruppen læser ikke vores statusrapporter, før de mødes"
DUPLICATE = "Vores statusrapporter bliver ikke læst af styregruppen"
ALIKE = "Styregruppen læser ikke rapporterne, før de mødes"
ENGLISH = "The test environment is never ready when testing is due to start"
FOURTH = "Vi mangler et fælles overblik over risici på tværs af projekterne"
ADOPTED = "Ny skabelon til styregruppeindstilling med et resumé på én side"
REJECTED = "Det hører under porteføljestyringen, ikke projekterne"
VERSION = "skabelon v2027.2"


@dataclass
class Quarter(TeamsScenario):
    """The sample client's people on Teams, in the challenge channel, and who has read what the bot sent."""

    channel_id = CHANNEL
    team_id = TEAM

    # --- sending activities ----------------------------------------------------------------------

    def say_in_channel(self, user: str, text: str, thread: str) -> list[ConnectorCall]:
        """The person @mentions the bot in a thread of the channel; return the bot's replies there."""
        body = self.in_channel(self.activity("channel_message_mention", user), thread)
        mention = {"type": "mention", "text": "<at>vpmo</at>", "mentioned": dict(body["recipient"])}
        body.update({"id": f"{int(thread) + 7}", "text": f"<at>vpmo</at> {text}", "entities": [mention]})
        self.post(body)
        return self.replies(f"{CHANNEL};messageid={thread}", body["id"])

    def react(
        self,
        user: str,
        post: str,
        *,
        added: tuple[str, ...] = ("like",),
        removed: tuple[str, ...] = (),
        activity_id: str | None = None,
    ) -> dict[str, Any]:
        """The person adds (or removes) a reaction on a message in the channel; Teams tells the bot."""
        name = "message_reaction_added" if added else "message_reaction_removed"
        body = self.in_channel(self.activity(name, user, replyToId=post), post)
        body.pop("reactionsAdded", None)
        body.pop("reactionsRemoved", None)
        if added:
            body["reactionsAdded"] = [{"type": kind} for kind in added]
        if removed:
            body["reactionsRemoved"] = [{"type": kind} for kind in removed]
        if activity_id is not None:
            body["id"] = activity_id
        self.post(body)
        return body

    def message_action(self, user: str, command_id: str, author: str, html: str, **data: Any) -> Any:
        """The person uses a message action on someone's message in the channel (or a dialog's button)."""
        thread = "1771243200000"
        body = self.in_channel(self.activity("invoke_compose_extension_submit_action", user), thread)
        body["value"] = {
            "commandId": command_id,
            "commandContext": "message",
            "context": {"theme": "default"},
            "data": data or {"text": ""},
            "messagePayload": {
                "id": thread,
                "replyToId": None,
                "createdDateTime": "2027-02-16T14:10:00.000Z",
                "messageType": "message",
                "importance": "normal",
                "locale": "da-dk",
                "from": {"user": {"id": author, "displayName": author, "userIdentityType": "aadUser"}},
                "body": {"contentType": "html", "content": html},
                "attachments": [],
                "mentions": [],
                "reactions": [],
            },
        }
        return self.invoke(body)

    # --- what the bot stored ---------------------------------------------------------------------

    def marks(self) -> list[tuple[int, str, str, bool]]:
        """Return every ballot mark held: (challenge, voter key, ballot, present)."""
        query = (
            select(
                CHALLENGE.c.number,
                CHALLENGE_VOTE.c.voter_key,
                CHALLENGE_VOTE.c.ballot,
                CHALLENGE_VOTE.c.present,
            )
            .join(CHALLENGE, CHALLENGE.c.id == CHALLENGE_VOTE.c.challenge_id)
            .order_by(CHALLENGE.c.number, CHALLENGE_VOTE.c.voter_key, CHALLENGE_VOTE.c.ballot)
        )
        with opened(self.database_url) as engine, engine.connect() as connection:
            return [(r.number, r.voter_key, r.ballot, r.present) for r in connection.execute(query)]

    def voter_of(self, number: int, voter_key: str) -> str | None:
        """Return the e-mail of the person a mark counts for (None: a voter the client does not know)."""
        query = (
            select(PERSON.c.email)
            .select_from(CHALLENGE_VOTE)
            .join(CHALLENGE, CHALLENGE.c.id == CHALLENGE_VOTE.c.challenge_id)
            .outerjoin(PERSON, PERSON.c.id == CHALLENGE_VOTE.c.person_id)
            .where(CHALLENGE.c.number == number, CHALLENGE_VOTE.c.voter_key == voter_key)
        )
        with opened(self.database_url) as engine, engine.connect() as connection:
            email: str | None = connection.execute(query).scalar_one()
            return email

    def button_voter(self, teams_id: str) -> str:
        """Return the key a person's button votes are kept under (``person:<id>``)."""
        query = select(PERSON.c.id).where(PERSON.c.teams_id == teams_id)
        with opened(self.database_url) as engine, engine.connect() as connection:
            person = connection.execute(query).scalar_one()
        return f"person:{person}"

    def processed(self, event_id: str) -> int:
        """Return how many times the event is recorded as processed."""
        query = select(PROCESSED_EVENT).where(PROCESSED_EVENT.c.event_id == event_id)
        with opened(self.database_url) as engine, engine.connect() as connection:
            return len(connection.execute(query).all())


def without_erfa(tenant_file: str) -> str:
    """Return a tenant file without its ERFA sections: this scenario reads everything the bot sends."""
    start = tenant_file.index("\n# The half-yearly ERFA")
    end = tenant_file.index("\n# Everyone the bot should know")
    return tenant_file[:start] + tenant_file[end:]


@pytest.fixture
def quarter(database_url: str) -> Iterator[Quarter]:
    # Ten days before the call: the app is set up before the cycle begins.
    with running_teams_scenario(
        Quarter, database_url, without_erfa(teams_only_tenant()), start="2027-02-06T10:00"
    ) as quarter:
        yield quarter


@dataclass
class Posted:
    """The channel posts of the quarter, as the connector created them."""

    call: ConnectorCall
    challenges: dict[int, ConnectorCall]

    def id(self, number: int) -> str:
        return post_id(self.challenges[number])

    def card(self, number: int) -> dict[str, Any]:
        return only_card(self.challenges[number])


CLOSES_DA = "søndag den 7. marts kl. 13:00"
MEETING_DA = "tirsdag den 9. marts kl. 13:00"


def test_a_whole_quarter_on_teams_from_the_call_to_the_yearly_method_review(quarter: Quarter) -> None:
    q = quarter
    setting_up(q)
    call = the_call(q)
    posted = Posted(call, three_challenges_and_a_fourth(q))
    votes_and_withdrawals(q, posted)
    the_reminder(q, posted)
    the_agenda_and_the_merge(q, posted)
    offer = the_decisions(q)
    the_sparring_offer_is_taken(q, offer)
    the_yearly_review(q)
    everything_sent_keeps_to_teams_limits(q)


def setting_up(q: Quarter) -> None:
    """Ten days before the call the app goes into the team and into everyone's personal chat."""
    q.add_to_team(METTE)
    for person in PEOPLE:
        q.install(person)
    q.nothing_else(due=True)  # nothing is due yet, and installing says nothing by itself


def the_call(q: Quarter) -> ConnectorCall:
    """21 days before the meeting, at the meeting's time of day, the call goes to the challenge channel."""
    q.at(local("2027-02-16T12:59"))
    q.nothing_else(due=True)
    q.at(local("2027-02-16T13:00"))
    [call] = q.channel()
    assert lines_of(call) == [
        f"Kvartalsmødet er {MEETING_DA}. Har du mødt en udfordring – i metoden eller i dit projekt? Så er "
        "det nu, den skal med på dagsordenen.",
        "Sted: Mødelokale 3 / Teams",
        "Skriv udfordring efterfulgt af din tekst til mig i en chat, eller vælg Submit as challenge under "
        f"Flere handlinger (…) på en besked, senest {CLOSES_DA}. Hver udfordring får sin egen besked her i "
        "kanalen.",
        "Stem på dem, du også møder, med 👍 eller knappen Stem.",
    ]
    # A new thread in the channel the bot learned when it was added to the team, in the client's tenant.
    assert call.body["channelData"] == {"channel": {"id": CHANNEL}, "tenant": {"id": TENANT}}
    assert channel_activity(call)["textFormat"] == "plain"
    q.nothing_else(due=True)
    return call


def three_challenges_and_a_fourth(q: Quarter) -> dict[int, ConnectorCall]:
    """Typed in a personal chat, by the message action, typed in English; and one @mentioned in the channel.

    Two look like an open challenge: Karen submits hers anyway, Ida votes for the open one instead.
    """
    q.later(5)
    [thanks] = q.say(JONAS, f"udfordring {FIRST}")
    assert lines_of(thanks) == [
        "Tak! Din udfordring har fået referencen U-1 og står nu i kanalen, hvor de andre kan stemme på den. "
        f"Den kommer med til kvartalsmødet {MEETING_DA}, og afstemningen lukker {CLOSES_DA}."
    ]
    [u1] = q.channel()
    assert lines_of(u1) == [
        "U-1 · udfordring fra Jonas Friis",
        f"“{FIRST}”",
        f"Stem med 👍 eller knappen Stem. Afstemningen lukker {CLOSES_DA}.",
        "[Stem]",
    ]
    assert channel_activity(u1)["summary"] == "U-1 · udfordring fra Jonas Friis"  # Teams' notification
    assert only_card(u1)["actions"] == [
        {
            "type": "Action.Execute",
            "title": "Stem",
            "verb": "vpmo",
            "data": {"action": "vote:U-1"},
            "style": "positive",
        }
    ]
    q.nothing_else()

    # Karen uses "Submit as challenge" on Peter's message in the channel. It looks like U-1, so the
    # dialog asks her first; she submits hers anyway.
    q.later(10)
    dialog = q.message_action(KAREN, "submitChallenge", PETER, f"<p>{DUPLICATE}</p>")
    choice = dialog["task"]["value"]["card"]["content"]
    assert card_lines(choice) == [
        "Der er allerede en udfordring, der ligner din – U-1:",
        f"“{FIRST}”",
        "Vil du hellere stemme på U-1, eller skal jeg indsende din alligevel?",
        "[Stem på U-1]",
        "[Indsend min alligevel]",
    ]
    q.nothing_else()  # held back: nothing in the channel yet
    [anyway] = [a for a in choice["actions"] if a["title"] == "Indsend min alligevel"]
    assert anyway["type"] == "Action.Submit"  # a dialog's buttons come back as a submitAction
    submitted = q.message_action(KAREN, "submitChallenge", PETER, f"<p>{DUPLICATE}</p>", **anyway["data"])
    assert submitted == {
        "composeExtension": {
            "type": "message",
            "text": "Tak! Din udfordring har fået referencen U-2 og står nu i kanalen, hvor de andre kan "
            f"stemme på den. Den kommer med til kvartalsmødet {MEETING_DA}, og afstemningen lukker "
            f"{CLOSES_DA}.",
        }
    }
    [u2] = q.channel()
    assert lines_of(u2)[:2] == ["U-2 · udfordring fra Karen Vestergaard", f"“{DUPLICATE}”"]
    q.nothing_else()

    # Emma reads English: she writes the English command word, and is answered in English.
    q.later(60 * 3)
    [thanks] = q.say(EMMA, f"challenge {ENGLISH}")
    assert lines_of(thanks) == [
        "Thank you! Your challenge is U-3 and is now in the channel, where the others can vote on it. It goes "
        "to the quarterly meeting on Tuesday 9 March at 13:00; voting closes Sunday 7 March at 13:00."
    ]
    [u3] = q.channel()
    assert lines_of(u3)[:2] == ["U-3 · udfordring fra Emma Larsen", f"“{ENGLISH}”"]  # the channel's language

    # Ida's looks like U-1 too: she votes for U-1 instead, with the button on the card in her chat.
    q.later(60 * 20)
    [offer] = q.say(IDA, f"udfordring {ALIKE}")
    assert lines_of(offer) == [
        "Der er allerede en udfordring, der ligner din – U-1:",
        f"“{FIRST}”",
        "Vil du hellere stemme på U-1, eller skal jeg indsende din alligevel?",
        "[Stem på U-1]",
        "[Indsend min alligevel]",
    ]
    answer = q.click(
        IDA,
        only_card(offer),
        "Stem på U-1",
        message=offer.answered_id,
        conversation=personal_conversation(IDA),
    )
    assert (answer["statusCode"], answer["type"]) == (200, "application/vnd.microsoft.card.adaptive")
    assert card_lines(answer["value"]) == [
        "Tak, din stemme på U-1 er talt med. Stemmer i alt: 1.",
        "[Fjern min stemme]",
    ]
    q.nothing_else()  # no challenge of hers in the channel

    # Peter @mentions the bot in a thread of the channel; it answers him there.
    q.later(60 * 2)
    [thanks] = q.say_in_channel(PETER, f"udfordring {FOURTH}", thread="1771340000000")
    assert lines_of(thanks)[0].startswith("Tak! Din udfordring har fået referencen U-4 og står nu i kanalen")
    [u4] = q.channel()
    assert lines_of(u4)[:2] == ["U-4 · udfordring fra Peter Munk", f"“{FOURTH}”"]
    q.nothing_else()

    posts = {1: u1, 2: u2, 3: u3, 4: u4}
    assert len({post_id(post) for post in posts.values()}) == 4  # four posts, each its own thread
    return posts


def votes_and_withdrawals(q: Quarter, posted: Posted) -> None:
    """Likes, a redelivered like, likes taken back, a like turned into a heart, Stem clicks and ``stem``."""
    q.at(local("2027-02-18T09:30"))
    first = q.react(PETER, posted.id(1))
    q.later()
    q.post(first)  # Teams delivers the same activity again: still one vote
    q.react(PETER, posted.id(2))
    q.react(PETER, posted.id(3))
    q.later(30)
    q.react(IDA, posted.id(1))  # she voted for U-1 by button already: still one vote of hers
    q.react(IDA, posted.id(3))
    q.react(GUEST, posted.id(1))  # someone the client's configuration does not know
    q.later(30)
    [voted] = q.say(JONAS, "stem U-3")
    assert lines_of(voted) == ["Tak, din stemme på U-3 er talt med. Stemmer i alt: 3.", "[Fjern min stemme]"]

    # Karen likes U-3 and takes it back (Teams may give both the same activity id)...
    q.later(60 * 24)
    liked = q.react(KAREN, posted.id(3))
    q.later(2)
    q.react(KAREN, posted.id(3), added=(), removed=("like",), activity_id=liked["id"])
    # ...and votes for U-2 with the Stem button on its post.
    q.later()
    clicked = q.click(KAREN, posted.card(2), "Stem", message=posted.id(2), conversation=CHANNEL)
    # What Karen sees in place of the post: the post without its button, and her vote. Teams replaces
    # the card with the invoke's answer for her alone; the bot changes nobody else's view of the post.
    assert (clicked["statusCode"], clicked["type"]) == (200, "application/vnd.microsoft.card.adaptive")
    karens_view = [
        "U-2 · udfordring fra Karen Vestergaard",
        f"“{DUPLICATE}”",
        f"Stem med 👍 eller knappen Stem. Afstemningen lukker {CLOSES_DA}.",
    ]
    assert card_lines(clicked["value"]) == [
        *karens_view,
        "Tak, din stemme på U-2 er talt med. Stemmer i alt: 2.",
        "[Fjern min stemme]",
    ]
    # She takes the button vote back, and casts it again.
    q.later()
    unvoted = q.click(KAREN, clicked["value"], "Fjern min stemme", message=posted.id(2), conversation=CHANNEL)
    assert card_lines(unvoted["value"]) == [
        *karens_view,
        "Din stemme med knappen på U-2 er fjernet. Har du også reageret med emoji, så fjern den på beskeden "
        "i kanalen.",
        "[Stem]",
    ]
    q.later()
    again = q.click(KAREN, unvoted["value"], "Stem", message=posted.id(2), conversation=CHANNEL)
    assert card_lines(again["value"])[-2:] == [
        "Tak, din stemme på U-2 er talt med. Stemmer i alt: 2.",
        "[Fjern min stemme]",
    ]

    # Sofie likes U-4, then turns the like into a heart in one change: a heart is no vote.
    q.later(60)
    q.react(SOFIE, posted.id(4))
    q.later(3)
    q.react(SOFIE, posted.id(4), added=("heart",), removed=("like",))
    # Likes on other messages are no votes: on the call, and on Peter's own message in the channel.
    q.react(METTE, post_id(posted.call))
    q.react(SOFIE, "1771243200000")

    # Someone unknown presses Stem: told so, where they pressed it; the coordinator hears of it.
    q.later()
    guest = q.click(GUEST, posted.card(1), "Stem", message=posted.id(1), conversation=CHANNEL)
    assert card_lines(guest["value"])[-1] == (
        "Beklager, jeg kender dig ikke i Nordlys Energi A/S endnu. Bed koordinatoren (Mette Holm) om at tilføje dig."
    )
    [note] = q.told(METTE)
    assert lines_of(note) == [
        f"En person, botten ikke kender, forsøgte at bruge den: {GUEST}. Tilføj personen i kundefilen, hvis "
        "vedkommende skal have adgang."
    ]
    q.nothing_else()
    assert q.connector.updated() == []  # no post was replaced for everyone

    # The ballots as stored: one state per challenge, voter and ballot (button votes are the person's).
    ida, jonas, karen = (q.button_voter(person) for person in (IDA, JONAS, KAREN))
    assert q.marks() == sorted(
        [
            (1, ida, "button", True),
            (1, f"teams:{GUEST}", "like", True),
            (1, f"teams:{IDA}", "like", True),
            (1, f"teams:{PETER}", "like", True),
            (2, karen, "button", True),
            (2, f"teams:{PETER}", "like", True),
            (3, jonas, "button", True),
            (3, f"teams:{IDA}", "like", True),
            (3, f"teams:{KAREN}", "like", False),
            (3, f"teams:{PETER}", "like", True),
            (4, f"teams:{SOFIE}", "like", False),
        ]
    )
    assert q.processed(f"{first['id']}:+like") == 1  # the redelivery was recognised, not recorded again
    assert q.voter_of(1, f"teams:{PETER}") == "peter.munk@nordlys.dk"
    assert q.voter_of(1, f"teams:{GUEST}") is None  # kept, and not counted

    q.later(60)
    assert [lines_of(c) for c in q.say(JONAS, "dagsorden")] == [
        [
            f"Udfordringerne til kvartalsmødet {MEETING_DA}, som stemmerne står nu (4 i alt; afstemningen "
            f"lukker {CLOSES_DA}):"
        ],
        [
            f"1. U-3 – {ENGLISH} – Emma Larsen – stemmer: 3",
            f"2. U-1 – {FIRST} – Jonas Friis – stemmer: 2",
            f"3. U-2 – {DUPLICATE} – Karen Vestergaard – stemmer: 2",
            f"4. U-4 – {FOURTH} – Peter Munk – stemmer: 0",
        ],
    ]
    q.nothing_else(due=True)


def the_reminder(q: Quarter, posted: Posted) -> None:
    """5 days before: the channel, and personally those of the client's people who have not voted."""
    q.at(local("2027-03-04T13:00"))
    [reminder] = q.channel()
    assert lines_of(reminder) == [
        f"Der er 4 udfordringer til kvartalsmødet {MEETING_DA}, og afstemningen lukker {CLOSES_DA}. Husk at "
        "stemme på dem, der betyder noget for dig."
    ]
    danish = [
        f"Der er 4 udfordringer til kvartalsmødet {MEETING_DA}, og du har ikke stemt endnu. Afstemningen "
        f"lukker {CLOSES_DA}.",
        "Stem med 👍 på dem i kanalen, eller skriv dagsorden her for at se dem.",
    ]
    # Mette liked only the call, Sofie only Peter's message and a like she turned into a heart.
    assert lines_of(q.told(METTE)[0]) == danish
    assert lines_of(q.told(SOFIE)[0]) == danish
    assert lines_of(q.told(EMMA)[0]) == [
        "There are 4 challenges for the quarterly meeting on Tuesday 9 March at 13:00, and you have not voted "
        "yet. Voting closes Sunday 7 March at 13:00.",
        "Vote with 👍 on them in the channel, or write agenda here to see them.",
    ]
    # Not Anna and Lars, the consultancy's seniors; not Jonas, Ida, Peter and Karen, who voted.
    q.nothing_else()

    # Emma does as the reminder says, and likes U-4.
    q.later(60 * 5)
    [head, ranking] = q.say(EMMA, "agenda")
    assert lines_of(head)[0].startswith(
        "The challenges for the quarterly meeting on Tuesday 9 March at 13:00"
    )
    assert lines_of(ranking)[0] == f"1. U-3 – {ENGLISH} – Emma Larsen – votes: 3"
    q.later()
    q.react(EMMA, posted.id(4))
    # Her like counts as hers: the roster gave her e-mail for her Teams id (asked once, then kept).
    assert q.voter_of(4, f"teams:{EMMA}") == "emma.larsen@nordlys.dk"
    q.nothing_else(due=True)


def the_agenda_and_the_merge(q: Quarter, posted: Posted) -> None:
    """At the close the agenda goes out, ranked by the votes that arrived; then U-2 is merged into U-1."""
    q.at(local("2027-03-07T12:59"))
    q.nothing_else(due=True)
    q.at(local("2027-03-07T13:00"))
    head = f"Dagsordenen til kvartalsmødet {MEETING_DA} er klar: 4 udfordringer, ordnet efter stemmer."
    ranking = [
        f"1. U-3 – {ENGLISH} – Emma Larsen – stemmer: 3",
        f"2. U-1 – {FIRST} – Jonas Friis – stemmer: 2",
        f"3. U-2 – {DUPLICATE} – Karen Vestergaard – stemmer: 2",
        f"4. U-4 – {FOURTH} – Peter Munk – stemmer: 1",
    ]
    [agenda] = q.channel()
    assert lines_of(agenda) == [head, *ranking]
    assert lines_of(q.told(METTE)[0]) == [
        head,
        *ranking,
        "1 af dem, der har stemt, kender jeg ikke i jeres organisation, så deres stemmer tæller ikke. Tilføj "
        "dem i konfigurationen, hvis de skal kunne stemme.",
        "Flet dubletter med flet U-7 U-3, træk en upassende tilbage med træk U-7 og en begrundelse, og "
        'registrér mødets beslutninger med beslut U-7 vedtaget "…".',
    ]
    for senior in (ANNA, LARS, SOFIE):
        assert lines_of(q.told(senior)[0]) == [head, *ranking]
    q.nothing_else()
    # Teams has no API to read a post's reactions back: the bot asked the connector for none (its only
    # reads were roster lookups: of Emma, known by e-mail, and of the guest nobody knows).
    reads = {c.path.rsplit("/members/", 1)[-1] for c in q.connector.calls if c.method == "GET"}
    assert reads == {EMMA, GUEST}

    # A vote after the close is kept, and changes nothing.
    q.later(10)
    late = q.click(SOFIE, posted.card(4), "Stem", message=posted.id(4), conversation=CHANNEL)
    assert card_lines(late["value"])[-1] == (
        "Afstemningen om U-4 er lukket. Din stemme er gemt, men den ændrer ikke dagsordenen."
    )

    # The coordinator merges the duplicate: its voters count for U-1, Peter (who liked both) once.
    q.later(20)
    [merged] = q.say(METTE, "flet U-2 U-1")
    assert lines_of(merged) == [
        "U-2 er flettet ind i U-1: stemmerne er lagt sammen, og ingen tæller to gange."
    ]
    assert lines_of(q.told(KAREN)[0]) == [
        "Din udfordring U-2 lignede U-1, så koordinatoren har flettet dem. Dine og de andres stemmer tæller nu "
        "på U-1:",
        f"“{FIRST}”",
    ]
    q.later()
    said = q.say(METTE, "dagsorden")
    assert [lines_of(c) for c in said][:2] == [
        [f"Dagsordenen til kvartalsmødet {MEETING_DA} (3 udfordringer); afstemningen er lukket:"],
        [
            f"1. U-1 – {FIRST} – Jonas Friis – stemmer: 3",  # Ida, Peter and Karen
            f"2. U-3 – {ENGLISH} – Emma Larsen – stemmer: 3",
            f"3. U-4 – {FOURTH} – Peter Munk – stemmer: 1",  # Emma; Sofie's click came late
        ],
    ]
    q.nothing_else()


def the_decisions(q: Quarter) -> ConnectorCall:
    """After the meeting the coordinator records the decisions; each submitter is told in their language."""
    q.at(local("2027-03-10T09:00"))
    [done] = q.say(METTE, f'beslut U-1 vedtaget "{ADOPTED}"')
    assert lines_of(done) == [
        "U-1 er registreret som vedtaget og kommer med i den årlige metodegennemgang. Indsenderen har fået "
        "besked."
    ]
    adopted = (
        f"Kvartalsmødet har vedtaget den som en ændring af metoden: {ADOPTED}. Du hører fra mig, når ændringen "
        "er med i metoden."
    )
    assert lines_of(q.told(JONAS)[0]) == ["Nyt om din udfordring U-1:", f"“{FIRST}”", adopted]
    assert lines_of(q.told(KAREN)[0]) == [
        "Nyt om U-1, som din udfordring U-2 blev flettet ind i:",
        f"“{FIRST}”",
        adopted,
    ]
    q.nothing_else(due=True)  # the meeting has begun: none of its posts was left unsent

    # Sparring: Emma's challenge becomes her sparring request, routed to the senior for test.
    q.later()
    [done] = q.say(METTE, "beslut U-3 sparring")
    assert lines_of(done) == [
        "U-3 er blevet til en sparringsforespørgsel for indsenderen, som har fået besked."
    ]
    news, routed = q.told(EMMA, 2)
    assert lines_of(news) == [
        "News about your challenge U-3:",
        f"“{ENGLISH}”",
        "It is taken up as sparring, so I have sent it as a sparring request for you. You'll be told who "
        "takes it.",
    ]
    assert lines_of(routed) == [
        "S-1 (Test) has gone to Sofie Dahl. You will hear from me when it is accepted.",
        "Sofie works mainly with test and has time this month.",
    ]
    [offer] = q.told(SOFIE)
    assert lines_of(offer) == [
        "Ny sparringsforespørgsel S-1 fra Emma Larsen om test (hastegrad: Normal).",
        f"“{ENGLISH}”",
        "Svar venligst senest torsdag den 11. marts kl. 09:01; derefter går den videre til næste "
        "seniorprojektleder.",
        "[Acceptér]",
        "[Afvis]",
    ]
    q.nothing_else()

    q.later()
    [done] = q.say(METTE, f'beslut U-4 afvist "{REJECTED}"')
    assert lines_of(done) == ["U-4 er registreret som afvist, og indsenderen har fået begrundelsen."]
    assert lines_of(q.told(PETER)[0]) == [
        "Nyt om din udfordring U-4:",
        f"“{FOURTH}”",
        f"Kvartalsmødet har ikke vedtaget den. Begrundelsen er: {REJECTED}",
    ]
    # The merged duplicate is decided with the challenge it was merged into.
    q.later()
    [refused] = q.say(METTE, f'beslut U-2 afvist "{REJECTED}"')
    assert lines_of(refused) == ["U-2 er flettet ind i U-1. Registrér beslutningen på U-1."]
    q.nothing_else()
    return offer


def the_sparring_offer_is_taken(q: Quarter, offer: ConnectorCall) -> None:
    q.later(60)
    accepted = q.click(
        SOFIE,
        only_card(offer),
        "Acceptér",
        message=offer.answered_id,
        conversation=personal_conversation(SOFIE),
    )
    assert card_lines(accepted["value"])[-2:] == [
        "Du har accepteret S-1. Den, der spurgte, har fået besked.",
        "Når sparringen er holdt, så skriv: færdig S-1 1,5 (de brugte timer).",
    ]
    assert lines_of(q.told(EMMA)[0]) == ["Sofie Dahl has accepted S-1 and will contact you to find a time."]
    q.nothing_else()


def the_yearly_review(q: Quarter) -> None:
    """On 1 November the coordinator and the seniors get the adopted changes; one goes into the method."""
    q.at(local("2027-11-01T08:59"))
    q.nothing_else(due=True)  # the June meeting's posts and its notes are long past: nothing comes back
    q.at(local("2027-11-01T09:00"))
    review = [
        "Årets metodegennemgang (2027): 1 vedtaget ændring er endnu ikke kommet ind i metoden eller "
        "skabelonerne.",
        f"U-1 – {ADOPTED} (vedtaget onsdag den 10. marts kl. 09:00)",
        'Når en ændring er med i metoden, så skriv metode færdig U-7 "skabelon v2027.1". Så får indsenderen '
        "besked.",
    ]
    for person in (METTE, ANNA, LARS, SOFIE):
        assert lines_of(q.told(person)[0]) == review
    q.nothing_else(due=True)

    q.later(30)
    [done] = q.say(ANNA, f'metode færdig U-1 "{VERSION}"')
    assert lines_of(done) == [f"U-1 er registreret som en del af {VERSION}, og indsenderen har fået besked."]
    in_method = f"Den ændring, den førte til, er nu med i metoden: {VERSION}. Tak for dit input!"
    assert lines_of(q.told(JONAS)[0]) == ["Nyt om din udfordring U-1:", f"“{FIRST}”", in_method]
    assert lines_of(q.told(KAREN)[0]) == [
        "Nyt om U-1, som din udfordring U-2 blev flettet ind i:",
        f"“{FIRST}”",
        in_method,
    ]
    q.nothing_else()


def everything_sent_keeps_to_teams_limits(q: Quarter) -> None:
    """Every activity the bot sent, and every card it answered an invoke with, is one Teams accepts."""
    sent = [c for c in q.connector.calls if c.method in ("POST", "PUT")]
    assert len(sent) > 40
    for call in sent:
        body = channel_activity(call)
        assert activity_problems(body) == [], lines_of(call)
        assert "entities" not in body  # nothing the bot sends mentions anyone
        if not cards_of(body):
            assert body["textFormat"] == "plain"
    assert len(q.answers) == 9  # two message actions, seven button presses
    for answer in q.answers:
        size = len(json.dumps(answer).encode())
        assert size <= TEAMS_MAX_MESSAGE_BYTES, size
        if "statusCode" in answer:  # adaptiveCard/action: the card that replaces the clicked one
            assert answer["type"] == "application/vnd.microsoft.card.adaptive"
            assert card_problems(answer["value"]) == []
        elif "task" in answer:  # a message action's dialog
            assert card_problems(answer["task"]["value"]["card"]["content"]) == []
        else:
            assert answer["composeExtension"]["type"] == "message"
