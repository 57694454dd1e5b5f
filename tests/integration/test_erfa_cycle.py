"""The ERFA cycle on SQLite and PostgreSQL: the tick announces once, answers keep the announcement current, a
move resets the answers, and two processes ticking at the same moment send every reminder exactly once."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import event
from sqlmodel import Session, col, select

from bot.admin.tenant_admin import apply_tenant
from bot.admin.tenant_config import load_tenant_config
from bot.bootstrap import Runtime, build_runtime
from bot.cli import SAMPLE_TENANT
from handlers.commands import parse_action, parse_text
from handlers.erfa.schedule import run_for_tenant
from handlers.service import Identity, handle
from handlers.shared.context import Deps
from handlers.shared.model import Tenant
from scheduler.dispatcher import Dispatcher
from scheduler.tick import run_erfa_cycle, run_tick
from storage.tables import OutboxRow
from tests.fakes import FixedClock, RecordingMessenger

ANNOUNCED_AT = datetime(2027, 3, 18, 8, 0, tzinfo=UTC)  # 09:00 in Copenhagen, 28 days before 15 April
ANNOUNCEMENT = "erfa:nordlys:2027-spring:2027-04-15T07:00Z:-28d"
JONAS = Identity(email="jonas.friis@nordlys.dk")


def _deps(runtime: Runtime, at: datetime) -> Deps:
    return dataclasses.replace(runtime.deps, clock=FixedClock(at))


def _tenant(deps: Deps) -> Tenant:
    with deps.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None
        return tenant


def _rows(runtime: Runtime) -> list[OutboxRow]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(OutboxRow).order_by(col(OutboxRow.id))).all())


def _keys(runtime: Runtime) -> list[str]:
    return [row.dedupe_key or "" for row in _rows(runtime)]


def test_the_tick_announces_once_and_an_answer_keeps_the_announcement_current(runtime: Runtime) -> None:
    deps = _deps(runtime, ANNOUNCED_AT)

    asyncio.run(run_erfa_cycle(deps))
    asyncio.run(run_erfa_cycle(deps))

    assert _keys(runtime) == [ANNOUNCEMENT]
    tenant = _tenant(deps)
    with deps.uow() as uow:
        record = uow.erfa.get(tenant.id, "2027-spring")
    assert record is not None
    assert (record.announced, record.sequence) == (ANNOUNCEMENT, 0)

    first = handle(deps, "nordlys", JONAS, parse_action("erfa:rsvp:2027-spring:attending"))
    again = handle(deps, "nordlys", JONAS, parse_action("erfa:rsvp:2027-spring:attending"))

    assert first.replies[0].lines[0].key == "erfa.answered.attending"
    assert first.replies[0].invite is not None
    assert [line.key for line in again.replies[0].lines] == ["erfa.again.attending"]
    assert _keys(runtime) == [ANNOUNCEMENT, f"{ANNOUNCEMENT}:current"]
    messenger = RecordingMessenger()
    asyncio.run(Dispatcher(runtime.outbox, messenger, deps.clock).run_once())
    # The edit waits until its post is sent; a few seconds later it goes out as an edit of that post.
    assert isinstance(deps.clock, FixedClock)
    deps.clock.advance(seconds=5)
    asyncio.run(Dispatcher(runtime.outbox, messenger, deps.clock).run_once())
    sent = [d.message for d in messenger.sent]
    assert sent[0].dedupe_key == ANNOUNCEMENT
    assert sent[-1].dedupe_key == f"{ANNOUNCEMENT}:current"
    assert sent[-1].updates == ANNOUNCEMENT
    counts = next(line for line in sent[-1].lines if line.key == "erfa.counts_and_seats")
    answered = counts.params["answered"]
    assert getattr(answered, "params", {}).get("attending") == 1


def _statements_of_one_tick(runtime: Runtime, at: datetime) -> list[str]:
    """Run one tenant's ERFA tick at a moment; return the statements it sent, BEGIN and COMMIT left out."""
    deps = _deps(runtime, at)
    tenant = _tenant(deps)
    sent: list[str] = []

    def note(_connection: object, _cursor: object, statement: str, *_: object) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT")):
            sent.append(" ".join(statement.split()[:4]))

    event.listen(runtime.engine, "before_cursor_execute", note)
    try:
        run_for_tenant(deps, tenant.id)
    finally:
        event.remove(runtime.engine, "before_cursor_execute", note)
    return sent


