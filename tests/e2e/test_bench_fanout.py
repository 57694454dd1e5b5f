"""bench.fanout keeps working: its bound is the issue's, and a tiny run loses and doubles nothing."""

from __future__ import annotations

from bench.fanout import SLACK, TEAMS, scaled
from tests.e2e.conftest import run_bench


def test_the_bounds_are_what_the_limits_allow() -> None:
    assert (SLACK.posts, SLACK.bound) == (5000, 10.0)  # 100 posts a workspace at 10 a second
    assert TEAMS.posts == 1000
    assert round(TEAMS.bound, 2) == 3.33  # 100 posts a tenant at 30 a second
    assert scaled(SLACK, 0.01).posts == 5 * 5 * 2  # a few workspaces and channels, never none


def test_a_tiny_fan_out_on_both_platforms_loses_and_doubles_nothing() -> None:
    run = run_bench("fanout", "--scale", "0.01")

    assert run.returncode == 0, run.stdout + run.stderr
    rows = [line.split() for line in run.stdout.splitlines() if line.startswith(("slack", "teams"))]
    assert [row[0] for row in rows] == ["slack", "teams"]
    for row in rows:
        lost, duplicated = int(row[6]), int(row[7])
        assert (lost, duplicated) == (0, 0), run.stdout
