"""The quarterly challenges and their votes, on the unit of work's session (prebuilt Core statements).

Every reaction event runs :meth:`SqlChallenges.posted_as` and :meth:`SqlVotes.record`: each is one
statement, built once. A vote is kept as a set of ballot marks, one row per (challenge, voter, ballot)
with its latest state; the upsert decides in the database which event is the later one, so concurrent
and out-of-order deliveries settle the same way without reading first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Executable, Result, bindparam, insert, literal, select, update
from sqlmodel import Session

from handlers.challenges.tally import Mark
from handlers.shared.model import ChallengeState, Decision, SubmittedChallenge
from storage.db import dialect_insert
from storage.mapping import challenge_from_row, challenge_values
from storage.tables import CHALLENGE, CHALLENGE_VOTE, OUTBOX, TENANT

_DIALECTS = ("postgresql", "sqlite")
_IN_TENANT = CHALLENGE.c.tenant_id == bindparam("tenant_id")

_NEXT_NUMBER = (
    update(TENANT)
    .where(TENANT.c.id == bindparam("tenant_id"))
    .values(next_challenge_number=TENANT.c.next_challenge_number + 1)
    .returning(TENANT.c.next_challenge_number)
)
_INSERT = insert(CHALLENGE).returning(CHALLENGE.c.id)
# The identity and what follows from it (the post key) never change; everything else is written back
# from one prebuilt statement, as for the requests.
_FIXED = ("id", "tenant_id", "number", "post_key")
_UPDATE = (
    update(CHALLENGE)
    .where(CHALLENGE.c.id == bindparam("b_id"))
    .values({c.name: bindparam(f"b_{c.name}") for c in CHALLENGE.c if c.name not in _FIXED})
)
_FOR_UPDATE = select(CHALLENGE).where(_IN_TENANT, CHALLENGE.c.number == bindparam("number")).with_for_update()
_BY_NUMBER = CHALLENGE.c.number
_OF_MEETING = (
    select(CHALLENGE).where(_IN_TENANT, CHALLENGE.c.meeting == bindparam("meeting")).order_by(_BY_NUMBER)
)
_IN_STATE = (
    select(CHALLENGE)
    .where(_IN_TENANT, CHALLENGE.c.state.in_(bindparam("states", expanding=True)))
    .order_by(_BY_NUMBER)
)
_ADOPTED_WITHOUT_VERSION = (
    select(CHALLENGE)
    .where(_IN_TENANT, CHALLENGE.c.decision == Decision.ADOPTED.value, CHALLENGE.c.method_version.is_(None))
    .order_by(_BY_NUMBER)
)

# A challenge's own message is the outbox row carrying its post key. The reacted-to message is found by
# the platform's id within the reaction's tenant (ix_outbox_platform_message), then its challenge by the
# key: one join, so a reaction on any other message costs one index probe and finds nothing.
_POST_OF = OUTBOX.c.dedupe_key == CHALLENGE.c.post_key
_POSTED_AS = (
    select(CHALLENGE)
    .select_from(OUTBOX.join(CHALLENGE, _POST_OF))
    .where(
        OUTBOX.c.tenant_id == bindparam("tenant_id"),
        OUTBOX.c.platform_message_id == bindparam("platform_message_id"),
        _IN_TENANT,
    )
    .limit(1)
)
# Sent posts only: the dispatcher writes the platform's id when the message went out.
_POSTS = (
    select(CHALLENGE.c.number, OUTBOX.c.platform_message_id)
    .select_from(CHALLENGE.join(OUTBOX, _POST_OF))
    .where(_IN_TENANT, CHALLENGE.c.meeting == bindparam("meeting"), OUTBOX.c.platform_message_id.is_not(None))
    .order_by(_BY_NUMBER)
)


def _record_vote(dialect: str) -> Executable:
    """Build the upsert of one ballot mark: it wins over the held state only if it is the later event.

    INSERT … SELECT from the challenge row, so a challenge id outside the tenant records nothing. On a
    conflict the row is updated only when the mark is newer, or at the same event time adds a vote the
    row holds as withdrawn (``handlers.challenges.tally.settle``); RETURNING yields a row only when
    something was inserted or updated. The database evaluates that condition against the row as it is
    once any concurrent writer of the same key has committed (PostgreSQL's ON CONFLICT waits for it;
    SQLite has one writer), so the result never depends on a read made before the write.
    """
    vote = CHALLENGE_VOTE.c

    # Typed parameters: PostgreSQL does not infer a type for a bare parameter in a SELECT list.
    def param(name: str) -> Any:
        return bindparam(name, type_=vote[name].type)

    marked = select(
        CHALLENGE.c.id,
        param("voter_key"),
        param("ballot"),
        CHALLENGE.c.tenant_id,
        param("present"),
        param("at"),
        param("person_id"),
        param("is_bot"),
    ).where(CHALLENGE.c.id == bindparam("challenge_id"), _IN_TENANT)
    columns = ["challenge_id", "voter_key", "ballot", "tenant_id", "present", "at", "person_id", "is_bot"]
    statement = dialect_insert(dialect, CHALLENGE_VOTE).from_select(columns, marked)
    new = statement.excluded
    later = (new.at > vote.at) | ((new.at == vote.at) & new.present & ~vote.present)
    # The same event again, now with the person it is (an e-mail looked up after the first recording).
    identified = (
        (new.at == vote.at)
        & (new.present == vote.present)
        & vote.person_id.is_(None)
        & new.person_id.is_not(None)
    )
    return statement.on_conflict_do_update(
        index_elements=[vote.challenge_id, vote.voter_key, vote.ballot],
        set_={"present": new.present, "at": new.at, "person_id": new.person_id, "is_bot": new.is_bot},
        where=later | identified,
    ).returning(literal(1))


_RECORD_VOTE = {dialect: _record_vote(dialect) for dialect in _DIALECTS}
_MARKS_OF_MEETING = (
    select(
        CHALLENGE.c.number,
        CHALLENGE_VOTE.c.voter_key,
        CHALLENGE_VOTE.c.ballot,
        CHALLENGE_VOTE.c.at,
        CHALLENGE_VOTE.c.present,
        CHALLENGE_VOTE.c.person_id,
        CHALLENGE_VOTE.c.is_bot,
    )
    .select_from(CHALLENGE_VOTE.join(CHALLENGE, CHALLENGE.c.id == CHALLENGE_VOTE.c.challenge_id))
    .where(_IN_TENANT, CHALLENGE.c.meeting == bindparam("meeting"))
    .order_by(CHALLENGE.c.number, CHALLENGE_VOTE.c.voter_key, CHALLENGE_VOTE.c.ballot)
)


class SqlChallenges:
    def __init__(self, session: Session) -> None:
        self._session = session
        # The column values of every challenge read or added in this unit of work: only those may be
        # written back, and only when something changed (as for the requests).
        self._read: dict[int, dict[str, Any]] = {}

    def next_number(self, tenant_id: int) -> int:
        """Reserve the tenant's next challenge number with one atomic UPDATE … RETURNING."""
        return int(self._execute(_NEXT_NUMBER, {"tenant_id": tenant_id}).scalar_one()) - 1

    def add(self, challenge: SubmittedChallenge) -> SubmittedChallenge:
        """Store a new challenge and return it with its id."""
        values = challenge_values(challenge)
        challenge.id = int(self._execute(_INSERT, values).scalar_one())
        self._read[challenge.id] = values
        return challenge

    def get(self, tenant_id: int, number: int) -> SubmittedChallenge | None:
        """Return the challenge, locked (FOR UPDATE on PostgreSQL; SQLite holds the write lock already)."""
        row = self._execute(_FOR_UPDATE, {"tenant_id": tenant_id, "number": number}).first()
        return self._remember(row) if row is not None else None

    def update(self, challenge: SubmittedChallenge) -> None:
        """Write the challenge back if it changed (it was read or added in this unit of work)."""
        before = self._read.get(challenge.id or 0)
        if before is None:
            raise LookupError(f"challenge {challenge.number} was never read or added in this unit of work")
        after = challenge_values(challenge)
        if after != before:
            params = {"b_id": challenge.id, **{f"b_{k}": v for k, v in after.items() if k not in _FIXED}}
            self._execute(_UPDATE, params)
            self._read[challenge.id or 0] = after

    def of_meeting(self, tenant_id: int, meeting: str) -> list[SubmittedChallenge]:
        """Return every challenge on a quarterly meeting's agenda, whatever its state, by number."""
        return self._list(_OF_MEETING, {"tenant_id": tenant_id, "meeting": meeting})

    def in_state(self, tenant_id: int, states: Sequence[ChallengeState]) -> list[SubmittedChallenge]:
        """Return the tenant's challenges in the states, by number."""
        if not states:
            return []
        return self._list(_IN_STATE, {"tenant_id": tenant_id, "states": [s.value for s in states]})

    def adopted_without_version(self, tenant_id: int) -> list[SubmittedChallenge]:
        """Return the adopted challenges not yet put into a method or template version, by number."""
        return self._list(_ADOPTED_WITHOUT_VERSION, {"tenant_id": tenant_id})

    def posted_as(self, tenant_id: int, platform_message_id: str) -> SubmittedChallenge | None:
        """Return the challenge whose own channel message has this platform id (not locked)."""
        params = {"tenant_id": tenant_id, "platform_message_id": platform_message_id}
        row = self._execute(_POSTED_AS, params).first()
        return self._remember(row) if row is not None else None

    def posts(self, tenant_id: int, meeting: str) -> list[tuple[int, str]]:
        """Return (number, platform message id) of the meeting's challenges whose channel post was sent."""
        rows = self._execute(_POSTS, {"tenant_id": tenant_id, "meeting": meeting})
        return [(row.number, row.platform_message_id) for row in rows]

    def _list(self, statement: Executable, params: dict[str, Any]) -> list[SubmittedChallenge]:
        return [self._remember(row) for row in self._execute(statement, params)]

    def _remember(self, row: Any) -> SubmittedChallenge:
        challenge = challenge_from_row(row)
        self._read[row.id] = challenge_values(challenge)
        return challenge

    def _execute(self, statement: Executable, params: dict[str, Any]) -> Result[Any]:
        return self._session.connection().execute(statement, params)


