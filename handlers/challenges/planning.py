"""When the quarterly challenges' posts fall due, and what to do with one that is due (or overdue).

The plan is recomputed from the tenant's meetings every time, so a meeting moved in the YAML moves its
posts and a cancelled one (gone from the YAML) has none; nothing is ever planned for a meeting that has
begun. "N days before" is a calendar offset in the tenant's zone: the same wall-clock time, across DST.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from handlers.shared import post_timing as timing
from handlers.shared.challenge_settings import ChallengeSettings, QuarterlyMeeting
from handlers.shared.post_timing import MISSED_WINDOW, Delivery


class PostKind(StrEnum):
    """The scheduled posts of a quarterly meeting's challenges."""

    CALL = "call"
    REMINDER = "reminder"
    AGENDA = "agenda"
    """Posted at the close: voting ends, the ranked agenda goes out."""


def days_before(settings: ChallengeSettings, kind: PostKind) -> int:
    """Return how many calendar days before the meeting a kind of post goes out."""
    return {
        PostKind.CALL: settings.call_days_before,
        PostKind.REMINDER: settings.remind_days_before,
        PostKind.AGENDA: settings.close_days_before,
    }[kind]


@dataclass(frozen=True, slots=True)
class PlannedPost:
    """One post to put in the outbox, under an idempotency key that survives a moved meeting."""

    meeting: str
    kind: PostKind
    due_at: datetime
    """Aware UTC."""
    meeting_at: datetime
    """Aware UTC: the moment after which the post is dropped."""
    dedupe_key: str


def starts_at(meeting: QuarterlyMeeting, zone: ZoneInfo) -> datetime:
    """Return the meeting's start as aware UTC."""
    return timing.starts_at(meeting.at, zone)


def due_at(meeting: QuarterlyMeeting, days_before: int, zone: ZoneInfo) -> datetime:
    """Return the UTC moment ``days_before`` calendar days before the meeting, at the same wall-clock time."""
    return timing.days_before(meeting.at, days_before, zone)


def closes_at(meeting: QuarterlyMeeting, settings: ChallengeSettings, zone: ZoneInfo) -> datetime:
    """Return the deadline for submissions and votes: the agenda's due time (inclusive)."""
    return due_at(meeting, settings.close_days_before, zone)


def plan(
    tenant: str,
    zone: ZoneInfo,
    meetings: Iterable[QuarterlyMeeting],
    settings: ChallengeSettings,
    now: datetime,
) -> tuple[PlannedPost, ...]:
    """Return the posts of every meeting that has not begun at ``now``, in due order.

    Overdue posts are included (a bot that was down posts them when it comes back; see :func:`decide`);
    the outbox's idempotency key keeps a post that was already sent from going out again.
    """
    return _posts(tenant, zone, (m for m in meetings if starts_at(m, zone) > now), settings)


def missed(
    tenant: str,
    zone: ZoneInfo,
    meetings: Iterable[QuarterlyMeeting],
    settings: ChallengeSettings,
    now: datetime,
    window: timedelta = MISSED_WINDOW,
) -> tuple[PlannedPost, ...]:
    """Return the posts of the meetings that began within ``window`` before ``now``.

    Any of them never sent was missed while the bot was down: :func:`decide` drops it, and the
    coordinator is told instead (once, under the post's own key).
    """
    begun = (m for m in meetings if now - window <= starts_at(m, zone) <= now)
    return _posts(tenant, zone, begun, settings)


def _posts(
    tenant: str, zone: ZoneInfo, meetings: Iterable[QuarterlyMeeting], settings: ChallengeSettings
) -> tuple[PlannedPost, ...]:
    posts = [
        PlannedPost(
            meeting=meeting.key,
            kind=kind,
            due_at=due_at(meeting, days_before(settings, kind), zone),
            meeting_at=starts_at(meeting, zone),
            dedupe_key=f"challenges:{tenant}:{meeting.key}:{kind.value}",
        )
        for meeting in meetings
        for kind in PostKind
    ]
    posts.sort(key=lambda post: (post.due_at, post.meeting, post.kind.value))
    return tuple(posts)


def decide(post: PlannedPost, now: datetime) -> Delivery:
    """Tell whether a post is not due yet, due on time, late (over an hour), or to drop (meeting begun)."""
    return timing.delivery(post.due_at, post.meeting_at, now)


def submission_meeting(
    now: datetime, meetings: Iterable[QuarterlyMeeting], settings: ChallengeSettings, zone: ZoneInfo
) -> QuarterlyMeeting | None:
    """Return the meeting a challenge submitted at ``now`` goes to: the first whose close is still ahead.

    After a meeting's close (the agenda is out) it goes to the next meeting; None when none is configured.
    """
    open_ = [meeting for meeting in meetings if now <= closes_at(meeting, settings, zone)]
    return min(open_, key=lambda meeting: starts_at(meeting, zone), default=None)
