"""On SQLite and PostgreSQL: a tenant's ERFA meetings and their settings are stored and read back, and a
meeting on a Danish holiday is applied with a warning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.admin.tenant_admin import apply_tenant, erfa_warnings, export_tenant
from bot.admin.tenant_config import load_tenant_config
from bot.bootstrap import Runtime
from bot.cli import SAMPLE_TENANT
from handlers.shared.erfa_settings import ErfaMeeting, ErfaSettings
from handlers.shared.model import Tenant

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
MOMENT = datetime(2027, 1, 4, 9, tzinfo=UTC)
SPRING = "at: 2027-04-15T09:00"


def _tenant(runtime: Runtime) -> Tenant:
    with runtime.deps.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None
        return tenant


def _sample(old: str = SPRING, new: str = SPRING) -> str:
    text = SAMPLE_TENANT.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new)


def test_the_sample_clients_erfa_meetings_and_settings_reach_the_core(runtime: Runtime) -> None:
    tenant = _tenant(runtime)

    assert tenant.erfa_meetings == (
        ErfaMeeting(
            key="2027-spring",
            title="ERFA: Gevinstrealisering i praksis",
            at=datetime(2027, 4, 15, 9, tzinfo=COPENHAGEN),
            duration=timedelta(hours=3),
            place="Nordlys, Kolding / Teams",
            audience=("pm", "tester", "steering", "participant"),
            seats=3,
        ),
        ErfaMeeting(
            key="2027-autumn",
            title="ERFA: Styregrupper der træffer beslutninger",
            at=datetime(2027, 11, 11, 13, tzinfo=COPENHAGEN),
            duration=timedelta(hours=2, minutes=30),
            place="Teams",
            audience=("pm", "steering"),
            seats=None,
        ),
    )
    # Local wall time in summer and in winter time.
    assert [m.at.astimezone(UTC).hour for m in tenant.erfa_meetings] == [7, 12]
    assert tenant.erfa == ErfaSettings(
        channel_slack="C0ERFA", channel_teams="19:def@thread.tacv2", reminders=("-28d", "-7d", "-1d", "-2h")
    )


def test_erfa_sections_export_as_written_and_apply_back_unchanged(runtime: Runtime) -> None:
    text = _sample().replace('reminders: ["-28d", "-7d", "-1d", "-2h"]', 'reminders: ["-14d", "-3h"]')
    text = text.replace("    seats: 3\n", "    seats: 12\n")
    report = apply_tenant(runtime.engine, load_tenant_config(text), now=MOMENT)

    exported = export_tenant(runtime.engine, "nordlys")

    assert report.tenant_changed
    assert _tenant(runtime).erfa == ErfaSettings("C0ERFA", "19:def@thread.tacv2", ("-14d", "-3h"))
    assert _tenant(runtime).erfa_meetings[0].seats == 12
    assert exported == load_tenant_config(text)
    again = apply_tenant(runtime.engine, exported, now=MOMENT)
    assert (again.changed, again.summary()) == (False, "nordlys: no changes.")


def test_meetings_are_stored_by_time_and_dropping_the_sections_clears_them(runtime: Runtime) -> None:
    swapped = _sample("at: 2027-11-11T13:00", "at: 2027-03-11T13:00")
    apply_tenant(runtime.engine, load_tenant_config(swapped), now=MOMENT)
    assert [m.key for m in _tenant(runtime).erfa_meetings] == ["2027-autumn", "2027-spring"]

    text = _sample()
    without = text[: text.index("# The half-yearly ERFA")] + text[text.index("# Everyone the bot") :]
    report = apply_tenant(runtime.engine, load_tenant_config(without), now=MOMENT)
    tenant = _tenant(runtime)

    assert report.tenant_changed
    assert (tenant.erfa, tenant.erfa_meetings) == (None, ())
    exported = export_tenant(runtime.engine, "nordlys")
    assert exported is not None
    assert (exported.erfa, exported.erfa_meetings) == (None, ())


def test_a_meeting_on_a_public_holiday_is_applied_with_a_warning(runtime: Runtime) -> None:
    text = _sample(SPRING, "at: 2027-05-06T09:00")

    report = apply_tenant(runtime.engine, load_tenant_config(text), now=MOMENT)

    assert report.warnings == [
        "warning: erfa_meetings[1] (2027-spring) falls on Kristi himmelfartsdag (Thursday 6 May 2027), a Danish "
        "public holiday, when most people are off (applied all the same; move it if that was not meant)"
    ]
    assert report.summary() == "nordlys: settings updated.\n" + report.warnings[0]
    assert _tenant(runtime).erfa_meetings[0].at == datetime(2027, 5, 6, 9, tzinfo=COPENHAGEN)
    # Said again on every apply while the meeting is ahead, as a reminder, though nothing changes.
    again = apply_tenant(runtime.engine, load_tenant_config(text), now=MOMENT)
    assert not again.changed
    assert again.summary() == "nordlys: no changes.\n" + report.warnings[0]


@pytest.mark.parametrize(
    ("at", "reason"),
    [
        (
            "2027-02-18T09:00",
            "in week 7 (2027-02-15 to 2027-02-21), the winter school holiday (vinterferie) in most of Denmark, "
            "when many people are away",
        ),
        (
            "2027-10-21T09:00",
            "in week 42 (2027-10-18 to 2027-10-24), the autumn school holiday (efterårsferie) in most of "
            "Denmark, when many people are away",
        ),
        (
            "2027-07-01T09:00",
            "in July, the common summer holiday (sommerferie) in Denmark, when many people are away",
        ),
        (
            "2027-03-26T09:00",
            "on Langfredag (Friday 26 March 2027), a Danish public holiday, when most people are off",
        ),
        (
            "2027-05-17T09:00",
            "on Anden pinsedag (Monday 17 May 2027), a Danish public holiday, when most people are off",
        ),
    ],
)
def test_school_holidays_and_public_holidays_are_named_in_the_warning(at: str, reason: str) -> None:
    config = load_tenant_config(_sample(SPRING, f"at: {at}"))

    assert erfa_warnings(config, MOMENT) == [
        f"warning: erfa_meetings[1] (2027-spring) falls {reason} (applied all the same; move it if that was "
        "not meant)"
    ]


def test_ordinary_days_and_past_meetings_give_no_warning() -> None:
    assert erfa_warnings(load_tenant_config(_sample()), MOMENT) == []
    # Kept in the file as history: over before the apply.
    past = load_tenant_config(_sample(SPRING, "at: 2027-05-06T09:00"))
    assert erfa_warnings(past, datetime(2027, 5, 6, 10, tzinfo=UTC)) == []