class SqlVotes:
    def __init__(self, session: Session) -> None:
        self._session = session

    def record(self, tenant_id: int, challenge_id: int, mark: Mark) -> bool:
        """Keep the mark if it is the later event of its (challenge, voter, ballot); True if it changed it.

        One upsert (see :func:`_record_vote`): a replay, an older event, or a challenge id outside
        the tenant change nothing and give False.
        """
        connection = self._session.connection()
        params = {
            "tenant_id": tenant_id,
            "challenge_id": challenge_id,
            "voter_key": mark.voter,
            "ballot": mark.ballot,
            "present": mark.present,
            "at": mark.at,
            "person_id": int(mark.person) if mark.person is not None else None,
            "is_bot": mark.is_bot,
        }
        return connection.execute(_RECORD_VOTE[connection.dialect.name], params).first() is not None

    def of_meeting(self, tenant_id: int, meeting: str) -> list[Mark]:
        """Return the held marks of the meeting's challenges; ``Mark.challenge`` is the number as text."""
        rows = self._session.connection().execute(
            _MARKS_OF_MEETING, {"tenant_id": tenant_id, "meeting": meeting}
        )
        return [
            Mark(
                challenge=str(row.number),
                voter=row.voter_key,
                ballot=row.ballot,
                at=row.at,
                present=row.present,
                person=str(row.person_id) if row.person_id is not None else None,
                is_bot=row.is_bot,
            )
            for row in rows
        ]
