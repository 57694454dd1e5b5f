"""A fan-out for ``vpmo serve`` processes: many posts queued before they start, and what reached the fakes.

Each post's text carries a key of its own (``fanout-007``), so that what the fake platform recorded
tells which post arrived, and how often.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bot.bootstrap import build_runtime
from handlers.shared.text import Message, Text, Verbatim
from storage.outbox_store import OutboxStore
from tests.platforms.serve_process import ServeProcess
from tests.platforms.slack_fakes import Call, FakeSlackApi
from tests.platforms.stored import opened

DELIVERED_WITHIN = 60.0  # only fails processes that never finish


def keyed_post(key: str, channel: str, **options: Any) -> Message:
    """Return a post to the channel whose text carries the key (``options``: the message's own, e.g. dedupe_key)."""
    return Message((Text.of("undeliverable.refused", detail=Verbatim(key)),), to_channel=channel, **options)


def queue(database_url: str, posts: Iterable[Message]) -> None:
    """Queue the posts for the sample client, all due now, in their order."""
    runtime = build_runtime(database_url)
    try:
        with runtime.deps.uow() as uow:
            tenant = uow.tenants.get_by_slug("nordlys")
            assert tenant is not None
            now = runtime.deps.clock.now()
            for post in posts:
                uow.outbox.add(tenant.id, post, now)
            uow.commit()
    finally:
        runtime.engine.dispose()


def slack_posts(slack: FakeSlackApi, key: re.Pattern[str]) -> list[tuple[str, Call]]:
    """Return the posts Slack took whose text carries a key, each with its key, in the order they came."""
    posts = []
    for call in slack.calls("chat.postMessage"):
        found = key.search(str(call.params.get("text") or ""))
        if found and call.ok:
            posts.append((found.group(0), call))
    return posts


def all_sent(database_url: str, posts: int) -> bool:
    """Return whether the outbox holds just ``posts`` rows, every one recorded as sent."""
    with opened(database_url) as engine:
        return OutboxStore(engine).counts() == {"sent": posts}


def serve_two_until(
    environments: tuple[dict[str, str], dict[str, str]], workdir: Path, done: Callable[[], bool]
) -> str:
    """Run two servers until ``done`` (or ``DELIVERED_WITHIN``); return their logs (each must end cleanly)."""
    with (
        ServeProcess(environments[0], workdir, "one") as one,
        ServeProcess(environments[1], workdir, "two") as two,
    ):
        one.wait_healthy()
        two.wait_healthy()
        deadline = time.monotonic() + DELIVERED_WITHIN
        while time.monotonic() < deadline and not done():
            time.sleep(0.2)
        codes = (one.terminate()[0], two.terminate()[0])
        logs = one.log + two.log
    assert codes == (0, 0), logs
    return logs
