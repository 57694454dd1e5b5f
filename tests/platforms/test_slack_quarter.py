"""A whole quarter of challenges on Slack, through the real server and the fake Slack Web API.

The issue's scenario: call → submissions → votes and withdrawals from several people → reminder →
agenda → merge → decisions → notifications → yearly review. Everything a person does is a signed Slack
request over HTTP to vpmo's web server (slash command, DM events, the message shortcut, button
clicks, reaction events with Slack's ``event_ts``); everything the bot does is what the fake Slack
Web API recorded. The server's clock (``FixedClock``) is the quarter's time: the test moves it and
waits until the server's own tick has run the challenge cycle at that moment.

The sample client (bot/console/sample_tenant.yaml) meets on Tuesday 9 March 2027 at 13:00: the call
goes out 21 days before (16 February), the reminder 5 days before (4 March), the agenda closes the
voting 2 days before (7 March; its tick comes a few seconds after the close, as a real one does), and
the method review is in November. Four challenges come in (by the slash command, a DM, the message
shortcut, and a DM that Slack delivers twice); a fifth text, like an open one, becomes a vote instead.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session, col, select

from bot.server import RUNTIME_KEY
from storage.tables import ChallengeRow, ChallengeVoteRow, PersonRow
from tests.platforms.conftest import ANNA, JONAS, METTE, SOFIE, TEAM
from tests.platforms.scenario import local
from tests.platforms.slack_fakes import (
    DEFAULT_BOT_USER_ID,
    Call,
    event,
    interactive,
    message_event,
    message_shortcut,
    reaction_event,
    retry_headers,
)
from tests.platforms.slack_scenario import SlackScenario, errors_logged, running_slack_scenario, shown
from tests.platforms.test_slack_interactions import button_ids

CHANNEL = "C0CHALL"  # the sample client's challenge channel (challenges.channel.slack)
PROJECT_CHANNEL = "C0PROJ"  # a project channel where Ida wrote what she then submits
LARS, EMMA, IDA, PETER, KAREN = "U01LKJ", "U01EML", "U01IDH", "U01PEM", "U01KAV"
GUEST = "U0GUEST"  # in the channel through Slack Connect; not one of the client's people

U1 = "Styregruppen læser ikke vores statusrapporter, før de mødes"
U2 = "Vores statusrapporter bliver ikke læst af styregruppen"  # like U-1: submitted anyway
LIKE_U1 = "Styregruppen læser ikke statusrapporterne før møderne"  # like U-1: a vote for U-1 instead
U3 = "Testmiljøet er aldrig klar, når testen skal begynde"
U4 = "Vi bruger for meget tid på at flytte møder rundt i kalenderen"
ADOPTED = "Ny skabelon til styregruppeindstilling med et resumé på én side"
REJECTED = "Det løses i den enkelte projektgruppe, ikke i metoden"
UNKNOWN_VOTER = (
    "1 af dem, der har stemt, kender jeg ikke i jeres organisation, så deres stemmer tæller ikke. Tilføj dem i "
    "konfigurationen, hvis de skal kunne stemme."
)
COORDINATOR_HINT = (
    "Flet dubletter med flet U-7 U-3, træk en upassende tilbage med træk U-7 og en begrundelse, og registrér "
    'mødets beslutninger med beslut U-7 vedtaget "…".'
)
MEETING = "tirsdag den 9. marts kl. 13:00"
CLOSES = "søndag den 7. marts kl. 13:00"


class Quarter(SlackScenario):
    """The people of the sample client on Slack, in the challenge channel, and the quarter's clock."""

    channel = CHANNEL

    # --- what people do

    def shortcut(self, user: str, text: str, channel: str) -> None:
        """Use "Indsend som udfordring" on the user's own message in a channel."""
        self.send(interactive(message_shortcut("submit_challenge", text, user, TEAM, channel)))

    def ephemeral(self, answer: Call, channel: str) -> Call:
        """Return an ephemeral answer to a response_url as Slack shows it to the clicker in the channel.

        A click on it arrives as on a ``chat.postEphemeral`` message: with ``container.is_ephemeral``
        and no ``message`` (Slack keeps no copy of an ephemeral message).
        """
        assert answer.params["response_type"] == "ephemeral"
        params = {**answer.params, "channel": channel}
        return dataclasses.replace(
            answer,
            method="chat.postEphemeral",
            params=params,
            response={"ok": True, "message_ts": self.slack_ts()},
        )

    def react(
        self,
        user: str,
        name: str,
        post: Call,
        *,
        added: bool = True,
        event_id: str | None = None,
        **options: Any,
    ) -> tuple[bytes, str]:
        """React on a post in Slack (its state) and return the reaction event Slack delivers for it."""
        channel, ts = post.response["channel"], post.response["ts"]
        (self.slack.react if added else self.slack.unreact)(channel, ts, name, user)
        reacted = reaction_event(user, name, channel, ts, added=added, event_ts=self.slack_ts())
        return event(reacted, TEAM, event_id, **options)

    # --- what the bot sent

    def post_of(self, ref: str) -> Call:
        """Return a challenge's own post in the channel (the one with its vote button)."""
        [post] = [c for c in self.channel_posts() if f"vote:{ref}" in button_ids(c.blocks)]
        return post

    def marks(self) -> set[tuple[str, str, str, bool]]:
        """Return the stored ballot marks: (challenge, voter, ballot, present); a voter by name if known."""
        engine = self.world.server.app[RUNTIME_KEY].runtime.engine  # type: ignore[index]
        query = (
            select(
                ChallengeRow.number,
                ChallengeVoteRow.voter_key,
                ChallengeVoteRow.ballot,
                ChallengeVoteRow.present,
                PersonRow.name,
            )
            .join(ChallengeRow, col(ChallengeRow.id) == col(ChallengeVoteRow.challenge_id))
            .join(PersonRow, col(PersonRow.id) == col(ChallengeVoteRow.person_id), isouter=True)
        )
        with Session(engine) as session:
            rows = session.exec(query).all()
        return {
            (f"U-{number}", name or voter, ballot, present) for number, voter, ballot, present, name in rows
        }

    def marked_at(self, ref: str, voter: str, ballot: str) -> datetime:
        """Return the time of a known voter's stored mark (Slack's event time, or a reconciliation's)."""
        engine = self.world.server.app[RUNTIME_KEY].runtime.engine  # type: ignore[index]
        query = (
            select(ChallengeVoteRow.at)
            .join(ChallengeRow, col(ChallengeRow.id) == col(ChallengeVoteRow.challenge_id))
            .join(PersonRow, col(PersonRow.id) == col(ChallengeVoteRow.person_id))
            .where(ChallengeRow.number == int(ref.removeprefix("U-")))
            .where(PersonRow.name == voter, ChallengeVoteRow.ballot == ballot)
        )
        with Session(engine) as session:
            at = session.exec(query).one()
        return at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # SQLite keeps UTC without a zone


