"""The quarterly challenge cycle's use cases on the fakes: submit, vote, agenda, merge, decide, review, posts."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta

import pytest

from bot.slack.bridge import SlackBridge
from handlers.challenges.tally import Mark
from handlers.challenges.voting import Reaction
from handlers.service import Identity, react
from handlers.shared.challenge_settings import ChallengeSettings, QuarterlyMeeting
from handlers.shared.model import ChallengeState, Decision, Person, Status, SubmittedChallenge
from handlers.shared.text import Message
from tests.fakes import COPENHAGEN, FakeVotes, Office, action_ids, keys, local, render_all, reply_keys

MARCH = QuarterlyMeeting("2027-Q1", datetime(2027, 3, 9, 13, 0, tzinfo=COPENHAGEN), "Mødelokale 3")
JUNE = QuarterlyMeeting("2027-Q2", datetime(2027, 6, 8, 13, 0, tzinfo=COPENHAGEN), "Mødelokale 3")
# Voting for March closes 2 days before, at 13:00 on 7 March.
BEFORE_CLOSE = local(2027, 3, 1, 10)
SLACK_TEAM = "T0NORDLYS"


def office(**settings: object) -> Office:
    """Return the sample office with a challenge cycle (Slack channel C0CHALL) and two meetings."""
    o = Office(BEFORE_CLOSE)
    chosen = ChallengeSettings(channel_slack="C0CHALL", **settings)  # type: ignore[arg-type]
    tenant = dataclasses.replace(
        o.tenant, slack_team_id=SLACK_TEAM, quarterly_meetings=(MARCH, JUNE), challenges=chosen
    )
    o.db.add_tenant(tenant)
    o.tenant = tenant
    # The people are known by their Slack ids, as the tenant file gives them.
    for person in (o.org.mette, o.org.anna, o.org.lars, o.org.sofie, o.org.jonas, o.org.ida):
        o.db.add_person(dataclasses.replace(person, slack_id=slack_id(person)))
    return o


def slack_id(person: Person) -> str:
    return f"U{person.id:04d}"


def submitted(o: Office, person: Person, text: str) -> SubmittedChallenge:
    """Submit a challenge as the person and mark its channel post as posted (as Slack would)."""
    o.say(person, f"udfordring {text}")
    challenge = max(o.db.challenges_of(o.tenant.id), key=lambda c: c.number)
    post = channel_posts(o)[-1]
    o.db.state.posted[(o.tenant.id, post_id(challenge.number))] = post
    return challenge


def post_id(number: int) -> str:
    return f"C0CHALL:1700000000.{number:06d}"


def channel_posts(o: Office) -> list[Message]:
    return [q.message for q in o.db.state.outbox if q.message.to_channel == "C0CHALL"]


def to_person(o: Office, person: Person) -> list[Message]:
    return [q.message for q in o.db.state.outbox if q.message.to_person == person.id]


def reacted(
    o: Office, person: Person | str, number: int, emoji: str = "+1", *, added: bool = True,
    at: datetime | None = None, event: str | None = None,
) -> bool:  # fmt: skip
    user = person if isinstance(person, str) else slack_id(person)
    reaction = Reaction("slack", post_id(number), user, ((emoji, added),), at=at or o.clock.now())
    return react(
        o.deps, o.tenant.slug, Identity(slack_id=user), reaction, event=("slack", event) if event else None
    )


def votes(o: Office) -> dict[int, int]:
    """Return the counted votes per ranked challenge, as the agenda shows them (read from its lines)."""
    outcome = o.say(o.org.mette, "dagsorden")
    counted: dict[int, int] = {}
    for message in outcome.replies:
        for line in message.lines:
            if line.key.startswith("challenge.agenda_line"):
                counted[int(str(line.params["ref"]).split("-")[1])] = int(str(line.params["votes"]))
    return counted


# --- submitting ----------------------------------------------------------------------------------


def test_a_submitted_challenge_gets_a_reference_its_own_channel_post_and_a_confirmation() -> None:
    o = office()

    outcome = o.say(o.org.jonas, "udfordring Styregruppen læser ikke vores statusrapporter")

    assert reply_keys(outcome) == ["challenge.submitted"]
    assert outcome.replies[0].ref == "U-1"
    [post] = channel_posts(o)
    assert keys(post) == ["challenge.post", "quote", "challenge.post_how"]
    assert action_ids(post) == ["vote:U-1"]
    assert post.dedupe_key == f"challenge-post:{o.tenant.id}:1"


def test_the_channel_post_leaves_the_submitter_out_when_the_tenant_wants_anonymity() -> None:
    o = office(anonymous_submitters=True)

    o.say(o.org.jonas, "udfordring Styregruppen læser ikke vores statusrapporter")

    assert keys(channel_posts(o)[0])[0] == "challenge.post_anonymous"


def test_references_count_per_tenant_and_follow_the_tenant_language() -> None:
    o = office()
    o.say(o.org.jonas, "udfordring Vi mangler en skabelon til gevinstdiagrammet")

    outcome = o.say(o.org.ida, "udfordring Testmiljøet er aldrig klar til tiden")

    assert outcome.replies[0].ref == "U-2"


def test_too_long_and_empty_challenges_are_refused_with_the_limit_named() -> None:
    o = office()

    long = o.say(o.org.jonas, "udfordring " + "x" * 1501)
    empty = o.say(o.org.jonas, "udfordring")

    assert reply_keys(long) == ["challenge.too_long"]
    assert long.replies[0].lines[0].params["limit"] == 1500
    assert reply_keys(empty) == ["usage.challenge"]
    assert channel_posts(o) == []


def test_a_challenge_like_an_open_one_is_held_back_with_the_other_to_vote_for() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")

    outcome = o.say(o.org.ida, "udfordring Vores statusrapporter bliver ikke læst af styregruppen")

    assert reply_keys(outcome) == ["challenge.looks_like", "quote", "challenge.looks_like_choice"]
    assert action_ids(outcome.replies[0]) == ["vote:U-1", "challenge-anyway"]
    assert len(channel_posts(o)) == 1


def test_submit_anyway_posts_the_held_back_challenge() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    o.say(o.org.ida, "udfordring Vores statusrapporter bliver ikke læst af styregruppen")

    outcome = o.press(o.org.ida, "challenge-anyway")
    again = o.press(o.org.ida, "challenge-anyway")

    assert reply_keys(outcome) == ["challenge.submitted"]
    assert reply_keys(again) == ["challenge.pending_gone"]
    assert len(channel_posts(o)) == 2


def test_a_different_challenge_in_the_same_field_is_not_held_back() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")

    outcome = o.say(o.org.ida, "udfordring Testmiljøet er aldrig klar, når testen skal begynde")

    assert reply_keys(outcome) == ["challenge.submitted"]


def test_a_challenge_after_the_deadline_goes_to_the_next_meeting_and_the_submitter_is_told() -> None:
    o = office()
    o.clock.set(local(2027, 3, 8, 9))

    outcome = o.say(o.org.jonas, "udfordring Risikologgen bliver ikke opdateret")

    assert reply_keys(outcome) == ["challenge.after_deadline", "challenge.submitted"]
    assert o.db.challenges_of(o.tenant.id)[0].meeting == "2027-Q2"


def test_a_tenant_without_a_challenge_cycle_says_so() -> None:
    o = Office(BEFORE_CLOSE)

    outcome = o.say(o.org.jonas, "udfordring Risikologgen bliver ikke opdateret")

    assert reply_keys(outcome) == ["challenge.no_cycle"]


# --- voting --------------------------------------------------------------------------------------


def test_one_vote_per_person_whatever_the_number_of_emoji_and_clicks() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")

    reacted(o, o.org.ida, 1, "+1")
    reacted(o, o.org.ida, 1, "thumbsup")
    reacted(o, o.org.ida, 1, "+1::skin-tone-3")
    o.press(o.org.ida, "vote:U-1")
    o.press(o.org.ida, "vote:U-1")

    assert votes(o) == {1: 1}


def test_removing_the_reaction_withdraws_the_vote_and_other_emoji_never_count() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    reacted(o, o.org.ida, 1, "+1")
    reacted(o, o.org.anna, 1, "tada")

    o.clock.advance(minutes=5)
    reacted(o, o.org.ida, 1, "+1", added=False)

    assert votes(o) == {1: 0}


def test_a_replayed_event_and_an_out_of_order_add_after_its_remove_give_the_same_tally() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    first = o.clock.now()
    later = o.clock.advance(minutes=1)

    # The removal (later) arrives before the add (earlier); then Slack retries the add.
    reacted(o, o.org.ida, 1, added=False, at=later, event="Ev2")
    reacted(o, o.org.ida, 1, added=True, at=first, event="Ev1")
    replay = reacted(o, o.org.ida, 1, added=True, at=first, event="Ev1")

    assert replay is False
    assert votes(o) == {1: 0}


def test_reactions_on_other_messages_are_not_votes() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")

    reaction = Reaction("slack", "C0CHALL:1699999999.000001", slack_id(o.org.ida), (("+1", True),))
    react(o.deps, o.tenant.slug, Identity(slack_id=slack_id(o.org.ida)), reaction)

    assert votes(o) == {1: 0}


def test_unknown_voters_are_recorded_not_counted_and_the_coordinator_sees_how_many() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")

    reacted(o, "U9STRANGER", 1)
    outcome = o.say(o.org.mette, "dagsorden")

    assert votes(o) == {1: 0}
    assert "challenge.unknown_voters" in reply_keys(outcome)


def test_the_button_confirms_with_the_count_and_offers_to_take_it_back() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")

    voted = o.press(o.org.ida, "vote:U-1")
    o.clock.advance(seconds=2)
    taken_back = o.press(o.org.ida, "unvote:U-1")

    assert reply_keys(voted) == ["challenge.voted_count"]
    assert action_ids(voted.replies[0]) == ["unvote:U-1"]
    assert reply_keys(taken_back) == ["challenge.unvoted"]
    assert votes(o) == {1: 0}


def test_without_live_ranking_the_button_does_not_tell_the_count_and_the_agenda_only_counts() -> None:
    o = office(live_ranking=False)
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")

    voted = o.press(o.org.ida, "vote:U-1")
    agenda = o.say(o.org.ida, "dagsorden")

    assert reply_keys(voted) == ["challenge.voted"]
    assert reply_keys(agenda) == ["challenge.agenda_hidden"]


def test_votes_after_the_deadline_are_kept_as_late_and_do_not_change_the_ranking() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    o.clock.set(local(2027, 3, 7, 14))

    late = o.press(o.org.ida, "vote:U-1")
    reacted(o, o.org.anna, 1)

    assert reply_keys(late) == ["challenge.vote_late"]
    assert votes(o) == {1: 0}


def test_a_vote_beyond_the_dot_budget_does_not_count_and_the_voter_is_told_once() -> None:
    o = office(votes_per_person=1)
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    submitted(o, o.org.anna, "Gevinstdiagrammet mangler en skabelon")
    o.press(o.org.ida, "vote:U-1")
    o.clock.advance(minutes=1)

    reacted(o, o.org.ida, 2)
    reacted(o, o.org.ida, 2, "thumbsup")

    assert votes(o) == {1: 1, 2: 0}
    notes = [m for m in to_person(o, o.org.ida) if keys(m) == ["challenge.over_budget"]]
    assert len(notes) == 1


def test_a_reaction_starts_the_sender_only_when_it_queued_a_note() -> None:
    o = office(votes_per_person=1)
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    submitted(o, o.org.anna, "Gevinstdiagrammet mangler en skabelon")
    kicks: list[str] = []
    bridge = _slack_bridge(o, kicks)
    ida = slack_id(o.org.ida)

    def reaction(number: int, emoji: str, event: str) -> int:
        o.clock.advance(minutes=1)
        vote = Reaction("slack", post_id(number), ida, ((emoji, True),), at=o.clock.now())
        recorded = asyncio.run(bridge.record_reactions(o.tenant, event, Identity(slack_id=ida), vote))
        assert recorded
        return len(kicks)

    # Within the budget nothing is queued; beyond it the note goes out at once, and only once.
    assert [reaction(1, "+1", "Ev1"), reaction(2, "+1", "Ev2"), reaction(2, "thumbsup", "Ev3")] == [0, 1, 1]
    assert [keys(m) for m in to_person(o, o.org.ida)] == [["challenge.over_budget"]]


def _slack_bridge(o: Office, kicks: list[str] | None = None) -> SlackBridge:
    # Slack's adapter as the listeners use it; recording reactions needs nothing of its store.
    kicked = kicks if kicks is not None else []
    return SlackBridge(deps=o.deps, store=None, kick=lambda: kicked.append("kick"))  # type: ignore[arg-type]


def _vote(o: Office, person: Person, number: int, emoji: str = "+1") -> tuple[Identity, Reaction]:
    user = slack_id(person)
    return Identity(slack_id=user), Reaction("slack", post_id(number), user, ((emoji, True),), o.clock.now())


def test_reactions_arriving_together_are_recorded_in_one_transaction_each_event_once() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    bridge = _slack_bridge(o)
    people = (o.org.ida, o.org.anna, o.org.lars, o.org.sofie)
    # Slack's retry of Ida's event comes while the first delivery waits: it records nothing.
    events = [(f"Ev{n}", *_vote(o, person, 1)) for n, person in enumerate(people)] + [
        ("Ev0", *_vote(o, o.org.ida, 1))
    ]
    commits = o.db.commits

    async def all_at_once() -> list[bool]:
        return list(await asyncio.gather(*(bridge.record_reactions(o.tenant, *event) for event in events)))

    assert asyncio.run(all_at_once()) == [True, True, True, True, False]
    assert o.db.commits == commits + 1
    assert votes(o) == {1: 4}


def test_when_a_batch_of_reactions_fails_each_is_recorded_alone_and_only_the_failing_one_is_lost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    bridge = _slack_bridge(o)
    record = FakeVotes.record
    broken = f"slack:{slack_id(o.org.anna)}"

    def record_unless_anna(self: FakeVotes, tenant_id: int, challenge_id: int, mark: Mark) -> bool:
        if mark.voter == broken:
            raise RuntimeError("the database said no")
        return record(self, tenant_id, challenge_id, mark)

    monkeypatch.setattr(FakeVotes, "record", record_unless_anna)
    people = (o.org.ida, o.org.anna, o.org.lars)
    events = [(f"Ev{n}", *_vote(o, person, 1)) for n, person in enumerate(people)]

    async def all_at_once() -> list[object]:
        calls = (bridge.record_reactions(o.tenant, *event) for event in events)
        return list(await asyncio.gather(*calls, return_exceptions=True))

    ida, anna, lars = asyncio.run(all_at_once())
    assert (ida, lars) == (True, True)
    assert isinstance(anna, RuntimeError)
    assert votes(o) == {1: 2}
    # Anna's event id went with her failed vote: Slack's retry of it is counted.
    monkeypatch.setattr(FakeVotes, "record", record)
    assert asyncio.run(bridge.record_reactions(o.tenant, "Ev1", *_vote(o, o.org.anna, 1)))
    assert votes(o) == {1: 3}


# --- the agenda, merging and withdrawing ---------------------------------------------------------


def test_the_agenda_ranks_by_votes_then_by_submission() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    submitted(o, o.org.anna, "Gevinstdiagrammet mangler en skabelon")
    submitted(o, o.org.ida, "Testmiljøet er aldrig klar til tiden")
    for person in (o.org.jonas, o.org.lars):
        reacted(o, person, 3)
    reacted(o, o.org.sofie, 2)

    assert list(votes(o)) == [3, 2, 1]


def test_merging_unites_the_voters_and_nobody_counts_twice() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    submitted(o, o.org.anna, "Gevinstdiagrammet mangler en skabelon")
    reacted(o, o.org.ida, 1)
    reacted(o, o.org.lars, 1)
    reacted(o, o.org.ida, 2)
    reacted(o, o.org.sofie, 2)

    outcome = o.say(o.org.mette, "flet U-2 U-1")

    assert reply_keys(outcome) == ["challenge.merged"]
    assert votes(o) == {1: 3}
    assert "challenge.merged_submitter" in [k for m in to_person(o, o.org.anna) for k in keys(m)]


def test_only_the_coordinator_merges_withdraws_and_decides() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")

    answers = [o.say(o.org.ida, text) for text in ("flet U-1 U-2", "træk U-1 grimt", "beslut U-1 afvist nej")]

    assert [reply_keys(a) for a in answers] == [["challenge.coordinator_only"]] * 3


def test_a_withdrawn_challenge_leaves_the_agenda_and_its_submitter_hears_why() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")

    outcome = o.say(o.org.mette, "træk U-1 Den handler om en enkelt person")

    assert reply_keys(outcome) == ["challenge.withdrawn"]
    assert votes(o) == {}
    told = [m for m in to_person(o, o.org.jonas) if keys(m)[0] == "challenge.withdrawn_submitter"]
    assert told[0].lines[0].params["reason"].value == "Den handler om en enkelt person"  # type: ignore[union-attr]


# --- decisions and the method review -------------------------------------------------------------


def test_an_adopted_challenge_tells_its_submitters_and_waits_for_the_method_review() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    submitted(o, o.org.ida, "Statusrapporterne bliver ikke læst af styregruppen, tror jeg")
    o.press(o.org.ida, "challenge-anyway")
    o.say(o.org.mette, "flet U-2 U-1")
    o.clock.set(local(2027, 3, 10, 9))

    outcome = o.say(o.org.mette, 'beslut U-1 vedtaget "Ny skabelon til styregruppeindstilling"')
    method = o.say(o.org.anna, "metode")

    assert reply_keys(outcome) == ["challenge.decided.adopted"]
    for person in (o.org.jonas, o.org.ida):
        assert "challenge.outcome.adopted" in [k for m in to_person(o, person) for k in keys(m)]
    assert reply_keys(method) == ["challenge.method_head", "challenge.method_line", "challenge.method_hint"]


def test_method_done_records_the_version_and_tells_the_submitter() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    o.say(o.org.mette, 'beslut U-1 vedtaget "Ny skabelon til styregruppeindstilling"')

    outcome = o.say(o.org.lars, 'metode færdig U-1 "skabelon v2027.1"')
    after = o.say(o.org.lars, "metode")

    assert reply_keys(outcome) == ["challenge.method_recorded"]
    assert reply_keys(after) == ["challenge.method_none"]
    assert "challenge.outcome.in_method" in [k for m in to_person(o, o.org.jonas) for k in keys(m)]


def test_sparring_makes_a_routed_sparring_request_for_the_submitter() -> None:
    o = office()
    submitted(o, o.org.jonas, "Hvordan får jeg styregruppen til at læse statusrapporterne?")

    outcome = o.say(o.org.mette, "beslut U-1 sparring")

    assert reply_keys(outcome) == ["challenge.decided.sparring"]
    [request] = o.db.requests_of(o.tenant.id)
    assert request.requester_id == o.org.jonas.id
    assert request.status is Status.OFFERED
    assert o.db.challenges_of(o.tenant.id)[0].sparring_number == request.number


def test_a_deferred_challenge_moves_to_the_next_meeting_with_its_votes_reset() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    reacted(o, o.org.ida, 1)
    o.clock.set(local(2027, 3, 10, 9))

    outcome = o.say(o.org.mette, 'beslut U-1 udskudt "Vi tager den, når den nye styregruppe er på plads"')
    o.clock.set(local(2027, 4, 1, 9))

    challenge = o.db.challenges_of(o.tenant.id)[0]
    assert reply_keys(outcome) == ["challenge.decided.deferred"]
    assert challenge.meeting == "2027-Q2"
    assert challenge.state is ChallengeState.OPEN
    assert challenge.earlier[0].votes == 1
    assert votes(o) == {1: 0}


def test_a_decision_stays_once_told() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    o.say(o.org.mette, 'beslut U-1 afvist "Det hører til linjen"')

    again = o.say(o.org.mette, 'beslut U-1 vedtaget "Alligevel"')

    assert reply_keys(again) == ["challenge.already_decided"]
    assert o.db.challenges_of(o.tenant.id)[0].decision is Decision.REJECTED


def test_undecided_challenges_a_week_after_the_meeting_are_on_the_coordinators_list() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    o.clock.set(local(2027, 3, 17, 9))

    outcome = o.say(o.org.mette, "venter")

    assert "challenge.undecided_head" in reply_keys(outcome)


# --- the scheduled posts -------------------------------------------------------------------------


class FakeReactions:
    """What Slack's reactions.get would answer, per message."""

    def __init__(self, current: dict[str, dict[str, list[str]]]) -> None:
        self.current = current
        self.asked: list[str] = []

    async def reactions(self, tenant: object, platform_message_id: str) -> dict[str, list[str]] | None:
        self.asked.append(platform_message_id)
        return self.current.get(platform_message_id)