def test_a_tick_with_nothing_due_reads_the_tenant_and_its_meeting_records_only(runtime: Runtime) -> None:
    asyncio.run(run_erfa_cycle(_deps(runtime, ANNOUNCED_AT)))
    asyncio.run(run_erfa_cycle(_deps(runtime, datetime(2027, 4, 8, 7, 0, tzinfo=UTC))))  # -7d

    before = _statements_of_one_tick(runtime, ANNOUNCED_AT - timedelta(days=30))
    between = _statements_of_one_tick(runtime, ANNOUNCED_AT + timedelta(days=1))
    after_second = _statements_of_one_tick(runtime, datetime(2027, 4, 9, 7, 0, tzinfo=UTC))

    # Two meetings, both announced or not yet due: the tenant, then every meeting's record in one statement.
    for statements in (before, between, after_second):
        assert len(statements) == 2, statements
        assert statements[0].startswith("SELECT tenant.")
        assert statements[1].startswith("SELECT erfa_record.")


def test_with_invites_to_an_answer_with_its_invite_goes_through_the_outbox_and_the_others_stay(
    runtime: Runtime,
) -> None:
    deps = _deps(runtime, ANNOUNCED_AT)
    asyncio.run(run_erfa_cycle(deps))

    attending = handle(
        deps, "nordlys", JONAS, parse_action("erfa:rsvp:2027-spring:attending"), invites_to="U01JOF"
    )
    again = handle(
        deps, "nordlys", JONAS, parse_action("erfa:rsvp:2027-spring:attending"), invites_to="U01JOF"
    )

    # A platform whose answer in the request carries no file gets the invite's reply to send as a message.
    assert attending.replies == []
    [queued] = [row for row in _rows(runtime) if row.dedupe_key is None]
    assert (queued.channel, queued.recipient_id) == (
        "U01JOF",
        attending.reader.id if attending.reader else None,
    )
    assert queued.payload["invite"]["filename"] == "erfa-2027-spring.ics"
    assert queued.payload["lines"][0]["key"] == "erfa.answered.attending"
    # An answer without an invite stays the request's own, and is not queued.
    assert [line.key for line in again.replies[0].lines] == ["erfa.again.attending"]
    assert len([row for row in _rows(runtime) if row.dedupe_key is None]) == 1


def test_the_tick_runs_the_erfa_cycle_after_the_challenges_and_delivers_the_announcement(
    runtime: Runtime,
) -> None:
    deps = _deps(runtime, ANNOUNCED_AT)
    messenger = RecordingMessenger()

    report = asyncio.run(run_tick(deps, Dispatcher(runtime.outbox, messenger, deps.clock)))

    assert report.erfa_meetings == 1
    assert [d.message.dedupe_key for d in messenger.sent] == [ANNOUNCEMENT]
    assert messenger.sent[0].message.to_channel == "C0ERFA"


def test_a_moved_meeting_resets_the_answers_and_tells_who_had_answered(runtime: Runtime) -> None:
    deps = _deps(runtime, ANNOUNCED_AT)
    asyncio.run(run_erfa_cycle(deps))
    handle(deps, "nordlys", JONAS, parse_action("erfa:rsvp:2027-spring:attending"))
    moved = SAMPLE_TENANT.read_text(encoding="utf-8").replace("at: 2027-04-15T09:00", "at: 2027-04-22T13:00")
    apply_tenant(runtime.engine, load_tenant_config(moved))

    run_for_tenant(deps, _tenant(deps).id)
    run_for_tenant(deps, _tenant(deps).id)

    keys = _keys(runtime)
    assert keys.count("erfa:nordlys:2027-spring:moved:1") == 1
    tenant = _tenant(deps)
    with deps.uow() as uow:
        jonas = uow.people.find(tenant.id, email=JONAS.email)
        assert jonas is not None
        record = uow.erfa.get(tenant.id, "2027-spring")
    assert f"erfa:nordlys:2027-spring:moved:1:{jonas.id}" in keys
    assert record is not None
    assert (record.start, record.sequence) == (datetime(2027, 4, 22, 11, 0, tzinfo=UTC), 1)
    again = handle(deps, "nordlys", JONAS, parse_action("erfa:rsvp:2027-spring:attending"))
    assert again.replies[0].lines[0].key == "erfa.answered.attending"


