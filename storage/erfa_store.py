"""The ERFA meetings as told, their answers, invite tokens and feedback, on the unit of work's session.

A click on Deltager / Måske / Deltager ikke is one upsert that decides in the database, as
:func:`handlers.erfa.rsvp.merge` does, whether it replaces the held answer: concurrent clicks, replays and
clicks arriving out of order settle the same way without reading first. Invite tokens are made on first
use under a unique (tenant, meeting, holder), so two processes asking at once get the same token.
"""

from __future__ import annotations

import dataclasses
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Executable, Result, Table, and_, bindparam, case, delete, event, func, or_, select
from sqlmodel import Session

from handlers.erfa.rsvp import Answer, Rsvp, merge
from handlers.shared.model import ErfaFeedback, ErfaRecord, InviteHolder
from storage.db import dialect_insert
from storage.tables import ERFA_ANSWER, ERFA_FEEDBACK, ERFA_INVITE, ERFA_RECORD

_DIALECTS = ("postgresql", "sqlite")
CHANNEL_HOLDER = "channel"
"""The holder of the channel's copy of a meeting's invite (a person's is their id as text)."""


def _of_meeting(table: Table) -> Any:
    return and_(table.c.tenant_id == bindparam("tenant_id"), table.c.meeting == bindparam("meeting"))


_RECORD_FOR_UPDATE = select(ERFA_RECORD).where(_of_meeting(ERFA_RECORD)).with_for_update()
_TENANT_RECORDS_FOR_UPDATE = (
    select(ERFA_RECORD)
    .where(ERFA_RECORD.c.tenant_id == bindparam("tenant_id"))
    .order_by(ERFA_RECORD.c.meeting)
    .with_for_update()
)
_ANSWERS = select(ERFA_ANSWER).where(_of_meeting(ERFA_ANSWER))
_FORGET_ANSWERS = delete(ERFA_ANSWER).where(
    _of_meeting(ERFA_ANSWER), ERFA_ANSWER.c.start == bindparam("start")
)
_FEEDBACK = select(ERFA_FEEDBACK).where(_of_meeting(ERFA_FEEDBACK))
_TOKEN = select(ERFA_INVITE.c.token).where(
    _of_meeting(ERFA_INVITE), ERFA_INVITE.c.holder == bindparam("holder")
)
_HOLDER = select(ERFA_INVITE.c.tenant_id, ERFA_INVITE.c.meeting, ERFA_INVITE.c.person_id).where(
    ERFA_INVITE.c.token == bindparam("token")
)


def _tie_ranks() -> dict[Answer, int]:
    """Return each answer's rank on a tie, as :func:`merge` decides it: a higher rank wins the tie.

    Asked of ``merge`` itself rather than written again here, so the database can never settle a tie
    differently from the rules.
    """
    moment = datetime(2000, 1, 1, tzinfo=UTC)

    def wins_over(click: Answer, held: Answer) -> bool:
        standing = merge(Rsvp("", held, moment, moment), Rsvp("", click, moment, moment))
        return click is not held and standing.answer is click

    return {answer: sum(wins_over(answer, other) for other in Answer) for answer in Answer}


_TIE_RANKS = _tie_ranks()


def _rank(answer: Any) -> Any:
    return case({a.value: rank for a, rank in _TIE_RANKS.items()}, value=answer)


def _save_record(dialect: str) -> Executable:
    statement = dialect_insert(dialect, ERFA_RECORD)
    fixed = ("id", "tenant_id", "meeting")
    return statement.on_conflict_do_update(
        index_elements=[ERFA_RECORD.c.tenant_id, ERFA_RECORD.c.meeting],
        set_={c.name: statement.excluded[c.name] for c in ERFA_RECORD.c if c.name not in fixed},
    )


