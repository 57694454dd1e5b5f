"""Applying a tenant configuration file to the database, and exporting it back."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session

from bot.admin.tenant_config import (
    Absence,
    BusinessHours,
    ChallengeChannel,
    ChallengesConfig,
    ErfaChannel,
    ErfaConfig,
    ErfaMeetingConfig,
    ExtraArea,
    PersonConfig,
    QuarterlyMeetingConfig,
    SparringConfig,
    TenantConfig,
    TenantConfigError,
    VoteReactions,
)
from bot.bootstrap import DanishHolidays, classifier_for
from handlers.erfa.calendar_warnings import APPLIED_ANYWAY, calendar_warnings
from handlers.shared.challenge_settings import quarter_key
from handlers.shared.context import Deps, TenantContext
from handlers.shared.model import Role
from handlers.sparring.offering import Rerouted, reroute_stranded
from storage.network_store import all_networks, announced_meetings, erfa_tenants
from storage.tenant_store import (
    PersonSettings,
    TenantSettings,
    apply_tenant_rows,
    departed_seniors,
    stored_tenant,
    tenant_summaries,
)
from storage.uow import SqlUnitOfWorkFactory


@dataclass(slots=True)
class ApplyReport:
    """What applying a file changed."""

    slug: str
    created: bool = False
    tenant_changed: bool = False
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    rerouted: list[Rerouted] = field(default_factory=list)
    # Applied all the same: said once per apply, each line "warning: …".
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Tell whether anything changed at all."""
        return (
            self.created
            or self.tenant_changed
            or bool(self.added or self.updated or self.deactivated or self.rerouted)
        )

    def summary(self) -> str:
        """Return a one-paragraph account of the changes, then a line per warning."""
        return "\n".join([self._changes(), *self.warnings])

    def _changes(self) -> str:
        if not self.changed:
            return f"{self.slug}: no changes."
        parts = ["created" if self.created else ("settings updated" if self.tenant_changed else "")]
        for label, emails in (
            ("added", self.added),
            ("updated", self.updated),
            ("deactivated", self.deactivated),
        ):
            if emails:
                parts.append(f"{label} {len(emails)}: {', '.join(emails)}")
        text = f"{self.slug}: " + "; ".join(p for p in parts if p) + "."
        if self.rerouted:
            moves = ", ".join(
                f"{r.ref} to {r.senior}" if r.senior else f"{r.ref} to the coordinator (nobody else fits)"
                for r in self.rerouted
            )
            text += f"\nOpen requests of seniors who left, passed on {len(self.rerouted)}: {moves}."
        return text


def _tenant_settings(config: TenantConfig) -> TenantSettings:
    sparring = config.sparring
    return TenantSettings(
        name=config.name,
        language=config.language,
        timezone=config.timezone,
        agreed_hours_per_quarter=float(sparring.agreed_hours_per_quarter),
        response_hours=float(sparring.response_hours),
        over_quota=sparring.over_quota,
        business_start=sparring.business_hours.start.strftime("%H:%M"),
        business_end=sparring.business_hours.end.strftime("%H:%M"),
        slack_team_id=config.slack_team_id,
        teams_tenant_id=config.teams_tenant_id,
        extra_areas=[
            {"key": a.key, "da": a.da, "en": a.en, "keywords": list(a.keywords)} for a in config.expertise
        ],
        quarterly_meetings=[
            {"key": m.effective_key, "at": m.at.isoformat(timespec="minutes"), "place": m.place}
            for m in sorted(config.quarterly_meetings, key=lambda m: m.at)
        ],
        challenges=_challenge_values(config.challenges),
        erfa_meetings=[_erfa_meeting_values(m) for m in sorted(config.erfa_meetings, key=lambda m: m.at)],
        erfa=_erfa_values(config.erfa),
    )


def _erfa_meeting_values(meeting: ErfaMeetingConfig) -> dict[str, Any]:
    # Named as the core's ErfaMeeting fields, which storage/mapping.py builds from them.
    return {
        "key": meeting.key,
        "title": meeting.title,
        "at": meeting.at.isoformat(timespec="minutes"),
        "duration_minutes": int(meeting.duration.total_seconds()) // 60,
        "place": meeting.place,
        "audience": [role.value for role in meeting.audience],
        "seats": meeting.seats,
        "cancelled": meeting.cancelled,
    }


def _erfa_values(erfa: ErfaConfig | None) -> dict[str, Any] | None:
    if erfa is None:
        return None
    return {
        "channel_slack": erfa.channel.slack,
        "channel_teams": erfa.channel.teams,
        "reminders": list(erfa.reminders),
    }


