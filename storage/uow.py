"""The unit of work: one session, one transaction, the repositories on it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlmodel import Session

from storage.challenge_store import SqlChallenges, SqlVotes
from storage.directory import DirectoryCache, DirectorySeen
from storage.erfa_store import SqlErfa
from storage.handover import Handover
from storage.network_store import SqlNetworks
from storage.platform_events import SqlProcessedEvents
from storage.repositories import SqlDialogues, SqlOutbox, SqlPeople, SqlRequests, SqlTenants


class SqlUnitOfWork:
    """A transaction: committed by ``commit()``, rolled back when the block ends without it."""

    session: Session
    tenants: SqlTenants
    people: SqlPeople
    requests: SqlRequests
    outbox: SqlOutbox
    dialogues: SqlDialogues
    processed_events: SqlProcessedEvents
    challenges: SqlChallenges
    votes: SqlVotes
    erfa: SqlErfa
    networks: SqlNetworks

    def __init__(self, engine: Engine, directory: DirectoryCache, handover: Handover) -> None:
        self._engine = engine
        self._directory = directory
        self._handover = handover

    def __enter__(self) -> Self:
        self.session = Session(self._engine, expire_on_commit=False)
        seen: DirectorySeen = {}
        self.tenants = SqlTenants(self.session, self._directory, seen)
        self.people = SqlPeople(self.session, self._directory, seen)
        self.requests = SqlRequests(self.session)
        self.outbox = SqlOutbox(self.session, self._directory, seen, self._handover)
        self.dialogues = SqlDialogues(self.session)
        self.processed_events = SqlProcessedEvents(self.session)
        self.challenges = SqlChallenges(self.session)
        self.votes = SqlVotes(self.session)
        self.erfa = SqlErfa(self.session)
        self.networks = SqlNetworks(self.session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.rollback()
        self.session.close()

    def commit(self) -> None:
        """Make everything done so far permanent (and hand what it queued claimed to the dispatcher)."""
        self.session.commit()
        self.outbox.hand_over()

    def rollback(self) -> None:
        """Drop everything done so far and end the transaction; the next use starts a new one."""
        self.session.rollback()
        self.outbox.forget()


class SqlUnitOfWorkFactory:
    """Makes units of work on one engine (the composition root builds one)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.directory = DirectoryCache()
        self.handover = Handover()

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.directory, self.handover)
