"""The single entry to the use cases: every platform hands a command here and renders the outcome."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from handlers import commands as c
from handlers import router
from handlers.challenges.voting import Reaction, Recorded, events_dropped, record_reaction
from handlers.shared.context import ActorContext, Deps, TenantContext
from handlers.shared.model import Person, Tenant
from handlers.shared.ports import UnitOfWork
from handlers.shared.text import Message, Text, Verbatim
from handlers.sparring.forms import Form


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is speaking, as the platform knows them."""

    email: str | None = None
    slack_id: str | None = None
    teams_id: str | None = None

    def label(self) -> str:
        """Return a readable identification for messages to the coordinator."""
        return self.email or self.slack_id or self.teams_id or "?"


EmailLookup = Callable[[Identity], str | None]


class LookupDeferredError(Exception):
    """Raised by an e-mail lookup that cannot wait now (a Slack ack): ``handle`` then changes nothing."""


@dataclass(slots=True)
class Outcome:
    """What to show the person who acted; everyone else hears through the outbox.

    ``form`` is a form to show them (a modal, a card or the console's guided dialogue);
    ``unresolved`` says that nobody is known by the platform id and the e-mail was not looked up yet;
    ``replayed`` that the platform delivered the event before, so nothing ran and nothing is to be said.
    """

    tenant: Tenant | None
    reader: Person | None
    replies: list[Message] = field(default_factory=list)
    form: Form | None = None
    unresolved: bool = False
    replayed: bool = False

    @property
    def language(self) -> str:
        """Return the language to answer in."""
        if self.reader is not None and self.reader.language:
            return self.reader.language
        return self.tenant.language if self.tenant else "en"


def handle(
    deps: Deps,
    tenant_slug: str,
    identity: Identity,
    command: c.Command,
    *,
    lookup_email: EmailLookup | None = None,
    reply_to: str | None = None,
    invites_to: str | None = None,
    shows_forms: bool = False,
    event: tuple[str, str] | None = None,
) -> Outcome:
    """Run one command for the person with this identity in the tenant, in one transaction.

    ``lookup_email`` is asked, once, for the e-mail of someone the tenant does not know by their
    platform id. With ``reply_to`` the replies go through the outbox to that platform address, in the
    same transaction (the platform answers there, not in the request); with ``invites_to`` only the
    replies with a calendar invite do, and the outcome keeps the others (for a platform whose answer
    in the request carries no file). ``shows_forms`` says that the platform shows forms (a modal or
    card) instead of the guided dialogue. ``event`` is the
    platform's (name, event id) of what carried the command: it is recorded in the same transaction,
    and a redelivery of it runs nothing (``replayed``); a failure rolls it back, so a retry runs.
    """
    with deps.uow() as uow:
        tenant = uow.tenants.get_by_slug(tenant_slug)
        if tenant is None:
            return Outcome(
                None, None, [Message((Text.of("error.unknown_tenant", tenant=Verbatim(tenant_slug)),))]
            )
        person = _find_person(uow, tenant, identity)
        if person is None and lookup_email is not None and identity.email is None:
            # The lookup is a network call (Slack's users.info, Teams' roster): this transaction has
            # written nothing, so it ends before the call and a fresh one runs the command, rather
            # than holding a database transaction open while a platform's API answers.
            uow.rollback()
            try:
                identity = replace(identity, email=lookup_email(identity))
            except LookupDeferredError:
                return Outcome(tenant, None, [], unresolved=True)
            person = _find_person(uow, tenant, identity)
        now = deps.clock.now()
        # After the lookup above: its rollback would forget the event again.
        if event is not None and not uow.processed_events.first_time(tenant.id, *event, now):
            return Outcome(tenant, person, [], replayed=True)
        if person is None:
            outcome = _unknown_person(TenantContext(uow, tenant, now, deps), identity)
        else:
            ctx = ActorContext(uow, tenant, now, deps, actor=person)
            form = router.dispatch(ctx, command, shows_forms=shows_forms)
            outcome = Outcome(tenant, ctx.actor, ctx.replies, form)
        if reply_to is not None or invites_to is not None:
            person_id = outcome.reader.id if outcome.reader else None
            kept: list[Message] = []
            for reply in outcome.replies:
                to = reply_to or (invites_to if reply.invite is not None else None)
                if to is None:
                    kept.append(reply)
                    continue
                # Addressed to the platform account that wrote, known or not: the messenger opens its DM.
                uow.outbox.add(tenant.id, replace(reply, to_person=person_id, to_channel=to), now)
            if reply_to is None:
                outcome = replace(outcome, replies=kept)
        uow.commit()
        return outcome


