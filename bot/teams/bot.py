"""The Teams activity handler: each activity becomes a command for the core; outcomes become cards or text."""

from __future__ import annotations

import hashlib
import html
import logging
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity, ActivityTypes, Attachment, ConversationReference, InvokeResponse

from bot.adapters.bridge import AsyncLookup
from bot.i18n import Reader, in_both_languages
from bot.teams import cards
from bot.teams.bridge import TeamsBridge
from bot.teams.manifest import CHALLENGE_ACTION_ID, MESSAGE_ACTION_ID, MESSAGE_ACTION_NOTE
from bot.teams.markup import html_text, plain_lines
from handlers import commands
from handlers.challenges import commands as challenges
from handlers.challenges.voting import Reaction
from handlers.service import Identity, Outcome
from handlers.shared.model import Person, Tenant
from handlers.shared.text import Message, Text
from handlers.sparring import commands as sparring
from handlers.sparring import forms

log = logging.getLogger(__name__)

CARD_ACTION = "adaptiveCard/action"
EXTENSION_SUBMIT = "composeExtension/submitAction"
MAX_EVENT_KEY = 200
_LEFTOVER_MENTION = re.compile(r"<at>(.*?)</at>", re.IGNORECASE)
# What is left of Teams' HTML in a message's text once its mentions are plain (<p>, <b>, …).
_HTML_TAG = re.compile(r"</?[a-z]+[^>]*>", re.IGNORECASE)
# The activities whose conversation is remembered (to write to later).
_REMEMBERED = (
    ActivityTypes.message,
    ActivityTypes.invoke,
    ActivityTypes.conversation_update,
    ActivityTypes.installation_update,
)


@dataclass(frozen=True, slots=True)
class Turn:
    """An activity reduced to what every handler needs."""

    context: TurnContext
    activity: Activity
    tenant: Tenant
    identity: Identity
    # Recorded in the transaction of the command the activity runs (see ``TeamsBot._run``).
    event_id: str | None = None

    @property
    def personal(self) -> bool:
        """Tell whether the activity comes from a one-to-one chat with the bot."""
        return is_personal(self.activity)


def is_personal(activity: Activity) -> bool:
    """Tell whether an activity comes from a one-to-one chat with the bot."""
    conversation = activity.conversation
    if conversation is None or conversation.conversation_type == "personal":
        return True
    # Without a type, a 19: id is still a channel or group chat, never a personal chat (those are
    # a:…): its reference must not replace where the person's direct messages go.
    return conversation.conversation_type is None and not str(conversation.id or "").startswith("19:")


def teams_tenant_id(activity: Activity) -> str | None:
    """Return the Microsoft tenant an activity comes from (channelData first, as Teams sends it)."""
    tenant = (activity.channel_data or {}).get("tenant") or {}
    if isinstance(tenant, dict) and tenant.get("id"):
        return str(tenant["id"])
    conversation = activity.conversation
    return conversation.tenant_id if conversation is not None else None


def channel_key(activity: Activity) -> str | None:
    """Return the channel an activity happened in: the Teams channel id without any thread suffix."""
    data = activity.channel_data or {}
    channel = data.get("channel") or {}
    if isinstance(channel, dict) and channel.get("id"):
        return str(channel["id"])
    if activity.conversation is not None and activity.conversation.conversation_type == "channel":
        return str(activity.conversation.id).split(";", 1)[0]
    return None


def stored_reference(activity: Activity) -> dict[str, Any]:
    """Return the conversation reference to keep: without the activity id, so later posts start anew."""
    reference: ConversationReference = TurnContext.get_conversation_reference(activity)
    reference.activity_id = None
    if reference.conversation is not None and reference.conversation.id:
        reference.conversation.id = reference.conversation.id.split(";", 1)[0]
    data: dict[str, Any] = reference.serialize()
    return data


def card_attachment(card: dict[str, Any]) -> Attachment:
    """Wrap an Adaptive Card as an attachment."""
    return Attachment(content_type=cards.CARD_CONTENT_TYPE, content=card)


def invoke_response(body: dict[str, Any], status: int = HTTPStatus.OK) -> Activity:
    """Return the activity that makes the adapter answer an invoke with this JSON body."""
    return Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=status, body=body))


def card_result(card: dict[str, Any]) -> dict[str, Any]:
    """Return an ``adaptiveCard/action`` answer that replaces the clicked card."""
    return {"statusCode": 200, "type": cards.CARD_CONTENT_TYPE, "value": card}


