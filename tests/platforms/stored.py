"""What the bot stored, read straight from the database (the platform tests look, the bot never does)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from bot.admin.tenant_admin import apply_tenant
from bot.admin.tenant_config import load_tenant_config
from handlers.shared.model import SubmittedChallenge, challenge_post_key
from handlers.shared.text import Message, Text, Verbatim
from storage.db import make_engine
from storage.migrate import ensure_current
from storage.tables import CHALLENGE, CHALLENGE_VOTE, OUTBOX, OutboxRow, PersonRow
from storage.uow import SqlUnitOfWorkFactory
from tests.tenants import other_tenant_config

CHALLENGE_TEXT = "Skabelonen til risikologgen mangler en ejer"


@contextmanager
def opened(url: str) -> Iterator[Engine]:
    """Open the database at ``url`` for a look or a change from outside the server; close it after."""
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def apply_tenant_file(url: str, text: str) -> None:
    """Apply a tenant file (as ``vpmo tenant apply`` does) to the database at ``url``, migrated first."""
    with opened(url) as engine:
        ensure_current(engine)
        apply_tenant(engine, load_tenant_config(text))


def add_other_tenant(url: str) -> None:
    """Apply a second tenant (Birk) beside the sample client."""
    with opened(url) as engine:
        apply_tenant(engine, other_tenant_config())


def posted_outbox_id(url: str, platform_message_id: str) -> int | None:
    """Return the outbox id of the bot's message with this platform id."""
    query = select(OUTBOX.c.id).where(OUTBOX.c.platform_message_id == platform_message_id)
    with opened(url) as engine, engine.connect() as connection:
        return connection.execute(query).scalar()


def post_challenge(url: str, channel: str, platform_message_id: str, slug: str = "nordlys") -> int:
    """Store a challenge from Jonas and its own message in the channel, sent under the platform's id.

    As the submission and the dispatcher leave it (the message is not sent again): reactions on that
    message are votes. Return the challenge's number.
    """
    engine = make_engine(url)
    try:
        with SqlUnitOfWorkFactory(engine)() as uow:
            tenant = uow.tenants.get_by_slug(slug)
            assert tenant is not None
            jonas = uow.people.find(tenant.id, email="jonas.friis@nordlys.dk")
            assert jonas is not None
            now = datetime.now(UTC)
            challenge = uow.challenges.add(
                SubmittedChallenge(
                    tenant_id=tenant.id,
                    number=uow.challenges.next_number(tenant.id),
                    submitter_id=jonas.id,
                    text=CHALLENGE_TEXT,
                    submitted_at=now,
                    meeting=tenant.quarterly_meetings[0].key,
                )
            )
            key = challenge_post_key(tenant.id, challenge.number)
            post = Message(
                (Text.of("quote", text=Verbatim(CHALLENGE_TEXT)),), to_channel=channel, dedupe_key=key
            )
            assert uow.outbox.add(tenant.id, post, now)
            sent = update(OUTBOX).where(OUTBOX.c.dedupe_key == key)
            uow.session.connection().execute(
                sent.values(state="sent", sent_at=now, platform_message_id=platform_message_id)
            )
            uow.commit()
            return challenge.number
    finally:
        engine.dispose()


def votes(url: str) -> list[tuple[int, int, str, str, bool]]:
    """Return every held ballot mark as (tenant id, challenge number, voter key, ballot, present)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            query = (
                select(
                    CHALLENGE.c.tenant_id,
                    CHALLENGE.c.number,
                    CHALLENGE_VOTE.c.voter_key,
                    CHALLENGE_VOTE.c.ballot,
                    CHALLENGE_VOTE.c.present,
                )
                .join(CHALLENGE, CHALLENGE.c.id == CHALLENGE_VOTE.c.challenge_id)
                .order_by(CHALLENGE.c.tenant_id, CHALLENGE.c.number, CHALLENGE_VOTE.c.voter_key)
            )
            rows = connection.execute(query)
            return [(r.tenant_id, r.number, r.voter_key, r.ballot, r.present) for r in rows]
    finally:
        engine.dispose()


def outbox_rows_to(database_url: str, slack_id: str) -> list[OutboxRow]:
    """Return the outbox rows addressed to the person with this Slack id, oldest first."""
    statement = (
        select(OutboxRow)
        .join(PersonRow, col(PersonRow.id) == col(OutboxRow.recipient_id))
        .where(col(PersonRow.slack_id) == slack_id)
        .order_by(col(OutboxRow.id))
    )
    with opened(database_url) as engine, Session(engine) as session:
        return list(session.scalars(statement).all())
