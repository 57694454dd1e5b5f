"""The Teams adapter reads Teams' <at>…</at> mentions: names for the core, @Name as shown."""

from __future__ import annotations

from bot.teams.bot import _mentioned_names, _plain_mentions


def test_mentioned_names_are_read_in_order_each_once_without_the_bot() -> None:
    text = "<at>vpmo</at> sparring <at>Sofie Dahl</at> og <at>Anna Berg</at> og <at>Sofie Dahl</at>"

    assert _mentioned_names(text, "vpmo") == ("Sofie Dahl", "Anna Berg")


def test_mentioned_names_are_unescaped_and_blank_ones_skipped() -> None:
    assert _mentioned_names("<AT>S&oslash;ren Ø</AT> <at> </at>", None) == ("Søren Ø",)


def test_mentions_are_shown_as_at_names_and_the_bots_own_is_dropped() -> None:
    assert _plain_mentions("<at>vpmo</at> sparring <at>Sofie Dahl</at> budget", "vpmo") == (
        " sparring @Sofie Dahl budget"
    )
