"""Delivering outbox messages to Slack: DMs and channel posts, with Slack's failures classified.

Before its first post to a channel the bot makes sure it is a member there: ``chat:write.public``
lets it post to a public channel it never joined, but Slack only sends it the reactions (the votes
on a challenge) in channels it is a member of.

An edit in place (``Delivery.replaces``) is a ``chat.update`` of the earlier post. A calendar invite
is a url button in the message and, once the message is posted, the .ics uploaded as a file to the same
conversation (``files.getUploadURLExternal``, the bytes, ``files.completeUploadExternal``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.adapters.pacing import Limits, Pacing, SharedSends
from bot.adapters.render import reader_for
from bot.i18n import Reader
from bot.invites.files import IcsFile
from bot.slack.blocks import message_payload
from bot.slack.workspace import ClientFor
from handlers.shared.model import Tenant
from handlers.shared.ports import Delivery, PermanentSendError, Sent, TransientSendError
from handlers.shared.text import InviteFile, Text, Verbatim

log = logging.getLogger(__name__)

# Errors that no retry will fix: the coordinator is told instead.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "account_inactive",
        "user_not_found",
        "user_disabled",
        "is_archived",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "no_permission",
        "missing_scope",
        "cannot_dm_bot",
        "msg_too_long",
        "invalid_blocks",
        # chat.update: the post an edit is for was deleted, or is not the bot's to edit.
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
    }
)
CHANNEL_PACE_SECONDS = 1.0  # chat.postMessage allows about one message per second per channel
# ... and "several hundred messages a minute" across a workspace: a fan-out to many channels of one
# client stays under it rather than meeting Slack's 429s.
WORKSPACE_POSTS_PER_SECOND = 10


def workspace_limits(posts_per_second: int) -> Limits:
    """Return the limits of a workspace that takes so many posts a second (0: no pace per workspace)."""
    return ((posts_per_second, 1.0),) if posts_per_second > 0 else ()


WORKSPACE_LIMITS = workspace_limits(WORKSPACE_POSTS_PER_SECOND)
# What conversations.info / conversations.join answer when the bot cannot be (or see that it is) a member.
_CANNOT_JOIN = frozenset(
    {
        "channel_not_found",
        "method_not_supported_for_channel_type",
        "is_archived",
        "missing_scope",
        "too_many_members",
        "channel_is_limited_access",
        "restricted_action",
        "user_is_restricted",
    }
)
# What the coordinator must do when a channel post is refused so (other refusals quote Slack's answer).
_EXPLANATIONS = {
    "channel_not_found": "undeliverable.slack_channel_not_found",
    "is_archived": "undeliverable.slack_channel_archived",
    "not_in_channel": "undeliverable.slack_removed_from_channel",
    "account_inactive": "undeliverable.slack_not_installed",
    "token_revoked": "undeliverable.slack_not_installed",
    "invalid_auth": "undeliverable.slack_not_installed",
}
# A post refused so means the membership seen before no longer holds: look again next time.
_NOT_THERE_NOW = frozenset({"not_in_channel", "channel_not_found", "is_archived"})

IcsFiles = Callable[[str], Awaitable[IcsFile | None]]
"""Build the invite file a token stands for (None: no such invite any more)."""


class SlackMessenger:
    """Sends through Slack's Web API, pacing posts per channel; ids come back as ``channel:ts``."""

    def __init__(
        self,
        client_for: ClientFor,
        *,
        pace_seconds: float = CHANNEL_PACE_SECONDS,
        workspace_limits: Limits = (),
        monotonic: Callable[[], float] = time.monotonic,
        shared_pace: SharedSends | None = None,
        public_url: str = "",
        ics_files: IcsFiles | None = None,
    ) -> None:
        self._client_for = client_for
        self._public_url = public_url
        self._ics_files = ics_files
        self._pace = Pacing(monotonic, shared_pace)
        self._channel_limits: Limits = ((1, pace_seconds),)
        self._workspace_limits = workspace_limits
        self._dm_channels: dict[tuple[int, str], str] = {}
        self._member_of: set[tuple[int, str]] = set()

    async def send(self, delivery: Delivery) -> Sent:
        """Post the message; raise TransientSendError or PermanentSendError as Slack answers."""
        client = await self._client_for(delivery.tenant)
        if client is None:
            raise PermanentSendError(
                f"the app is not installed in Slack workspace {delivery.tenant.slack_team_id}",
                Text.of("undeliverable.slack_not_installed"),
            )
        reader = reader_for(delivery.tenant, delivery.recipient)
        payload = message_payload(delivery.message, reader, public_url=self._public_url)
        channel = delivery.message.to_channel or ""
        try:
            if delivery.replaces is not None:
                return await self._update(client, delivery, delivery.replaces, payload)
            channel = await self._channel(client, delivery)
            workspace = (
                ((f"workspace:{delivery.tenant.id}", self._workspace_limits),)
                if self._workspace_limits
                else ()
            )
            await self._pace.admit(delivery.id, (channel, self._channel_limits), *workspace)
            try:
                answer = await self._post(client, delivery, channel, payload)
            finally:
                self._pace.answered(delivery.id)
        except SlackApiError as error:
            refusal = classify(error)
            if isinstance(refusal, TransientSendError) and refusal.retry_after is not None and channel:
                self._pace.hold(channel, refusal.retry_after)
            explanation = _EXPLANATIONS.get(str(error.response.get("error") or ""))
            is_post = delivery.replaces is None and _is_channel_post(delivery)
            if isinstance(refusal, PermanentSendError) and explanation and is_post:
                refusal = PermanentSendError(str(refusal), Text.of(explanation))
            raise refusal from error
        posted_in = str(answer.get("channel", channel))
        if delivery.message.invite is not None:
            await self._upload(client, posted_in, delivery.message.invite, reader)
        return Sent(platform_message_id=f"{posted_in}:{answer.get('ts')}")

    async def _post(
        self, client: AsyncWebClient, delivery: Delivery, channel: str, payload: dict[str, Any]
    ) -> AsyncSlackResponse:
        """Post in the channel; removed from it since the last post, the bot joins again and posts once more."""
        try:
            return await client.chat_postMessage(
                channel=channel, unfurl_links=False, unfurl_media=False, **payload
            )
        except SlackApiError as error:
            code = str(error.response.get("error") or "")
            if code not in _NOT_THERE_NOW or not _is_channel_post(delivery):
                raise
            self._member_of.discard((delivery.tenant.id, channel))
            if code != "not_in_channel":
                raise
        await self._join(client, delivery.tenant, channel)
        return await client.chat_postMessage(
            channel=channel, unfurl_links=False, unfurl_media=False, **payload
        )

    async def _update(
        self, client: AsyncWebClient, delivery: Delivery, post: str, payload: dict[str, Any]
    ) -> Sent:
        """Edit the bot's earlier post (``channel:ts``) to show the message instead."""
        channel, _, ts = post.partition(":")
        await self._pace.admit(delivery.id, (channel, self._channel_limits))
        try:
            await client.chat_update(channel=channel, ts=ts, **payload)
        finally:
            self._pace.answered(delivery.id)
        return Sent(platform_message_id=post)

    async def _upload(self, client: AsyncWebClient, channel: str, invite: InviteFile, reader: Reader) -> None:
        """Share the invite's .ics in the conversation; a failure is logged, as the message holds the link.

        The message is posted by now: raising would post it again on the retry.
        """
        if self._ics_files is None:
            return
        try:
            ics = await self._ics_files(invite.token)
            if ics is None:
                log.warning("no invite file for the invite %s in %s", invite.filename, channel)
                return
            await client.files_upload_v2(
                channel=channel,
                content=ics.content,
                filename=ics.filename,
                title=reader.render(Text.of("invite.file_title", title=Verbatim(ics.title))),
                request_file_info=False,
            )
        except Exception as error:  # the link in the message still offers the invite
            log.warning("the invite %s could not be uploaded to %s: %s", invite.filename, channel, error)

    async def _channel(self, client: AsyncWebClient, delivery: Delivery) -> str:
        target = delivery.message.to_channel
        if target and not _is_user_id(target):
            if not _is_dm(target):
                await self._join(client, delivery.tenant, target)
            return target
        user = target or (delivery.recipient.slack_id if delivery.recipient else None)
        if not user:
            name = delivery.recipient.name if delivery.recipient else "?"
            raise PermanentSendError(
                f"{name} has no Slack identity (slack_id) in the client's configuration",
                Text.of("undeliverable.no_slack_id"),
            )
        key = (delivery.tenant.id, user)
        if key not in self._dm_channels:
            opened = await client.conversations_open(users=user)
            self._dm_channels[key] = str((opened.get("channel") or {}).get("id"))
        return self._dm_channels[key]

    async def _join(self, client: AsyncWebClient, tenant: Tenant, channel: str) -> None:
        """Make sure the bot is a member of the channel (once per tenant and channel), or refuse the post."""
        key = (tenant.id, channel)
        if key in self._member_of:
            return
        try:
            info = await client.conversations_info(channel=channel)
        except SlackApiError as error:
            raise _not_a_member(error, "conversations.info", channel) from error
        if not (info.get("channel") or {}).get("is_member"):
            try:
                await client.conversations_join(channel=channel)
            except SlackApiError as error:
                raise _not_a_member(error, "conversations.join", channel) from error
            log.info("joined Slack channel %s in workspace %s", channel, tenant.slack_team_id)
        self._member_of.add(key)


