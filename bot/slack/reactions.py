"""Reading a posted message's reactions back from Slack: the votes cast while no event reached the bot.

Slack retries an event three times over about five minutes and then drops it, and it drops events
outright over 30,000 an hour per workspace (``app_rate_limited``). What it holds on the message is
the truth, and ``reactions.get`` (Tier 3) reads it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.slack.messenger import classify
from bot.slack.workspace import WorkspaceFor
from handlers.shared.model import Tenant
from handlers.shared.ports import TransientSendError

log = logging.getLogger(__name__)

# The message (or its whole channel) is not there any more, or never was.
GONE = frozenset({"message_not_found", "channel_not_found"})
# What the messenger records for a Slack post: ``C0123ABC:1712345678.000100`` (channel id, message ts).
_MESSAGE_ID = re.compile(r"([A-Z0-9]+):(\d+\.\d+)")


class SlackReactionReader:
    """The ReactionReader port on Slack: reaction name -> user ids on a message the bot posted."""

    def __init__(self, workspace_for: WorkspaceFor) -> None:
        self._workspace_for = workspace_for

    async def reactions(self, tenant: Tenant, platform_message_id: str) -> dict[str, list[str]] | None:
        """Return who reacted with what on the message ``channel:ts``, the bot's own reactions left out.

        None when the message or its channel is gone, the id is no Slack message id, or the app is not
        installed in the tenant's workspace; TransientSendError on a rate limit, a 5xx or no answer.
        """
        found = _MESSAGE_ID.fullmatch(platform_message_id)
        if found is None:
            log.warning("not a Slack message id (channel:ts): %r", platform_message_id)
            return None
        channel, ts = found.groups()
        try:
            workspace = await self._workspace_for(tenant)
            if workspace is None:
                log.warning("cannot read reactions: the app is not installed in %s", tenant.slack_team_id)
                return None
            # Without full=true Slack may leave users out of a reaction's list (it keeps the count).
            answer = await workspace.client.reactions_get(channel=channel, timestamp=ts, full=True)
        except SlackApiError as error:
            if str(error.response.get("error") or "") in GONE and error.response.status_code == 200:
                return None
            raise classify(error) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransientSendError(f"Slack could not be reached: {error!r}") from error
        message = answer.get("message")
        reactions = message.get("reactions") if isinstance(message, Mapping) else None
        return _voters(reactions or [], workspace.bot_user_id)


def _voters(reactions: Iterable[Any], bot_user_id: str | None) -> dict[str, list[str]]:
    """Return reaction name -> its users in Slack's order, each once, without the bot itself."""
    found: dict[str, list[str]] = {}
    for reaction in reactions:
        if not isinstance(reaction, Mapping) or not reaction.get("name"):
            continue
        name = str(reaction["name"])
        users = [str(user) for user in reaction.get("users") or [] if user and user != bot_user_id]
        merged = list(dict.fromkeys([*found.get(name, []), *users]))
        if merged:  # a reaction only the bot made is no vote
            found[name] = merged
    return found