def _challenge_values(challenges: ChallengesConfig | None) -> dict[str, Any] | None:
    # Named as the core's ChallengeSettings fields, which storage/mapping.py builds from them.
    if challenges is None:
        return None
    return {
        "channel_slack": challenges.channel.slack,
        "channel_teams": challenges.channel.teams,
        "call_days_before": challenges.call_days_before,
        "remind_days_before": challenges.remind_days_before,
        "close_days_before": challenges.close_days_before,
        "vote_reactions_slack": list(challenges.vote_reactions.slack),
        "vote_reactions_teams": list(challenges.vote_reactions.teams),
        "votes_per_person": challenges.votes_per_person,
        "live_ranking": challenges.live_ranking,
        "anonymous_submitters": challenges.anonymous_submitters,
        "method_review_month": challenges.method_review_month,
    }


def _person_settings(person: PersonConfig) -> PersonSettings:
    return PersonSettings(
        email=person.email,
        name=person.name,
        roles=list(person.roles),
        language=person.language,
        external=person.external,
        expertise=list(person.expertise),
        capacity_hours_per_month=float(person.capacity_hours_per_month or 0),
        absences=[{"from": a.start.isoformat(), "to": a.end.isoformat()} for a in person.absences],
        slack_id=person.slack_id,
        teams_id=person.teams_id,
    )


class _At:
    def __init__(self, moment: datetime) -> None:
        self._moment = moment

    def now(self) -> datetime:
        """Return the moment of the apply."""
        return self._moment


def apply_tenant(engine: Engine, config: TenantConfig, now: datetime | None = None) -> ApplyReport:
    """Create or update the tenant and its people; the same file twice changes nothing.

    Then the open requests of seniors who were removed, deactivated or lost the role move on to the
    next best senior (or to the coordinator's list), in a second transaction. Refused whole
    (:class:`TenantConfigError`) when the file drops an ERFA meeting that was announced, or gives one
    the key of a network meeting the tenant is invited to.
    """
    moment = now or datetime.now(UTC)
    problems = erfa_refusals(engine, config, moment)
    if problems:
        raise TenantConfigError(problems)
    report = _apply(engine, config, moment)
    report.rerouted = _reroute_from_departed(engine, config.slug, moment)
    report.warnings = erfa_warnings(config, moment)
    return report


def erfa_refusals(engine: Engine, config: TenantConfig, now: datetime) -> list[str]:
    """Say what in the file's ERFA meetings the stored state forbids, one sentence each."""
    keys = [meeting.key for meeting in config.erfa_meetings]
    with Session(engine) as session:
        tenant = erfa_tenants(session, [config.slug]).get(config.slug)
        if tenant is None:
            return []
        announced = announced_meetings(session, tenant.id, now)
        dropped = [key for key in tenant.own_meetings if key not in keys and key in announced]
        problems = [
            f"erfa_meetings: {key} was already announced, so it may not simply disappear: keep it in the "
            "file with cancelled: true so the people who answered get a cancellation"
            for key in dropped
        ]
        problems += [
            f"erfa_meetings[{position}] {key} has the key of network {network.slug}'s meeting {key}, which "
            f"{config.slug} is invited to; give the tenant's own meeting another key"
            for network in all_networks(session)
            for meeting in network.meetings
            if config.slug in meeting.tenants
            for position, key in enumerate(keys, start=1)
            if key == meeting.key
        ]
    return problems


def erfa_warnings(config: TenantConfig, now: datetime) -> list[str]:
    """Say which ERFA meetings still ahead fall on a Danish public holiday or in common school holidays.

    Such a meeting is allowed (some tenants choose it), but fewer people come; past meetings are history.
    """
    zone = ZoneInfo(config.timezone)
    holidays = DanishHolidays()
    return [
        f"warning: {sentence} {APPLIED_ANYWAY}"
        for position, meeting in enumerate(config.erfa_meetings, start=1)
        if meeting.at.replace(tzinfo=zone) + meeting.duration > now
        for sentence in calendar_warnings(
            f"erfa_meetings[{position}] ({meeting.key})", meeting.at, meeting.duration, zone, holidays
        )
    ]


def _apply(engine: Engine, config: TenantConfig, moment: datetime) -> ApplyReport:
    people = [_person_settings(person) for person in config.people]
    applied = apply_tenant_rows(engine, config.slug, _tenant_settings(config), people, moment)
    return ApplyReport(
        config.slug,
        created=applied.created,
        tenant_changed=applied.tenant_changed,
        added=applied.added,
        updated=applied.updated,
        deactivated=applied.deactivated,
    )


