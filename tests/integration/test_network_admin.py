"""On SQLite and PostgreSQL: a network file is applied whole or not at all, the same file twice changes
nothing, keys never collide, an announced meeting is cancelled rather than dropped, and the status counts
each tenant's own answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from bot.admin.erfa_attendees import as_csv, attendees
from bot.admin.network_admin import NetworkReport, apply_network, network_status, status_text
from bot.admin.network_config import NetworkConfigError, load_network_config
from bot.admin.tenant_admin import apply_tenant, export_tenant
from bot.admin.tenant_config import TenantConfigError, load_tenant_config
from bot.bootstrap import Runtime
from bot.cli import SAMPLE_TENANT
from storage.tables import ErfaAnswerRow, ErfaRecordRow, NetworkRow, PersonRow, TenantRow
from tests.unit.test_network_config import SAMPLE_NETWORK

MOMENT = datetime(2027, 1, 4, 9, tzinfo=UTC)
# 2027-05-20T13:00 in Copenhagen (summer time).
NETWORK_START = datetime(2027, 5, 20, 11, tzinfo=UTC)
SPRING_START = datetime(2027, 4, 15, 7, tzinfo=UTC)
INVITED = "tenants: [nordlys, sundhedsdata, fjernvarme]"
OTHERS = {
    "vindkraft": ("T02VIND", "0b1c2d3e-4f50-4617-8293-a4b5c6d7e801"),
    "sundhedsdata": ("T03SUND", "0b1c2d3e-4f50-4617-8293-a4b5c6d7e802"),
    "fjernvarme": ("T04FJERN", "0b1c2d3e-4f50-4617-8293-a4b5c6d7e803"),
    "elnet": ("T05ELNET", "0b1c2d3e-4f50-4617-8293-a4b5c6d7e804"),
}


def tenant_text(slug: str, *, erfa: bool = True) -> str:
    """Return the sample tenant file as another client's, in its own workspace and Microsoft tenant."""
    text = SAMPLE_TENANT.read_text(encoding="utf-8")
    if slug in OTHERS:
        team, microsoft = OTHERS[slug]
        text = (
            text.replace("slug: nordlys", f"slug: {slug}")
            .replace("T01NORDLYS", team)
            .replace("5f3c2a1e-8b7d-4c6a-9e0f-1a2b3c4d5e6f", microsoft)
        )
    if not erfa:
        text = text[: text.index("# The half-yearly ERFA")] + text[text.index("# Everyone the bot") :]
    return text


@pytest.fixture
def network_runtime(runtime: Runtime) -> Runtime:
    """Return the runtime with the sample client, three more with ERFA meetings and one (elnet) without."""
    for slug in OTHERS:
        apply_tenant(runtime.engine, load_tenant_config(tenant_text(slug, erfa=slug != "elnet")), now=MOMENT)
    return runtime


def network_text(old: str = "", new: str = "") -> str:
    text = SAMPLE_NETWORK.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def apply(runtime: Runtime, text: str, now: datetime = MOMENT) -> NetworkReport:
    return apply_network(runtime.engine, load_network_config(text), now)


def refusal(runtime: Runtime, text: str, now: datetime = MOMENT) -> list[str]:
    with pytest.raises(NetworkConfigError) as refused:
        apply(runtime, text, now)
    return refused.value.problems


def network_rows(runtime: Runtime) -> list[NetworkRow]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(NetworkRow)))


def tenant_id(runtime: Runtime, slug: str) -> int:
    with Session(runtime.engine) as session:
        row = session.exec(select(TenantRow).where(TenantRow.slug == slug)).one()
        assert row.id is not None
        return row.id


def announce(runtime: Runtime, slug: str, key: str, start: datetime, *, cancelled: bool = False) -> None:
    """Record that the bot announced the meeting to the tenant, as the ERFA room does."""
    with Session(runtime.engine) as session:
        session.add(
            ErfaRecordRow(
                tenant_id=tenant_id(runtime, slug),
                meeting=key,
                start=start,
                place="København",
                title="ERFA",
                cancelled=cancelled,
                announced=f"erfa:{slug}:{key}:announce",
                updated_at=MOMENT,
            )
        )
        session.commit()


