"""Two ``vpmo serve`` processes on one PostgreSQL database, ticking at the same moment.

A few hundred channel posts are queued before either starts; both start at once, so their first
ticks claim together. Every post reaches the fake Slack exactly once (FOR UPDATE SKIP LOCKED: no
row is claimed by both), and every row is recorded as sent. The tick's part: two processes queueing
the same scheduled post at the same moment make one row, and the second insert is a quiet no-op
(ON CONFLICT on the dedupe key), not an error.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from pathlib import Path

from bot.bootstrap import build_runtime
from handlers.shared.text import Message, Text
from tests.platforms.conftest import sample_database
from tests.platforms.fan_out import all_sent, keyed_post, queue, serve_two_until, slack_posts
from tests.platforms.serve_process import slack_environment, slack_for_processes
from tests.platforms.slack_fakes import FakeSlackApi

CHANNELS = [f"CTWO{number:02d}" for number in range(60)]
POSTS = 300
_KEY = re.compile(r"twice-\d{3}")


def _posted(slack: FakeSlackApi) -> Counter[str]:
    """Return how many times Slack took each post."""
    return Counter(key for key, _ in slack_posts(slack, _KEY))


def test_two_processes_on_one_postgres_send_every_post_exactly_once(
    postgres_url: str, tmp_path: Path
) -> None:
    sample_database(postgres_url)
    keys = [f"twice-{number:03d}" for number in range(POSTS)]
    queue(
        postgres_url,
        (keyed_post(key, CHANNELS[n % len(CHANNELS)], dedupe_key=key) for n, key in enumerate(keys)),
    )
    with slack_for_processes(latency=0.05) as slack:
        environment = slack_environment(postgres_url, slack.url)
        serve_two_until(
            (environment, environment),
            tmp_path,
            lambda: len(_posted(slack)) == POSTS and all_sent(postgres_url, POSTS),
        )
        posted = _posted(slack)

    assert set(posted) == {f"twice-{number:03d}" for number in range(POSTS)}
    assert [key for key, count in posted.items() if count > 1] == []
    assert all_sent(postgres_url, POSTS)


def test_two_processes_queueing_the_same_post_at_once_make_one_row_without_an_error(
    postgres_url: str,
) -> None:
    runtimes = [build_runtime(postgres_url), build_runtime(postgres_url)]
    sample_database(postgres_url)
    added: dict[str, bool] = {}
    first_added = threading.Event()
    errors: list[BaseException] = []

    def queue_the_same_post(
        name: str, before_commit: threading.Event | None, after: threading.Event | None
    ) -> None:
        runtime = runtimes[0] if name == "first" else runtimes[1]  # a process each: an engine each
        try:
            if after is not None:
                after.wait(10)
            with runtime.deps.uow() as uow:
                tenant = uow.tenants.get_by_slug("nordlys")
                assert tenant is not None
                message = Message(
                    (Text.of("status.none"),), to_channel="CTWO00", dedupe_key="erfa:same-moment"
                )
                added[name] = uow.outbox.add(tenant.id, message, runtime.deps.clock.now())
                if before_commit is not None:
                    before_commit.set()
                    time.sleep(0.5)  # the second insert meets this uncommitted row and waits for it
                uow.commit()
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [
        threading.Thread(target=queue_the_same_post, args=("first", first_added, None)),
        threading.Thread(target=queue_the_same_post, args=("second", None, first_added)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    counts = runtimes[0].outbox.counts()
    for runtime in runtimes:
        runtime.engine.dispose()

    assert errors == []
    assert added == {"first": True, "second": False}
    assert counts == {"pending": 1}
