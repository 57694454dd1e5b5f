"""Events seen and reactions on the bot's messages, on the unit of work: every lookup within its tenant."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from bot.admin.tenant_admin import apply_tenant
from bot.bootstrap import Runtime
from handlers.shared.text import Message, Text
from storage.tables import OUTBOX, REACTION
from tests.tenants import OTHER_SLUG, OTHER_TEAM, OTHER_TEAMS_TENANT, other_tenant_config

MOMENT = datetime(2027, 3, 3, 9, tzinfo=UTC)
POSTED_ID = "D01ANB:1700000000.000100"


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


def _reactions(runtime: Runtime) -> list[tuple[int, str, str]]:
    with runtime.engine.connect() as connection:
        query = select(REACTION.c.tenant_id, REACTION.c.user_key, REACTION.c.emoji).order_by(REACTION.c.id)
        return [(row.tenant_id, row.user_key, row.emoji) for row in connection.execute(query)]


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


def test_a_reaction_is_a_set_on_the_tenants_own_message(runtime: Runtime) -> None:
    nordlys, _ = _tenant_ids(runtime)
    _post(runtime, nordlys)
    with runtime.deps.uow() as uow:
        added = [uow.reactions.add(nordlys, POSTED_ID, "U01JOF", "thumbsup", MOMENT) for _ in range(2)]
        uow.commit()
    stored = _reactions(runtime)
    with runtime.deps.uow() as uow:
        removed = [uow.reactions.remove(nordlys, POSTED_ID, "U01JOF", "thumbsup") for _ in range(2)]
        uow.commit()

    assert added == [True, False]
    assert stored == [(nordlys, "U01JOF", "thumbsup")]
    assert removed == [True, False]
    assert _reactions(runtime) == []


def test_a_reaction_in_another_tenant_is_not_recorded_against_this_tenants_message(runtime: Runtime) -> None:
    nordlys, birk = _tenant_ids(runtime)
    _post(runtime, nordlys)
    with runtime.deps.uow() as uow:
        assert uow.reactions.add(nordlys, POSTED_ID, "U01JOF", "thumbsup", MOMENT)
        elsewhere = uow.reactions.add(birk, POSTED_ID, "U01JOF", "eyes", MOMENT)
        removed_elsewhere = uow.reactions.remove(birk, POSTED_ID, "U01JOF", "thumbsup")
        uow.commit()

    assert not elsewhere
    assert not removed_elsewhere
    assert _reactions(runtime) == [(nordlys, "U01JOF", "thumbsup")]


def test_a_reaction_on_a_message_the_bot_did_not_post_is_not_recorded(runtime: Runtime) -> None:
    nordlys, _ = _tenant_ids(runtime)
    with runtime.deps.uow() as uow:
        added = uow.reactions.add(nordlys, "C0PROJEKT:1700000000.999900", "U01JOF", "eyes", MOMENT)
        uow.commit()

    assert not added
    assert _reactions(runtime) == []


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
