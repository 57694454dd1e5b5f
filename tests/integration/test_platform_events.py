"""Events seen and votes by reaction on the bot's messages, on the unit of work: every lookup within its tenant."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from bot.admin.tenant_admin import apply_tenant
from bot.bootstrap import Runtime
from handlers.challenges.tally import Mark
from handlers.challenges.voting import Reaction
from handlers.service import Identity, react
from handlers.shared.model import SubmittedChallenge, challenge_post_key
from handlers.shared.text import Message, Text
from storage.challenge_store import SqlVotes
from storage.tables import OUTBOX
from tests.tenants import OTHER_SLUG, OTHER_TEAM, OTHER_TEAMS_TENANT, other_tenant_config

MOMENT = datetime(2027, 3, 3, 9, tzinfo=UTC)
POSTED_ID = "D01ANB:1700000000.000100"
CHALLENGE_POST_ID = "C0CHALL:1700000000.000200"
JONAS = "U01JOF"


def _tenant_ids(runtime: Runtime) -> tuple[int, int]:
    apply_tenant(runtime.engine, other_tenant_config())
    with runtime.deps.uow() as uow:
        nordlys, birk = uow.tenants.get_by_slug("nordlys"), uow.tenants.get_by_slug(OTHER_SLUG)
        assert nordlys is not None
        assert birk is not None
        return nordlys.id, birk.id


def _post(runtime: Runtime, tenant_id: int) -> Message:
    """Queue an offer in the tenant and mark it sent under POSTED_ID, as the dispatcher does."""
    message = Message((Text.of("offer.new", number="S-1"),), to_channel="D01ANB", ref="S-1")
    with runtime.deps.uow() as uow:
        assert uow.outbox.add(tenant_id, message, MOMENT)
        uow.commit()
    with runtime.engine.begin() as connection:
        connection.execute(update(OUTBOX).values(platform_message_id=POSTED_ID, state="sent"))
    return message


def _post_challenge(runtime: Runtime, tenant_id: int) -> int:
    """Store a challenge from Jonas and its own message in the channel, sent under CHALLENGE_POST_ID."""
    with runtime.deps.uow() as uow:
        jonas = uow.people.find(tenant_id, slack_id=JONAS)
        assert jonas is not None
        number = uow.challenges.next_number(tenant_id)
        uow.challenges.add(SubmittedChallenge(tenant_id, number, jonas.id, "Risikologgen", MOMENT, "2027-Q1"))
        key = challenge_post_key(tenant_id, number)
        assert uow.outbox.add(
            tenant_id, Message((Text.of("status.none"),), to_channel="C0CHALL", dedupe_key=key), MOMENT
        )
        uow.commit()
    with runtime.engine.begin() as connection:
        sent = update(OUTBOX).where(OUTBOX.c.dedupe_key == key)
        connection.execute(sent.values(platform_message_id=CHALLENGE_POST_ID, state="sent"))
    return number


def _thumbsup(user: str = JONAS, *, added: bool = True) -> Reaction:
    return Reaction("slack", CHALLENGE_POST_ID, user, (("thumbsup", added),), at=MOMENT)


def _votes(runtime: Runtime, tenant_id: int) -> list[Mark]:
    with runtime.deps.uow() as uow:
        return uow.votes.of_meeting(tenant_id, "2027-Q1")


def test_an_event_is_new_once_per_tenant_and_again_once_forgotten(runtime: Runtime) -> None:
    nordlys, birk = _tenant_ids(runtime)
    seen = []
    with runtime.deps.uow() as uow:
        seen.append(uow.processed_events.first_time(nordlys, "slack", "Ev01", MOMENT))
        seen.append(uow.processed_events.first_time(nordlys, "slack", "Ev01", MOMENT))
        seen.append(uow.processed_events.first_time(birk, "slack", "Ev01", MOMENT))
        seen.append(uow.processed_events.first_time(nordlys, "teams", "Ev01", MOMENT))
        uow.commit()
    with runtime.deps.uow() as uow:
        uow.processed_events.forget(birk, "slack", "Ev01")
        uow.commit()
    with runtime.deps.uow() as uow:
        again = [
            uow.processed_events.first_time(nordlys, "slack", "Ev01", MOMENT),
            uow.processed_events.first_time(birk, "slack", "Ev01", MOMENT),
        ]

    assert seen == [True, False, True, True]
    assert again == [False, True]


def test_an_event_recorded_in_a_unit_of_work_that_is_not_committed_is_not_kept(runtime: Runtime) -> None:
    nordlys, _ = _tenant_ids(runtime)
    with runtime.deps.uow() as uow:
        uow.processed_events.first_time(nordlys, "slack", "Ev02", MOMENT)
    with runtime.deps.uow() as uow:
        first = uow.processed_events.first_time(nordlys, "slack", "Ev02", MOMENT)

    assert first


def test_a_reaction_on_a_challenges_post_is_a_vote_and_a_replayed_event_records_nothing(
    runtime: Runtime,
) -> None:
    nordlys, _ = _tenant_ids(runtime)
    number = _post_challenge(runtime, nordlys)
    identity = Identity(slack_id=JONAS)

    first = react(runtime.deps, "nordlys", identity, _thumbsup(), event=("slack", "Ev0VOTE01"))
    replayed = react(runtime.deps, "nordlys", identity, _thumbsup(added=False), event=("slack", "Ev0VOTE01"))
    held = _votes(runtime, nordlys)

    assert (first, replayed) == (True, False)
    assert [(m.challenge, m.voter, m.ballot, m.present) for m in held] == [
        (str(number), f"slack:{JONAS}", "thumbsup", True)
    ]
    assert held[0].person is not None
    assert held[0].at == MOMENT


def test_a_reaction_whose_vote_failed_to_be_stored_leaves_its_event_new_for_the_retry(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    nordlys, _ = _tenant_ids(runtime)
    _post_challenge(runtime, nordlys)

    def fail(self: SqlVotes, *args: object) -> bool:
        raise OperationalError("INSERT INTO challenge_vote", {}, Exception("database gone for a moment"))

    with monkeypatch.context() as patched:
        patched.setattr(SqlVotes, "record", fail)
        with pytest.raises(OperationalError):
            react(
                runtime.deps, "nordlys", Identity(slack_id=JONAS), _thumbsup(), event=("slack", "Ev0VOTE02")
            )
    retried = react(
        runtime.deps, "nordlys", Identity(slack_id=JONAS), _thumbsup(), event=("slack", "Ev0VOTE02")
    )

    assert retried
    assert [m.present for m in _votes(runtime, nordlys)] == [True]


def test_a_reaction_in_another_tenant_or_on_another_message_is_no_vote(runtime: Runtime) -> None:
    nordlys, birk = _tenant_ids(runtime)
    _post(runtime, nordlys)  # an offer, sent under POSTED_ID: no challenge's post
    _post_challenge(runtime, nordlys)
    on_the_offer = Reaction("slack", POSTED_ID, JONAS, (("thumbsup", True),), at=MOMENT)

    recorded = [
        react(runtime.deps, OTHER_SLUG, Identity(slack_id=JONAS), _thumbsup(), event=("slack", "Ev0BIRK01")),
        react(runtime.deps, "nordlys", Identity(slack_id=JONAS), on_the_offer, event=("slack", "Ev0OFFER1")),
    ]

    # Both events are handled (and recorded as seen); neither is a vote.
    assert recorded == [True, True]
    assert _votes(runtime, nordlys) == []
    assert _votes(runtime, birk) == []


def test_a_posted_message_is_found_only_in_its_own_tenant(runtime: Runtime) -> None:
    nordlys, birk = _tenant_ids(runtime)
    message = _post(runtime, nordlys)
    with runtime.deps.uow() as uow:
        here = uow.outbox.posted(nordlys, POSTED_ID)
        elsewhere = uow.outbox.posted(birk, POSTED_ID)

    assert here == message
    assert elsewhere is None


def test_a_tenant_is_found_by_its_slack_workspace_or_its_microsoft_tenant(runtime: Runtime) -> None:
    _, birk = _tenant_ids(runtime)
    with runtime.deps.uow() as uow:
        by_slack = uow.tenants.find(slack_team_id=OTHER_TEAM)
        by_teams = uow.tenants.find(teams_tenant_id=OTHER_TEAMS_TENANT)
        unknown = uow.tenants.find(slack_team_id="T0UNKNOWN")
        nothing = uow.tenants.find()

    assert by_slack is not None
    assert by_slack.id == birk
    assert by_teams is not None
    assert by_teams.id == birk
    assert unknown is None
    assert nothing is None
