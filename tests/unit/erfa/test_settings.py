"""Reminder offsets as the tenant file writes them: "-28d", "-7d", "-1d", "-2h"."""

from __future__ import annotations

import pytest

from handlers.erfa.settings import (
    DEFAULT_REMINDERS,
    MAX_DAYS,
    MAX_HOURS,
    OffsetUnit,
    ReminderOffset,
    parse_offset,
    parse_reminders,
)


def test_parses_calendar_days_and_absolute_hours() -> None:
    assert parse_offset("-28d") == ReminderOffset(OffsetUnit.DAYS, 28)
    assert parse_offset("-2h") == ReminderOffset(OffsetUnit.HOURS, 2)


def test_surrounding_spaces_are_ignored_and_the_text_is_written_back_plainly() -> None:
    assert parse_offset("  -7d ").text == "-7d"


@pytest.mark.parametrize("text", ["+3d", "3d", "-2w", "-1.5d", "-d", "-7D", "", "-7 d", "−7d"])
def test_a_malformed_offset_is_refused_with_one_sentence_naming_the_form(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_offset(text)

    message = str(caught.value)
    assert message.startswith(f'"{text}" is not a reminder offset')
    assert '"-7d"' in message
    assert '"-2h"' in message
    assert ". " not in message
    assert message.endswith(".")


@pytest.mark.parametrize("text", ["-0d", "-0h", f"-{MAX_DAYS + 1}d", "-100d", f"-{MAX_HOURS + 1}h"])
def test_an_offset_outside_the_range_is_refused_naming_the_range(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_offset(text)

    message = str(caught.value)
    assert message.startswith(f'"{text}" is outside the allowed range')
    assert f"1 to {MAX_DAYS} days" in message
    assert f"1 to {MAX_HOURS} hours" in message


def test_the_limits_themselves_are_allowed() -> None:
    assert parse_offset(f"-{MAX_DAYS}d").amount == MAX_DAYS
    assert parse_offset(f"-{MAX_HOURS}h").amount == MAX_HOURS


def test_a_reminders_list_is_ordered_earliest_reminder_first() -> None:
    offsets = parse_reminders(["-2h", "-1d", "-28d", "-7d"])

    assert [offset.text for offset in offsets] == ["-28d", "-7d", "-1d", "-2h"]


def test_a_reminder_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match=r'"-7d" is listed twice'):
        parse_reminders(["-7d", "-1d", " -7d"])


def test_the_default_reminders_are_those_of_the_issue() -> None:
    assert [offset.text for offset in DEFAULT_REMINDERS] == ["-28d", "-7d", "-1d", "-2h"]