def message_result(text: str) -> dict[str, Any]:
    """Return an ``adaptiveCard/action`` answer that shows a short message."""
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}


async def _roster_email(context: TurnContext, user_id: str) -> str | None:
    """Ask Teams for the user's e-mail (people are configured by e-mail; their 29: ids are per app)."""
    try:
        member = await TeamsInfo.get_member(context, user_id)
    except Exception as error:
        log.info("Teams roster lookup for %s failed: %s", user_id, error)
        return None
    email = getattr(member, "email", None) or getattr(member, "user_principal_name", None)
    return str(email).lower() if email else None


class TeamsBot:
    """Routes every activity to the core through the bridge; all botbuilder use stays in bot/teams."""

    def __init__(self, bridge: TeamsBridge, *, public_url: str = "") -> None:
        self._bridge = bridge
        # Where an invite's link points: a card's Action.OpenUrl needs the absolute address.
        self._public_url = public_url

    async def on_turn(self, context: TurnContext) -> None:
        """Handle one activity: check the tenant, drop replays, remember the conversation, dispatch."""
        activity = context.activity
        tenant = await self._bridge.tenant(teams_tenant_id(activity))
        if tenant is None:
            await self._refuse(context)
            return
        # Teams redelivers activities. A message or card action records its id in the command's own
        # transaction, a reaction in the one that records it (a replay does nothing); others record it first.
        event_id = _event_key(activity)
        if not _records_its_own_id(activity) and not await self._bridge.first_time(tenant, event_id):
            await self._ignore_replay(context)
            return
        sender = activity.from_property
        turn = Turn(context, activity, tenant, Identity(teams_id=sender.id if sender else None), event_id)
        # The speaker is looked up once a turn: by the command's own transaction when the activity
        # runs one (its outcome says who spoke), otherwise here.
        outcome = await self._dispatch(turn)
        if outcome is not None and outcome.replayed:
            return
        speaker = outcome.reader if outcome is not None else await self._speaker(turn)
        await self._remember(turn, speaker)
        # Sending starts once the conversation is remembered: a first message may be to the speaker.
        self._bridge.kick()

    async def _ignore_replay(self, context: TurnContext) -> None:
        """Answer an activity Teams delivered before: an invoke still needs its (empty) answer."""
        if context.activity.type == ActivityTypes.invoke:
            await context.send_activity(invoke_response({}))

    async def _replayed(self, turn: Turn) -> bool:
        """Record an activity that answers without running a command; True when it came before."""
        if await self._bridge.first_time(turn.tenant, turn.event_id):
            return False
        await self._ignore_replay(turn.context)
        return True

    async def _speaker(self, turn: Turn) -> Person | None:
        """Return the person the tenant knows by the speaker's Teams id (or by the roster's e-mail)."""
        if not turn.identity.teams_id or turn.activity.type not in _REMEMBERED:
            return None
        return await self._bridge.speaker(turn.tenant, turn.identity, self._lookup(turn))

    def _lookup(self, turn: Turn) -> AsyncLookup:
        """Return the roster lookup of the speaker's e-mail (people are configured by e-mail)."""
        key = (turn.tenant.id, turn.identity.teams_id)

        async def email_of(identity: Identity) -> str | None:
            known, email = self._bridge.emails.get(key)
            if not known:
                email = await _roster_email(turn.context, identity.teams_id or "")
                self._bridge.emails.put(key, email)
            return email

        return email_of

    async def _run(self, turn: Turn, command: commands.Command, *, invites_apart: bool = False) -> Outcome:
        """Run the command as the turn's person; ``invites_apart``: replies with an invite go to their chat."""
        return await self._bridge.run(
            turn.tenant,
            turn.identity,
            command,
            lookup=self._lookup(turn),
            invites_to=turn.identity.teams_id if invites_apart else None,
            kick=False,
            event_id=turn.event_id,
        )

    async def _dispatch(self, turn: Turn) -> Outcome | None:
        """Handle the activity; return the outcome when it ran a command."""
        kind, name = turn.activity.type, turn.activity.name
        if kind == ActivityTypes.message and turn.activity.value:
            return await self._on_submit(turn)
        if kind == ActivityTypes.message:
            return await self._on_text(turn)
        if kind == ActivityTypes.invoke and name == CARD_ACTION:
            return await self._on_card_action(turn)
        if kind == ActivityTypes.invoke and name == EXTENSION_SUBMIT:
            return await self._on_extension_submit(turn)
        if kind == ActivityTypes.message_reaction:
            await self._on_reaction(turn)
        elif kind == ActivityTypes.invoke:
            log.info("Teams invoke %r is not handled", name)
        return None

    async def _refuse(self, context: TurnContext) -> None:
        # Nothing is stored for an unknown organisation: not even the activity id.
        activity = context.activity
        log.warning("refused a Teams activity from unknown tenant %s", teams_tenant_id(activity))
        if activity.type == ActivityTypes.invoke:
            await context.send_activity(
                invoke_response(
                    message_result(in_both_languages(Text.of("error.teams_tenant_not_connected")))
                )
            )
        elif activity.type == ActivityTypes.message:
            await context.send_activity(
                Activity(
                    type=ActivityTypes.message,
                    text=in_both_languages(Text.of("error.teams_tenant_not_connected")),
                    text_format="plain",
                )
            )

    async def _remember(self, turn: Turn, speaker: Person | None) -> None:
        activity = turn.activity
        if activity.type not in _REMEMBERED:
            return
        reference = stored_reference(activity)
        channel = channel_key(activity)
        if channel is not None:
            await self._bridge.remember_channel(turn.tenant, channel, reference)
        elif turn.personal and turn.identity.teams_id and activity.conversation is not None:
            aad = activity.from_property.aad_object_id if activity.from_property else None
            await self._bridge.remember_person(turn.tenant, turn.identity, speaker, aad, reference)

    async def _on_text(self, turn: Turn) -> Outcome:
        text = turn.activity.text or ""
        if not turn.personal:
            text = TurnContext.remove_recipient_mention(turn.activity) or ""
        bot_name = turn.activity.recipient.name if turn.activity.recipient else None
        mentioned = _mentioned_names(text, bot_name)
        text = html.unescape(_plain_mentions(text, bot_name)).strip()
        command = commands.parse_text(text)
        if isinstance(command, sparring.RequestSparring | sparring.FreeText):
            # The core reads the people mentioned, by name, and the text without Teams' HTML.
            command = replace(command, plain=_HTML_TAG.sub(" ", command.text), mentions=mentioned)
        elif isinstance(command, challenges.SubmitChallenge):
            command = replace(command, plain=_HTML_TAG.sub(" ", command.text))
        outcome = await self._run(turn, command)
        if outcome.replayed:
            return outcome
        if await self._sent_form(turn, outcome):
            return outcome
        await self._reply(turn, outcome)
        return outcome

    async def _sent_form(self, turn: Turn, outcome: Outcome) -> bool:
        """Send the form the use case asked for as a card; tell whether there was one."""
        if outcome.form is None:
            return False
        card = cards.form_card(outcome.form, self._bridge.reader(outcome))
        await turn.context.send_activity(
            Activity(type=ActivityTypes.message, attachments=[card_attachment(card)])
        )
        return True

    async def _on_submit(self, turn: Turn) -> Outcome | None:
        # Action.Submit arrives as a message whose value is the card's data (and its inputs).
        value = turn.activity.value if isinstance(turn.activity.value, dict) else {}
        command = _submitted_command(value, _aware(turn.activity.timestamp))
        if command is None:
            return None
        if isinstance(command, forms.Invalid):
            if await self._replayed(turn):
                return None
            reader = await self._bridge.reader_of(turn.tenant, turn.identity)
            text = "\n".join(reader.render(error) for error in command.errors.values())
            await turn.context.send_activity(
                Activity(type=ActivityTypes.message, text=text, text_format="plain")
            )
            return None
        outcome = await self._run(turn, command)
        if outcome.replayed:
            return outcome
        if await self._sent_form(turn, outcome):
            return outcome
        # A pressed button (not a form) changes the card it is on, as Action.Execute does: the outcome
        # replaces its buttons, so they cannot be pressed twice. Forms keep their card and get a reply.
        if value.get("action") and turn.activity.reply_to_id and await self._update_clicked(turn, outcome):
            return outcome
        await self._reply(turn, outcome)
        return outcome

    async def _update_clicked(self, turn: Turn, outcome: Outcome) -> bool:
        """Replace the clicked card with the outcome card; False when the connector refused the update."""
        card = await self._outcome_card(turn, outcome)
        update = Activity(
            id=turn.activity.reply_to_id, type=ActivityTypes.message, attachments=[card_attachment(card)]
        )
        try:
            await turn.context.update_activity(update)
        except Exception as error:
            log.info("Teams card %s could not be updated, replying instead: %s", update.id, error)
            return False
        return True

    async def _outcome_card(self, turn: Turn, outcome: Outcome) -> dict[str, Any]:
        """Return the card that replaces the clicked one: its own text without buttons, then the outcome."""
        clicked = await self._bridge.posted(turn.tenant, _message_id(turn.activity))
        return cards.outcome_card(
            clicked, outcome.replies, self._bridge.reader(outcome), public_url=self._public_url
        )

    async def _on_card_action(self, turn: Turn) -> Outcome:
        value = turn.activity.value if isinstance(turn.activity.value, dict) else {}
        data = (value.get("action") or {}).get("data") or {}
        at = _aware(turn.activity.timestamp)
        # The answer to a press on a channel post lasts only until the post's next edit (an ERFA answer
        # edits it at once): a reply with a calendar invite goes to the person's chat, to be kept.
        command = commands.parse_action(_chosen_action(data), at=at)
        outcome = await self._run(turn, command, invites_apart=not turn.personal)
        if outcome.replayed:
            await self._ignore_replay(turn.context)
            return outcome
        if outcome.form is not None:
            card = cards.form_card(outcome.form, self._bridge.reader(outcome))
        else:
            card = await self._outcome_card(turn, outcome)
        await turn.context.send_activity(invoke_response(card_result(card)))
        return outcome

    async def _on_extension_submit(self, turn: Turn) -> Outcome | None:
        # A message action ("Ask for sparring about this", "Submit as challenge"), or a button or form
        # on the dialog its answer opened: Teams sends both as composeExtension/submitAction.
        value = turn.activity.value if isinstance(turn.activity.value, dict) else {}
        command = _extension_command(value)
        if command is None:
            log.info("Teams message action %r is not handled", value.get("commandId"))
            await turn.context.send_activity(invoke_response({}))
            return None
        if isinstance(command, forms.Invalid):
            if await self._replayed(turn):
                return None
            reader = await self._bridge.reader_of(turn.tenant, turn.identity)
            text = "\n".join(reader.render(error) for error in command.errors.values())
            await turn.context.send_activity(invoke_response(cards.extension_message(text)))
            return None
        outcome = await self._run(turn, command)
        if outcome.replayed:
            await self._ignore_replay(turn.context)
            return outcome
        answer = cards.extension_answer(outcome.replies, outcome.form, self._bridge.reader(outcome))
        await turn.context.send_activity(invoke_response(answer))
        return outcome

    async def _on_reaction(self, turn: Turn) -> None:
        activity = turn.activity
        user = activity.from_property.id if activity.from_property else ""
        message_id = _message_id(activity)
        changes = (
            *((str(reaction.type), True) for reaction in activity.reactions_added or []),
            *((str(reaction.type), False) for reaction in activity.reactions_removed or []),
        )
        reaction = Reaction("teams", message_id, user, changes, at=_aware(activity.timestamp))
        # Someone configured by e-mail alone is known by the roster's e-mail (asked once, then kept):
        # their like is their vote, not an unknown voter's. The bridge asks only when the id is unknown.
        known, email = self._bridge.emails.get((turn.tenant.id, user))
        identity = Identity(teams_id=user, email=email if known else None)
        recorded = await self._bridge.record_reactions(
            turn.tenant, turn.event_id, identity, reaction, lookup=self._lookup(turn)
        )
        if not recorded:
            await self._ignore_replay(turn.context)

    async def _reply(self, turn: Turn, outcome: Outcome) -> None:
        reader = self._bridge.reader(outcome)
        for reply in outcome.replies:
            await turn.context.send_activity(render_activity(reply, reader, public_url=self._public_url))


