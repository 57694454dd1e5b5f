"""The router's table: every command the grammar can produce has exactly one use case."""

from typing import get_args

from handlers import commands as c
from handlers import router


def test_every_command_has_a_use_case() -> None:
    assert set(router.HANDLERS) == set(get_args(c.Command))


def test_forms_only_for_commands_that_also_run_without_one() -> None:
    # A platform without forms (the console) runs the same command as a guided dialogue.
    assert set(router.FORMS) <= set(router.HANDLERS)
