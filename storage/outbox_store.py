"""Claiming and settling outbox messages for the dispatcher.

A claim marks due rows ``sending`` with a lease and a token in one statement. On PostgreSQL the
candidate rows are picked with FOR UPDATE SKIP LOCKED, so concurrent dispatchers never claim the
same row; on SQLite the write lock of BEGIN IMMEDIATE serialises claims. A dispatcher that dies
after claiming leaves rows whose lease runs out: they are claimed again, so nothing is lost.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, or_, select, update
from sqlmodel import Session, col

from handlers.ports import Delivery
from storage.codec import decode_message
from storage.mapping import person_from_row, tenant_from_row
from storage.tables import OutboxRow, PersonRow, TenantRow

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
MAX_ERROR_CHARS = 500


class OutboxStore:
    """The dispatcher's view of the outbox table."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def claim(self, now: datetime, lease: timedelta, limit: int) -> list[Delivery]:
        """Claim up to ``limit`` due messages (or ones whose lease ran out) and return them."""
        token = str(uuid.uuid4())
        with Session(self._engine, expire_on_commit=False) as session:
            due = or_(
                (col(OutboxRow.state) == PENDING) & (col(OutboxRow.due_at) <= now),
                (col(OutboxRow.state) == SENDING) & (col(OutboxRow.lease_until) <= now),
            )
            candidates = (
                select(col(OutboxRow.id))
                .where(due)
                .order_by(col(OutboxRow.due_at), col(OutboxRow.id))
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            claimed = (
                update(OutboxRow)
                .where(col(OutboxRow.id).in_(candidates.scalar_subquery()))
                .values(state=SENDING, claim_token=token, lease_until=now + lease)
                .returning(col(OutboxRow.id))
            )
            ids = list(session.execute(claimed).scalars())
            deliveries = self._deliveries(session, ids)
            session.commit()
        return deliveries

    def _deliveries(self, session: Session, ids: list[int]) -> list[Delivery]:
        if not ids:
            return []
        rows = session.execute(
            select(OutboxRow, TenantRow, PersonRow)
            .join(TenantRow, col(TenantRow.id) == col(OutboxRow.tenant_id))
            .outerjoin(PersonRow, col(PersonRow.id) == col(OutboxRow.recipient_id))
            .where(col(OutboxRow.id).in_(ids))
            .order_by(col(OutboxRow.due_at), col(OutboxRow.id))
        ).all()
        return [
            Delivery(
                id=outbox.id,
                tenant=tenant_from_row(tenant),
                message=decode_message(
                    outbox.payload,
                    to_person=outbox.recipient_id,
                    to_channel=outbox.channel,
                    ref=outbox.ref,
                    dedupe_key=outbox.dedupe_key,
                ),
                recipient=person_from_row(person) if person is not None else None,
                attempts=outbox.attempts,
                claim=outbox.claim_token or "",
            )
            for outbox, tenant, person in rows
        ]

    def _settle(self, delivery: Delivery, **values: object) -> bool:
        with Session(self._engine) as session:
            result = session.execute(
                update(OutboxRow)
                .where(col(OutboxRow.id) == delivery.id, col(OutboxRow.claim_token) == delivery.claim)
                .values(claim_token=None, lease_until=None, **values)
            )
            session.commit()
        return bool(getattr(result, "rowcount", 0))

    def mark_sent(self, delivery: Delivery, now: datetime, platform_message_id: str | None) -> bool:
        """Record a successful send (False when the claim was lost to another dispatcher meanwhile)."""
        return self._settle(
            delivery,
            state=SENT,
            sent_at=now,
            platform_message_id=platform_message_id,
            attempts=delivery.attempts + 1,
        )

    def retry_at(self, delivery: Delivery, due_at: datetime, error: str | None) -> bool:
        """Put a message back in the queue: after a transient failure, or deferred (``error=None``).

        A deferral (the platform's pace) is no failure: it uses up no attempt and leaves the last
        error as it was.
        """
        if error is None:
            return self._settle(delivery, state=PENDING, due_at=due_at)
        return self._settle(
            delivery,
            state=PENDING,
            due_at=due_at,
            attempts=delivery.attempts + 1,
            last_error=error[:MAX_ERROR_CHARS],
        )

    def release(self, deliveries: list[Delivery]) -> None:
        """Hand back claimed messages that were not tried (the dispatcher is stopping)."""
        for delivery in deliveries:
            self._settle(delivery, state=PENDING)

    def fail(self, delivery: Delivery, error: str) -> bool:
        """Give up on a message the platform will never take."""
        return self._settle(
            delivery, state=FAILED, attempts=delivery.attempts + 1, last_error=error[:MAX_ERROR_CHARS]
        )

    def counts(self) -> dict[str, int]:
        """Return how many messages are in each state (for health checks and tests)."""
        with Session(self._engine) as session:
            rows = session.execute(
                select(col(OutboxRow.state), func.count()).group_by(col(OutboxRow.state))
            ).all()
        return {state: int(count) for state, count in rows}