def render_activity(message: Message, reader: Reader, *, public_url: str = "") -> Activity:
    """Return a message as a Teams activity: a card when it has buttons or an invite, plain text otherwise."""
    card = cards.message_card(message, reader, public_url=public_url)
    if card is not None:
        return Activity(
            type=ActivityTypes.message,
            summary=cards.plain_text(message, reader).split("\n", 1)[0],
            attachments=[card_attachment(card)],
        )
    return Activity(type=ActivityTypes.message, text=cards.plain_text(message, reader), text_format="plain")


def _records_its_own_id(activity: Activity) -> bool:
    """Tell whether the activity's id goes into the transaction of what it does (a command, reactions)."""
    if activity.type in (ActivityTypes.message, ActivityTypes.message_reaction):
        return True
    return activity.type == ActivityTypes.invoke and activity.name in (CARD_ACTION, EXTENSION_SUBMIT)


def _event_key(activity: Activity) -> str | None:
    # Teams has given an added and a removed reaction the same activity id: keep them apart by what
    # they change (one activity may add and remove at once). A redelivery changes the same.
    if not activity.id:
        return None
    if activity.type == ActivityTypes.message_reaction:
        changes = [f"+{r.type}" for r in activity.reactions_added or []]
        changes += [f"-{r.type}" for r in activity.reactions_removed or []]
        key = f"{activity.id}:{','.join(changes)}"
        if len(key) > MAX_EVENT_KEY:  # the processed-event column holds 200 characters
            key = f"{activity.id}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"
        return key
    return str(activity.id)


