"""The network file's rules: competitors never meet, meetings invite only the network's tenants, seats ≥ 1."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.erfa.network import Network, NetworkMeeting, check, check_network
from tests.fakes import COPENHAGEN

TENANTS = ("nordlys", "vindkraft", "sundhedsdata", "fjernvarme")
COMPETITORS = (("nordlys", "vindkraft"),)


def meeting(key: str, *tenants: str, seats: int | None = 8) -> NetworkMeeting:
    return NetworkMeeting(
        key=key,
        title="ERFA på tværs: Styregrupper der virker",
        at=datetime(2027, 5, 20, 13, 0, tzinfo=COPENHAGEN),
        duration=timedelta(hours=4),
        place="København",
        tenants=tenants,
        seats_per_tenant=seats,
    )


def test_the_issues_example_network_has_no_problems() -> None:
    meetings = [meeting("2027-network-1", "nordlys", "sundhedsdata", "fjernvarme")]

    assert check_network(TENANTS, COMPETITORS, meetings) == ()


def test_a_meeting_inviting_two_competitors_is_refused_naming_the_pair_and_the_meeting() -> None:
    meetings = [
        meeting("2027-network-1", "nordlys", "sundhedsdata"),
        meeting("2027-network-2", "vindkraft", "fjernvarme", "nordlys"),
    ]

    problems = check_network(TENANTS, COMPETITORS, meetings)

    assert problems == (
        "nordlys and vindkraft compete and may not be invited to the same network ERFA (meetings[2] 2027-network-2)",
    )


def test_competitors_may_each_meet_others_at_different_meetings() -> None:
    meetings = [meeting("a", "nordlys", "fjernvarme"), meeting("b", "vindkraft", "fjernvarme")]

    assert check_network(TENANTS, COMPETITORS, meetings) == ()


def test_every_competing_pair_in_a_meeting_is_named() -> None:
    competitors = [("nordlys", "vindkraft"), ("sundhedsdata", "fjernvarme")]

    problems = check_network(TENANTS, competitors, [meeting("all", *TENANTS)])

    assert len(problems) == 2
    assert "sundhedsdata and fjernvarme compete" in problems[1]


def test_a_meeting_may_invite_only_the_networks_tenants() -> None:
    problems = check_network(TENANTS, COMPETITORS, [meeting("2027-network-1", "nordlys", "solvarme")])

    assert problems == ("solvarme in meetings[1] 2027-network-1 is not one of the network's tenants",)


def test_seats_per_tenant_must_be_at_least_one_and_may_be_left_out() -> None:
    problems = check_network(
        TENANTS,
        COMPETITORS,
        [meeting("a", "nordlys", "fjernvarme", seats=0), meeting("b", "nordlys", seats=None)],
    )

    assert problems == ("meetings[1] a has seats_per_tenant 0; it must be at least 1",)


def test_competitor_pairs_must_name_two_different_tenants_of_the_network() -> None:
    problems = check_network(TENANTS, [("nordlys", "nordlys"), ("nordlys", "solvarme"), ("nordlys",)], [])

    assert problems == (
        "competitors[1] must name two different tenants, such as [nordlys, vindkraft]",
        "competitors[2] names solvarme, which is not one of the network's tenants",
        "competitors[3] must name two different tenants, such as [nordlys, vindkraft]",
    )


def test_repeated_tenants_and_meeting_keys_are_problems() -> None:
    problems = check_network(
        (*TENANTS, "nordlys"),
        COMPETITORS,
        [meeting("a", "fjernvarme", "fjernvarme"), meeting("a", "nordlys")],
    )

    assert problems == (
        "nordlys is listed twice in tenants",
        "fjernvarme is listed twice in meetings[1] a",
        "meetings[2] a uses the key of meetings[1]; each meeting needs its own key",
    )


def test_a_network_is_checked_as_a_whole() -> None:
    network = Network("maximize-network", TENANTS, COMPETITORS, (meeting("x", "nordlys", "vindkraft"),))

    assert check(network) == check_network(TENANTS, COMPETITORS, network.meetings)
    assert len(check(network)) == 1