def _reroute_from_departed(engine: Engine, slug: str, moment: datetime) -> list[Rerouted]:
    # A second transaction after the people are committed: routing must see the directory without the
    # seniors who left. Nothing is lost if it fails: the requests show on the coordinator's list as
    # stranded, and applying the file again moves them on (this looks at every open request).
    departed = departed_seniors(engine, slug)
    if not departed:
        return []
    deps = Deps(
        uow=SqlUnitOfWorkFactory(engine),
        clock=_At(moment),
        holidays=DanishHolidays(),
        classifier_for=classifier_for,
    )
    with deps.uow() as uow:
        domain_tenant = uow.tenants.get_by_slug(slug)
        assert domain_tenant is not None, "the tenant was just applied"
        moved = reroute_stranded(TenantContext(uow, domain_tenant, moment, deps), departed)
        uow.commit()
    return moved


def export_tenant(engine: Engine, slug: str) -> TenantConfig | None:
    """Return the configuration that describes the tenant as stored (None when there is no such tenant)."""
    stored = stored_tenant(engine, slug)
    if stored is None:
        return None
    tenant, people = stored
    return TenantConfig(
        slug=slug,
        name=tenant.name,
        language=tenant.language,
        timezone=tenant.timezone,
        slack_team_id=tenant.slack_team_id,
        teams_tenant_id=tenant.teams_tenant_id,
        sparring=SparringConfig(
            agreed_hours_per_quarter=round(tenant.agreed_hours_per_quarter),
            response_hours=round(tenant.response_hours),
            over_quota=tenant.over_quota,
            business_hours=BusinessHours(start=tenant.business_start, end=tenant.business_end),
        ),
        expertise=tuple(ExtraArea(**area) for area in tenant.extra_areas),
        people=tuple(_person_config(person) for person in people),
        quarterly_meetings=_meeting_configs(tenant.quarterly_meetings),
        challenges=_challenges_config(tenant.challenges),
        erfa=_erfa_config(tenant.erfa),
        erfa_meetings=tuple(_erfa_meeting_config(m) for m in tenant.erfa_meetings),
    )


def _erfa_config(values: dict[str, Any] | None) -> ErfaConfig | None:
    if values is None:
        return None
    return ErfaConfig(
        channel=ErfaChannel(slack=values["channel_slack"], teams=values["channel_teams"]),
        reminders=tuple(values["reminders"]),
    )


def _erfa_meeting_config(values: dict[str, Any]) -> ErfaMeetingConfig:
    return ErfaMeetingConfig(
        key=values["key"],
        title=values["title"],
        at=datetime.fromisoformat(values["at"]),
        duration=timedelta(minutes=values["duration_minutes"]),
        place=values["place"],
        audience=tuple(Role(role) for role in values["audience"]),
        seats=values["seats"],
        # Meetings stored before cancellations existed were all on.
        cancelled=values.get("cancelled", False),
    )


def _meeting_configs(meetings: list[dict[str, str]]) -> tuple[QuarterlyMeetingConfig, ...]:
    # A key that is the quarter's default is left out, unless another meeting shares the quarter.
    quarters = Counter(quarter_key(datetime.fromisoformat(m["at"])) for m in meetings)
    configs = []
    for meeting in meetings:
        at = datetime.fromisoformat(meeting["at"])
        default = meeting["key"] == quarter_key(at) and quarters[quarter_key(at)] == 1
        configs.append(
            QuarterlyMeetingConfig(key=None if default else meeting["key"], at=at, place=meeting["place"])
        )
    return tuple(configs)


def _challenges_config(values: dict[str, Any] | None) -> ChallengesConfig | None:
    if values is None:
        return None
    return ChallengesConfig(
        channel=ChallengeChannel(slack=values["channel_slack"], teams=values["channel_teams"]),
        call_days_before=values["call_days_before"],
        remind_days_before=values["remind_days_before"],
        close_days_before=values["close_days_before"],
        vote_reactions=VoteReactions(
            slack=tuple(values["vote_reactions_slack"]), teams=tuple(values["vote_reactions_teams"])
        ),
        votes_per_person=values["votes_per_person"],
        live_ranking=values["live_ranking"],
        anonymous_submitters=values["anonymous_submitters"],
        method_review_month=values["method_review_month"],
    )


def _person_config(person: PersonSettings) -> PersonConfig:
    return PersonConfig(
        email=person.email,
        name=person.name,
        roles=tuple(person.roles),
        language=person.language,
        slack_id=person.slack_id,
        teams_id=person.teams_id,
        external=person.external,
        expertise=tuple(person.expertise),
        capacity_hours_per_month=(
            round(person.capacity_hours_per_month) if Role.SENIOR.value in person.roles else None
        ),
        absences=tuple(Absence(start=a["from"], end=a["to"]) for a in person.absences),
    )


def list_tenants(engine: Engine) -> list[tuple[str, str, int]]:
    """Return (slug, name, active people) for every tenant."""
    return tenant_summaries(engine)