def platform_message_id(conversation_id: str, activity_id: str) -> str:
    """Return the id a message is kept under: what a ``messageReaction`` or a card action names it by.

    That is the conversation without a thread suffix and the activity id: a reaction on a channel post
    comes with the post's thread (``19:…@thread.tacv2;messageid=…``) or the bare channel as its
    conversation and the post as ``replyToId``; one in a personal chat with ``a:…`` and the message.
    """
    return f"{conversation_id.split(';', 1)[0]}:{activity_id}"


def _message_id(activity: Activity) -> str:
    """Return the Teams id of the message an activity refers to, as the messenger stored it."""
    conversation = str(activity.conversation.id if activity.conversation else "")
    return platform_message_id(conversation, str(activity.reply_to_id or ""))


def _chosen_action(data: dict[str, Any]) -> str:
    """Return the action a card sent: a button's own, or the one picked in the card's choice list."""
    return str(data.get("action") or data.get(cards.CHOICE_INPUT) or "")


def _submitted_command(
    value: dict[str, Any], at: datetime | None = None
) -> commands.Command | forms.Invalid | None:
    if value.get("action") or value.get(cards.CHOICE_INPUT):
        return commands.parse_action(_chosen_action(value), at=at)
    form = value.get("form")
    if form == cards.INTAKE_FORM:
        return forms.parse_intake(value)
    number = value.get("number")
    if form == cards.COMMENT_FORM and isinstance(number, int):
        return forms.parse_comment(number, value)
    return None


