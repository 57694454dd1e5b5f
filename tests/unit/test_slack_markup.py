"""The Slack adapter reads Slack's markup: mentions become people for the core, the rest is stripped."""

from __future__ import annotations

from bot.slack import markup


def test_mentions_are_read_in_order_each_once_with_or_without_a_label() -> None:
    text = "<@U01ANB> eller <@U01SOD|sofie> eller <@U01ANB> om budgettet"

    assert markup.mentioned_ids(text) == ("U01ANB", "U01SOD")


def test_text_without_mentions_names_nobody() -> None:
    assert markup.mentioned_ids("skriv til @anna eller anna@nordlys.dk <#C01|projekt>") == ()


def test_plain_text_has_no_mentions_channels_or_specials_and_links_keep_their_label() -> None:
    text = (
        "<!here> <@U01ANB> se <https://wiki.example.com/budget|siden her> i <#C01PRJ|projekt> <mailto:a@b.dk>"
    )

    assert markup.plain(text).split() == ["se", "siden", "her", "i"]


def test_plain_text_undoes_slacks_escapes() -> None:
    assert markup.plain("risiko &amp; plan &lt;3 &gt;") == "risiko & plan <3 >"


def test_plain_text_keeps_what_the_core_reads_as_neutral() -> None:
    text = "@anna se https://example.com :pray:"

    assert markup.plain(text) == text


def test_only_the_bots_own_mention_is_dropped() -> None:
    text = "<@UBOT> sparring <@U01SOD> budgettet"

    assert markup.without_own_mention(text, "UBOT") == " sparring <@U01SOD> budgettet"
    assert markup.without_own_mention(text, None) == " sparring <@U01SOD> budgettet"
    assert markup.without_own_mention("<@U01SOD> hej", "UBOT") == "<@U01SOD> hej"
