"""What every chat platform's adapter shares on its way to the core (Slack and Teams alike).

Adapters reduce a platform's request to a tenant, an identity and a command; this runs the command
off the event loop, renders for the right reader, drops replayed events and records reactions.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from bot.adapters.identity_cache import IdentityCache
from bot.adapters.render import reader_for
from bot.i18n import Reader
from handlers import commands
from handlers.challenges.voting import Reaction, Recorded
from handlers.service import (
    Identity,
    LookupDeferredError,
    Outcome,
    ReactionEvent,
    find_person,
    handle,
    reacted_together,
)
from handlers.shared.context import Deps
from handlers.shared.model import Person, Tenant
from storage.db import DatabaseWork, in_worker_thread

TENANT_CACHE_SECONDS = 60.0
BACKGROUND_GRACE_SECONDS = 20.0
REACTION_BATCH = 100
LOOKUP_TIMEOUT_SECONDS = 10.0
AsyncLookup = Callable[[Identity], Coroutine[Any, Any, str | None]]
log = logging.getLogger(__name__)

# What the platform keeps itself, outside the use cases (Slack: its OAuth stores, Teams: references).
StoreT = TypeVar("StoreT")


@dataclass(slots=True)
class PlatformBridge(Generic[StoreT]):
    """The core as one platform's adapter sees it; subclasses say how their tenants are found."""

    deps: Deps
    store: StoreT
    kick: Callable[[], None]
    default_language: str = "da"
    default_zone: str = "Europe/Copenhagen"
    emails: IdentityCache = field(default_factory=IdentityCache)
    # How the database work of each request runs: in place on SQLite, in a worker thread on PostgreSQL.
    database: DatabaseWork = in_worker_thread
    _tenants: dict[str, tuple[Tenant | None, float]] = field(default_factory=dict)
    _background: set[asyncio.Task[None]] = field(default_factory=set)
    _reactions: dict[str, list[tuple[ReactionEvent, asyncio.Future[Recorded | None]]]] = field(
        default_factory=dict
    )
    _recorder: asyncio.Task[None] | None = None

    platform = "?"

    def after_answer(self, work: Coroutine[Any, Any, None]) -> None:
        """Run work after the platform has its answer (it must not wait for Slack API calls and such).

        The task is kept until it ends, so that it is neither collected half-way nor forgotten at
        shutdown (see ``finish_background``); what it raises is logged.
        """
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s work after the answer failed", self.platform, exc_info=task.exception())

    def background_work(self) -> int:
        """Return how many pieces of work started after answers are still running."""
        return len(self._background)

    async def finish_background(self, timeout: float = BACKGROUND_GRACE_SECONDS) -> None:
        """Wait (up to ``timeout``) for the work started after answers, so a shutdown loses none of it."""
        if self._background:
            await asyncio.wait(set(self._background), timeout=timeout)

    def _find_tenant(self, platform_tenant_id: str) -> Tenant | None:
        raise NotImplementedError

    async def tenant(self, platform_tenant_id: str | None) -> Tenant | None:
        """Return the tenant of a workspace or organisation (cached for a minute: they rarely move)."""
        if not platform_tenant_id:
            return None
        cached = self._tenants.get(platform_tenant_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        tenant = await self.database(self._find_tenant, platform_tenant_id)
        self._tenants[platform_tenant_id] = (tenant, time.monotonic() + TENANT_CACHE_SECONDS)
        return tenant

    def default_reader(self) -> Reader:
        """Return the reader for someone in no known tenant (the installation's defaults)."""
        return Reader(self.default_language, ZoneInfo(self.default_zone))

    def reader(self, outcome: Outcome) -> Reader:
        """Return the reader of an outcome's replies."""
        if outcome.tenant is None:
            return self.default_reader()
        return reader_for(outcome.tenant, outcome.reader)

    async def person(self, tenant: Tenant, identity: Identity) -> Person | None:
        """Return the person the tenant knows by this identity, if any."""
        return await self.database(find_person, self.deps, tenant.slug, identity)

    async def speaker(self, tenant: Tenant, identity: Identity, lookup: AsyncLookup) -> Person | None:
        """Return the person the tenant knows by the platform id, or else by the e-mail looked up once."""
        person = await self.person(tenant, identity)
        if person is not None or identity.email is not None:
            return person
        email = await lookup(identity)
        return await self.person(tenant, replace(identity, email=email)) if email else None

    async def reader_of(self, tenant: Tenant, identity: Identity) -> Reader:
        """Return the reader profile of a person (the tenant's defaults for someone unknown)."""
        return reader_for(tenant, await self.person(tenant, identity))

    async def is_known(self, tenant: Tenant, identity: Identity) -> bool:
        """Tell whether the tenant knows the person by this identity."""
        return await self.person(tenant, identity) is not None

    async def run(
        self,
        tenant: Tenant,
        identity: Identity,
        command: commands.Command,
        *,
        lookup: AsyncLookup | None = None,
        reply_to: str | None = None,
        invites_to: str | None = None,
        shows_forms: bool = True,
        kick: bool = True,
        event_id: str | None = None,
    ) -> Outcome:
        """Run a command through the use cases and start sending what it queued.

        ``lookup`` asks the platform for the e-mail of someone unknown by their platform id: the use
        case then comes back ``unresolved`` having written nothing, the lookup runs here on the event
        loop, and the command runs again with the answer (a network call never waits inside a
        database transaction, nor blocks the loop). It may raise ``LookupDeferredError`` to leave the
        outcome unresolved. ``reply_to`` and ``invites_to`` are :func:`~handlers.service.handle`'s.
        ``event_id`` is recorded in the command's own transaction: a redelivery runs nothing and
        comes back ``replayed``.
        """
        run = partial(
            handle,
            reply_to=reply_to,
            invites_to=invites_to,
            shows_forms=shows_forms,
            event=(self.platform, event_id) if event_id else None,
        )
        deferred = _deferred if lookup is not None else None
        outcome = await self.database(run, self.deps, tenant.slug, identity, command, lookup_email=deferred)
        if outcome.unresolved and lookup is not None:
            try:
                email = await asyncio.wait_for(lookup(identity), LOOKUP_TIMEOUT_SECONDS)
            except LookupDeferredError:
                return outcome
            outcome = await self.database(
                run, self.deps, tenant.slug, identity, command, lookup_email=lambda _: email
            )
        if kick and not outcome.replayed:
            self.kick()
        return outcome

    async def first_time(self, tenant: Tenant, event_id: str | None) -> bool:
        """Tell whether a tenant's event is new; the platform's retries and duplicate deliveries get False."""
        if not event_id:
            return True
        return await self.database(self._first_time, tenant.id, event_id)

    def _first_time(self, tenant_id: int, event_id: str) -> bool:
        with self.deps.uow() as uow:
            new = uow.processed_events.first_time(tenant_id, self.platform, event_id, self.deps.clock.now())
            uow.commit()
        return new

    async def record_reactions(
        self,
        tenant: Tenant,
        event_id: str | None,
        identity: Identity,
        reaction: Reaction,
        *,
        lookup: AsyncLookup | None = None,
    ) -> bool:
        """Record reactions on a message the bot posted in the tenant (votes, on a challenge's post).

        The event id goes into the same transaction: a redelivery records nothing (False), and a
        failure leaves no trace, so the platform's retry still counts the reaction (a vote is never lost).
        Reactions arriving while others are being written wait, and go in together, in one
        transaction (``reacted_together``): a vote is a few small writes, and a transaction and a
        thread each would cost more than the writes. The sender is started only when a note was
        queued (a vote beyond the dot budget), not for every vote. With ``lookup``, a voter the tenant
        does not know by the platform id is looked up by e-mail, once.
        """
        event = (self.platform, event_id) if event_id else None
        loop = asyncio.get_running_loop()
        waiting: asyncio.Future[Recorded | None] = loop.create_future()
        self._reactions.setdefault(tenant.slug, []).append(
            (ReactionEvent(identity, reaction, event), waiting)
        )
        if self._recorder is None or self._recorder.done():
            self._recorder = loop.create_task(self._record_waiting())
        recorded = await waiting
        if recorded is not None and recorded.unknown_voter and lookup is not None and identity.email is None:
            # Someone the client's file knows by e-mail alone: asked once (the answer is kept), and the
            # same event recorded again as theirs; it changes nothing but who the vote is.
            email = await lookup(identity)
            if email:
                return await self.record_reactions(tenant, None, replace(identity, email=email), reaction)
        if recorded is not None and recorded.notes:
            self.kick()
        return recorded is not None

    async def _record_waiting(self) -> None:
        """Record the waiting reactions, a tenant's at a time, up to REACTION_BATCH in one transaction."""
        while self._reactions:
            slug = next(iter(self._reactions))
            batch = self._reactions.pop(slug)
            if len(batch) > REACTION_BATCH:
                batch, self._reactions[slug] = batch[:REACTION_BATCH], batch[REACTION_BATCH:]
            try:
                results = await self.database(reacted_together, self.deps, slug, [e for e, _ in batch])
            except Exception:
                # Something in the batch failed (on PostgreSQL perhaps a deadlock with another
                # process's batch) and nothing of it was kept: each again on its own, so that only
                # what fails by itself is lost (and its listener logs why).
                for item, waiting in batch:
                    try:
                        alone = await self.database(reacted_together, self.deps, slug, [item])
                    except Exception as error:
                        _settle(waiting, error=error)
                    else:
                        _settle(waiting, alone[0])
                continue
            for (_, waiting), result in zip(batch, results, strict=True):
                _settle(waiting, result)


def _deferred(_: Identity) -> str | None:
    """Leave the e-mail lookup to the bridge: the use case comes back unresolved, having written nothing."""
    raise LookupDeferredError


def _settle(
    waiting: asyncio.Future[Recorded | None],
    result: Recorded | None = None,
    *,
    error: Exception | None = None,
) -> None:
    """Hand a waiting reaction its result (a listener cancelled at shutdown waits for nothing)."""
    if waiting.done():
        return
    if error is not None:
        waiting.set_exception(error)
    else:
        waiting.set_result(result)