def test_a_network_is_stored_as_written_and_the_report_names_each_tenants_meetings(
    network_runtime: Runtime,
) -> None:
    report = apply(network_runtime, network_text())

    assert report.summary() == (
        "maximize-network: created.\n"
        "fjernvarme: added 2027-network-1.\n"
        "nordlys: added 2027-network-1.\n"
        "sundhedsdata: added 2027-network-1."
    )
    [row] = network_rows(network_runtime)
    assert (row.slug, row.tenants, row.competitors) == (
        "maximize-network",
        ["nordlys", "vindkraft", "sundhedsdata", "fjernvarme"],
        [["nordlys", "vindkraft"]],
    )
    assert row.meetings == [
        {
            "key": "2027-network-1",
            "title": "ERFA på tværs: Styregrupper der virker",
            "at": "2027-05-20T13:00",
            "duration_minutes": 240,
            "place": "København",
            "tenants": ["nordlys", "sundhedsdata", "fjernvarme"],
            "seats_per_tenant": 8,
            "cancelled": False,
        }
    ]
    with network_runtime.deps.uow() as uow:
        assert uow.networks.get("maximize-network") == load_network_config(network_text()).network()


def test_the_same_file_again_changes_nothing_and_a_change_moves_the_networks_stamp(
    network_runtime: Runtime,
) -> None:
    apply(network_runtime, network_text())
    [before] = network_rows(network_runtime)

    again = apply(network_runtime, network_text())
    assert (again.changed, again.summary()) == (False, "maximize-network: no changes.")
    assert network_rows(network_runtime)[0].updated_at == before.updated_at

    moved = apply(network_runtime, network_text("place: København", "place: Odense"))
    [after] = network_rows(network_runtime)
    assert moved.summary() == (
        "maximize-network: meetings updated.\n"
        "fjernvarme: changed 2027-network-1.\n"
        "nordlys: changed 2027-network-1.\n"
        "sundhedsdata: changed 2027-network-1."
    )
    # The tenants' cached copies hold the old meeting: the stamp tells them to read it again.
    assert after.updated_at > before.updated_at
    assert after.meetings[0]["place"] == "Odense"


def test_a_file_naming_an_unknown_tenant_or_one_without_an_erfa_channel_applies_nothing(
    network_runtime: Runtime,
) -> None:
    text = network_text("fjernvarme]\n", "fjernvarme, elnet, solpark]\n").replace(
        INVITED, "tenants: [nordlys, elnet, solpark]"
    )

    assert refusal(network_runtime, text) == [
        "tenants: there is no tenant 'solpark'; apply its tenant file first (vpmo tenant apply FILE.yaml) "
        "or correct the slug",
        "elnet is invited to a meeting but has no ERFA channel: add an erfa section to its tenant file "
        "(erfa: {channel: {slack: C0ERFA}}) and apply it with vpmo tenant apply",
    ]
    assert network_rows(network_runtime) == []


def test_a_refused_change_keeps_the_network_as_it_was(network_runtime: Runtime) -> None:
    apply(network_runtime, network_text())

    text = network_text("fjernvarme]\n", "fjernvarme, elnet]\n").replace(INVITED, "tenants: [nordlys, elnet]")
    refused = refusal(network_runtime, text)

    assert len(refused) == 1
    assert "elnet is invited to a meeting but has no ERFA channel" in refused[0]
    [row] = network_rows(network_runtime)
    assert row.meetings[0]["tenants"] == ["nordlys", "sundhedsdata", "fjernvarme"]


def test_a_network_meeting_may_not_take_the_key_of_an_invited_tenants_own_meeting(
    network_runtime: Runtime,
) -> None:
    text = network_text("key: 2027-network-1", "key: 2027-autumn").replace(INVITED, "tenants: [nordlys]")

    assert refusal(network_runtime, text) == [
        "meetings[1] 2027-autumn has the key of nordlys's own ERFA meeting 2027-autumn (its tenant file's "
        "erfa_meetings); give the network meeting another key"
    ]
    assert network_rows(network_runtime) == []


