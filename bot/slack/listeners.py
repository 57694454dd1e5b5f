"""The Slack listeners: each translates a Slack request into a command and renders the outcome.

The app runs with ``process_before_response``: bolt answers Slack when a listener returns (instead
of polling every 10 ms for its ack). So every listener acks within Slack's 3 seconds and hands
anything slower, above all Slack API calls, to work after the answer (``bridge.after_answer``).
The slash command answers a known person in the ack itself: reference, area, senior and why.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.kwargs_injection.async_args import AsyncArgs
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks, markup
from bot.slack.bridge import SlackBridge
from handlers import commands
from handlers.challenges import commands as challenges
from handlers.challenges.voting import Reaction
from handlers.service import Outcome
from handlers.shared.model import Tenant
from handlers.shared.text import Message, Text
from handlers.sparring import commands as sparring
from handlers.sparring import forms

log = logging.getLogger(__name__)

SLASH_COMMAND = "/sparring"
MESSAGE_SHORTCUT = "ask_sparring_about_message"
CHALLENGE_SHORTCUT = "submit_challenge"
Listener = Callable[..., Awaitable[None]]
Work = Callable[[AsyncArgs], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class Registered:
    """What the listeners answer: the manifest must declare exactly this (a test checks both ways)."""

    commands: tuple[str, ...]
    shortcuts: tuple[str, ...]
    events: tuple[str, ...]


REGISTERED = Registered(
    commands=(SLASH_COMMAND,),
    shortcuts=(MESSAGE_SHORTCUT, CHALLENGE_SHORTCUT),
    # message.im arrives as bolt's "message" event; the two token events are answered in app.py.
    events=(
        "app_home_opened",
        "app_mention",
        "message.im",
        "reaction_added",
        "reaction_removed",
        "tokens_revoked",
        "app_uninstalled",
    ),
)


def register(app: AsyncApp, bridge: SlackBridge) -> None:
    """Register every listener the app manifest declares, and the answer to Slack's rate-limit notice."""
    app.middleware(_rate_limit_notice(bridge))
    # Bolt tries the listeners in this order, building each one's arguments to match it. Reactions
    # come first: they are by far the most frequent events (each vote is one), and no other listener
    # would match them.
    app.event("reaction_added")(_acked(bridge, _reaction(bridge, added=True)))
    app.event("reaction_removed")(_acked(bridge, _reaction(bridge, added=False)))
    app.command(SLASH_COMMAND)(_slash_command(bridge))
    app.view(blocks.INTAKE_CALLBACK)(_intake_submitted(bridge))
    app.shortcut(MESSAGE_SHORTCUT)(_acked(bridge, _message_shortcut(bridge)))
    app.shortcut(CHALLENGE_SHORTCUT)(_acked(bridge, _challenge_shortcut(bridge)))
    # A url button (an invite's "Føj til kalender") opens its link in the browser; Slack still sends the
    # click, which wants an ack and nothing else.
    app.action(blocks.OPEN_LINK_ACTION)(_ack_only)
    app.action(re.compile(r".+"))(_acked(bridge, _button(bridge)))
    app.view(blocks.COMMENT_CALLBACK)(_acked(bridge, _comment_submitted(bridge)))
    app.event("app_home_opened")(_acked(bridge, _home_opened(bridge)))
    app.event("app_mention")(_acked(bridge, _mentioned(bridge)))
    app.event("message")(_acked(bridge, _direct_message(bridge)))


