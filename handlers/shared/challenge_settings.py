"""The settings of a tenant's quarterly challenge cycle: its meetings and how challenges are gathered.

Pure values, set by the tenant configuration file. The planning of the posts and the vote tally live in
handlers/challenges/; they read these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class QuarterlyMeeting:
    """One quarterly meeting. `key` names it across edits: a meeting moved in the file keeps its key.

    `at` is aware, in the tenant's time zone, as written in the file (local wall time; it is stored
    that way too, so a meeting stays at 13:00 whatever the clocks do).
    """

    key: str
    at: datetime
    place: str = ""


@dataclass(frozen=True, slots=True)
class ChallengeSettings:
    """How challenges are called for, voted on and closed before each quarterly meeting."""

    channel_slack: str | None = None
    channel_teams: str | None = None
    call_days_before: int = 21
    remind_days_before: int = 5
    close_days_before: int = 2
    vote_reactions_slack: tuple[str, ...] = ("+1", "thumbsup")
    vote_reactions_teams: tuple[str, ...] = ("like",)
    votes_per_person: int = 0  # 0 = unlimited; otherwise a dot budget per quarter
    live_ranking: bool = True
    anonymous_submitters: bool = False
    method_review_month: int = 11


def quarter_key(at: datetime) -> str:
    """Return the default key of a meeting: the quarter it falls in, such as ``2027-Q1``."""
    return f"{at.year}-Q{(at.month - 1) // 3 + 1}"
