"""The consultancy's network file: read like a tenant file, refused whole with every problem at once, and
warned about (not refused) when a meeting falls in the holidays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.admin.network_admin import network_warnings
from bot.admin.network_config import NetworkConfigError, load_network_config
from handlers.erfa.network import Network, NetworkMeeting

SAMPLE_NETWORK = Path(__file__).parents[2] / "bot" / "console" / "sample_network.yaml"
BEFORE = datetime(2027, 1, 4, 9, tzinfo=UTC)


def _sample(old: str = "", new: str = "") -> str:
    text = SAMPLE_NETWORK.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def _problems(text: str) -> list[str]:
    with pytest.raises(NetworkConfigError) as refused:
        load_network_config(text)
    return refused.value.problems


def test_the_sample_network_reads_as_written() -> None:
    assert load_network_config(_sample()).network() == Network(
        slug="maximize-network",
        tenants=("nordlys", "vindkraft", "sundhedsdata", "fjernvarme"),
        competitors=(("nordlys", "vindkraft"),),
        meetings=(
            NetworkMeeting(
                key="2027-network-1",
                title="ERFA på tværs: Styregrupper der virker",
                at=datetime(2027, 5, 20, 13, 0),
                duration=timedelta(hours=4),
                place="København",
                tenants=("nordlys", "sundhedsdata", "fjernvarme"),
                seats_per_tenant=8,
            ),
        ),
    )


def test_a_meeting_seating_two_competitors_is_refused_naming_both() -> None:
    text = _sample(
        "tenants: [nordlys, sundhedsdata, fjernvarme]", "tenants: [nordlys, sundhedsdata, vindkraft]"
    )

    assert _problems(text) == [
        "nordlys and vindkraft compete and may not be invited to the same network ERFA "
        "(meetings[1] 2027-network-1)"
    ]


def test_every_problem_is_said_at_once_field_mistakes_with_their_line() -> None:
    text = (
        _sample("seats_per_tenant: 8", "seats_per_tenant: 0\n    colour: blue")
        .replace("duration: 4h", "duration: lang")
        .replace("competitors: [[nordlys, vindkraft]]", "competitors: [[nordlys, vindkraft], [nordlys]]")
        + "  - key: 2027-network-1\n"
        "    title: Igen\n"
        "    at: 2027-03-28T02:30\n"
        "    duration: 2h\n"
        "    place: Aarhus\n"
        "    tenants: [nordlys, vindkraft, elselskabet]\n"
    )

    assert _problems(text) == [
        'line 26: meetings[1].duration: must be a duration like "3h", "90m" or "1h30m", not \'lang\'',
        "line 29: meetings[1].seats_per_tenant: must be at least 1, not 0",
        "line 30: meetings[1].colour: unknown field 'colour' (allowed: key, title, at, duration, place, "
        "tenants, seats_per_tenant, cancelled)",
        "line 33: meetings[2].at: 2027-03-28T02:30 does not exist in Europe/Copenhagen (the clocks skip "
        "that hour); choose another time",
        "competitors[2] must name two different tenants, such as [nordlys, vindkraft]",
        "meetings[2] 2027-network-1 uses the key of meetings[1]; each meeting needs its own key",
        "elselskabet in meetings[2] 2027-network-1 is not one of the network's tenants",
        "nordlys and vindkraft compete and may not be invited to the same network ERFA "
        "(meetings[2] 2027-network-1)",
    ]


def test_a_misspelt_top_level_field_is_named_with_the_network_files_fields() -> None:
    assert _problems(_sample("competitors:", "competitor:")) == [
        "line 14: competitor: unknown field 'competitor' (did you mean 'competitors'?)"
    ]


def test_an_empty_file_says_what_it_needs() -> None:
    assert _problems("# nothing yet\n") == ["the file is empty; it needs at least slug, tenants and meetings"]


def test_an_offset_is_refused_the_time_is_copenhagens() -> None:
    assert _problems(_sample("at: 2027-05-20T13:00", "at: 2027-05-20T13:00+02:00")) == [
        "line 25: meetings[1].at: must be local time in Copenhagen without an offset, like 2027-05-20T13:00, "
        "not '2027-05-20T13:00+02:00'"
    ]


def test_a_cancelled_meeting_is_read_as_cancelled() -> None:
    config = load_network_config(_sample("seats_per_tenant: 8", "seats_per_tenant: 8\n    cancelled: true"))

    assert [m.cancelled for m in config.network().meetings] == [True]


@pytest.mark.parametrize(
    ("at", "warning"),
    [
        (
            "2027-05-06T13:00",
            "2027-network-1 falls on Kristi himmelfartsdag (Thursday 6 May 2027), a Danish public holiday, when most people are off",
        ),
        (
            "2027-02-18T13:00",
            "2027-network-1 falls in week 7 (2027-02-15 to 2027-02-21), the winter school holiday (vinterferie) in most of "
            "Denmark, when many people are away",
        ),
        (
            "2027-10-21T13:00",
            "2027-network-1 falls in week 42 (2027-10-18 to 2027-10-24), the autumn school holiday (efterårsferie) in most of "
            "Denmark, when many people are away",
        ),
        (
            "2027-07-08T13:00",
            "2027-network-1 falls in July, the common summer holiday (sommerferie) in Denmark, when many people are away",
        ),
    ],
)
def test_a_meeting_in_the_holidays_is_warned_about(at: str, warning: str) -> None:
    network = load_network_config(_sample("at: 2027-05-20T13:00", f"at: {at}")).network()

    assert network_warnings(network, BEFORE) == [
        f"warning: {warning} (applied all the same; move it if that was not meant)"
    ]


def test_no_warning_for_an_ordinary_day_a_cancelled_or_a_past_meeting() -> None:
    holiday = _sample("at: 2027-05-20T13:00", "at: 2027-05-06T13:00")
    cancelled = holiday.replace("seats_per_tenant: 8", "seats_per_tenant: 8\n    cancelled: true")

    assert network_warnings(load_network_config(_sample()).network(), BEFORE) == []
    assert network_warnings(load_network_config(cancelled).network(), BEFORE) == []
    over = datetime(2027, 5, 6, 15, tzinfo=UTC)  # 17:00 in Copenhagen: the 4-hour meeting has ended
    assert network_warnings(load_network_config(holiday).network(), over) == []
