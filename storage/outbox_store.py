"""Claiming and settling outbox messages for the dispatcher.

A claim marks due rows ``sending`` with a lease and a token in one statement. On PostgreSQL the
candidate rows are picked with FOR UPDATE SKIP LOCKED, so concurrent dispatchers never claim the
same row; on SQLite the write lock of BEGIN IMMEDIATE serialises claims. A dispatcher that dies
after claiming leaves rows whose lease runs out: they are claimed again, so nothing is lost. Leases
are short and the living dispatcher renews those it still holds (:meth:`OutboxStore.renew`), so a
dead one's claims are free again within one lease while a slow send is never taken over.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Engine, Integer, RowMapping, Table, bindparam, func, or_, select, update
from sqlmodel.sql.sqltypes import UTCDateTime

from handlers.shared.ports import Delivery
from storage.codec import decode_message
from storage.directory import NETWORKS_STAMP, DirectoryCache
from storage.handover import Handover
from storage.mapping import person_from_row
from storage.tables import OUTBOX, PERSON, TENANT

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
MAX_ERROR_CHARS = 500
_CLAIMABLE = (
    select(OUTBOX.c.id)
    .where(
        or_(
            (OUTBOX.c.state == PENDING) & (OUTBOX.c.due_at <= bindparam("now", type_=UTCDateTime())),
            (OUTBOX.c.state == SENDING) & (OUTBOX.c.lease_until <= bindparam("now", type_=UTCDateTime())),
        )
    )
    .order_by(OUTBOX.c.due_at, OUTBOX.c.id)
    .limit(bindparam("limit", type_=Integer()))
    .with_for_update(skip_locked=True)
)
_CLAIM = (
    update(OUTBOX)
    .where(OUTBOX.c.id.in_(_CLAIMABLE.scalar_subquery()))
    .values(state=SENDING, claim_token=bindparam("token"), lease_until=bindparam("lease_until"))
    .returning(OUTBOX.c.id)
)
_DELIVERIES = (
    select(OUTBOX, TENANT.c.updated_at.label("tenant_stamp"), NETWORKS_STAMP.label("networks_stamp"), PERSON)
    .join(TENANT, TENANT.c.id == OUTBOX.c.tenant_id)
    .outerjoin(PERSON, PERSON.c.id == OUTBOX.c.recipient_id)
    .where(OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(OUTBOX.c.due_at, OUTBOX.c.id)
)
# The post an edit in place names (by dedupe key): its state and, once sent, its platform id.
_EDITED_POST = select(OUTBOX.c.state, OUTBOX.c.platform_message_id).where(
    OUTBOX.c.tenant_id == bindparam("tenant_id"), OUTBOX.c.dedupe_key == bindparam("key")
)
# Settling a message (sent, deferred, retried, failed) ends this dispatcher's claim on it, and only
# while the claim is still its own: a message whose lease ran out may be another dispatcher's now.
_SETTLE = (
    update(OUTBOX)
    .where(OUTBOX.c.id == bindparam("b_id"), OUTBOX.c.claim_token == bindparam("b_claim"))
    .values(claim_token=None, lease_until=None)
)
_MARK_SENT = _SETTLE.values(
    state=SENT,
    sent_at=bindparam("b_sent_at"),
    platform_message_id=bindparam("b_platform_id"),
    attempts=bindparam("b_attempts"),
)
_DEFER = _SETTLE.values(state=PENDING, due_at=bindparam("b_due"))
# One claim's rows still in hand (not yet settled) get a new lease; a row whose lease ran out and was
# claimed by another dispatcher has another token and is left alone.
_RENEW = (
    update(OUTBOX)
    .where(OUTBOX.c.claim_token == bindparam("token"), OUTBOX.c.state == SENDING)
    .values(lease_until=bindparam("lease_until"))
)


class OutboxStore:
    """The dispatcher's view of the outbox table."""

    def __init__(
        self, engine: Engine, directory: DirectoryCache | None = None, handover: Handover | None = None
    ) -> None:
        self._engine = engine
        # Shared with the units of work, so each tenant's settings are decoded once per process.
        self._directory = directory or DirectoryCache()
        self.handover = handover or Handover()
        """What this process's units of work queued claimed for the dispatcher (see storage.handover)."""

    def claim(self, now: datetime, lease: timedelta, limit: int) -> list[Delivery]:
        """Claim up to ``limit`` due messages (or ones whose lease ran out) and return them."""
        token = str(uuid.uuid4())
        with self._engine.begin() as connection:
            params = {"now": now, "lease_until": now + lease, "token": token, "limit": limit}
            ids = list(connection.execute(_CLAIM, params).scalars())
            if not ids:
                return []
            rows = connection.execute(_DELIVERIES, {"ids": ids}).all()
            return [self._delivery(connection, row._mapping) for row in rows]

    def _delivery(self, connection: Connection, row: RowMapping) -> Delivery:
        outbox, person = _columns(row, OUTBOX), _columns(row, PERSON)
        tenant = self._directory.tenant(
            connection, outbox.tenant_id, row["tenant_stamp"], row["networks_stamp"]
        )
        assert tenant is not None, "an outbox row's tenant exists (foreign key)"
        message = decode_message(
            outbox.payload,
            to_person=outbox.recipient_id,
            to_channel=outbox.channel,
            ref=outbox.ref,
            dedupe_key=outbox.dedupe_key,
        )
        replaces, lost = _edited_post(connection, outbox.tenant_id, message.updates)
        return Delivery(
            id=outbox.id,
            tenant=tenant,
            message=message,
            recipient=person_from_row(person) if person is not None else None,
            attempts=outbox.attempts,
            claim=outbox.claim_token or "",
            replaces=replaces,
            replaces_lost=lost,
        )

    def _settle(self, delivery: Delivery, **values: object) -> bool:
        with self._engine.begin() as connection:
            params = {"b_id": delivery.id, "b_claim": delivery.claim}
            return bool(connection.execute(_SETTLE.values(**values), params).rowcount)

    def mark_sent(self, delivery: Delivery, now: datetime, platform_message_id: str | None) -> bool:
        """Record a successful send (False when the claim was lost to another dispatcher meanwhile)."""
        with self._engine.begin() as connection:
            return bool(connection.execute(_MARK_SENT, _sent(delivery, now, platform_message_id)).rowcount)

    def mark_all_sent(self, sends: Iterable[tuple[Delivery, datetime, str | None]]) -> None:
        """Record successful sends (delivery, when, the platform's id) in one transaction.

        A message whose claim was lost to another dispatcher meanwhile is left alone, as by :meth:`mark_sent`.
        """
        rows = [_sent(delivery, now, platform_message_id) for delivery, now, platform_message_id in sends]
        with self._engine.begin() as connection:
            connection.execute(_MARK_SENT, rows)

    def retry_at(self, delivery: Delivery, due_at: datetime, error: str) -> bool:
        """Put a message back in the queue after a transient failure."""
        return self._settle(
            delivery,
            state=PENDING,
            due_at=due_at,
            attempts=delivery.attempts + 1,
            last_error=error[:MAX_ERROR_CHARS],
        )

    def defer(self, deferrals: list[tuple[Delivery, datetime]]) -> None:
        """Put messages back in the queue until the given moments, in one transaction.

        A deferral (the platform's pace) is no failure: it uses up no attempt and leaves the last
        error as it was. A message whose claim was lost meanwhile is left alone.
        """
        rows = [{"b_id": d.id, "b_claim": d.claim, "b_due": due} for d, due in deferrals]
        with self._engine.begin() as connection:
            connection.execute(_DEFER, rows)

    def renew(self, claims: Iterable[str], lease_until: datetime) -> int:
        """Extend the lease of the claims' rows not yet settled; return how many rows were renewed."""
        with self._engine.begin() as connection:
            return sum(
                connection.execute(_RENEW, {"token": token, "lease_until": lease_until}).rowcount
                for token in set(claims)
            )

    def next_lease_end(self) -> datetime | None:
        """Return when the soonest lease of a message being sent ends (None when none is being sent).

        A process that was killed leaves its claims until then; whoever is alive takes them up at that
        moment rather than at its next interval.
        """
        statement = select(func.min(OUTBOX.c.lease_until)).where(OUTBOX.c.state == SENDING)
        with self._engine.connect() as connection:
            ends: datetime | None = connection.execute(statement).scalar()
        return ends

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
        with self._engine.connect() as connection:
            rows = connection.execute(select(OUTBOX.c.state, func.count()).group_by(OUTBOX.c.state)).all()
        return {state: int(count) for state, count in rows}


def _sent(delivery: Delivery, now: datetime, platform_message_id: str | None) -> dict[str, object]:
    return {
        "b_id": delivery.id,
        "b_claim": delivery.claim,
        "b_sent_at": now,
        "b_platform_id": platform_message_id,
        "b_attempts": delivery.attempts + 1,
    }


def _edited_post(connection: Connection, tenant_id: int, key: str | None) -> tuple[str | None, bool]:
    """Return the platform id of the post an edit names (None: not sent yet) and whether it is lost for good."""
    if key is None:
        return None, False
    post = connection.execute(_EDITED_POST, {"tenant_id": tenant_id, "key": key}).first()
    if post is None or post.state == FAILED:
        return None, True
    if post.state == SENT:
        # A post sent without an id of the platform's cannot be found to edit.
        return (str(post.platform_message_id), False) if post.platform_message_id else (None, True)
    return None, False


def _columns(row: RowMapping, table: Table) -> Any:
    """Return one table's part of a joined row, with its columns as attributes (None if it is absent)."""
    values = {column.name: row[column] for column in table.c}
    return SimpleNamespace(**values) if values["id"] is not None else None
