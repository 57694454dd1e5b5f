"""bench.votes keeps working: its event stream is what it says, and a tiny run ends with equal tallies."""

from __future__ import annotations

import subprocess
from collections import Counter

import pytest

from bench.votes import CHANNEL, OTHER_MESSAGE, event_stream
from tests.e2e.conftest import run_bench

POSTS = [f"1700000000.{n:06d}" for n in range(1, 6)]
KNOWN = [f"UV{n:04d}" for n in range(40)]
UNKNOWN = ["UX0001", "UX0002"]


def test_the_event_stream_is_a_seeded_mix_of_adds_removes_and_retries() -> None:
    deliveries = event_stream(POSTS, KNOWN, UNKNOWN, 2000, seed=3, start=1_800_000_000.0)

    assert deliveries == event_stream(POSTS, KNOWN, UNKNOWN, 2000, seed=3, start=1_800_000_000.0)
    assert len(deliveries) == 2000
    retries = [d for d in deliveries if d.retry]
    assert len(retries) == 200  # 10 %: the same event again, after the first delivery of it
    first_at = {d.event.event_id: n for n, d in enumerate(deliveries) if not d.retry}
    assert all(first_at[d.event.event_id] < n for n, d in enumerate(deliveries) if d.retry)
    events = [d.event for d in deliveries if not d.retry]
    assert len({e.event_id for e in events}) == 1800
    assert Counter(e.added for e in events)[False] > 300  # removes too, not only adds
    assert {e.ts for e in events} <= {*POSTS, OTHER_MESSAGE}
    assert {e.channel for e in events} == {CHANNEL}
    assert {e.user for e in events} & set(UNKNOWN)
    # Some (user, message, emoji) has a later delivery carrying an earlier event time.
    last: dict[tuple[str, str, str], int] = {}
    out_of_order = 0
    for event in events:
        key = (event.user, event.ts, event.reaction)
        out_of_order += key in last and event.micros < last[key]
        last[key] = max(event.micros, last.get(key, 0))
    assert out_of_order > 0


def _run(*options: str) -> subprocess.CompletedProcess[str]:
    tiny = ["--events", "400", "--rounds", "1", "--people", "20", "--challenges", "3"]
    return run_bench("votes", *tiny, *options)


def test_a_tiny_run_prints_every_mode_and_an_equal_tally() -> None:
    result = _run()

    assert result.returncode == 0, result.stdout + result.stderr
    for heading in ("concurrency 16", "concurrency 64", "open loop at 200/s"):
        assert heading in result.stdout
    assert "vpmo sustained / write" in result.stdout
    assert "tally equal: yes" in result.stdout


@pytest.mark.postgres
def test_a_tiny_run_on_postgresql_ends_with_an_equal_tally(postgres_url: str) -> None:
    # The fixture only says whether a server is there (and fails in CI without one); the bench makes
    # its own database on the server VPMO_TEST_POSTGRES_URL names.
    result = _run("--postgres")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "PostgreSQL" in result.stdout
    assert "tally equal: yes" in result.stdout
