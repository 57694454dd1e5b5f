"""The log lines: one per event, in text for people or JSON for a collector."""

from __future__ import annotations

import json
import logging
import sys

from bot.logs import JsonLines


def record(message: str, *, error: bool = False) -> logging.LogRecord:
    exc_info = None
    if error:
        try:
            raise ValueError("boom")
        except ValueError:
            exc_info = sys.exc_info()
    return logging.LogRecord("bot.server", logging.ERROR, __file__, 1, message, (), exc_info)


def test_json_lines_hold_the_fields_a_collector_indexes() -> None:
    line = JsonLines().format(record("Tilmeldt: Jonas Friis"))

    event = json.loads(line)
    assert event["level"] == "ERROR"
    assert event["logger"] == "bot.server"
    assert event["message"] == "Tilmeldt: Jonas Friis"
    assert event["time"].endswith("+00:00")


def test_a_traceback_stays_on_the_events_one_line() -> None:
    line = JsonLines().format(record("delivery failed\nsecond line", error=True))

    assert "\n" not in line
    event = json.loads(line)
    assert event["message"] == "delivery failed\nsecond line"
    assert "ValueError: boom" in event["error"]
