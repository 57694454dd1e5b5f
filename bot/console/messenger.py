"""The console's messenger: prints what the bot sends to anyone, and keeps it in the transcript."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from bot.adapters.render import RenderedMessage, reader_for, render
from handlers.shared.model import Person, Tenant
from handlers.shared.ports import Clock, Delivery, PermanentSendError, Sent
from handlers.shared.text import Message, Text
from storage.console_store import ConsoleStore


@dataclass(frozen=True, slots=True)
class ConsoleOutput:
    """Where and how the console writes: human-readable text, or one JSON object per message."""

    write: Callable[[str], None]
    as_json: bool

    def show(self, recipient: str, rendered: RenderedMessage, *, current: bool, updated: str = "") -> None:
        """Show one message to a recipient; ``updated`` marks an earlier post shown again as it is now."""
        if self.as_json:
            actions = [{"id": a.id, "label": a.label} for a in rendered.actions]
            payload: dict[str, object] = {
                "to": recipient,
                "text": rendered.text,
                "actions": actions,
                "ref": rendered.ref,
            }
            if rendered.invite is not None:
                payload["invite"] = rendered.invite.url
            if updated:
                payload["updated"] = True
            self.write(json.dumps(payload, ensure_ascii=False))
            return
        marker = "you" if current else recipient
        first, *rest = rendered.all_lines(align=True) or ("",)
        lines = [f"→ {marker}{' ' + updated if updated else ''}: {first}", *(f"    {line}" for line in rest)]
        if rendered.actions:
            buttons = "   ".join(f"[{a.label}]({a.id})" for a in rendered.actions)
            lines.append(f"    {buttons}")
        if rendered.invite is not None:
            lines.append(f"    {rendered.invite.label}: {rendered.invite.url}")
        self.write("\n".join(lines))


class ConsoleMessenger:
    """Delivers outbox messages to the terminal, as the platform messengers deliver to Slack or Teams."""

    def __init__(
        self, output: ConsoleOutput, store: ConsoleStore, clock: Clock, *, public_url: str = ""
    ) -> None:
        self._output = output
        self._public_url = public_url
        self._store = store
        self._clock = clock
        self.current_email: str | None = None

    async def send(self, delivery: Delivery) -> Sent:
        """Print the message for its recipient (or the channel) and record it."""
        channel = delivery.message.to_channel
        if channel is not None and delivery.message.to_person is None:
            # A channel post is shown to everyone; it is named by channel and reference, which the
            # console's :react uses to find a challenge's own message.
            self.show(
                delivery.tenant, None, f"#{channel}", delivery.message, edit=delivery.replaces is not None
            )
            return Sent(
                platform_message_id=delivery.replaces
                or channel_message_id(channel, delivery.message.ref or str(delivery.id))
            )
        recipient = delivery.recipient
        if recipient is None:
            raise PermanentSendError(
                "the recipient is no longer active in this tenant", Text.of("undeliverable.inactive")
            )
        edit = delivery.replaces is not None
        self.show(delivery.tenant, recipient, recipient.email, delivery.message, edit=edit)
        return Sent(platform_message_id=delivery.replaces or f"console-{delivery.id}")

    def show(
        self, tenant: Tenant, person: Person | None, address: str, message: Message, *, edit: bool = False
    ) -> None:
        """Render and print a message (``edit``: an earlier post as it is now), and remember its buttons."""
        reader = reader_for(tenant, person)
        rendered = render(message, reader, public_url=self._public_url)
        updated = reader.render(Text.of("invite.updated")) if edit else ""
        self._output.show(address, rendered, current=address == self.current_email, updated=updated)
        actions = [{"id": a.id, "label": a.label} for a in rendered.actions]
        self._store.record(tenant.id, address, rendered.text, actions, rendered.ref, self._clock.now())


def channel_message_id(channel: str, ref: str) -> str:
    """Return the console's id for a message in a channel (a challenge's post: by its reference)."""
    return f"console:{channel}:{ref}"