def _answer(dialect: str) -> Executable:
    """Build the upsert of one click: it replaces the held answer only where ``merge`` would.

    A click later, by (event time, tie rank), than the held answer's latest press is kept: a different
    answer replaces the held one, the same answer again keeps its time (one's place in the queue) and moves
    the latest press on. RETURNING yields the stored answer's time when something was written, which is
    the click's own when it was inserted or replaced the answer. PostgreSQL's ON CONFLICT evaluates the
    condition against the row as committed by any concurrent writer of the same key (SQLite has one
    writer), so no read before the write is needed.
    """
    statement = dialect_insert(dialect, ERFA_ANSWER)
    new, held = statement.excluded, ERFA_ANSWER.c
    later = or_(
        new.pressed_at > held.pressed_at,
        and_(new.pressed_at == held.pressed_at, _rank(new.answer) > _rank(held.answer)),
    )
    return statement.on_conflict_do_update(
        index_elements=[held.tenant_id, held.meeting, held.person_id, held.start],
        set_={
            "answer": new.answer,
            "at": case((new.answer == held.answer, held.at), else_=new.at),
            "pressed_at": new.pressed_at,
        },
        where=later,
    ).returning(held.at)


def _new_token(dialect: str) -> Executable:
    # A concurrent first use of the same holder waits on the unique key and then inserts nothing; the
    # token is read back afterwards, whoever made it.
    return dialect_insert(dialect, ERFA_INVITE).on_conflict_do_nothing(
        index_elements=[ERFA_INVITE.c.tenant_id, ERFA_INVITE.c.meeting, ERFA_INVITE.c.holder]
    )


def _give_feedback(dialect: str) -> Executable:
    statement = dialect_insert(dialect, ERFA_FEEDBACK)
    new, held = statement.excluded, ERFA_FEEDBACK.c
    return statement.on_conflict_do_update(
        index_elements=[held.tenant_id, held.meeting, held.person_id],
        set_={
            "rating": func.coalesce(new.rating, held.rating),
            "takeaway": func.coalesce(new.takeaway, held.takeaway),
            "at": new.at,
        },
    )


_SAVE_RECORD = {dialect: _save_record(dialect) for dialect in _DIALECTS}
_ANSWER = {dialect: _answer(dialect) for dialect in _DIALECTS}
_NEW_TOKEN = {dialect: _new_token(dialect) for dialect in _DIALECTS}
_GIVE_FEEDBACK = {dialect: _give_feedback(dialect) for dialect in _DIALECTS}