def test_two_networks_may_not_invite_a_tenant_to_meetings_with_one_key(network_runtime: Runtime) -> None:
    apply(network_runtime, network_text())
    other = network_text("slug: maximize-network", "slug: energi-network")

    assert refusal(network_runtime, other) == [
        f"meetings[1] 2027-network-1 and network maximize-network's meeting 2027-network-1 both invite {slug}; "
        "give the network meeting another key"
        for slug in ("nordlys", "sundhedsdata", "fjernvarme")
    ]


def test_an_announced_meeting_is_cancelled_not_dropped(network_runtime: Runtime) -> None:
    apply(network_runtime, network_text())
    announce(network_runtime, "nordlys", "2027-network-1", NETWORK_START)
    without_meeting = network_text()[: network_text().index("meetings:\n")] + "meetings: []\n"

    dropped = refusal(network_runtime, without_meeting)
    uninvited = refusal(network_runtime, network_text(INVITED, "tenants: [sundhedsdata, fjernvarme]"))

    sentence = (
        "2027-network-1 was already announced to nordlys, so it may not simply disappear for them: keep it "
        "in the file (with cancelled: true to call it off) so the people who answered are told"
    )
    assert dropped == uninvited == [sentence]
    cancelled = apply(
        network_runtime, network_text("seats_per_tenant: 8", "seats_per_tenant: 8\n    cancelled: true")
    )
    assert cancelled.summary() == (
        "maximize-network: meetings updated.\n"
        "fjernvarme: cancelled 2027-network-1.\n"
        "nordlys: cancelled 2027-network-1.\n"
        "sundhedsdata: cancelled 2027-network-1."
    )


def test_a_meeting_never_announced_cancelled_or_begun_may_be_dropped(network_runtime: Runtime) -> None:
    apply(network_runtime, network_text())
    announce(network_runtime, "sundhedsdata", "2027-network-1", NETWORK_START, cancelled=True)
    announce(network_runtime, "fjernvarme", "2027-network-1", NETWORK_START)
    without_meeting = network_text()[: network_text().index("meetings:\n")] + "meetings: []\n"

    report = apply(network_runtime, without_meeting, now=NETWORK_START + timedelta(minutes=1))

    assert report.summary() == (
        "maximize-network: meetings updated.\n"
        "fjernvarme: removed 2027-network-1.\n"
        "nordlys: removed 2027-network-1.\n"
        "sundhedsdata: removed 2027-network-1."
    )


def test_the_tenant_file_cancels_an_announced_meeting_rather_than_dropping_it(runtime: Runtime) -> None:
    announce(runtime, "nordlys", "2027-spring", SPRING_START)
    text = SAMPLE_TENANT.read_text(encoding="utf-8")
    spring = text[text.index("  - key: 2027-spring") : text.index("  # After the change to winter time")]

    with pytest.raises(TenantConfigError) as refused:
        apply_tenant(runtime.engine, load_tenant_config(text.replace(spring, "")), now=MOMENT)
    assert refused.value.problems == [
        "erfa_meetings: 2027-spring was already announced, so it may not simply disappear: keep it in the "
        "file with cancelled: true so the people who answered get a cancellation"
    ]

    cancelled = text.replace("    seats: 3\n", "    seats: 3\n    cancelled: true\n")
    assert apply_tenant(runtime.engine, load_tenant_config(cancelled), now=MOMENT).tenant_changed
    exported = export_tenant(runtime.engine, "nordlys")
    assert exported is not None
    assert [(m.key, m.cancelled) for m in exported.erfa_meetings] == [
        ("2027-spring", True),
        ("2027-autumn", False),
    ]
    # Once begun it is history, and may leave the file.
    begun = apply_tenant(runtime.engine, load_tenant_config(text.replace(spring, "")), now=SPRING_START)
    assert begun.tenant_changed


