"""The outbox keeps a message's calendar invite and the post it updates (storage.codec)."""

from __future__ import annotations

from handlers.shared.text import Action, InviteFile, Message, Text
from storage.codec import decode_message, encode_message


def _roundtrip(message: Message) -> Message:
    return decode_message(
        encode_message(message),
        to_person=message.to_person,
        to_channel=message.to_channel,
        ref=message.ref,
        dedupe_key=message.dedupe_key,
    )


def test_an_invite_and_the_post_it_updates_survive_the_outbox() -> None:
    message = Message(
        (Text.of("erfa.post.title", title="ERFA: Gevinstrealisering"),),
        to_channel="C0ERFA",
        actions=(Action("erfa:yes:2027-spring", Text.of("erfa.rsvp.yes")),),
        dedupe_key="erfa:7:2027-spring:post:edit",
        invite=InviteFile("tok-æøå_-123", "erfa-2027-spring.ics"),
        updates="erfa:7:2027-spring:post",
    )

    assert _roundtrip(message) == message


def test_a_message_without_invite_or_update_stays_so_and_stores_neither() -> None:
    message = Message((Text.of("help.short"),), to_person=3)

    stored = encode_message(message)

    assert "invite" not in stored
    assert "updates" not in stored
    decoded = _roundtrip(message)
    assert decoded.invite is None
    assert decoded.updates is None


def test_rows_stored_before_invites_existed_still_decode() -> None:
    old_payload = {"lines": [{"key": "help.short", "params": {}}], "actions": []}

    decoded = decode_message(old_payload, to_person=1, to_channel=None, ref=None)

    assert decoded == Message((Text.of("help.short"),), to_person=1)


def test_a_cancelling_invite_stays_cancelling_and_others_store_no_flag() -> None:
    cancelling = Message(
        (Text.of("help.short"),), to_person=3, invite=InviteFile("tok", "a.ics", cancels=True)
    )
    plain = Message((Text.of("help.short"),), to_person=3, invite=InviteFile("tok", "a.ics"))

    assert _roundtrip(cancelling).invite == InviteFile("tok", "a.ics", cancels=True)
    assert "cancels" not in encode_message(plain)["invite"]
    assert _roundtrip(plain).invite == InviteFile("tok", "a.ics")