def _not_a_member(error: SlackApiError, method: str, channel: str) -> Exception:
    """Classify a failed membership check or join; what the coordinator must fix is said in their words."""
    response = error.response
    code = str(response.get("error") or "")
    if code not in _CANNOT_JOIN or response.status_code != 200:
        return classify(error)
    reason = f"Slack refused {method} for {channel}: {code}"
    if code == "missing_scope":
        needed = response.get("needed") or (
            "channels:join" if method == "conversations.join" else "channels:read"
        )
        return PermanentSendError(
            f"{reason} (needed: {needed})",
            Text.of("undeliverable.slack_channel_scope", scope=Verbatim(str(needed))),
        )
    if code == "is_archived":
        return PermanentSendError(reason, Text.of("undeliverable.slack_channel_archived"))
    if code == "channel_not_found":
        # A private channel the bot was never invited to looks to it as if it did not exist.
        return PermanentSendError(reason, Text.of("undeliverable.slack_channel_not_found"))
    if code == "method_not_supported_for_channel_type":
        return PermanentSendError(reason, Text.of("undeliverable.slack_private_channel"))
    return PermanentSendError(reason, Text.of("undeliverable.slack_not_member", detail=Verbatim(code)))


def _is_channel_post(delivery: Delivery) -> bool:
    target = delivery.message.to_channel
    return bool(target) and not _is_dm(target or "") and not _is_user_id(target or "")


def _is_dm(channel: str) -> bool:
    # A DM's channel id starts with D: the bot is always in its own DMs (and cannot join them).
    return channel.startswith("D")


def _is_user_id(target: str) -> bool:
    # Replies go to the account that wrote ("U…", or "W…" in Enterprise Grid), in its DM with the app.
    return target[:1] in ("U", "W") and target[1:].isalnum() and target.isupper()


def classify(error: SlackApiError) -> Exception:
    """Return what a Slack refusal means for the caller: TransientSendError (retry) or PermanentSendError."""
    response = error.response
    code = str(response.get("error") or "")
    if response.status_code == 429 or code == "ratelimited":
        retry_after = response.headers.get("Retry-After") or response.headers.get("retry-after")
        return TransientSendError(
            f"Slack rate limit ({code or 429})", float(retry_after) if retry_after else None
        )
    if response.status_code >= 500:
        return TransientSendError(f"Slack answered {response.status_code}")
    if code in PERMANENT_ERRORS:
        return PermanentSendError(f"Slack refused it: {code}")
    log.warning("unexpected Slack error %s; retrying later", code)
    return TransientSendError(f"Slack error {code}")
