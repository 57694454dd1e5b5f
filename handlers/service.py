"""The single entry to the use cases: every platform hands a command here and renders the outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from handlers.shared.context import ActorContext, Deps, TenantContext
from handlers.shared.model import Person, Tenant
from handlers.shared.ports import Delivery, UnitOfWork
from handlers.shared.text import Message, Text, Verbatim
from handlers.sparring import asking, forms, offering, overview, sessions
from handlers.sparring import commands as c
from handlers.sparring.forms import Form

ESCALATION_BATCH = 100
UNDELIVERABLE = "undeliverable:"


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
    ``unresolved`` says that nobody is known by the platform id and the e-mail was not looked up yet.
    """

    tenant: Tenant | None
    reader: Person | None
    replies: list[Message] = field(default_factory=list)
    form: Form | None = None
    unresolved: bool = False

    @property
    def language(self) -> str:
        """Return the language to answer in."""
        if self.reader is not None and self.reader.language:
            return self.reader.language
        return self.tenant.language if self.tenant else "en"


def _usage(ctx: ActorContext, command: c.Malformed) -> None:
    ctx.reply(Text.of(f"usage.{command.command}"))


def _unknown_action(ctx: ActorContext, command: c.UnknownAction) -> None:
    ctx.reply(Text.of("error.unknown_action", action=Verbatim(command.action_id)))


def _route(ctx: ActorContext, command: c.Command, *, shows_forms: bool) -> Form | None:
    """Run the use case for the command; return the form it asks for, if the platform can show one."""
    match command:
        case c.StartIntake() if shows_forms:
            return forms.intake_form(ctx)
        case c.AskForComment(number) if shows_forms:
            return forms.comment_form(ctx, number)
        case c.Help():
            overview.show_help(ctx)
        case c.ShowStatus():
            overview.show_status(ctx)
        case c.ShowQueue():
            overview.show_queue(ctx)
        case c.ShowKpis():
            overview.show_kpis(ctx)
        case c.Explain(number):
            overview.explain(ctx, number)
        case c.ShowRequest(number):
            overview.show_request(ctx, number)
        case c.SetLanguage(language):
            overview.set_language(ctx, language)
        case c.StartIntake():
            asking.start_intake(ctx)
        case c.IntakeArea(area):
            asking.intake_area(ctx, area)
        case c.IntakeUrgency(urgency):
            asking.intake_urgency(ctx, urgency)
        case c.RequestSparring(text):
            asking.request_sparring(ctx, text)
        case c.SubmitIntake(area, text, urgency, preferred):
            asking.submit_intake(ctx, area, text, urgency, preferred)
        case c.SendPendingRequest():
            asking.send_pending_request(ctx)
        case c.PreferSenior(number, senior_id):
            offering.prefer(ctx, number, senior_id)
        case c.AskForComment(number):
            sessions.ask_for_comment(ctx, number)
        case c.ShowEscalations() | c.ShowWaiting():
            # The escalations are one part of everything waiting for the coordinator.
            overview.show_waiting(ctx)
        case c.FreeText(text):
            asking.free_text(ctx, text)
        case c.ChooseArea(number, area):
            asking.choose_area(ctx, number, area)
        case c.Cancel(number):
            asking.cancel(ctx, number)
        case c.Accept(number):
            offering.accept(ctx, number)
        case c.Decline(number):
            offering.decline(ctx, number)
        case c.Approve(number):
            offering.approve(ctx, number)
        case c.Reject(number):
            offering.reject(ctx, number)
        case c.Assign(number, senior):
            offering.assign(ctx, number, senior)
        case c.MarkHeld(number, hours, confirmed):
            sessions.mark_held(ctx, number, hours, confirmed=confirmed)
        case c.CorrectHours(number, hours, confirmed):
            sessions.correct_hours(ctx, number, hours, confirmed=confirmed)
        case c.GiveFeedback(number, rating, comment):
            sessions.give_feedback(ctx, number, rating, comment)
        case c.Malformed():
            _usage(ctx, command)
        case c.UnknownAction():
            _unknown_action(ctx, command)

    return None


def handle(
    deps: Deps,
    tenant_slug: str,
    identity: Identity,
    command: c.Command,
    *,
    lookup_email: EmailLookup | None = None,
    reply_to: str | None = None,
    shows_forms: bool = False,
) -> Outcome:
    """Run one command for the person with this identity in the tenant, in one transaction.

    ``lookup_email`` is asked, once, for the e-mail of someone the tenant does not know by their
    platform id. With ``reply_to`` the replies go through the outbox to that platform address, in the
    same transaction (the platform answers there, not in the request). ``shows_forms`` says that
    the platform shows forms (a modal or card) instead of the guided dialogue.
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
        if person is None:
            outcome = _unknown_person(TenantContext(uow, tenant, now, deps), identity)
        else:
            ctx = ActorContext(uow, tenant, now, deps, actor=person)
            form = _route(ctx, command, shows_forms=shows_forms)
            outcome = Outcome(tenant, ctx.actor, ctx.replies, form)
        if reply_to is not None:
            person_id = outcome.reader.id if outcome.reader else None
            for reply in outcome.replies:
                # Addressed to the platform account that wrote, known or not: the messenger opens its DM.
                uow.outbox.add(tenant.id, replace(reply, to_person=person_id, to_channel=reply_to), now)
        uow.commit()
        return outcome


def find_person(deps: Deps, tenant_slug: str, identity: Identity) -> Person | None:
    """Return the person with this identity in the tenant, if the bot knows them."""
    with deps.uow() as uow:
        tenant = uow.tenants.get_by_slug(tenant_slug)
        return _find_person(uow, tenant, identity) if tenant else None


def report_undeliverable(deps: Deps, delivery: Delivery, reason: Text) -> None:
    """Tell the coordinators that a message could not be delivered (never about such a note itself)."""
    if (delivery.message.dedupe_key or "").startswith(UNDELIVERABLE):
        return
    recipient = delivery.recipient.name if delivery.recipient else (delivery.message.to_channel or "?")
    with deps.uow() as uow:
        ctx = TenantContext(uow, delivery.tenant, deps.clock.now(), deps)
        ctx.notify_coordinators(
            Text.of("coordinator.undeliverable", recipient=recipient, reason=reason),
            ref=delivery.message.ref,
            dedupe=f"{UNDELIVERABLE}{delivery.id}",
        )
        offered = _offered_request(delivery)
        if offered is not None and delivery.recipient is not None:
            # An offer that cannot reach its senior must not wait for the escalation: move it on now.
            offering.pass_over_unreachable(ctx, offered, delivery.recipient.id)
        uow.commit()


def _offered_request(delivery: Delivery) -> int | None:
    """Return the number of the request a message offers to its recipient (it carries the accept button)."""
    ref = delivery.message.ref
    if ref is None or not any(a.id == f"accept:{ref}" for a in delivery.message.actions):
        return None
    return c.parse_ref(ref)


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


def escalate_due(deps: Deps) -> int:
    """Escalate every offered request whose answer time has run out; return how many moved on."""
    now = deps.clock.now()
    with deps.uow() as uow:
        due = uow.requests.due_for_escalation(now, ESCALATION_BATCH)
    moved = 0
    # One transaction per request: one failing request must not hold back the others.
    for tenant_id, number in due:
        with deps.uow() as uow:
            tenant = uow.tenants.get(tenant_id)
            if tenant is not None and offering.escalate(TenantContext(uow, tenant, now, deps), number):
                moved += 1
            uow.commit()
    return moved