def run_cycle(o: Office, reader: FakeReactions | None = None) -> int:
    import asyncio

    from scheduler.tick import run_challenge_cycle

    return asyncio.run(run_challenge_cycle(o.deps, reader))


def posts_of_kind(o: Office, kind: str) -> list[Message]:
    return [
        q.message
        for q in o.db.state.outbox
        if (q.message.dedupe_key or "").startswith(f"challenges:{o.tenant.slug}:2027-Q1:{kind}")
    ]


def test_the_call_is_posted_once_at_its_time_in_the_channel() -> None:
    o = office()
    o.clock.set(local(2027, 2, 16, 12, 59))
    run_cycle(o)
    o.clock.set(local(2027, 2, 16, 13, 0))

    run_cycle(o)
    run_cycle(o)

    [call] = posts_of_kind(o, "call")
    assert call.to_channel == "C0CHALL"
    assert keys(call) == [
        "challenge.call",
        "challenge.call_place",
        "challenge.call_how",
        "challenge.call_vote",
    ]


def test_on_teams_the_call_says_how_to_submit_there_and_names_no_slash_command() -> None:
    o = office()
    chosen = dataclasses.replace(o.tenant.challenges, channel_slack=None, channel_teams="19:abc@thread.tacv2")
    o.tenant = o.db.add_tenant(
        dataclasses.replace(o.tenant, slack_team_id=None, teams_tenant_id="t-nordlys", challenges=chosen)
    )
    o.clock.set(local(2027, 2, 16, 13, 0))

    run_cycle(o)

    [call] = posts_of_kind(o, "call")
    assert call.to_channel == "19:abc@thread.tacv2"
    assert keys(call)[2] == "challenge.call_how_teams"
    for language in ("da", "en"):
        how = render_all([call], language)[2]
        assert "/sparring" not in how
        assert "Submit as challenge" in how  # the message action, as the Teams manifest names it