def react(
    deps: Deps,
    tenant_slug: str,
    identity: Identity,
    reaction: Reaction,
    *,
    event: tuple[str, str] | None = None,
) -> bool:
    """Record reactions on a message the bot posted, in one transaction with the platform's event id.

    Return False for a redelivered event (nothing is recorded twice) or an unknown tenant. A failure
    leaves no trace, so the platform's retry still counts the reaction: a vote is never lost.
    """
    return reacted_together(deps, tenant_slug, [ReactionEvent(identity, reaction, event)])[0] is not None


@dataclass(frozen=True, slots=True)
class ReactionEvent:
    """One platform event carrying reactions: who reacted, how, and the platform's (name, event id)."""

    identity: Identity
    reaction: Reaction
    event: tuple[str, str] | None = None


def reacted_together(deps: Deps, tenant_slug: str, events: Sequence[ReactionEvent]) -> list[Recorded | None]:
    """Record reaction events of one tenant in one transaction, each as :func:`react` would alone.

    A platform delivers many reactions at once in a busy hour: one transaction (and one commit) for all
    that are waiting costs far less than one each. Each event's id and marks still go in together,
    and a failure rolls all of them back, so each can be recorded again on its own.
    """
    with deps.uow() as uow:
        tenant = uow.tenants.get_by_slug(tenant_slug)
        if tenant is None:
            return [None for _ in events]
        now = deps.clock.now()
        ctx = TenantContext(uow, tenant, now, deps)
        results: list[Recorded | None] = []
        for item in events:
            if item.event is not None and not uow.processed_events.first_time(tenant.id, *item.event, now):
                results.append(None)
                continue
            results.append(record_reaction(ctx, _find_person(uow, tenant, item.identity), item.reaction))
        uow.commit()
        return results


def platform_dropped_events(deps: Deps, tenant_slug: str, at: datetime) -> None:
    """Note that the platform dropped the tenant's events (Slack's ``app_rate_limited``)."""
    with deps.uow() as uow:
        tenant = uow.tenants.get_by_slug(tenant_slug)
        if tenant is not None:
            events_dropped(TenantContext(uow, tenant, deps.clock.now(), deps), at)
            uow.commit()


def find_person(deps: Deps, tenant_slug: str, identity: Identity) -> Person | None:
    """Return the person with this identity in the tenant, if the bot knows them."""
    with deps.uow() as uow:
        tenant = uow.tenants.get_by_slug(tenant_slug)
        return _find_person(uow, tenant, identity) if tenant else None


def _find_person(uow: UnitOfWork, tenant: Tenant, identity: Identity) -> Person | None:
    return uow.people.find(
        tenant.id, email=identity.email, slack_id=identity.slack_id, teams_id=identity.teams_id
    )


def _unknown_person(ctx: TenantContext, identity: Identity) -> Outcome:
    coordinators = ctx.coordinators()
    names = ", ".join(p.name for p in coordinators) or "?"
    day = ctx.now.astimezone(ctx.zone).date().isoformat()
    ctx.notify_coordinators(
        Text.of("coordinator.unknown_person", who=Verbatim(identity.label())),
        dedupe=f"unknown:{identity.label()}:{day}",
    )
    reply = Message((Text.of("error.unknown_person", tenant=ctx.tenant.name, coordinator=names),))
    return Outcome(ctx.tenant, None, [reply])