def test_the_tenant_file_may_not_take_the_key_of_a_network_meeting_it_is_invited_to(
    network_runtime: Runtime,
) -> None:
    apply(network_runtime, network_text())
    text = tenant_text("nordlys").replace("key: 2027-autumn", "key: 2027-network-1")

    with pytest.raises(TenantConfigError) as refused:
        apply_tenant(network_runtime.engine, load_tenant_config(text), now=MOMENT)

    assert refused.value.problems == [
        "erfa_meetings[2] 2027-network-1 has the key of network maximize-network's meeting 2027-network-1, "
        "which nordlys is invited to; give the tenant's own meeting another key"
    ]
    # vindkraft is in the network but not invited to that meeting: the key is free for it.
    other = tenant_text("vindkraft").replace("key: 2027-autumn", "key: 2027-network-1")
    assert apply_tenant(network_runtime.engine, load_tenant_config(other), now=MOMENT).tenant_changed


def answer(runtime: Runtime, slug: str, key: str, start: datetime, answers: list[str]) -> None:
    """Store answers of the tenant's people, in the order of its file, a minute apart."""
    with Session(runtime.engine) as session:
        people = session.exec(
            select(PersonRow)
            .where(PersonRow.tenant_id == tenant_id(runtime, slug))
            .order_by(col(PersonRow.id))
        ).all()
        for minute, (person, given) in enumerate(zip(people, answers, strict=False)):
            assert person.id is not None
            at = MOMENT + timedelta(minutes=minute)
            session.add(
                ErfaAnswerRow(
                    tenant_id=person.tenant_id,
                    meeting=key,
                    person_id=person.id,
                    start=start,
                    answer=given,
                    at=at,
                    pressed_at=at,
                )
            )
        session.commit()


def test_the_status_counts_each_tenants_own_answers_for_the_current_start(network_runtime: Runtime) -> None:
    apply(network_runtime, network_text("seats_per_tenant: 8", "seats_per_tenant: 2"))
    answer(network_runtime, "nordlys", "2027-network-1", NETWORK_START, ["attending"] * 3 + ["maybe"])
    answer(network_runtime, "sundhedsdata", "2027-network-1", NETWORK_START, ["not_attending", "attending"])
    # Answers for an earlier start no longer stand.
    answer(network_runtime, "fjernvarme", "2027-network-1", NETWORK_START - timedelta(days=7), ["attending"])

    with network_runtime.deps.uow() as uow:
        found = network_status(uow, "maximize-network")
    assert found is not None

    assert status_text("maximize-network", found) == (
        "maximize-network\n"
        "\n"
        "2027-network-1: ERFA på tværs: Styregrupper der virker, 2027-05-20 13:00 Europe/Copenhagen, København\n"
        "  tenant        seated  waiting  maybe  not attending  seats\n"
        "  nordlys       2       1        1      0              2 (0 free)\n"
        "  sundhedsdata  1       0        0      1              2 (1 free)\n"
        "  fjernvarme    0       0        0      0              2 (2 free)\n"
        "  all           3       1        1      1              6 (3 free)\n"
    )


def test_the_attendees_of_a_meeting_are_the_tenants_own_in_the_order_they_answered(
    network_runtime: Runtime,
) -> None:
    answer(network_runtime, "nordlys", "2027-spring", SPRING_START, ["attending", "maybe", "not_attending"])
    answer(network_runtime, "vindkraft", "2027-spring", SPRING_START, ["attending"])

    with network_runtime.deps.uow() as uow:
        found = attendees(uow, "nordlys", "2027-spring")

    assert as_csv(found) == (
        "Navn,E-mail,Svar,Plads,Svaret\r\n"
        "Mette Holm,mette.holm@nordlys.dk,Deltager,har plads,2027-01-04 10:00\r\n"
        "Anna Berg,anna.berg@maximize.dk,Måske,,2027-01-04 10:01\r\n"
        "Lars Kjær,lars.kjaer@maximize.dk,Deltager ikke,,2027-01-04 10:02\r\n"
    )