def test_a_post_due_while_the_bot_was_down_goes_out_late_and_says_so() -> None:
    o = office()
    o.clock.set(local(2027, 2, 18, 9))

    run_cycle(o)

    [call] = posts_of_kind(o, "call")
    assert keys(call)[0] == "challenge.late"


def test_a_post_whose_meeting_has_begun_is_dropped_with_a_note_to_the_coordinator() -> None:
    o = office()
    o.clock.set(local(2027, 3, 9, 14))

    run_cycle(o)
    run_cycle(o)

    notes = [m for m in to_person(o, o.org.mette) if keys(m)[0].startswith("challenge.dropped.")]
    assert sorted(keys(m)[0] for m in notes) == [
        "challenge.dropped.agenda",
        "challenge.dropped.call",
        "challenge.dropped.reminder",
    ]
    assert [m for m in channel_posts(o) if (m.dedupe_key or "").startswith("challenges:")] == []


def test_a_moved_meeting_moves_its_posts() -> None:
    o = office()
    moved = dataclasses.replace(MARCH, at=datetime(2027, 3, 23, 13, 0, tzinfo=COPENHAGEN))
    o.db.add_tenant(dataclasses.replace(o.tenant, quarterly_meetings=(moved, JUNE)))
    o.clock.set(local(2027, 2, 16, 13, 0))

    run_cycle(o)

    assert posts_of_kind(o, "call") == []