def _extension_command(value: dict[str, Any]) -> commands.Command | forms.Invalid | None:
    """Return what a composeExtension/submitAction asks for; None: a message action this bot lacks."""
    data = value.get("data")
    data = data if isinstance(data, dict) else {}
    # A button or form on the dialog the bot answered with sends its data as a new submitAction.
    pressed = _submitted_command(data)
    if pressed is not None:
        return pressed
    command_id = value.get("commandId")
    if command_id == CHALLENGE_ACTION_ID:
        text = _message_action_text(value)
        # The text is plain already (Teams' HTML is read in _message_action_text): shown as it reads.
        return challenges.SubmitChallenge(text, plain=text)
    if command_id == MESSAGE_ACTION_ID:
        return sparring.RequestSparring(_message_action_text(value))
    return None


def _message_action_text(value: dict[str, Any]) -> str:
    """Return what a message action was used on, as plain text: the person's own words first, if any.

    Teams sends the message as HTML (``messagePayload.body``, ``contentType: html``) or as text; the
    words typed into the action's one field come in ``data``.
    """
    payload = value.get("messagePayload")
    body = payload.get("body") if isinstance(payload, dict) else None
    body = body if isinstance(body, dict) else {}
    content = str(body.get("content") or "")
    message = html_text(content) if body.get("contentType", "html") == "html" else plain_lines(content)
    data = value.get("data")
    note = plain_lines(str(data.get(MESSAGE_ACTION_NOTE) or "")) if isinstance(data, dict) else ""
    return "\n\n".join(part for part in (note, message) if part)


def _mentioned_names(text: str, bot_name: str | None) -> tuple[str, ...]:
    """Return the names Teams' <at>Anna Berg</at> mentions in the text, in order, without the bot's."""
    names = (html.unescape(match.group(1)).strip() for match in _LEFTOVER_MENTION.finditer(text))
    return tuple(dict.fromkeys(name for name in names if name and name != bot_name))


def _plain_mentions(text: str, bot_name: str | None) -> str:
    """Write Teams' <at>Anna Berg</at> as @Anna Berg, as it is shown; drop the bot's own."""

    def plain(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        return "" if not name or name == bot_name else f"@{name}"

    return _LEFTOVER_MENTION.sub(plain, text)


def _aware(moment: datetime | None) -> datetime | None:
    """Return the activity's time as aware UTC (botbuilder may parse it without its offset)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
