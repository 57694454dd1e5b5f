"""On SQLite and PostgreSQL: a tenant's quarterly meetings and challenge settings are stored and read back."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.admin.tenant_admin import apply_tenant, export_tenant
from bot.admin.tenant_config import load_tenant_config
from bot.bootstrap import Runtime
from bot.cli import SAMPLE_TENANT
from handlers.shared.challenge_settings import ChallengeSettings, QuarterlyMeeting
from handlers.shared.model import Tenant

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
MOMENT = datetime(2027, 1, 4, 9, tzinfo=UTC)


def _tenant(runtime: Runtime) -> Tenant:
    with runtime.deps.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None
        return tenant


def test_the_sample_clients_meetings_and_challenge_settings_reach_the_core(runtime: Runtime) -> None:
    tenant = _tenant(runtime)

    assert tenant.quarterly_meetings == (
        QuarterlyMeeting("2027-Q1", datetime(2027, 3, 9, 13, tzinfo=COPENHAGEN), "Mødelokale 3 / Teams"),
        QuarterlyMeeting("2027-Q2", datetime(2027, 6, 8, 13, tzinfo=COPENHAGEN), "Mødelokale 3 / Teams"),
    )
    # Local wall time on both sides of the change to summer time on 28 March.
    assert [m.at.astimezone(UTC).hour for m in tenant.quarterly_meetings] == [12, 11]
    assert tenant.challenges == ChallengeSettings(
        channel_slack="C0CHALL", channel_teams="19:abc@thread.tacv2"
    )


def test_moving_a_meeting_keeps_its_key_and_dropping_challenges_clears_them(runtime: Runtime) -> None:
    text = SAMPLE_TENANT.read_text(encoding="utf-8")
    moved = text.replace("at: 2027-03-09T13:00", "key: spring\n    at: 2027-03-16T10:30")
    without = moved[: moved.index("challenges:")] + moved[moved.index("# Everyone the bot") :]

    report = apply_tenant(runtime.engine, load_tenant_config(without), now=MOMENT)
    tenant = _tenant(runtime)

    assert report.tenant_changed
    assert tenant.quarterly_meetings[0] == QuarterlyMeeting(
        "spring", datetime(2027, 3, 16, 10, 30, tzinfo=COPENHAGEN), "Mødelokale 3 / Teams"
    )
    assert tenant.challenges is None


def test_changed_challenge_settings_are_seen_at_once_and_export_applies_back(runtime: Runtime) -> None:
    _tenant(runtime)  # the directory cache holds the tenant now
    text = SAMPLE_TENANT.read_text(encoding="utf-8").replace("votes_per_person: 0", "votes_per_person: 3")
    apply_tenant(runtime.engine, load_tenant_config(text), now=MOMENT)

    settings = _tenant(runtime).challenges
    exported = export_tenant(runtime.engine, "nordlys")

    assert settings is not None
    assert settings.votes_per_person == 3
    assert exported == load_tenant_config(text)
    assert not apply_tenant(runtime.engine, exported, now=MOMENT).changed


def test_two_keyed_meetings_in_one_quarter_export_with_their_keys(runtime: Runtime) -> None:
    text = (
        SAMPLE_TENANT.read_text(encoding="utf-8")
        .replace(
            "  - at: 2027-06-08T13:00",
            "  - key: 2027-Q1\n    at: 2027-03-30T09:00\n    place: x\n  - at: 2027-06-08T13:00",
        )
        .replace("  - at: 2027-03-09T13:00", "  - key: q1-early\n    at: 2027-03-09T13:00")
    )
    config = load_tenant_config(text)
    apply_tenant(runtime.engine, config, now=MOMENT)

    exported = export_tenant(runtime.engine, "nordlys")

    assert exported is not None
    assert [m.key for m in exported.quarterly_meetings] == ["q1-early", "2027-Q1", None]
    assert exported == config