def test_the_reminder_goes_privately_to_those_who_have_not_voted() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    reacted(o, o.org.ida, 1)
    o.clock.set(local(2027, 3, 4, 13, 0))

    run_cycle(o)
    run_cycle(o)

    reminded = {m.to_person for m in posts_of_kind(o, "reminder") if m.to_person is not None}
    # The seniors are the consultancy's; the client's own people are reminded.
    assert reminded == {o.org.mette.id, o.org.jonas.id}


def test_the_agenda_reconciles_slack_votes_first_and_goes_to_the_channel_coordinator_and_seniors() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    submitted(o, o.org.anna, "Gevinstdiagrammet mangler en skabelon")
    reacted(o, o.org.ida, 1)
    # While the bot was down, Lars voted for U-2 and Ida took her vote on U-1 back.
    reader = FakeReactions({post_id(2): {"+1": [slack_id(o.org.lars)]}, post_id(1): {}})
    o.clock.set(local(2027, 3, 7, 13, 0))

    run_cycle(o, reader)

    assert sorted(reader.asked) == [post_id(1), post_id(2)]
    agenda_posts = posts_of_kind(o, "agenda")
    [in_channel] = [m for m in agenda_posts if m.to_channel == "C0CHALL"]
    ranked = [line.params["ref"] for line in in_channel.lines if line.key == "challenge.agenda_line"]
    assert ranked == ["U-2", "U-1"]
    readers = {m.to_person for m in agenda_posts if m.to_person is not None}
    assert readers == {o.org.mette.id, o.org.anna.id, o.org.lars.id, o.org.sofie.id}