def _rate_limit_notice(bridge: SlackBridge) -> Callable[..., Awaitable[BoltResponse | None]]:
    """Answer Slack's ``app_rate_limited`` notice with a 200 and tell the bridge; pass on everything else.

    Slack posts it to the events URL (over HTTP and over the socket alike) when a workspace's events
    pass 30,000 an hour; it is no ``event_callback``, so no event listener matches it and bolt would
    answer 404 with a warning (over the socket: no ack at all).
    """

    async def middleware(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> BoltResponse | None:
        if body.get("type") != "app_rate_limited":
            await next()
            return None
        minute = body.get("minute_rate_limited")
        minute = minute if isinstance(minute, int) and not isinstance(minute, bool) else 0
        bridge.after_answer(bridge.events_dropped(str(body.get("team_id") or "?"), minute))
        return BoltResponse(status=200, body="")

    return middleware


async def _ack_only(args: AsyncArgs) -> None:
    await args.ack()


def _acked(bridge: SlackBridge, work: Work) -> Listener:
    """Ack at once and do the work after the answer (bolt answers Slack when the listener returns)."""

    async def listener(args: AsyncArgs) -> None:
        await args.ack()
        bridge.after_answer(work(args))

    return listener


def _ephemeral(bridge: SlackBridge, outcome: Outcome) -> dict[str, Any]:
    reader = bridge.reader(outcome)
    payloads = [blocks.message_payload(reply, reader) for reply in outcome.replies]
    return {
        "response_type": "ephemeral",
        "text": payloads[0]["text"] if payloads else "",
        "blocks": [block for payload in payloads for block in payload["blocks"]],
    }


def _not_connected(bridge: SlackBridge) -> dict[str, Any]:
    message = Message((Text.of("error.workspace_not_connected"),))
    return {"response_type": "ephemeral", **blocks.message_payload(message, bridge.default_reader())}


def _team_of(body: dict[str, Any]) -> str | None:
    team = body.get("team")
    if isinstance(team, dict):
        return team.get("id")
    return body.get("team_id") or (body.get("user") or {}).get("team_id")


def _slash_command(bridge: SlackBridge) -> Listener:
    async def on_sparring(
        ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        team_id = command.get("team_id") or ""
        tenant = await bridge.tenant(team_id)
        if tenant is None:
            await ack(**_not_connected(bridge))
            return
        user_id = command["user_id"]
        parsed = await bridge.read(
            tenant, team_id, commands.parse_text(f"sparring {command.get('text', '')}")
        )
        if isinstance(parsed, sparring.StartIntake):
            # The modal opens after the answer: the trigger lasts 3 seconds, the ack must not wait.
            await ack()
            metadata = {"response_url": command.get("response_url", "")}
            trigger_id = command["trigger_id"]
            bridge.after_answer(
                _show(bridge, client, tenant, team_id, user_id, parsed, trigger_id, metadata, respond)
            )
            return
        # In the ack only what is known without asking Slack: someone unknown by Slack id is looked up
        # after the answer (users.info may be slow) and answered through response_url.
        outcome = await bridge.run_as(None, tenant, team_id, user_id, parsed)
        if not outcome.unresolved:
            await ack(**_ephemeral(bridge, outcome))
            return
        await ack()

        async def by_email() -> None:
            outcome = await bridge.run_as(client, tenant, team_id, user_id, parsed)
            await respond(**_ephemeral(bridge, outcome))

        bridge.after_answer(by_email())

    return on_sparring


async def _show(
    bridge: SlackBridge,
    client: AsyncWebClient,
    tenant: Tenant,
    team_id: str,
    user_id: str,
    command: commands.Command,
    trigger_id: str,
    metadata: dict[str, Any],
    respond: AsyncRespond,
) -> None:
    """Run a command that asks for a form: open its modal, or answer what came instead (an error)."""
    outcome = await bridge.run_as(client, tenant, team_id, user_id, command)
    if outcome.form is None:
        await respond(**_ephemeral(bridge, outcome))
        return
    view = blocks.form_view(outcome.form, bridge.reader(outcome), json.dumps(metadata))
    await client.views_open(trigger_id=trigger_id, view=view)


def _button(bridge: SlackBridge) -> Work:
    async def on_click(args: AsyncArgs) -> None:
        body, client = args.body, args.client
        team_id = _team_of(body) or ""
        tenant = await bridge.tenant(team_id)
        if tenant is None:
            await args.respond(**_not_connected(bridge))
            return
        user_id = body["user"]["id"]
        action = args.action or {}
        # The press's own time orders an ERFA answer, so a retried delivery of an older press loses.
        parsed = commands.parse_action(_action_id(action), at=_event_time(action.get("action_ts")))
        if isinstance(parsed, sparring.AskForComment):
            metadata = {"response_url": body.get("response_url", ""), "number": parsed.number}
            await _show(
                bridge, client, tenant, team_id, user_id, parsed, body["trigger_id"], metadata, args.respond
            )
            return
        # An answer with a calendar invite (an ERFA answer's) goes to the clicker's DM with its file.
        outcome = await bridge.run_as(client, tenant, team_id, user_id, parsed, invites_in_dm=True)
        if _on_a_channel_post(body):
            # A click on a channel post (a challenge's Stem button): the answer is the clicker's alone,
            # and the post, with its button, stays as it is for everyone else.
            if outcome.replies:  # none left when the whole answer went to the DM
                await args.respond(replace_original=False, **_ephemeral(bridge, outcome))
            return
        # A DM, or the clicker's own ephemeral answer in a channel (Slack sends no copy of it): replaced.
        original = (body.get("message") or {}).get("blocks") or []
        if not original and not outcome.replies:
            return  # the whole answer went to the DM, and an ephemeral message cannot be emptied
        replies = [blocks.message_payload(reply, bridge.reader(outcome)) for reply in outcome.replies]
        await args.respond(**blocks.outcome_payload(original, replies))

    return on_click


def _on_a_channel_post(body: dict[str, Any]) -> bool:
    """Tell whether a click came from a message everyone in a channel sees (C… public, G… private).

    Not from a DM (D…), nor from an ephemeral message there, which only the clicker sees.
    """
    if (body.get("container") or {}).get("is_ephemeral"):
        return False
    channel = str(
        (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""
    )
    return channel[:1] in ("C", "G")


def _action_id(action: dict[str, Any]) -> str:
    """Return the id of what was chosen: a button's action_id, or the value of a select's option."""
    if action.get("type") == "static_select":
        return str((action.get("selected_option") or {}).get("value", ""))
    return str(action.get("action_id", ""))


def _values(view: dict[str, Any]) -> dict[str, str]:
    """Flatten a submitted modal's state to {block id: value}."""
    flat: dict[str, str] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for element in actions.values():
            selected = element.get("selected_option") or {}
            value = selected.get("value") if selected else element.get("value")
            if value:
                flat[block_id] = str(value)
    return flat


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


async def _answer(response_url: str, payload: dict[str, Any]) -> None:
    # A modal submission has no response_url of its own: the one it was opened from is in its metadata.
    if response_url:
        await AsyncRespond(response_url=response_url)(**payload)


def _intake_submitted(bridge: SlackBridge) -> Listener:
    async def on_intake(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        values = _values(view)
        team_id = _team_of(body) or ""
        tenant = await bridge.tenant(team_id)
        if tenant is None:
            await ack()
            return
        user_id = body["user"]["id"]
        command = forms.parse_intake(values)
        if isinstance(command, forms.Invalid):
            # Only what is known without asking Slack: the ack cannot wait for users.info.
            reader = await bridge.reader_of(tenant, bridge.cached_identity(team_id, user_id))
            errors = {name: reader.render(text) for name, text in command.errors.items()}
            await ack(response_action="errors", errors=errors)
            return
        await ack()

        async def submit() -> None:
            response_url = str(_metadata(view).get("response_url", ""))
            await _run_and_answer(bridge, client, tenant, team_id, user_id, command, response_url)

        bridge.after_answer(submit())

    return on_intake


async def _run_and_answer(
    bridge: SlackBridge,
    client: AsyncWebClient,
    tenant: Tenant,
    team_id: str,
    user_id: str,
    command: commands.Command,
    response_url: str,
) -> None:
    """Run a command and answer where it came from: its response_url, or else the user's DM."""
    outcome = await bridge.run_as(client, tenant, team_id, user_id, command, in_dm=not response_url)
    if response_url:
        await _answer(response_url, _ephemeral(bridge, outcome))


def _comment_submitted(bridge: SlackBridge) -> Work:
    async def on_comment(args: AsyncArgs) -> None:
        body, view = args.body, args.view or {}
        team_id = _team_of(body) or ""
        tenant = await bridge.tenant(team_id)
        metadata = _metadata(view)
        if tenant is None or not isinstance(metadata.get("number"), int):
            return
        user_id = body["user"]["id"]
        feedback = forms.parse_comment(metadata["number"], _values(view))
        response_url = str(metadata.get("response_url", ""))
        await _run_and_answer(bridge, args.client, tenant, team_id, user_id, feedback, response_url)

    return on_comment


def _message_shortcut(bridge: SlackBridge) -> Work:
    """Ask for sparring about a message: the answer comes where it was asked (response_url)."""

    async def on_shortcut(args: AsyncArgs) -> None:
        body = args.body
        team_id = _team_of(body) or ""
        tenant = await bridge.tenant(team_id)
        response_url = body.get("response_url", "")
        if tenant is None:
            await _answer(response_url, _not_connected(bridge))
            return
        user_id = body["user"]["id"]
        request = await bridge.read(tenant, team_id, sparring.RequestSparring(_message_text(body)))
        await _run_and_answer(bridge, args.client, tenant, team_id, user_id, request, response_url)

    return on_shortcut


def _challenge_shortcut(bridge: SlackBridge) -> Work:
    """Submit a message as a quarterly challenge, for the person who used the shortcut.

    The answer (the challenge's number, or why not: empty, too long, like an open one) goes to their
    DM through the outbox: a lasting receipt, and the place its "submit anyway" button can be pressed.
    """

    async def on_shortcut(args: AsyncArgs) -> None:
        body = args.body
        team_id = _team_of(body) or ""
        tenant = await bridge.tenant(team_id)
        if tenant is None:
            await _answer(body.get("response_url", ""), _not_connected(bridge))
            return
        user_id = body["user"]["id"]
        challenge = await bridge.read(tenant, team_id, challenges.SubmitChallenge(_message_text(body)))
        await bridge.run_as(args.client, tenant, team_id, user_id, challenge, in_dm=True)

    return on_shortcut


def _message_text(body: dict[str, Any]) -> str:
    """Return the text of the message a shortcut was used on (empty for one with only files or blocks)."""
    message = body.get("message")
    text = message.get("text") if isinstance(message, dict) else None
    return text if isinstance(text, str) else ""


def _home_opened(bridge: SlackBridge) -> Work:
    async def on_home(args: AsyncArgs) -> None:
        body, event, client = args.body, args.event or {}, args.client
        if event.get("tab", "home") != "home":
            return
        team_id = _team_of(body) or (body.get("authorizations") or [{}])[0].get("team_id") or ""
        tenant = await bridge.tenant(team_id)
        if tenant is None or not await bridge.first_time(tenant, body.get("event_id")):
            return
        sections: list[tuple[str, list[Message]]] = []
        reader = None
        for title, command in (
            ("home.mine", sparring.ShowStatus()),
            # Everything waiting for the reader: a senior's queue, the coordinator's list.
            ("home.waiting", sparring.ShowWaiting()),
            ("home.kpi", sparring.ShowKpis()),
        ):
            outcome = await bridge.run_as(client, tenant, team_id, event["user"], command)
            reader = bridge.reader(outcome)
            if _shows_something(outcome):
                sections.append((reader.render(Text.of(title)), outcome.replies))
        view = blocks.home_view(_merge(sections), reader or bridge.default_reader())
        await client.views_publish(user_id=event["user"], view=view)

    return on_home


def _shows_something(outcome: Outcome) -> bool:
    # The home shows each section only to whom it applies (what waits to seniors and coordinators,
    # KPIs to coordinators).
    return bool(outcome.replies) and not outcome.replies[0].lines[0].key.startswith("error.")


def _merge(sections: list[tuple[str, list[Message]]]) -> list[tuple[str, list[Message]]]:
    merged: dict[str, list[Message]] = {}
    for title, messages in sections:
        merged.setdefault(title, []).extend(messages)
    return list(merged.items())


def _mentioned(bridge: SlackBridge) -> Work:
    async def on_mention(args: AsyncArgs) -> None:
        event = args.event or {}
        await _text_from_slack(
            bridge, args, markup.without_own_mention(event.get("text", ""), args.context.bot_user_id)
        )

    return on_mention


def _direct_message(bridge: SlackBridge) -> Work:
    async def on_message(args: AsyncArgs) -> None:
        event = args.event or {}
        # Only people's own messages in the bot's DM: no edits, joins, or other bots.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        await _text_from_slack(bridge, args, event.get("text", ""))

    return on_message


async def _text_from_slack(bridge: SlackBridge, args: AsyncArgs, text: str) -> None:
    body, event = args.body, args.event or {}
    event_id = body.get("event_id")
    team_id = _team_of(body) or event.get("team") or ""
    tenant = await bridge.tenant(team_id)
    if tenant is None or not event.get("user"):
        return
    command = await bridge.read(tenant, team_id, commands.parse_text(text))
    # One transaction: the event id (Slack redelivers; a replay runs nothing), the command, and its
    # replies to the DM through the outbox. A failure rolls all back, so Slack's retry is handled.
    await bridge.run_as(args.client, tenant, team_id, event["user"], command, in_dm=True, event_id=event_id)


def _reaction(bridge: SlackBridge, *, added: bool) -> Work:
    async def on_reaction(args: AsyncArgs) -> None:
        event = args.event or {}
        item = event.get("item") or {}
        if item.get("type") != "message":
            return
        # The message is looked up in the workspace the reaction came from, never across tenants.
        tenant = await bridge.tenant(_team_of(args.body) or event.get("team") or "")
        if tenant is None:
            return
        user = str(event.get("user") or "")
        reaction = Reaction(
            platform="slack",
            platform_message_id=f"{item.get('channel')}:{item.get('ts')}",
            user=user,
            changes=((str(event.get("reaction") or ""), added),),
            at=_event_time(event.get("event_ts")),
        )
        team_id = _team_of(args.body) or event.get("team") or ""
        await bridge.record_reactions(
            tenant,
            args.body.get("event_id"),
            bridge.cached_identity(team_id, user),
            reaction,
            lookup=bridge.email_lookup(args.client, team_id, user),
        )

    return on_reaction


def _event_time(event_ts: object) -> datetime | None:
    """Return Slack's event time (``"1712345678.000100"``) as aware UTC; None when it is missing or odd."""
    try:
        return datetime.fromtimestamp(float(str(event_ts)), UTC)
    except (TypeError, ValueError, OverflowError):
        return None
