"""``vpmo serve`` killed (SIGKILL) in the middle of a fan-out to many channels, then started again.

Every message is delivered after the restart, none is lost, no more are posted twice than were in
flight at the kill (CONCURRENT_SENDS), and delivery goes on within seconds of the restart, not once
the killed process's leases run out. The fake Slack answers in 0.15 s and the bot posts at most one
message a second per channel (its pace), so most of what the first process claimed is held back
for pacing when it is killed.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from scheduler.dispatcher import CONCURRENT_SENDS
from storage.db import make_engine
from storage.tables import OutboxRow
from tests.platforms.conftest import sample_database
from tests.platforms.fan_out import keyed_post, queue, slack_posts
from tests.platforms.serve_process import ServeProcess, slack_environment, slack_for_processes
from tests.platforms.slack_fakes import Call, FakeSlackApi

CHANNELS = [f"CFAN{number:02d}" for number in range(20)]
MESSAGES = 100
KILLED_AFTER = 25  # posts made by the first process before it is killed
RESUMED_WITHIN = 30.0  # seconds from the restart to the first post (the bound)
# Seconds from the restart until all is sent: the killed process's claims are free within one lease
# of its last renewal (20 s; it was 2 minutes), then the next tick takes them and what is left drains
# at one post a second per channel. Generous, as a bound on a loaded 2-core machine must be: the
# suite's full run once needed 45 s.
DELIVERED_WITHIN = 75.0
_KEY = re.compile(r"fanout-\d{3}")


def _fan_out_posts(slack: FakeSlackApi) -> list[tuple[int, Call]]:
    """Return the fan-out's posts that Slack took, each with the number of its message."""
    return [
        (int(key.removeprefix("fanout-")), call)
        for key, call in slack_posts(slack, _KEY)
        if call.params.get("channel") in CHANNELS
    ]


def _fan_out_states(engine: Engine) -> dict[str, int]:
    """Return how many of the fan-out's outbox rows are in each state."""
    with Session(engine) as session:
        rows = [row for row in session.exec(select(OutboxRow)).all() if (row.ref or "").startswith("F-")]
    return dict(Counter(row.state for row in rows))


def _undelivered_after(posts: list[tuple[int, Call]], restart: float, seconds: float) -> int:
    return MESSAGES - len({number for number, call in posts if call.at <= restart + seconds})


def test_a_fan_out_killed_midway_is_all_delivered_soon_after_a_restart(
    database_url: str, tmp_path: Path
) -> None:
    sample_database(database_url)
    # One message to each channel in turn (0, 1, ..., 19, 0, 1, ...), all due now.
    fan_out = (
        keyed_post(f"fanout-{number:03d}", CHANNELS[number % len(CHANNELS)], ref=f"F-{number}")
        for number in range(MESSAGES)
    )
    queue(database_url, fan_out)
    with slack_for_processes(latency=0.15) as slack:
        environment = slack_environment(database_url, slack.url, VPMO_SLACK_PACE_SECONDS="1")
        with ServeProcess(environment, tmp_path, "killed") as first:
            first.wait_healthy()
            slack.wait_for("chat.postMessage", KILLED_AFTER, timeout=30)
            killed_at = time.monotonic()
            first.kill()
        before_kill = _fan_out_posts(slack)

        restart = time.monotonic()
        engine = make_engine(database_url)
        with ServeProcess(environment, tmp_path, "restarted") as second:
            # Every message posted and every row recorded as sent: those the killed process had in
            # flight are still its claims (posted or not) until their lease ends, then sent again.
            # Waits for that, or for the deadline, to report what is missing.
            deadline = restart + DELIVERED_WITHIN
            while time.monotonic() < deadline:
                posted = {n for n, _ in _fan_out_posts(slack)}
                if len(posted) == MESSAGES and _fan_out_states(engine) == {"sent": MESSAGES}:
                    break
                time.sleep(0.1)
            all_sent = time.monotonic() - restart
            code, _ = second.terminate()
        posts = _fan_out_posts(slack)
        states = _fan_out_states(engine)
        engine.dispose()

    after_restart = [call.at - restart for _, call in posts if call.at > restart]
    numbers = [number for number, _ in posts]
    duplicates = len(numbers) - len(set(numbers))
    # A message posted twice is one the killed process had posted without recording it: in flight.
    twice = {number for number in numbers if numbers.count(number) > 1}
    first_posts = {number: min(c.at for n, c in posts if n == number) for number in twice}
    figures = (
        f"{len(before_kill)} posted before the kill; after the restart: first post at "
        f"{min(after_restart, default=float('nan')):.1f} s, undelivered at 5/10/20/30/60 s: "
        f"{[_undelivered_after(posts, restart, s) for s in (5, 10, 20, 30, 60)]}, "
        f"last at {max(after_restart, default=float('nan')):.1f} s, all rows sent at {all_sent:.1f} s; "
        f"duplicates {duplicates}"
    )
    print(figures)
    assert code == 0, second.log
    assert set(numbers) == set(range(MESSAGES)), figures
    assert duplicates <= CONCURRENT_SENDS, figures
    assert all(at < killed_at for at in first_posts.values()), figures
    assert after_restart, figures
    assert min(after_restart) <= RESUMED_WITHIN, figures
    assert states == {"sent": MESSAGES}, figures