@pytest.fixture
def quarter(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Quarter]:
    with running_slack_scenario(
        Quarter, database_url, monkeypatch, start="2027-02-16T12:00", cycle="run_challenge_cycle"
    ) as quarter:
        yield quarter


def test_a_whole_quarter_of_challenges_on_slack_from_the_call_to_the_method_review(
    quarter: Quarter, caplog: pytest.LogCaptureFixture
) -> None:
    q, slack = quarter, quarter.slack

    # --- the call, 21 days before the meeting ---------------------------------------------------------

    q.tick_at("2027-02-16T12:59")
    assert q.channel_posts() == []  # not yet

    q.tick_at("2027-02-16T13:00")
    [call] = q.channel_posts()
    assert shown(call).splitlines() == [
        f"Kvartalsmødet er {MEETING}. Har du mødt en udfordring – i metoden eller i dit projekt? Så er det "
        "nu, den skal med på dagsordenen.",
        "Sted: Mødelokale 3 / Teams",
        f"Skriv udfordring efterfulgt af din tekst til mig (eller /sparring udfordring …) senest {CLOSES}. "
        "Hver udfordring får sin egen besked her i kanalen.",
        "Stem på dem, du også møder, med :+1: eller knappen Stem.",
    ]
    # Reactions only reach members: the bot made sure it is one before its first post, and only then.
    first_post = slack.calls().index(call)
    before_post = [(c.method, c.params.get("channel")) for c in slack.calls()[:first_post]]
    assert ("conversations.info", CHANNEL) in before_post
    assert ("conversations.join", CHANNEL) in before_post
    assert slack.is_member(CHANNEL)

    # --- the submissions, three ways --------------------------------------------------------------------

    # Jonas: the slash command; the ack itself confirms, the challenge gets its own post.
    q.at("2027-02-16T13:05")
    answer = q.slash(JONAS, f"udfordring {U1}")
    assert answer["response_type"] == "ephemeral"
    assert html.unescape(answer["text"]) == (
        "Tak! Din udfordring har fået referencen U-1 og står nu i kanalen, hvor de andre kan stemme på den. "
        f"Den kommer med til kvartalsmødet {MEETING}, og afstemningen lukker {CLOSES}."
    )
    u1 = q.post_of("U-1")
    assert shown(u1).splitlines() == [
        "U-1 · udfordring fra Jonas Friis",
        f"“{U1}”",
        f"Stem med :+1: eller knappen Stem. Afstemningen lukker {CLOSES}.",
    ]

    # Emma (English): a DM like U-1 is held back with a choice; she submits hers anyway.
    q.at("2027-02-16T13:10")
    q.say(EMMA, f"udfordring {U2}")
    [choice] = q.dms(EMMA)
    assert shown(choice).splitlines() == [
        "There is already a challenge like yours – U-1:",
        f"“{U1}”",
        "Would you rather vote for U-1, or shall I submit yours anyway?",
    ]
    assert button_ids(choice.blocks) == ["vote:U-1", "challenge-anyway"]
    assert [c for c in q.channel_posts() if "U-2" in shown(c)] == []  # nothing posted while she chooses
    q.at("2027-02-16T13:11")
    anyway = q.click(choice, "challenge-anyway", EMMA)
    assert anyway.params["replace_original"] is True  # the choice's buttons are gone
    assert button_ids(anyway.params["blocks"]) == []
    assert "Thank you! Your challenge is U-2 and is now in the channel" in shown(anyway)
    u2 = q.post_of("U-2")
    assert shown(u2).splitlines()[:2] == ["U-2 · udfordring fra Emma Larsen", f"“{U2}”"]

    # Ida: the message shortcut "Indsend som udfordring" on what she wrote in a project channel.
    q.at("2027-02-16T13:15")
    q.shortcut(IDA, U3, PROJECT_CHANNEL)
    [receipt] = q.told(IDA)
    assert receipt.startswith("Tak! Din udfordring har fået referencen U-3")
    u3 = q.post_of("U-3")
    assert shown(u3).splitlines()[:2] == ["U-3 · udfordring fra Ida Holm", f"“{U3}”"]

    # Peter: a DM (the challenge the meeting will reject), which Slack delivers twice.
    q.at("2027-02-16T13:20")
    peters_dm = event(message_event(PETER, f"udfordring {U4}", f"D{PETER}", team_id=TEAM), TEAM, "Ev0PETERU4")
    q.send(peters_dm)
    q.send(peters_dm, headers=retry_headers(1, "http_error"))
    [peters_receipt] = q.told(PETER)  # one challenge, one receipt
    assert peters_receipt.startswith("Tak! Din udfordring har fået referencen U-4")
    u4 = q.post_of("U-4")

    # Karen's DM is like U-1 too: she takes the other choice and votes for U-1 instead.
    q.at("2027-02-16T13:25")
    q.say(KAREN, f"udfordring {LIKE_U1}")
    [offer] = q.dms(KAREN)
    assert shown(offer).startswith("Der er allerede en udfordring, der ligner din – U-1:")
    assert button_ids(offer.blocks) == ["vote:U-1", "challenge-anyway"]
    instead = q.click(offer, "vote:U-1", KAREN)
    assert "Tak, din stemme på U-1 er talt med. Stemmer i alt: 1." in shown(instead)
    assert [button_ids(p.blocks) for p in q.channel_posts()[1:]] == [
        ["vote:U-1"],
        ["vote:U-2"],
        ["vote:U-3"],
        ["vote:U-4"],
    ]  # four challenges, each its own post; Karen's text became none

    # --- the votes -----------------------------------------------------------------------------------

    q.at("2027-02-17T09:00")
    q.send(q.react(IDA, "+1", u1))
    q.at("2027-02-17T09:30")
    peters = q.react(PETER, "+1", u1, event_id="Ev0PETERU1")
    q.send(peters)
    # Slack did not see the answer in time and delivers the same event again: it counts once.
    q.send(peters, headers=retry_headers(1))
    q.at("2027-02-17T10:00")
    q.send(q.react(LARS, "+1", u1))
    q.send(q.react(PETER, "thumbsup", u3))

    # Peter's Stem button on U-2 in the channel: the answer is his alone, the post stays as it is.
    q.at("2027-02-17T10:30")
    stem = q.click(u2, "vote:U-2", PETER)
    assert stem.params["response_type"] == "ephemeral"
    assert stem.params["replace_original"] is False
    assert shown(stem) == "Tak, din stemme på U-2 er talt med. Stemmer i alt: 1."
    assert button_ids(stem.params["blocks"]) == ["unvote:U-2"]
    assert slack.calls("chat.update") == []

    # Lars votes for U-3 with its button and changes his mind on the answer only he sees.
    q.at("2027-02-17T11:00")
    lars_stem = q.click(u3, "vote:U-3", LARS)
    assert shown(lars_stem) == "Tak, din stemme på U-3 er talt med. Stemmer i alt: 2."
    q.at("2027-02-17T11:01")
    lars_unvote = q.click(q.ephemeral(lars_stem, CHANNEL), "unvote:U-3", LARS)
    assert shown(lars_unvote).startswith("Din stemme med knappen på U-3 er fjernet.")
    # His own answer is replaced (the pressed button is gone); the channel post is untouched.
    assert lars_unvote.params["replace_original"] is True
    assert button_ids(lars_unvote.params["blocks"]) == ["vote:U-3"]
    assert slack.calls("chat.update") == []

    # Karen reacts on U-3 and takes it back; Slack delivers the removal before the addition.
    q.at("2027-02-18T11:00")
    added = q.react(KAREN, "+1", u3)
    q.at("2027-02-18T11:01")
    removed = q.react(KAREN, "+1", u3, added=False)
    q.send(removed)
    q.send(added)

    # The bot's own reaction on U-4 is no vote (Slack lists it on the post, and sends its event).
    q.send(q.react(DEFAULT_BOT_USER_ID, "+1", u4))
    # No more is a reaction that is no vote, or one on a post that is no challenge (the call).
    q.send(q.react(IDA, "eyes", u1))
    q.send(q.react(JONAS, "+1", call))
    # A guest from another organisation in the channel votes: recorded, and not counted.
    q.send(q.react(GUEST, "+1", u3))

    # Jonas votes by typing.
    q.at("2027-02-18T12:00")
    q.say(JONAS, "stem U-3")
    assert q.told(JONAS)[-1] == "Tak, din stemme på U-3 er talt med. Stemmer i alt: 2."
    q.say(JONAS, "dagsorden")
    assert "\n".join(q.told(JONAS)[-2:]).splitlines()[1:] == [
        f"1. U-1 – {U1} – Jonas Friis – stemmer: 4",
        f"2. U-3 – {U3} – Ida Holm – stemmer: 2",
        f"3. U-2 – {U2} – Emma Larsen – stemmer: 1",
        f"4. U-4 – {U4} – Peter Munk – stemmer: 0",
    ]
    # The tally is a function of the marks: one per voter and ballot, each in its latest state.
    assert q.marks() == {
        ("U-1", "Ida Holm", "+1", True),
        ("U-1", "Peter Munk", "+1", True),  # delivered twice, kept once
        ("U-1", "Lars Kjær", "+1", True),
        ("U-1", "Karen Vestergaard", "button", True),  # her vote instead of a duplicate
        ("U-2", "Peter Munk", "button", True),
        ("U-3", "Peter Munk", "thumbsup", True),
        ("U-3", "Karen Vestergaard", "+1", False),  # the later removal wins, whatever came first
        ("U-3", "Jonas Friis", "button", True),
        ("U-3", "Lars Kjær", "button", False),
        ("U-3", f"slack:{GUEST}", "+1", True),
    }  # and nothing of the bot's own reaction
    mark = len(q.dms(METTE))
    q.say(METTE, "dagsorden")
    # The coordinator hears of the guest, and of nobody else unknown (the bot is no voter).
    assert UNKNOWN_VOTER in q.told(METTE, mark)

    # --- the reminder, 5 days before ----------------------------------------------------------------

    q.tick_at("2027-03-03T13:00")
    assert len(q.channel_posts()) == 5  # the call and the four challenges: no reminder a day early
    before = q.dm_counts()
    q.tick_at("2027-03-04T13:00")
    reminder = q.channel_posts()[-1]
    assert shown(reminder) == (
        f"Der er 4 udfordringer til kvartalsmødet {MEETING}, og afstemningen lukker {CLOSES}. "
        "Husk at stemme på dem, der betyder noget for dig."
    )
    reminded = q.newly_told(before)
    # Only the client's people who have not voted: not Ida, Peter, Karen, Jonas (and not Lars, who
    # voted), nor Anna, the consultancy's external senior.
    assert set(reminded) == {METTE, SOFIE, EMMA}
    assert (
        reminded[METTE]
        == reminded[SOFIE]
        == [
            f"Der er 4 udfordringer til kvartalsmødet {MEETING}, og du har ikke stemt endnu. Afstemningen "
            f"lukker {CLOSES}.\nStem med :+1: på dem i kanalen, eller skriv dagsorden her for at se dem."
        ]
    )
    [emmas] = reminded[EMMA]
    assert emmas.startswith("There are 4 challenges for the quarterly meeting on Tuesday 9 March at 13:00")
    assert "you have not voted yet" in emmas

    # After the reminder: Sofie reacts on U-2; Emma reacts on U-3 while the bot is down, so no event
    # ever comes: only Slack knows of her vote.
    q.at("2027-03-05T08:00")
    q.send(q.react(SOFIE, "+1::skin-tone-2", u2))  # a skin tone is the same vote
    q.at("2027-03-05T09:00")
    slack.react(u3.response["channel"], u3.response["ts"], "+1", EMMA)
    q.say(JONAS, "dagsorden")
    assert f"U-3 – {U3} – Ida Holm – stemmer: 2" in q.told(JONAS)[-1]  # Emma's vote is not counted yet

    # --- the agenda, 2 days before: voting closes --------------------------------------------------

    before = q.dm_counts()
    asked_before = len(slack.calls("reactions.get"))
    q.tick_at("2027-03-07T13:00:07")
    agenda = q.channel_posts()[-1]
    ranking = [
        f"1. U-1 – {U1} – Jonas Friis – stemmer: 4",
        f"2. U-3 – {U3} – Ida Holm – stemmer: 3",  # Peter, Jonas and Emma (read back from Slack)
        f"3. U-2 – {U2} – Emma Larsen – stemmer: 2",
        f"4. U-4 – {U4} – Peter Munk – stemmer: 0",
    ]
    head = f"Dagsordenen til kvartalsmødet {MEETING} er klar: 4 udfordringer, ordnet efter stemmer."
    assert shown(agenda).splitlines() == [head, *ranking]
    # Before the agenda every challenge post was read back from Slack.
    asked = slack.calls("reactions.get")[asked_before:]
    assert sorted(c.params["timestamp"] for c in asked) == sorted(p.response["ts"] for p in (u1, u2, u3, u4))
    assert all(c.at < agenda.at for c in asked)
    # Emma's vote, only in Slack, counts as it stood at the close, though the tick came seconds later.
    assert q.marked_at("U-3", "Emma Larsen", "+1") == local("2027-03-07T13:00")
    # The coordinator and the seniors get it as a DM; the coordinator with what she can do next.
    agendas = q.newly_told(before)
    assert set(agendas) == {METTE, ANNA, LARS, SOFIE}
    for senior in (ANNA, LARS, SOFIE):
        assert agendas[senior] == ["\n".join([head, *ranking])]
    [mettes] = agendas[METTE]
    assert mettes.splitlines()[:5] == [head, *ranking]
    assert mettes.splitlines()[5:7] == [UNKNOWN_VOTER, COORDINATOR_HINT]

    # A vote after the close is kept, and changes nothing.
    q.at("2027-03-07T13:30")
    late = q.click(u3, "vote:U-3", ANNA)
    assert (late.params["response_type"], late.params["replace_original"]) == ("ephemeral", False)
    assert (
        shown(late) == "Afstemningen om U-3 er lukket. Din stemme er gemt, men den ændrer ikke dagsordenen."
    )

    # --- the merge -----------------------------------------------------------------------------------

    q.at("2027-03-07T14:00")
    before = q.dm_counts()
    q.say(METTE, "flet U-2 U-1")
    assert (
        q.told(METTE)[-1] == "U-2 er flettet ind i U-1: stemmerne er lagt sammen, og ingen tæller to gange."
    )
    assert q.newly_told(before)[EMMA] == [
        "Your challenge U-2 was like U-1, so the coordinator merged them. Your votes and the others' now count "
        f"for U-1:\n“{U1}”"
    ]
    mark = len(q.dms(METTE))
    q.say(METTE, "dagsorden")
    shown_agenda = "\n".join(q.told(METTE, mark)).splitlines()
    # U-1 unites Ida, Peter, Lars and Karen with U-2's Peter and Sofie: Peter counts once.
    assert shown_agenda[:4] == [
        f"Dagsordenen til kvartalsmødet {MEETING} (3 udfordringer); afstemningen er lukket:",
        f"1. U-1 – {U1} – Jonas Friis – stemmer: 5",
        f"2. U-3 – {U3} – Ida Holm – stemmer: 3",  # not Anna's late vote
        f"3. U-4 – {U4} – Peter Munk – stemmer: 0",
    ]

    # --- the decisions after the meeting -------------------------------------------------------------

    before, posts = q.dm_counts(), len(q.channel_posts())
    q.tick_at("2027-03-10T09:00")
    assert (q.newly_told(before), len(q.channel_posts())) == ({}, posts)  # every post of the cycle went out
    q.say(METTE, f'beslut U-1 vedtaget "{ADOPTED}"')
    q.say(METTE, "beslut U-3 sparring")
    q.say(METTE, f'beslut U-4 afvist "{REJECTED}"')
    decided = q.newly_told(before)
    assert decided[METTE] == [
        "U-1 er registreret som vedtaget og kommer med i den årlige metodegennemgang. Indsenderen har fået besked.",
        "U-3 er blevet til en sparringsforespørgsel for indsenderen, som har fået besked.",
        "U-4 er registreret som afvist, og indsenderen har fået begrundelsen.",
    ]
    # Each submitter hears it in their own language; Emma through the duplicate merged into U-1.
    assert decided[JONAS] == [
        f"Nyt om din udfordring U-1:\n“{U1}”\nKvartalsmødet har vedtaget den som en ændring af metoden: "
        f"{ADOPTED}. Du hører fra mig, når ændringen er med i metoden."
    ]
    assert decided[EMMA] == [
        f"News about U-1, which your challenge U-2 was merged into:\n“{U1}”\nThe quarterly meeting adopted "
        f"it as a change to the method: {ADOPTED}. You'll hear from me when the change is in the method."
    ]
    assert decided[PETER] == [
        f"Nyt om din udfordring U-4:\n“{U4}”\nKvartalsmødet har ikke vedtaget den. Begrundelsen er: {REJECTED}"
    ]
    assert decided[IDA][0] == (
        f"Nyt om din udfordring U-3:\n“{U3}”\nDen tages op som sparring, så jeg har sendt den som en "
        "sparringsforespørgsel for dig. Du får besked om, hvem der tager den."
    )
    assert decided[IDA][1].startswith("S-1 (Test) er sendt til Sofie Dahl.")
    # The sparring request is routed as any other: its offer reaches Sofie, the test senior.
    [sparring_offer] = q.dms(SOFIE, before[SOFIE])
    assert shown(sparring_offer).startswith("Ny sparringsforespørgsel S-1 fra Ida Holm om test")
    assert f"“{U3}”" in shown(sparring_offer)
    assert button_ids(sparring_offer.blocks) == ["accept:S-1", "decline:S-1"]
    assert set(decided) == {METTE, JONAS, EMMA, PETER, IDA, SOFIE}
    q.click(sparring_offer, "accept:S-1", SOFIE)
    assert q.told(IDA)[-1].startswith("Sofie Dahl har accepteret S-1")

    # --- the yearly method review in November ---------------------------------------------------------

    before = q.dm_counts()
    q.tick_at("2027-11-01T08:59")
    assert q.newly_told(before) == {}  # the review goes out at 09:00
    q.tick_at("2027-11-01T09:00")
    reviews = q.newly_told(before)
    assert set(reviews) == {METTE, ANNA, LARS, SOFIE}  # the coordinator and the seniors
    for reader in reviews:
        [review] = reviews[reader]
        assert review.splitlines()[:2] == [
            "Årets metodegennemgang (2027): 1 vedtaget ændring er endnu ikke kommet ind i metoden eller "
            "skabelonerne.",
            f"U-1 – {ADOPTED} (vedtaget onsdag den 10. marts kl. 09:00)",
        ]
    q.at("2027-11-03T10:00")
    before = q.dm_counts()
    q.say(ANNA, 'metode færdig U-1 "skabelon v2027.2"')
    done = q.newly_told(before)
    assert done[ANNA] == [
        "U-1 er registreret som en del af skabelon v2027.2, og indsenderen har fået besked."
    ]
    assert done[JONAS] == [
        f"Nyt om din udfordring U-1:\n“{U1}”\nDen ændring, den førte til, er nu med i metoden: skabelon "
        "v2027.2. Tak for dit input!"
    ]
    assert done[EMMA] == [
        f"News about U-1, which your challenge U-2 was merged into:\n“{U1}”\nThe change it led to is now in "
        "the method: skabelon v2027.2. Thank you for your input!"
    ]
    assert set(done) == {ANNA, JONAS, EMMA}

    # --- everything the bot sent fits Slack ---------------------------------------------------------

    posted = slack.calls("chat.postMessage")
    assert all(c.ok for c in posted)
    in_channel = [c for c in posted if c.params["channel"] == CHANNEL]
    assert len(in_channel) == 7  # the call, the four challenges, the reminder and the agenda
    # Joined once (the ERFA channel is the tenant's other channel, joined for its own posts).
    assert [c.params["channel"] for c in slack.calls("conversations.join")].count(CHANNEL) == 1
    assert all(c.blocks for c in posted)
    assert len(q.sent_blocks()) > len(posted) + 6  # the clicks' answers and the slash command's ack too
    assert q.blocks_slack_refuses() == {}
    assert all(len(c.params.get("text", "")) <= 4000 for c in posted)  # what a notification shows
    assert errors_logged(caplog) == []
