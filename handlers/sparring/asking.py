"""Asking for sparring: free text, the guided intake, choosing an area, and cancelling."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from handlers.shared.calendar_rules import quarter_of
from handlers.shared.context import ActorContext, TenantContext, areas_of
from handlers.shared.model import OverQuota, Person, SparringRequest, Status, Urgency
from handlers.shared.text import Action, ButtonStyle, Text, Verbatim
from handlers.sparring.commands import MAX_REQUEST_CHARS, SEND_PENDING_ACTION
from handlers.sparring.offering import confirmation, find_senior, offer, other_area_choice
from handlers.sparring.overview import show_help
from handlers.sparring.routing import first_name
from handlers.sparring.states import where_it_is

MAX_CHOICES = 3
# Typed text waits this long for its "send as sparring request?" button to be pressed.
PENDING_TEXT_LIFETIME = timedelta(hours=24)
_PENDING = "pending-request"
# The neutral mention, as typed in the console: @Anna or @anna@x.dk. An @ inside a word is part of an
# e-mail address, not a mention. Each platform's own mention syntax is read by its adapter, which hands
# the people it names on as the command's ``mentions``.
_MENTION = re.compile(r"(?<![\w.])@([\w.\-æøåÆØÅ]+@[\w.\-]+|[\wæøåÆØÅ]+)")
_WORD = re.compile(r"[\wæøåÆØÅ]+")
_GREETINGS = frozenset(
    {"hej", "hejsa", "hey", "hi", "hello", "halløj", "davs", "goddag", "godmorgen", "morgen"}
)
_THANKS = frozenset({"tak", "tusind", "thanks", "thank", "thx", "super", "fint", "ok", "okay"})
_YES = frozenset({"ja", "yes", "send", "ja tak", "ja, tak", "gerne", "ok"})
# Besides the classifier's verdict, these say that someone wants help, in Danish or English, when the
# text is long enough to be a need rather than a question to the bot ("hvad kan du?").
MIN_WORDS_OF_A_NEED = 4
_ASKING_PHRASES = ("?", "hjælp", "hjaelp", "help", "sparring", "kan nogen", "brug for", "can someone", "can anyone")  # fmt: skip
# Questions to the bot itself, not a need for sparring: they get the help list.
_ABOUT_THE_BOT = frozenset(
    {
        "hvad kan du", "hvad kan du hjælpe med", "hvad kan jeg skrive", "hvad kan jeg gøre", "hvordan virker du",
        "hvordan bruger jeg dig", "hvad er du", "what can you do", "how do you work", "what do you do",
    }
)  # fmt: skip
_URGENT_WORDS = frozenset({"urgent", "haster", "akut", "hurtigt", "asap", "ja", "yes"})
_NORMAL_WORDS = frozenset({"normal", "nej", "no", "ikke", "not"})


def request_sparring(
    ctx: ActorContext,
    text: str,
    *,
    area: str | None = None,
    urgency: Urgency = Urgency.NORMAL,
    preferred: str | None = None,
    plain: str | None = None,
    mentions: tuple[str, ...] = (),
) -> SparringRequest | None:
    """Turn what someone needs into a request: classify it, then route it or ask which area.

    ``text`` is stored and shown as written; the rules read ``plain`` (the text without the platform's
    markup) and the people named in ``mentions`` (see ``RequestSparring``).
    """
    text = text.strip()
    readable = text if plain is None else plain
    if not text:
        ctx.reply(Text.of("ask.empty"), Text.of("ask.example"))
        return None
    if len(text) > MAX_REQUEST_CHARS:
        ctx.reply(Text.of("ask.too_long", length=len(text), limit=MAX_REQUEST_CHARS))
        return None
    if area is not None and area not in areas_of(ctx.tenant):
        ctx.reply(Text.of("error.unknown_area", area=Verbatim(area)))
        return None
    classification = ctx.deps.classifier_for(ctx.tenant).classify(readable) if area is None else None
    senior_id, unknown = _mentioned_senior(ctx, preferred, mentions, readable)
    if unknown:
        ctx.reply(Text.of("ask.unknown_mention", name=Verbatim(unknown)))
    chosen = area if classification is None else classification.area
    request = _numbered(ctx, text, chosen, urgency=urgency, preferred_senior_id=senior_id)
    if request.area is None:
        ctx.uow.requests.save(request)
        candidates = classification.candidates if classification else ()
        _ask_for_area(ctx, request, candidates)
        return request
    submit(ctx, request)
    return request


TRAINING_AREA = "method"
"""Training is in the method: it goes to the seniors who teach the method."""


def request_training(ctx: ActorContext, topic: str) -> SparringRequest | None:
    """Ask for a training session in the method; the coordinator approves it, then a senior takes it."""
    topic = topic.strip()
    if not topic:
        ctx.reply(Text.of("usage.training"))
        return None
    if len(topic) > MAX_REQUEST_CHARS:
        ctx.reply(Text.of("ask.too_long", length=len(topic), limit=MAX_REQUEST_CHARS))
        return None
    request = _numbered(ctx, topic, TRAINING_AREA, training=True)
    submit(ctx, request)
    return request


def _numbered(
    ctx: ActorContext,
    text: str,
    area: str | None,
    *,
    urgency: Urgency = Urgency.NORMAL,
    preferred_senior_id: int | None = None,
    training: bool = False,
) -> SparringRequest:
    """Return the actor's new request with the tenant's next number (stored once it is decided)."""
    return SparringRequest(
        tenant_id=ctx.tenant.id,
        number=ctx.uow.requests.next_number(ctx.tenant.id),
        requester_id=ctx.actor.id,
        text=text,
        created_at=ctx.now,
        area=area,
        urgency=urgency,
        preferred_senior_id=preferred_senior_id,
        training=training,
    )


def _mentioned_senior(
    ctx: ActorContext, named: str | None, mentions: tuple[str, ...], text: str
) -> tuple[int | None, str | None]:
    """Return the first senior the text names, and the first name that is no senior (to say so)."""
    words = [named] if named else [*mentions, *(m.group(1) for m in _MENTION.finditer(text))]
    unknown: str | None = None
    for word in words:
        senior = find_senior(ctx, word)
        if senior is not None:
            return senior.id, None
        unknown = unknown or word
    return None, unknown


def _ask_for_area(ctx: ActorContext, request: SparringRequest, candidates: tuple[str, ...]) -> None:
    keys = list(candidates[:MAX_CHOICES]) or list(areas_of(ctx.tenant))
    ctx.reply(
        Text.of("ask.which_area", ref=request.ref),
        actions=tuple(
            Action(f"area:{request.ref}:{key}", Text.of("area", name=ctx.area(key))) for key in keys
        ),
        ref=request.ref,
    )


def choose_area(ctx: ActorContext, number: int, area: str) -> None:
    """Set the area of a request the classifier was unsure about, then route it."""
    request = ctx.uow.requests.get(ctx.tenant.id, number)
    if request is None or request.requester_id != ctx.actor.id:
        ctx.reply(Text.of("error.unknown_ref", ref=f"S-{number}"))
        return
    if request.status is not Status.REQUESTED or request.area is not None:
        ctx.reply(Text.of("error.area_already_set", ref=request.ref, area=ctx.area(request.area)))
        return
    if area not in areas_of(ctx.tenant):
        ctx.reply(Text.of("error.unknown_area", area=Verbatim(area)))
        return
    request.area = area
    ctx.uow.requests.save(request)
    submit(ctx, request)


def submit(ctx: ActorContext, request: SparringRequest) -> None:
    """Route a request that has an area, unless the agreed hours are used and the coordinator decides.

    A new request is stored here, once decided (offered, handed to the coordinator, or awaiting
    approval), in one write.
    """
    if _needs_approval(ctx, request):
        request.status = Status.AWAITING_APPROVAL
        ctx.uow.requests.save(request)
        _ask_coordinator(ctx, request)
        waits = "ask.training_awaiting_approval" if request.training else "ask.awaiting_approval"
        ctx.reply(Text.of(waits, ref=request.ref), ref=request.ref)
        return
    routing = offer(ctx, request)
    lines = confirmation(ctx, request, routing)
    choice = other_area_choice(ctx, request)
    if choice is None:
        ctx.reply(*lines, ref=request.ref)
        return
    note, button = choice
    ctx.reply(*lines, note, actions=(button,), ref=request.ref)


def _needs_approval(ctx: TenantContext, request: SparringRequest) -> bool:
    tenant = ctx.tenant
    if request.training:
        # Training is agreed per client: the coordinator says yes to each session, whatever the hours.
        return not request.approved
    if request.approved or tenant.over_quota is OverQuota.ALLOW or tenant.agreed_hours_per_quarter <= 0:
        return False
    quarter = quarter_of(ctx.now, ctx.zone)
    used = ctx.uow.requests.hours_held(tenant.id, quarter.start, quarter.end)
    return used >= tenant.agreed_hours_per_quarter


def _ask_coordinator(ctx: ActorContext, request: SparringRequest) -> None:
    why = (
        Text.of("coordinator.training_approval", ref=request.ref, requester=ctx.actor.name)
        if request.training
        else Text.of(
            "coordinator.approval_needed",
            ref=request.ref,
            requester=ctx.actor.name,
            area=ctx.area(request.area),
            agreed=ctx.tenant.agreed_hours_per_quarter,
        )
    )
    ctx.notify_coordinators(
        why,
        Text.of("quote", text=Verbatim(request.text)),
        actions=(
            Action(f"approve:{request.ref}", Text.of("button.approve"), ButtonStyle.PRIMARY),
            Action(f"reject:{request.ref}", Text.of("button.reject"), ButtonStyle.DANGER),
        ),
        ref=request.ref,
        dedupe=f"approval:{request.id}",
    )


def start_intake(ctx: ActorContext) -> None:
    """Begin the guided intake: area, then a short description, then urgency."""
    ctx.uow.dialogues.save(ctx.actor.id, {"step": "area"}, ctx.now)
    ctx.reply(
        Text.of("intake.area"),
        actions=tuple(
            Action(f"intake-area:{key}", Text.of("area", name=ctx.area(key))) for key in areas_of(ctx.tenant)
        ),
    )


def intake_area(ctx: ActorContext, area: str) -> None:
    """Record the area chosen in the guided intake and ask for a description."""
    if area not in areas_of(ctx.tenant):
        ctx.reply(Text.of("error.unknown_area", area=Verbatim(area)))
        return
    ctx.uow.dialogues.save(ctx.actor.id, {"step": "description", "area": area}, ctx.now)
    ctx.reply(Text.of("intake.description", area=ctx.area(area)))


def submit_intake(ctx: ActorContext, area: str, text: str, urgency: str, preferred: str | None) -> None:
    """Take the whole guided intake at once, as a form sends it."""
    if urgency not in Urgency.__members__.values():
        ctx.reply(Text.of("intake.urgency"))
        return
    ctx.uow.dialogues.clear(ctx.actor.id)
    request_sparring(ctx, text, area=area, urgency=Urgency(urgency), preferred=preferred)


def intake_urgency(ctx: ActorContext, urgency: str) -> None:
    """Finish the guided intake with its urgency and submit the request."""
    state = ctx.uow.dialogues.get(ctx.actor.id)
    if state is None or state.get("step") != "urgency" or urgency not in Urgency.__members__.values():
        ctx.reply(Text.of("intake.expired"))
        return
    ctx.uow.dialogues.clear(ctx.actor.id)
    _request_kept(ctx, state, area=state["area"], urgency=Urgency(urgency))


def free_text(
    ctx: ActorContext, text: str, *, plain: str | None = None, mentions: tuple[str, ...] = ()
) -> None:
    """Take typed text as the next answer in the guided intake, or as plain words to understand.

    ``plain`` and ``mentions`` are the platform adapter's reading of its markup, as for a request.
    """
    state = ctx.uow.dialogues.get(ctx.actor.id)
    step = state.get("step") if state else None
    if state is None or step is None or step == _PENDING:
        _plain_words(ctx, text, plain, mentions, pending=state is not None and step == _PENDING)
        return
    if step == "area":
        _intake_area_from_text(ctx, text if plain is None else plain)
    elif step == "description":
        _intake_description(ctx, state, _kept(text, plain, mentions))
    else:
        _intake_urgency_from_text(ctx, text)


def _kept(text: str, plain: str | None, mentions: tuple[str, ...]) -> dict[str, str]:
    """Return what a dialogue keeps of typed text until it becomes a request."""
    kept = {"text": text.strip()}
    if mentions:
        kept["mentions"] = "\n".join(mentions)
    if plain is not None:
        kept["plain"] = plain.strip()
    return kept


def _request_kept(ctx: ActorContext, state: dict[str, str], **options: Any) -> None:
    """Send the typed text a dialogue kept (see ``_kept``) as a request."""
    mentions = tuple(m for m in state.get("mentions", "").split("\n") if m)
    request_sparring(ctx, state["text"], plain=state.get("plain"), mentions=mentions, **options)


def _plain_words(
    ctx: ActorContext, text: str, plain: str | None, mentions: tuple[str, ...], *, pending: bool
) -> None:
    """Answer text typed without a command: offer to send it as a request when it sounds like one."""
    readable = text if plain is None else plain
    folded = readable.strip().casefold()
    words = _WORD.findall(folded)
    if pending and folded.rstrip("!. ") in _YES:
        send_pending_request(ctx)
        return
    if " ".join(words) in _ABOUT_THE_BOT:
        show_help(ctx)
        return
    asking = len(words) >= MIN_WORDS_OF_A_NEED and any(phrase in folded for phrase in _ASKING_PHRASES)
    if not asking and words and words[0] in _GREETINGS:
        ctx.reply(Text.of("chat.hello", name=first_name(ctx.actor)))
        return
    if not asking and words and set(words) <= _THANKS:
        ctx.reply(Text.of("chat.thanks"), Text.of("help.short"))
        return
    classification = ctx.deps.classifier_for(ctx.tenant).classify(readable)
    if not asking and classification.area is None and not classification.candidates:
        ctx.reply(Text.of("error.not_a_command", text=Verbatim(text[:60])), Text.of("help.short"))
        return
    if len(text) > MAX_REQUEST_CHARS:
        ctx.reply(Text.of("ask.too_long", length=len(text), limit=MAX_REQUEST_CHARS))
        return
    state = {"step": _PENDING, **_kept(text, plain, mentions), "since": ctx.now.isoformat()}
    ctx.uow.dialogues.save(ctx.actor.id, state, ctx.now)
    ctx.reply(
        Text.of("ask.send_as_request"),
        Text.of("quote", text=Verbatim(text.strip())),
        Text.of("ask.send_hint"),
        actions=(Action(SEND_PENDING_ACTION, Text.of("button.send_as_request"), ButtonStyle.PRIMARY),),
    )


def send_pending_request(ctx: ActorContext) -> None:
    """Send the text the actor typed without ``sparring`` as a request, now that they said yes."""
    state = ctx.uow.dialogues.get(ctx.actor.id)
    if state is None or state.get("step") != _PENDING or _expired(state, ctx.now):
        ctx.reply(Text.of("ask.pending_gone"), Text.of("ask.example"))
        return
    ctx.uow.dialogues.clear(ctx.actor.id)
    _request_kept(ctx, state)


def _expired(state: dict[str, str], now: datetime) -> bool:
    return now - datetime.fromisoformat(state["since"]) > PENDING_TEXT_LIFETIME


def _intake_area_from_text(ctx: ActorContext, text: str) -> None:
    classification = ctx.deps.classifier_for(ctx.tenant).classify(text)
    if classification.area is None:
        ctx.reply(Text.of("intake.area_again"))
        return
    intake_area(ctx, classification.area)


def _intake_description(ctx: ActorContext, state: dict[str, str], said: dict[str, str]) -> None:
    text = said["text"]
    if not text:
        ctx.reply(Text.of("intake.description", area=ctx.area(state["area"])))
        return
    if len(text) > MAX_REQUEST_CHARS:
        ctx.reply(Text.of("ask.too_long", length=len(text), limit=MAX_REQUEST_CHARS))
        return
    earlier = {key: value for key, value in state.items() if key not in ("text", "plain", "mentions")}
    ctx.uow.dialogues.save(ctx.actor.id, {**earlier, "step": "urgency", **said}, ctx.now)
    ctx.reply(
        Text.of("intake.urgency"),
        actions=(
            Action("intake-urgency:normal", Text.of("urgency.normal")),
            Action("intake-urgency:urgent", Text.of("urgency.urgent"), ButtonStyle.DANGER),
        ),
    )


def _intake_urgency_from_text(ctx: ActorContext, text: str) -> None:
    word = text.strip().casefold()
    if word in _URGENT_WORDS:
        intake_urgency(ctx, Urgency.URGENT)
    elif word in _NORMAL_WORDS:
        intake_urgency(ctx, Urgency.NORMAL)
    else:
        ctx.reply(Text.of("intake.urgency"))


def cancel(ctx: ActorContext, number: int | None) -> None:
    """Cancel the actor's own request (or the guided intake, when no reference is given)."""
    if number is None:
        if ctx.uow.dialogues.get(ctx.actor.id) is None:
            ctx.reply(Text.of("usage.cancel"))
            return
        ctx.uow.dialogues.clear(ctx.actor.id)
        ctx.reply(Text.of("intake.cancelled"))
        return
    request = ctx.uow.requests.get(ctx.tenant.id, number)
    if request is None or request.requester_id != ctx.actor.id:
        ctx.reply(Text.of("error.unknown_ref", ref=f"S-{number}"))
        return
    if not request.status.is_open:
        ctx.reply(Text.of("error.cannot_cancel", ref=request.ref), where_it_is(ctx, request))
        return
    senior_id = request.senior_id
    was_awaiting_approval = request.status is Status.AWAITING_APPROVAL
    request.status = Status.CANCELLED
    request.closed_at = ctx.now
    request.escalate_at = None
    ctx.uow.requests.save(request)
    ctx.reply(Text.of("requester.cancelled", ref=request.ref), ref=request.ref)
    if senior_id is not None:
        _tell_senior_cancelled(ctx, request, senior_id, ctx.actor)
    if was_awaiting_approval:
        ctx.notify_coordinators(
            Text.of("coordinator.cancelled", ref=request.ref, requester=ctx.actor.name),
            ref=request.ref,
            dedupe=f"cancelled:{request.id}",
        )


def _tell_senior_cancelled(ctx: TenantContext, request: SparringRequest, senior_id: int, by: Person) -> None:
    ctx.notify(
        senior_id,
        Text.of("senior.cancelled", ref=request.ref, requester=by.name),
        ref=request.ref,
        dedupe_key=f"cancelled:{request.id}",
    )