class SqlErfa:
    """The ``ErfaRecords`` port on the unit of work's session.

    A record once read is locked until the transaction ends, and only this repository writes it, so it is
    kept and read from memory until then (as a session's identity map is).
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self._records: dict[tuple[int, str], ErfaRecord | None] = {}
        self._locked_tenants: set[int] = set()
        event.listen(session, "after_transaction_end", self._forget_records)

    def get(self, tenant_id: int, key: str) -> ErfaRecord | None:
        """Return what was last told about the meeting, locked (FOR UPDATE on PostgreSQL)."""
        slot = (tenant_id, key)
        if slot not in self._records and tenant_id not in self._locked_tenants:
            row = self._execute(_RECORD_FOR_UPDATE, {"tenant_id": tenant_id, "meeting": key}).first()
            self._records[slot] = None if row is None else _record(row)
        held = self._records.get(slot)
        return None if held is None else dataclasses.replace(held)

    def lock_tenant(self, tenant_id: int) -> None:
        """Read and lock the tenant's records in one statement, by meeting key (two ticks lock in one order)."""
        if tenant_id in self._locked_tenants:
            return
        for row in self._execute(_TENANT_RECORDS_FOR_UPDATE, {"tenant_id": tenant_id}):
            self._records[(tenant_id, row.meeting)] = _record(row)
        self._locked_tenants.add(tenant_id)

    def save(self, record: ErfaRecord) -> None:
        """Store the record (insert or replace; one per tenant and meeting key)."""
        values = {
            "tenant_id": record.tenant_id,
            "meeting": record.key,
            "start": record.start,
            "place": record.place,
            "title": record.title,
            "sequence": record.sequence,
            "cancelled": record.cancelled,
            "announced": record.announced,
            "duration_minutes": None if record.duration is None else record.duration // timedelta(minutes=1),
            "seats": record.seats,
            "reminded_until": record.reminded_until,
            "updated_at": _now(),
        }
        self._execute_upsert(_SAVE_RECORD, values)
        self._records[(record.tenant_id, record.key)] = dataclasses.replace(
            record,
            start=_utc(record.start),
            reminded_until=None if record.reminded_until is None else _utc(record.reminded_until),
        )

    def answer(self, tenant_id: int, key: str, rsvp: Rsvp) -> bool:
        """Keep the click as ``merge`` decides (one upsert, see :func:`_answer`); True if it changed the answer."""
        values = {
            "tenant_id": tenant_id,
            "meeting": key,
            "person_id": int(rsvp.person),
            "start": rsvp.start,
            "answer": rsvp.answer.value,
            "at": rsvp.at,
            "pressed_at": rsvp.last_press,
        }
        stored = self._execute_upsert(_ANSWER, values).scalar()
        return stored is not None and stored == rsvp.at

    def answers(self, tenant_id: int, key: str) -> list[Rsvp]:
        """Return the held answers of the meeting, for every start answered, by time."""
        rows = self._execute(_ANSWERS, {"tenant_id": tenant_id, "meeting": key})
        held = [
            Rsvp(
                str(row.person_id),
                Answer(row.answer),
                row.at,
                row.start,
                pressed=row.pressed_at if row.pressed_at != row.at else None,
            )
            for row in rows
        ]
        return sorted(held, key=lambda rsvp: (rsvp.at, rsvp.person))

    def forget_answers(self, tenant_id: int, key: str, start: datetime) -> None:
        """Drop the answers given for the meeting at ``start``."""
        self._execute(_FORGET_ANSWERS, {"tenant_id": tenant_id, "meeting": key, "start": start})

    def invite_token(self, tenant_id: int, key: str, person_id: int | None) -> str:
        """Return the holder's token, made on first use (read back, so a concurrent maker's wins)."""
        holder = CHANNEL_HOLDER if person_id is None else str(person_id)
        params = {"tenant_id": tenant_id, "meeting": key, "holder": holder}
        token: str | None = self._execute(_TOKEN, params).scalar()
        if token is not None:
            return token
        new = {**params, "token": secrets.token_urlsafe(24), "person_id": person_id, "created_at": _now()}
        self._execute_upsert(_NEW_TOKEN, new)
        made: str = self._execute(_TOKEN, params).scalar_one()
        return made

    def invite_holder(self, token: str) -> InviteHolder | None:
        """Return whose invite a token is, across tenants."""
        row = self._execute(_HOLDER, {"token": token}).first()
        return InviteHolder(row.tenant_id, row.meeting, row.person_id) if row is not None else None

    def give_feedback(self, tenant_id: int, key: str, feedback: ErfaFeedback) -> None:
        """Store the feedback; a field given as None keeps what was held (COALESCE in the upsert)."""
        values = {
            "tenant_id": tenant_id,
            "meeting": key,
            "person_id": feedback.person_id,
            "rating": feedback.rating,
            "takeaway": feedback.takeaway,
            "at": feedback.at,
        }
        self._execute_upsert(_GIVE_FEEDBACK, values)

    def feedback(self, tenant_id: int, key: str) -> list[ErfaFeedback]:
        """Return the feedback on the meeting, by time."""
        rows = self._execute(_FEEDBACK, {"tenant_id": tenant_id, "meeting": key})
        given = [ErfaFeedback(row.person_id, row.rating, row.takeaway, row.at) for row in rows]
        return sorted(given, key=lambda f: (f.at, f.person_id))

    def _forget_records(self, *_: Any) -> None:
        # The locks went with the transaction: what another writer does next must be read again.
        self._records.clear()
        self._locked_tenants.clear()

    def _execute_upsert(self, statements: dict[str, Executable], params: dict[str, Any]) -> Result[Any]:
        connection = self._session.connection()
        return connection.execute(statements[connection.dialect.name], params)

    def _execute(self, statement: Executable, params: dict[str, Any]) -> Result[Any]:
        return self._session.connection().execute(statement, params)


def _record(row: Any) -> ErfaRecord:
    return ErfaRecord(
        tenant_id=row.tenant_id,
        key=row.meeting,
        start=row.start,
        place=row.place,
        title=row.title,
        sequence=row.sequence,
        cancelled=row.cancelled,
        announced=row.announced,
        duration=None if row.duration_minutes is None else timedelta(minutes=row.duration_minutes),
        seats=row.seats,
        reminded_until=row.reminded_until,
    )


def _utc(moment: datetime) -> datetime:
    """Return the moment as aware UTC, as the database gives it back (a naive one is read as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _now() -> datetime:
    return datetime.now(UTC)
