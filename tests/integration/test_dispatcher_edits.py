"""Edits in place through the dispatcher on a real database: they wait for their post and never post anew."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from bot.bootstrap import Runtime
from handlers.shared.text import Message, Text
from scheduler.dispatcher import EDIT_WAIT_SECONDS, Dispatcher
from storage.tables import OutboxRow
from tests.fakes import FixedClock, RecordingMessenger

START = datetime(2027, 3, 3, 9, tzinfo=UTC)
POST_KEY = "erfa:test:2027-spring:post"
EDIT_KEY = "erfa:test:2027-spring:post:current"


def _queue(runtime: Runtime, *messages: tuple[Message, datetime]) -> int:
    with runtime.deps.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None
        for message, due in messages:
            assert uow.outbox.add(tenant.id, message, due)
        uow.commit()
        return tenant.id


def _post(word: str) -> Message:
    return Message((Text.of("status.none"), Text.of(word)), to_channel="C0ERFA", dedupe_key=POST_KEY)


def _edit(word: str) -> Message:
    return Message(
        (Text.of("status.none"), Text.of(word)), to_channel="C0ERFA", dedupe_key=EDIT_KEY, updates=POST_KEY
    )


def _row(runtime: Runtime, key: str) -> OutboxRow:
    with Session(runtime.engine) as session:
        return session.exec(select(OutboxRow).where(OutboxRow.dedupe_key == key)).one()


def test_an_edit_whose_post_is_not_sent_waits_for_it_and_then_edits_that_post(runtime: Runtime) -> None:
    tenant_id = _queue(runtime, (_edit("edited"), START), (_post("first"), START + timedelta(minutes=1)))
    clock = FixedClock(START)
    messenger = RecordingMessenger()
    dispatcher = Dispatcher(runtime.outbox, messenger, clock)

    early = asyncio.run(dispatcher.run_once())
    tried_early = len(messenger.attempts)
    waiting = _row(runtime, EDIT_KEY)
    clock.set(START + timedelta(minutes=1))
    posted = asyncio.run(dispatcher.run_once())
    with runtime.deps.uow() as uow:
        shown_before_the_edit = uow.outbox.posted(tenant_id, "sent-1")
    clock.set(START + timedelta(minutes=1, seconds=EDIT_WAIT_SECONDS))
    edited = asyncio.run(dispatcher.run_once())

    assert (early.deferred, early.sent, tried_early) == (1, 0, 0)
    assert (waiting.state, waiting.attempts) == ("pending", 0)  # waiting uses up no attempt
    assert posted.sent == 1
    assert edited.sent == 1
    post, edit = messenger.sent
    assert (post.message.updates, post.replaces) == (None, None)
    assert (edit.message.updates, edit.replaces) == (POST_KEY, "sent-1")
    assert _row(runtime, POST_KEY).platform_message_id == "sent-1"
    assert _row(runtime, EDIT_KEY).platform_message_id is None
    # A press on the post is answered with the post as it stands: its edit, delivered yet or not.
    with runtime.deps.uow() as uow:
        shown = uow.outbox.posted(tenant_id, "sent-1")
    assert shown_before_the_edit is not None
    assert shown is not None
    assert shown_before_the_edit.lines[1] == shown.lines[1] == Text.of("edited")


def test_an_edit_of_a_post_that_failed_is_dropped_without_posting(runtime: Runtime) -> None:
    _queue(runtime, (_post("first"), START), (_edit("edited"), START + timedelta(seconds=1)))
    clock = FixedClock(START)
    messenger = RecordingMessenger()
    messenger.fail_permanent()
    dispatcher = Dispatcher(runtime.outbox, messenger, clock)

    asyncio.run(dispatcher.run_once())
    clock.set(START + timedelta(seconds=1))
    report = asyncio.run(dispatcher.run_once())

    assert report.failed == 1
    assert len(messenger.attempts) == 1  # the post alone was tried
    assert _row(runtime, EDIT_KEY).state == "failed"


def test_an_edit_of_a_post_never_queued_is_dropped(runtime: Runtime) -> None:
    _queue(runtime, (_edit("edited"), START))
    messenger = RecordingMessenger()

    report = asyncio.run(Dispatcher(runtime.outbox, messenger, FixedClock(START)).run_once())

    assert (report.failed, messenger.attempts) == (1, [])