@pytest.mark.parametrize(
    "after_the_close",
    [
        pytest.param(timedelta(seconds=7), id="the-next-tick"),
        pytest.param(timedelta(minutes=45), id="still-on-time"),
        pytest.param(timedelta(hours=3), id="late"),
    ],
)
def test_votes_read_back_after_the_close_count_as_they_stood_at_the_close(after_the_close: timedelta) -> None:
    # The agenda's tick always comes after the close (the tick runs every few seconds, or the bot was
    # down): the votes only Slack knows of were cast before it, and Slack's reactions carry no time.
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    submitted(o, o.org.anna, "Gevinstdiagrammet mangler en skabelon")
    reacted(o, o.org.ida, 2)
    reader = FakeReactions(
        {post_id(1): {"+1": [slack_id(o.org.lars), slack_id(o.org.sofie)]}, post_id(2): {}}
    )
    o.clock.set(local(2027, 3, 7, 13, 0) + after_the_close)

    run_cycle(o, reader)

    [in_channel] = [m for m in posts_of_kind(o, "agenda") if m.to_channel == "C0CHALL"]
    ranked = [
        (line.params["ref"], line.params["votes"])
        for line in in_channel.lines
        if line.key == "challenge.agenda_line"
    ]
    # Lars and Sofie voted for U-1 while the bot was down; Ida took back her vote on U-2 meanwhile.
    assert ranked == [("U-1", 2), ("U-2", 0)]