def test_after_the_meeting_feedback_is_asked_once_and_summed_up_once(runtime: Runtime) -> None:
    deps = _deps(runtime, ANNOUNCED_AT)
    asyncio.run(run_erfa_cycle(deps))
    handle(deps, "nordlys", JONAS, parse_action("erfa:rsvp:2027-spring:attending"))
    after = _deps(runtime, datetime(2027, 4, 15, 10, 5, tzinfo=UTC))  # 12:05, the meeting ended at 12:00

    asyncio.run(run_erfa_cycle(after))
    asyncio.run(run_erfa_cycle(after))
    rated = handle(after, "nordlys", JONAS, parse_action("erfa:rate:2027-spring:4"))
    took = handle(after, "nordlys", JONAS, parse_text("Gevinstkort i styregruppen"))
    asyncio.run(run_erfa_cycle(after))

    tenant = _tenant(deps)
    with deps.uow() as uow:
        jonas = uow.people.find(tenant.id, email=JONAS.email)
        feedback = uow.erfa.feedback(tenant.id, "2027-spring")
    assert jonas is not None
    keys = _keys(runtime)
    assert keys.count(f"erfa:nordlys:2027-spring:2027-04-15T07:00Z:feedback:{jonas.id}") == 1
    assert [line.key for line in rated.replies[0].lines] == [
        "erfa.feedback.rated",
        "erfa.feedback.ask_takeaway",
    ]
    assert took.replies[0].lines[0].key == "erfa.feedback.thanks"
    assert [(f.rating, f.takeaway) for f in feedback] == [(4, "Gevinstkort i styregruppen")]
    summaries = [key for key in keys if ":summary:" in key]
    assert len(summaries) == 1  # to the one coordinator, as everyone asked has answered


def test_two_processes_ticking_at_once_send_every_reminder_exactly_once(postgres_url: str) -> None:
    first, second = build_runtime(postgres_url), build_runtime(postgres_url)
    apply_tenant(first.engine, load_tenant_config(SAMPLE_TENANT.read_text(encoding="utf-8")))
    try:
        moments = [ANNOUNCED_AT, ANNOUNCED_AT + timedelta(days=21), datetime(2027, 4, 14, 7, 0, tzinfo=UTC)]
        for moment in moments:
            _tick_together((first, second), moment)
        keys = _keys(first)
        reminders = [key for key in keys if key.startswith("erfa:nordlys:2027-spring:2027-04-15T07:00Z:-")]
        assert reminders == [ANNOUNCEMENT, "erfa:nordlys:2027-spring:2027-04-15T07:00Z:-7d",
                             "erfa:nordlys:2027-spring:2027-04-15T07:00Z:-1d"]  # fmt: skip
        assert len(keys) == len(set(keys))
    finally:
        first.engine.dispose()
        second.engine.dispose()


def _tick_together(runtimes: tuple[Runtime, ...], at: datetime) -> None:
    """Run the ERFA cycle in each runtime (one process each) at the same moment; fail on any error."""
    gate = threading.Barrier(len(runtimes))
    errors: list[BaseException] = []

    def tick(runtime: Runtime) -> None:
        deps = _deps(runtime, at)
        gate.wait()
        try:
            asyncio.run(run_erfa_cycle(deps))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=tick, args=(runtime,)) for runtime in runtimes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
