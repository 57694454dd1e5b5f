"""The vote tally: a function of the set of recorded marks, whatever order the events came in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import permutations

from handlers.challenges.tally import BUTTON, Challenge, Mark, ballot_of_reaction, reconcile, settle, tally

T0 = datetime(2027, 2, 20, 10, 0, tzinfo=UTC)
DEADLINE = datetime(2027, 3, 7, 12, 0, tzinfo=UTC)
CONFIGURED = ("+1", "thumbsup")
CHALLENGES = (
    Challenge("U-1", T0),
    Challenge("U-2", T0 + timedelta(hours=1)),
    Challenge("U-3", T0 + timedelta(hours=2)),
)


def mark(
    challenge: str = "U-1",
    voter: str = "slack:U1",
    ballot: str = "+1",
    minutes: int = 0,
    *,
    present: bool = True,
    person: str | None = "anna",
    is_bot: bool = False,
) -> Mark:
    return Mark(challenge, voter, ballot, T0 + timedelta(minutes=minutes), present, person, is_bot)


def votes(
    marks: list[Mark], challenges: tuple[Challenge, ...] = CHALLENGES, budget: int = 0
) -> dict[str, int]:
    return {entry.reference: entry.votes for entry in tally(marks, challenges, DEADLINE, budget).ranking}


# --- normalising reactions -----------------------------------------------------------------------


def test_a_skin_tone_counts_as_the_plain_emoji() -> None:
    assert ballot_of_reaction("+1::skin-tone-2", CONFIGURED) == "+1"


def test_a_reaction_the_tenant_did_not_configure_is_no_ballot() -> None:
    assert ballot_of_reaction("heart", CONFIGURED) is None


def test_aliases_are_only_what_the_tenant_configured() -> None:
    assert ballot_of_reaction("thumbsup", ["+1"]) is None


def test_teams_reaction_types_pass_through_as_opaque_strings() -> None:
    assert ballot_of_reaction("1f440_eyes", ["like", "1f440_eyes"]) == "1f440_eyes"


# --- replays and order -----------------------------------------------------------------------------


def test_a_replayed_mark_counts_once() -> None:
    counted = votes([mark(), mark(), mark()])

    assert counted["U-1"] == 1


def test_add_and_remove_give_the_same_state_in_any_order() -> None:
    events = [
        mark(minutes=1),
        mark(minutes=2, present=False),
        mark(minutes=3),
        mark(minutes=4, present=False),
    ]

    results = {votes(list(order))["U-1"] for order in permutations(events)}

    assert results == {0}


def test_a_late_arriving_older_remove_does_not_undo_a_newer_add() -> None:
    events = [mark(minutes=1), mark(minutes=2, present=False), mark(minutes=3)]

    results = {votes(list(order))["U-1"] for order in permutations(events)}

    assert results == {1}


def test_an_add_and_a_remove_at_the_same_time_keep_the_vote() -> None:
    events = [mark(minutes=1, present=False), mark(minutes=1)]

    results = {settle(order)[("U-1", "slack:U1", "+1")].present for order in permutations(events)}

    assert results == {True}


def test_the_whole_tally_is_independent_of_event_order() -> None:
    events = [
        mark("U-1", "slack:U1", "+1", 1),
        mark("U-1", "slack:U1", "thumbsup", 2),
        mark("U-2", "slack:U2", BUTTON, 3, person="bo"),
        mark("U-2", "slack:U1", "+1", 4),
        mark("U-1", "slack:U1", "+1", 5, present=False),
        mark("U-3", "slack:UX", "+1", 6, person=None),
    ]

    results = {tuple(sorted(votes(list(order)).items())) for order in permutations(events)}

    assert results == {(("U-1", 1), ("U-2", 2), ("U-3", 0))}


# --- one vote per person ---------------------------------------------------------------------------


def test_two_configured_emoji_are_one_vote() -> None:
    counted = votes([mark(ballot="+1"), mark(ballot="thumbsup", minutes=1)])

    assert counted["U-1"] == 1


def test_a_reaction_and_the_button_are_one_vote() -> None:
    counted = votes([mark(ballot="+1"), mark(ballot=BUTTON, minutes=1)])

    assert counted["U-1"] == 1


def test_withdrawing_one_of_two_emoji_keeps_the_vote() -> None:
    counted = votes(
        [
            mark(ballot="+1"),
            mark(ballot="thumbsup", minutes=1),
            mark(ballot="thumbsup", minutes=2, present=False),
        ]
    )

    assert counted["U-1"] == 1


def test_one_person_with_two_platform_accounts_counts_once() -> None:
    counted = votes([mark(voter="slack:U1"), mark(voter="teams:29:abc", ballot="like", minutes=1)])

    assert counted["U-1"] == 1


def test_the_bots_own_reactions_never_count() -> None:
    result = tally([mark(voter="slack:BOT", person=None, is_bot=True)], CHALLENGES, DEADLINE)

    assert result.of("U-1").votes == 0
    assert result.of("U-1").unknown == frozenset()


def test_marks_on_other_messages_never_count() -> None:
    counted = votes([mark(challenge="not-a-challenge")])

    assert sum(counted.values()) == 0


def test_unknown_voters_are_counted_apart_and_do_not_rank() -> None:
    marks = [mark(voter="slack:UX", person=None), mark(voter="slack:UY", person=None, ballot=BUTTON)]

    entry = tally(marks, CHALLENGES, DEADLINE).of("U-1")

    assert entry.votes == 0
    assert entry.unknown == frozenset({"slack:UX", "slack:UY"})


# --- the deadline ----------------------------------------------------------------------------------


def test_a_vote_after_the_deadline_is_kept_as_late_and_does_not_rank() -> None:
    after = (DEADLINE - T0) // timedelta(minutes=1) + 1
    marks = [mark("U-2", minutes=after), mark("U-1", voter="slack:U2", person="bo")]

    result = tally(marks, CHALLENGES, DEADLINE)

    assert result.of("U-2").votes == 0
    assert result.of("U-2").late == frozenset({"anna"})
    assert result.ranking[0].reference == "U-1"


def test_a_withdrawal_after_the_deadline_does_not_change_the_ranking() -> None:
    after = (DEADLINE - T0) // timedelta(minutes=1) + 1

    counted = votes([mark(), mark(minutes=after, present=False)])

    assert counted["U-1"] == 1


def test_a_vote_exactly_at_the_deadline_counts() -> None:
    on_the_dot = Mark("U-1", "slack:U1", "+1", DEADLINE, True, "anna")

    assert votes([on_the_dot])["U-1"] == 1


# --- the dot budget --------------------------------------------------------------------------------


def test_with_a_budget_the_vote_beyond_it_is_not_counted() -> None:
    marks = [mark("U-3", minutes=1), mark("U-1", minutes=2), mark("U-2", minutes=3)]

    result = tally(marks, CHALLENGES, DEADLINE, votes_per_person=2)

    assert {entry.reference: entry.votes for entry in result.ranking} == {"U-1": 1, "U-2": 0, "U-3": 1}
    assert result.over_budget == frozenset({("anna", "U-2")})
    assert result.of("U-2").over_budget == frozenset({"anna"})


def test_an_over_budget_vote_is_reported_once_whatever_its_ballots() -> None:
    marks = [
        mark("U-1"),
        mark("U-2", minutes=1),
        mark("U-2", ballot="thumbsup", minutes=2),
        mark("U-2", ballot=BUTTON, minutes=3),
    ]

    result = tally(marks, CHALLENGES, DEADLINE, votes_per_person=1)

    assert result.over_budget == frozenset({("anna", "U-2")})


def test_withdrawing_a_vote_frees_the_dot_for_the_next() -> None:
    marks = [mark("U-1"), mark("U-2", minutes=1), mark("U-1", minutes=2, present=False)]

    counted = votes(marks, budget=1)

    assert counted == {"U-1": 0, "U-2": 1, "U-3": 0}


def test_votes_at_the_same_moment_spend_the_budget_in_reference_order() -> None:
    marks = [mark("U-2"), mark("U-1")]

    result = tally(marks, CHALLENGES, DEADLINE, votes_per_person=1)

    assert result.over_budget == frozenset({("anna", "U-2")})


def test_zero_means_an_unlimited_budget() -> None:
    marks = [mark(reference) for reference in ("U-1", "U-2", "U-3")]

    assert votes(marks, budget=0) == {"U-1": 1, "U-2": 1, "U-3": 1}


# --- merges, decisions and the ranking -------------------------------------------------------------


def test_merging_a_duplicate_unites_its_voters_and_nobody_counts_twice() -> None:
    challenges = (Challenge("U-3", T0), Challenge("U-7", T0, merged_into="U-3"))
    marks = [
        mark("U-3", "slack:U1"),
        mark("U-7", "slack:U1", minutes=1),
        mark("U-7", "slack:U2", person="bo"),
    ]

    result = tally(marks, challenges, DEADLINE)

    assert [entry.reference for entry in result.ranking] == ["U-3"]
    assert result.of("U-3").voters == frozenset({"anna", "bo"})


def test_a_merge_of_a_merge_lands_on_the_ranked_challenge() -> None:
    challenges = (
        Challenge("U-1", T0),
        Challenge("U-3", T0, merged_into="U-1"),
        Challenge("U-7", T0, merged_into="U-3"),
    )

    result = tally([mark("U-7")], challenges, DEADLINE)

    assert result.of("U-1").voters == frozenset({"anna"})


def test_a_deferred_challenge_starts_the_next_quarter_without_votes() -> None:
    carried = (Challenge("U-1", T0, counted_from=T0 + timedelta(minutes=10)),)
    marks = [mark("U-1", "slack:U1", minutes=1), mark("U-1", "slack:U2", minutes=11, person="bo")]

    result = tally(marks, carried, DEADLINE)

    assert result.of("U-1").voters == frozenset({"bo"})


def test_ranking_is_by_votes_then_earliest_submission_then_reference() -> None:
    challenges = (
        Challenge("U-10", T0),
        Challenge("U-2", T0),
        Challenge("U-1", T0 + timedelta(days=1)),
        Challenge("U-5", T0),
    )
    marks = [mark("U-5"), mark("U-5", "slack:U2", person="bo"), mark("U-1")]

    result = tally(marks, challenges, DEADLINE)

    assert [entry.reference for entry in result.ranking] == ["U-5", "U-1", "U-2", "U-10"]


# --- reconciliation against reactions.get ----------------------------------------------------------

PEOPLE = {"U1": "anna", "U2": "bo"}
LATER = T0 + timedelta(days=1)


def test_reconciliation_adds_the_votes_cast_while_the_bot_was_down() -> None:
    changes = reconcile([], "U-1", {"+1::skin-tone-3": ["U1"], "heart": ["U2"]}, CONFIGURED, LATER, PEOPLE)

    assert changes == [Mark("U-1", "U1", "+1", LATER, True, "anna")]


def test_reconciliation_removes_votes_withdrawn_while_the_bot_was_down() -> None:
    stored = [Mark("U-1", "U1", "+1", T0, True, "anna")]

    changes = reconcile(stored, "U-1", {}, CONFIGURED, LATER, PEOPLE)

    assert changes == [Mark("U-1", "U1", "+1", LATER, False, "anna")]


def test_reconciliation_of_a_matching_message_changes_nothing() -> None:
    stored = [Mark("U-1", "U1", "+1", T0, True, "anna"), Mark("U-1", "U2", "thumbsup", T0, False, "bo")]

    assert reconcile(stored, "U-1", {"+1": ["U1"]}, CONFIGURED, LATER, PEOPLE) == []


def test_reconciliation_never_touches_button_ballots() -> None:
    stored = [Mark("U-1", "U1", BUTTON, T0, True, "anna")]

    assert reconcile(stored, "U-1", {}, CONFIGURED, LATER, PEOPLE) == []


def test_a_reconciled_mark_outranks_a_newer_stored_event() -> None:
    stored = [Mark("U-1", "U1", "+1", LATER + timedelta(hours=1), False, "anna")]

    changes = reconcile(stored, "U-1", {"+1": ["U1"]}, CONFIGURED, LATER, PEOPLE)

    assert settle([*stored, *changes])[("U-1", "U1", "+1")].present


def test_reconciling_then_tallying_equals_the_tally_of_what_slack_shows() -> None:
    stored = [Mark("U-1", "U1", "+1", T0, True, "anna"), Mark("U-1", "U1", "thumbsup", T0, True, "anna")]
    current = {"thumbsup": ["U1", "U2"]}

    changes = reconcile(stored, "U-1", current, CONFIGURED, LATER, PEOPLE)
    result = tally([*stored, *changes], CHALLENGES, DEADLINE)

    assert result.of("U-1").voters == frozenset({"anna", "bo"})
    assert reconcile([*stored, *changes], "U-1", current, CONFIGURED, LATER, PEOPLE) == []