def test_the_yearly_method_review_goes_to_coordinator_and_seniors_once() -> None:
    o = office(method_review_month=11)
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    o.say(o.org.mette, 'beslut U-1 vedtaget "Ny skabelon til styregruppeindstilling"')
    o.clock.set(local(2027, 11, 1, 9, 0))

    run_cycle(o)
    run_cycle(o)

    reviews = [q.message for q in o.db.state.outbox if (q.message.dedupe_key or "").startswith(
        f"challenges:{o.tenant.slug}:method-review:2027")]  # fmt: skip
    assert {m.to_person for m in reviews} == {o.org.mette.id, o.org.anna.id, o.org.lars.id, o.org.sofie.id}


def test_every_message_of_a_whole_quarter_renders_in_both_languages() -> None:
    o = office()
    o.clock.set(local(2027, 2, 16, 13))
    run_cycle(o)
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    o.clock.set(local(2027, 3, 4, 13))
    run_cycle(o)
    o.clock.set(local(2027, 3, 7, 13))
    run_cycle(o)

    everything = [q.message for q in o.db.state.outbox]
    assert len(posts_of_kind(o, "agenda")) == 5
    assert all(line for language in ("da", "en") for line in render_all(everything, language))


def test_show_gives_a_challenge_whole_and_leaves_the_sparring_references_alone() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter " + "og det er et problem " * 30)
    reacted(o, o.org.ida, 1)

    shown = o.say(o.org.ida, "vis U-1")
    sparring = o.say(o.org.ida, "vis 1")

    assert reply_keys(shown) == ["challenge.show", "quote", "challenge.show_votes"]
    assert shown.replies[0].lines[2].params["votes"] == 1
    assert reply_keys(sparring) != reply_keys(shown)


def test_a_voter_known_by_email_alone_is_looked_up_once_and_the_vote_is_theirs() -> None:
    o = office()
    submitted(o, o.org.jonas, "Styregruppen læser ikke vores statusrapporter")
    o.db.add_person(dataclasses.replace(o.db.state.people[o.org.ida.id], slack_id=None))
    bridge = _slack_bridge(o, [])
    asked: list[Identity] = []

    async def lookup(identity: Identity) -> str | None:
        asked.append(identity)
        return o.org.ida.email

    vote = Reaction("slack", post_id(1), "U9IDA", (("+1", True),), at=o.clock.now())
    recorded = asyncio.run(
        bridge.record_reactions(o.tenant, "Ev1", Identity(slack_id="U9IDA"), vote, lookup=lookup)
    )
    known = Reaction("slack", post_id(1), slack_id(o.org.lars), (("+1", True),), at=o.clock.now())
    asyncio.run(
        bridge.record_reactions(
            o.tenant, "Ev2", Identity(slack_id=slack_id(o.org.lars)), known, lookup=lookup
        )
    )

    assert recorded
    assert asked == [Identity(slack_id="U9IDA")]
    assert votes(o) == {1: 2}
