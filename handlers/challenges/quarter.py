"""What every challenge use case asks of the tenant: its cycle's settings, meetings, channel and tally.

A tenant without a ``challenges`` section has no cycle: the commands say so and nothing is posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers.challenges import planning
from handlers.challenges import tally as votes
from handlers.shared.challenge_settings import ChallengeSettings, QuarterlyMeeting
from handlers.shared.context import ActorContext, TenantContext
from handlers.shared.model import ChallengeState, Person, Role, SubmittedChallenge, Tenant, challenge_ref
from handlers.shared.text import Text, Verbatim

CONSOLE_CHANNEL = "udfordringer"
"""Where a tenant on neither Slack nor Teams (the console) sees its challenge channel."""


@dataclass(frozen=True, slots=True)
class Round:
    """One quarterly meeting's challenges and their tally, as of a moment."""

    meeting: QuarterlyMeeting
    challenges: list[SubmittedChallenge]
    tally: votes.Tally
    deadline: datetime

    def ranked(self) -> list[tuple[SubmittedChallenge, votes.ChallengeTally]]:
        """Return the open and decided challenges with their votes, best first (merged and withdrawn left out)."""
        by_number = {str(c.number): c for c in self.challenges}
        return [
            (by_number[entry.reference], entry)
            for entry in self.tally.ranking
            if by_number[entry.reference].state is not ChallengeState.WITHDRAWN
        ]


def settings(tenant: Tenant) -> ChallengeSettings | None:
    """Return the tenant's challenge settings, or None when it has no challenge cycle."""
    return tenant.challenges


def channel(tenant: Tenant, chosen: ChallengeSettings) -> str:
    """Return the channel the challenges are posted in, on the tenant's platform."""
    return tenant.channel(chosen.channel_slack, chosen.channel_teams, CONSOLE_CHANNEL)


def vote_reactions(tenant: Tenant, chosen: ChallengeSettings, platform: str) -> tuple[str, ...]:
    """Return the reactions that count as a vote on the platform (the console reads Slack's names)."""
    return chosen.vote_reactions_teams if platform == "teams" else chosen.vote_reactions_slack


# Teams' reaction types by the emoji people see; Slack's names are shown as :name: (Slack draws them).
_TEAMS_EMOJI = {"like": "👍", "heart": "❤️", "laugh": "😆", "surprised": "😮", "sad": "😢", "angry": "😡"}


def on_teams(tenant: Tenant) -> bool:
    """Tell whether the tenant is served on Teams (one with a Slack workspace too is served on Slack)."""
    return bool(tenant.teams_tenant_id and not tenant.slack_team_id)


def reaction_shown(tenant: Tenant, chosen: ChallengeSettings) -> str:
    """Return the first vote reaction as people see it on the tenant's platform."""
    if on_teams(tenant):
        name = chosen.vote_reactions_teams[0] if chosen.vote_reactions_teams else "like"
        return _TEAMS_EMOJI.get(name, name)
    name = chosen.vote_reactions_slack[0] if chosen.vote_reactions_slack else "+1"
    return f":{name}:"


def quote(challenge: SubmittedChallenge) -> Text:
    """Return the challenge's text as a quote (platforms may shorten it to fit, never read it as markup)."""
    return Text.of("quote", text=Verbatim(challenge.text))


def starts(ctx: TenantContext, of: QuarterlyMeeting) -> datetime:
    """Return a meeting's start as aware UTC."""
    return planning.starts_at(of, ctx.zone)


def ref(ctx: TenantContext, number: int) -> str:
    """Return a challenge's reference in the tenant's language (``U-7`` / ``C-7``)."""
    return challenge_ref(number, ctx.tenant.language)


def meeting(ctx: TenantContext, key: str) -> QuarterlyMeeting | None:
    """Return the tenant's quarterly meeting with the key, if it is still configured."""
    return next((m for m in ctx.tenant.quarterly_meetings if m.key == key), None)


def coming_meeting(ctx: TenantContext, chosen: ChallengeSettings) -> QuarterlyMeeting | None:
    """Return the meeting a challenge submitted now goes to (the first whose voting is still open)."""
    return planning.submission_meeting(ctx.now, ctx.tenant.quarterly_meetings, chosen, ctx.zone)


def next_meeting_after(ctx: TenantContext, key: str) -> QuarterlyMeeting | None:
    """Return the configured meeting after the one with the key (where a deferred challenge goes)."""
    current = meeting(ctx, key)
    if current is None:
        return None
    later = [m for m in ctx.tenant.quarterly_meetings if m.at > current.at]
    return min(later, key=lambda m: m.at, default=None)


def deadline(ctx: TenantContext, chosen: ChallengeSettings, of: QuarterlyMeeting) -> datetime:
    """Return when voting closes for a meeting (the agenda's due time)."""
    return planning.closes_at(of, chosen, ctx.zone)


def round_of(ctx: TenantContext, chosen: ChallengeSettings, of: QuarterlyMeeting) -> Round:
    """Return a meeting's challenges and their tally, counted at its deadline."""
    challenges = ctx.uow.challenges.of_meeting(ctx.tenant.id, of.key)
    closes = deadline(ctx, chosen, of)
    counted = votes.tally(
        ctx.uow.votes.of_meeting(ctx.tenant.id, of.key),
        [_for_tally(c) for c in challenges],
        closes,
        chosen.votes_per_person,
    )
    return Round(of, challenges, counted, closes)


def _for_tally(challenge: SubmittedChallenge) -> votes.Challenge:
    merged = str(challenge.merged_into) if challenge.merged_into is not None else None
    return votes.Challenge(
        reference=str(challenge.number),
        submitted_at=challenge.submitted_at,
        merged_into=merged if challenge.state is ChallengeState.MERGED else None,
        counted_from=challenge.counted_from,
    )


def require_settings(ctx: ActorContext) -> ChallengeSettings | None:
    """Return the tenant's challenge settings, or tell the actor that there is no challenge cycle."""
    chosen = settings(ctx.tenant)
    if chosen is None:
        ctx.reply(Text.of("challenge.no_cycle"))
    return chosen


def find(ctx: ActorContext, number: int) -> SubmittedChallenge | None:
    """Return the tenant's challenge (locked), or tell the actor there is none with that reference."""
    found = ctx.uow.challenges.get(ctx.tenant.id, number)
    if found is None:
        ctx.reply(Text.of("challenge.unknown", ref=ref(ctx, number)))
    return found


def coordinator_names(ctx: TenantContext) -> str:
    """Return the names of the tenant's coordinators, for "ask …" sentences."""
    return ", ".join(p.name for p in ctx.coordinators()) or "?"


def coordinator_only(ctx: ActorContext) -> bool:
    """Tell whether the actor is a coordinator; if not, tell them who to ask."""
    if ctx.is_coordinator():
        return True
    ctx.reply(Text.of("challenge.coordinator_only", coordinator=coordinator_names(ctx)))
    return False


def people_in_roles(ctx: TenantContext, roles: tuple[Role, ...]) -> list[Person]:
    """Return the tenant's active people holding any of the roles, each once."""
    people: dict[int, Person] = {}
    for role in roles:
        for person in ctx.uow.people.with_role(ctx.tenant.id, role):
            people.setdefault(person.id, person)
    return list(people.values())


def counted_as(challenge: SubmittedChallenge) -> int:
    """Return the number a challenge's votes count for: the one it was merged into, else its own."""
    if challenge.state is ChallengeState.MERGED and challenge.merged_into is not None:
        return challenge.merged_into
    return challenge.number
