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
from handlers.shared.text import Message, Text, Verbatim
from storage.db import make_engine
from storage.outbox_store import OutboxStore
from tests.platforms.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM, sample_database
from tests.platforms.serve_process import ServeProcess, clean_environment
from tests.platforms.slack_fakes import FakeSlackApi

CHANNELS = [f"CTWO{number:02d}" for number in range(60)]
POSTS = 300
DELIVERED_WITHIN = 60.0  # only fails processes that never finish
_KEY = re.compile(r"twice-\d{3}")


def _queue(database_url: str) -> None:
    runtime = build_runtime(database_url)
    try:
        with runtime.deps.uow() as uow:
            tenant = uow.tenants.get_by_slug("nordlys")
            assert tenant is not None
            now = runtime.deps.clock.now()
            for number in range(POSTS):
                key = f"twice-{number:03d}"
                message = Message(
                    (Text.of("undeliverable.refused", detail=Verbatim(key)),),
                    to_channel=CHANNELS[number % len(CHANNELS)],
                    dedupe_key=key,
                )
                uow.outbox.add(tenant.id, message, now)
            uow.commit()
    finally:
        runtime.engine.dispose()


def _posted(slack: FakeSlackApi) -> Counter[str]:
    keys: Counter[str] = Counter()
    for call in slack.calls("chat.postMessage"):
        found = _KEY.search(str(call.params.get("text") or ""))
        if found and call.ok:
            keys[found.group(0)] += 1
    return keys


def _all_sent(database_url: str) -> bool:
    engine = make_engine(database_url)
    try:
        return OutboxStore(engine).counts() == {"sent": POSTS}
    finally:
        engine.dispose()


def test_two_processes_on_one_postgres_send_every_post_exactly_once(
    postgres_url: str, tmp_path: Path
) -> None:
    sample_database(postgres_url)
    _queue(postgres_url)
    with FakeSlackApi(team_id=TEAM, bot_token=BOT_TOKEN, tokens={BOT_TOKEN: TEAM}, latency=0.05) as slack:
        environment = clean_environment(
            postgres_url,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_API_URL=slack.url,
        )
        with (
            ServeProcess(environment, tmp_path, "one") as one,
            ServeProcess(environment, tmp_path, "two") as two,
        ):
            one.wait_healthy()
            two.wait_healthy()
            deadline = time.monotonic() + DELIVERED_WITHIN
            while time.monotonic() < deadline and not (
                len(_posted(slack)) == POSTS and _all_sent(postgres_url)
            ):
                time.sleep(0.2)
            codes = (one.terminate()[0], two.terminate()[0])
        posted = _posted(slack)

    assert codes == (0, 0), one.log + two.log
    assert set(posted) == {f"twice-{number:03d}" for number in range(POSTS)}
    assert [key for key, count in posted.items() if count > 1] == []
    assert _all_sent(postgres_url)


def test_two_processes_queueing_the_same_post_at_once_make_one_row_without_an_error(
    postgres_url: str,
) -> None:
    runtimes = [build_runtime(postgres_url), build_runtime(postgres_url)]
    sample_database(postgres_url)
    added: dict[str, bool] = {}
    first_added = threading.Event()
    errors: list[BaseException] = []

    def queue(name: str, before_commit: threading.Event | None, after: threading.Event | None) -> None:
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
        threading.Thread(target=queue, args=("first", first_added, None)),
        threading.Thread(target=queue, args=("second", None, first_added)),
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
