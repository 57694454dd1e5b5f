"""Work a platform adapter does after it has answered: kept, finished at shutdown, failures logged."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.adapters.bridge import PlatformBridge
from handlers.shared.context import Deps


def _bridge() -> PlatformBridge[None]:
    # The background work needs neither the core nor the database.
    return PlatformBridge(deps=Deps.__new__(Deps), store=None, kick=lambda: None)


def test_work_after_the_answer_is_finished_before_shutdown_goes_on() -> None:
    done: list[str] = []

    async def scenario() -> None:
        bridge = _bridge()

        async def slow_outcome() -> None:
            for _ in range(10):  # still unfinished when shutdown begins: it takes turns, not time
                await asyncio.sleep(0)
            done.append("outcome recorded")

        bridge.after_answer(slow_outcome())
        assert bridge.background_work() == 1
        await bridge.finish_background()
        assert bridge.background_work() == 0

    asyncio.run(scenario())
    assert done == ["outcome recorded"]


def test_a_failure_after_the_answer_is_logged_and_harms_nothing_else(
    caplog: pytest.LogCaptureFixture,
) -> None:
    done: list[str] = []

    async def scenario() -> None:
        bridge = _bridge()

        async def broken() -> None:
            raise RuntimeError("Slack said no")

        async def fine() -> None:
            done.append("fine")

        bridge.after_answer(broken())
        bridge.after_answer(fine())
        await bridge.finish_background()
        await asyncio.sleep(0)  # let the done-callbacks run

    with caplog.at_level(logging.ERROR, logger="bot.adapters.bridge"):
        asyncio.run(scenario())
    assert done == ["fine"]
    assert "work after the answer failed" in caplog.text
    assert "Slack said no" in caplog.text
