"""ERFA posts on Slack over the real protocols: an invite as a link and an uploaded .ics, edits in place.

The real server (``build_server``) delivers from the outbox to the fake Slack Web API on 127.0.0.1; the
invite links are fetched from the same server. Calendar files are read back with ``vobject``, a parser
independent of the ``icalendar`` that wrote them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import vobject
from sqlmodel import Session, select

from bot.admin.tenant_admin import apply_tenant
from bot.admin.tenant_config import load_tenant_config
from bot.bootstrap import Runtime, build_runtime
from bot.cli import SAMPLE_TENANT
from bot.slack.blocks import OPEN_LINK_ACTION
from handlers.erfa.invites import meeting_uid
from handlers.erfa.rsvp import Answer, Rsvp
from handlers.shared.model import ErfaRecord
from handlers.shared.text import Action, InviteFile, Message, Text, Verbatim
from scheduler.dispatcher import EDIT_WAIT_SECONDS
from storage.tables import OutboxRow
from tests.fakes import FixedClock
from tests.platforms.conftest import SlackWorld, running_slack_world
from tests.platforms.limits import SLACK_LIMITS, slack_problems

PUBLIC_URL = "https://vpmo.example.dk"
CHANNEL = "C0ERFA"  # the sample client's ERFA channel
MEETING = "2027-spring"
START = datetime(2027, 4, 15, 7, tzinfo=UTC)  # 09:00 in Copenhagen
NOW = datetime(2027, 3, 18, 7, tzinfo=UTC)
POST_KEY = f"erfa:{MEETING}:post"
EDIT_KEY = f"{POST_KEY}:current"


@dataclass
class ErfaWorld:
    """The server and fake Slack, the database beside them, and the server's clock."""

    world: SlackWorld
    runtime: Runtime
    clock: FixedClock
    tenant_id: int

    def token(self, email: str | None = None) -> str:
        """Return the channel's (no e-mail) or a person's invite token for the meeting."""
        with self.runtime.deps.uow() as uow:
            person = uow.people.find(self.tenant_id, email=email) if email else None
            token = uow.erfa.invite_token(self.tenant_id, MEETING, person.id if person else None)
            uow.commit()
            return token

    def queue(self, message: Message, due: datetime | None = None) -> None:
        with self.runtime.deps.uow() as uow:
            if message.updates is None:
                assert uow.outbox.add(self.tenant_id, message, due or self.clock.now())
            else:
                uow.outbox.keep_current(self.tenant_id, message, due or self.clock.now())
            uow.commit()

    def deliver(self) -> None:
        """Let the server's tick deliver what is due now (a few rounds: an upload follows its post)."""
        self.world.server.ticks(2)

    def row(self, key: str) -> OutboxRow:
        with Session(self.runtime.engine) as session:
            return session.exec(select(OutboxRow).where(OutboxRow.dedupe_key == key)).one()

    def fetch(self, url: str) -> Any:
        """GET an invite link (its path) from the real server."""
        return self.world.server.get(urlsplit(url).path)


@pytest.fixture
def erfa(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[ErfaWorld]:
    monkeypatch.setenv("VPMO_PUBLIC_URL", PUBLIC_URL + "/")  # the trailing slash is dropped
    clock = FixedClock(NOW)
    with running_slack_world(database_url, clock, pace_seconds=0) as world:
        runtime = build_runtime(database_url, migrate=False)
        with runtime.deps.uow() as uow:
            tenant = uow.tenants.get_by_slug("nordlys")
            assert tenant is not None
        yield ErfaWorld(world, runtime, clock, tenant.id)
        runtime.engine.dispose()


def post(token: str, *lines: str, key: str = POST_KEY, updates: str | None = None) -> Message:
    """Return an ERFA channel post as the core queues it: lines, the three answers, the invite."""
    answers = tuple(
        Action(f"erfa:{answer}:{MEETING}", Text.of(f"invite.answer.{answer}"))
        for answer in ("attending", "maybe", "not_attending")
    )
    return Message(
        tuple(Text.of("quote", text=Verbatim(line)) for line in lines or ("ERFA: Gevinstrealisering",)),
        to_channel=CHANNEL,
        actions=answers,
        dedupe_key=key,
        invite=InviteFile(token, f"erfa-{MEETING}.ics"),
        updates=updates,
    )


def url_buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        element
        for block in blocks
        if block.get("type") == "actions"
        for element in block["elements"]
        if "url" in element
    ]


def parsed(content: bytes) -> Any:
    return vobject.readOne(content.decode("utf-8"))


# --- a channel post with its invite -------------------------------------------------------------------


def test_a_channel_post_offers_its_invite_as_a_link_and_shares_the_file_in_the_channel(
    erfa: ErfaWorld,
) -> None:
    token = erfa.token()

    erfa.queue(post(token))
    erfa.deliver()

    posted = erfa.world.slack.wait_for("chat.postMessage")[0]
    (button,) = url_buttons(posted.blocks)
    assert button["url"] == f"{PUBLIC_URL}/invites/{token}.ics"
    assert button["text"]["text"] == "Føj til kalender"
    assert button["action_id"] == OPEN_LINK_ACTION
    assert slack_problems(posted.blocks) == []
    (upload,) = erfa.world.slack.uploads()
    assert (upload.channel, upload.filename) == (CHANNEL, f"erfa-{MEETING}.ics")
    assert upload.title == "Kalenderinvitation: ERFA: Gevinstrealisering i praksis"
    assert upload.content is not None
    calendar = parsed(upload.content)
    assert calendar.method.value == "PUBLISH"
    assert calendar.vevent.uid.value == meeting_uid("nordlys", MEETING)
    assert calendar.vevent.sequence.value == "0"
    assert not hasattr(calendar.vevent, "attendee")
    assert erfa.row(POST_KEY).platform_message_id == f"{CHANNEL}:{posted.response['ts']}"


def test_the_link_in_the_post_gives_the_channels_calendar_file_from_the_real_server(erfa: ErfaWorld) -> None:
    token = erfa.token()
    erfa.queue(post(token))
    erfa.deliver()
    (button,) = url_buttons(erfa.world.slack.wait_for("chat.postMessage")[0].blocks)

    answer = erfa.fetch(button["url"])

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8; method=PUBLISH"
    assert answer.headers["content-disposition"] == f'attachment; filename="erfa-{MEETING}.ics"'
    assert answer.headers["cache-control"] == "private, no-store"
    calendar = parsed(answer.content)
    event = calendar.vevent
    assert event.summary.value == "ERFA: Gevinstrealisering i praksis"
    assert event.location.value == "Nordlys, Kolding / Teams"
    assert event.dtstart.value.astimezone(UTC) == START
    assert event.dtend.value - event.dtstart.value == timedelta(hours=3)
    assert "Svar Deltager, Måske eller Deltager ikke" in event.description.value
    assert b"\r\n" in answer.content


def test_a_personal_link_gives_a_request_with_the_persons_answer_and_the_latest_sequence(
    erfa: ErfaWorld,
) -> None:
    token = erfa.token("jonas.friis@nordlys.dk")
    with erfa.runtime.deps.uow() as uow:
        jonas = uow.people.find(erfa.tenant_id, email="jonas.friis@nordlys.dk")
        assert jonas is not None
        # The record holds what the tenant file says, so a tick of the server's own sees no change to tell.
        uow.erfa.save(
            ErfaRecord(
                erfa.tenant_id,
                MEETING,
                START,
                "Nordlys, Kolding / Teams",
                "ERFA: Gevinstrealisering i praksis",
                sequence=2,
            )
        )
        uow.erfa.answer(erfa.tenant_id, MEETING, Rsvp(str(jonas.id), Answer.MAYBE, NOW, START))
        uow.commit()

    answer = erfa.world.server.get(f"/invites/{token}.ics")

    assert answer.headers["content-type"] == "text/calendar; charset=utf-8; method=REQUEST"
    event = parsed(answer.content).vevent
    assert event.sequence.value == "2"
    assert event.organizer.value == "mailto:mette.holm@nordlys.dk"
    assert event.attendee.value == "mailto:jonas.friis@nordlys.dk"
    assert event.attendee.params["PARTSTAT"] == ["TENTATIVE"]
    assert "Dit svar: Måske" in event.description.value


def test_a_cancelled_meeting_gives_a_cancelling_invite(erfa: ErfaWorld) -> None:
    token = erfa.token("jonas.friis@nordlys.dk")
    with erfa.runtime.deps.uow() as uow:
        record = ErfaRecord(erfa.tenant_id, MEETING, START, "Teams", "ERFA", sequence=3, cancelled=True)
        uow.erfa.save(record)
        uow.commit()

    answer = erfa.world.server.get(f"/invites/{token}.ics")

    assert answer.headers["content-type"] == "text/calendar; charset=utf-8; method=CANCEL"
    calendar = parsed(answer.content)
    assert calendar.method.value == "CANCEL"
    assert calendar.vevent.status.value == "CANCELLED"
    assert calendar.vevent.sequence.value == "3"


@pytest.mark.parametrize(
    "path",
    ["/invites/not-a-token.ics", "/invites/" + "x" * 500 + ".ics", "/invites/%00%27;--.ics", "/invites/x"],
)
def test_a_link_that_leads_nowhere_answers_404_in_one_sentence(erfa: ErfaWorld, path: str) -> None:
    erfa.token()  # a real token exists; none of these is it

    answer = erfa.world.server.get(path)

    assert answer.status_code == 404
    assert "Traceback" not in answer.text
    assert len(answer.text) < 200


def test_the_unknown_token_sentence_says_what_to_do(erfa: ErfaWorld) -> None:
    answer = erfa.world.server.get("/invites/unknown-token.ics")

    assert answer.headers["content-type"].startswith("text/plain")
    assert answer.text.startswith("Den kalenderinvitation findes ikke")
    assert "Føj til kalender" in answer.text


def test_a_failed_upload_is_logged_and_never_posts_the_message_again(erfa: ErfaWorld) -> None:
    erfa.world.slack.fail_next("files.getUploadURLExternal", status=500)
    erfa.queue(post(erfa.token()))

    erfa.deliver()
    erfa.world.server.ticks(2)

    assert len(erfa.world.slack.calls("chat.postMessage")) == 1
    assert erfa.world.slack.uploads() == []
    assert erfa.row(POST_KEY).state == "sent"


# --- edits in place -------------------------------------------------------------------------------------


def test_an_edit_updates_the_post_with_the_same_ts_and_posts_nothing_new(erfa: ErfaWorld) -> None:
    token = erfa.token()
    erfa.queue(post(token, "3 deltager"))
    erfa.deliver()
    first = erfa.world.slack.wait_for("chat.postMessage")[0]
    ts = first.response["ts"]

    erfa.queue(post(token, "4 deltager", key=EDIT_KEY, updates=POST_KEY))
    erfa.deliver()

    (update,) = erfa.world.slack.wait_for("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (CHANNEL, ts)
    assert "4 deltager" in update.params["text"]
    assert len(erfa.world.slack.calls("chat.postMessage")) == 1
    assert len(erfa.world.slack.uploads()) == 1  # the file was shared with the post, not again
    shown = erfa.world.slack.message(CHANNEL, ts)
    assert shown is not None
    assert "4 deltager" in shown["text"]
    assert slack_problems(update.blocks) == []
    assert erfa.row(POST_KEY).platform_message_id == f"{CHANNEL}:{ts}"
    assert erfa.row(EDIT_KEY).platform_message_id is None


def test_an_edit_queued_before_its_post_is_sent_waits_and_then_edits_that_post(erfa: ErfaWorld) -> None:
    token = erfa.token()
    erfa.queue(post(token, "0 deltager"), due=NOW + timedelta(minutes=5))
    erfa.queue(post(token, "1 deltager", key=EDIT_KEY, updates=POST_KEY))

    erfa.deliver()
    waiting = erfa.row(EDIT_KEY)
    early = (erfa.world.slack.calls("chat.postMessage"), erfa.world.slack.calls("chat.update"))
    erfa.clock.advance(minutes=5)
    erfa.deliver()
    erfa.clock.advance(seconds=EDIT_WAIT_SECONDS)
    erfa.deliver()

    assert early == ([], [])
    assert (waiting.state, waiting.attempts) == ("pending", 0)
    (posted,) = erfa.world.slack.wait_for("chat.postMessage")
    (update,) = erfa.world.slack.wait_for("chat.update")
    assert update.params["ts"] == posted.response["ts"]
    assert "1 deltager" in update.params["text"]


def test_an_edit_of_a_post_someone_deleted_fails_alone(erfa: ErfaWorld) -> None:
    token = erfa.token()
    erfa.queue(post(token))
    erfa.deliver()
    ts = erfa.world.slack.wait_for("chat.postMessage")[0].response["ts"]
    erfa.world.slack.delete_message(CHANNEL, ts)

    erfa.queue(post(token, "ny tekst", key=EDIT_KEY, updates=POST_KEY))
    erfa.deliver()

    assert erfa.world.slack.wait_for("chat.update")[0].response["error"] == "message_not_found"
    assert erfa.row(EDIT_KEY).state == "failed"
    assert "message_not_found" in (erfa.row(EDIT_KEY).last_error or "")
    in_channel = [c for c in erfa.world.slack.calls("chat.postMessage") if c.params["channel"] == CHANNEL]
    assert len(in_channel) == 1  # never posted anew
    assert erfa.row(POST_KEY).state == "sent"


# --- the longest meeting a tenant file may hold -----------------------------------------------------------

LONG_TITLE = ("ERFA: Gevinstrealisering, styregrupper; æøå ÆØÅ \\ “citat” " * 8)[:200].strip()
LONG_PLACE = ("Nordlys' mødelokale Ærø, Kolding; Teams-link følger, " * 8)[:200].strip()


def test_the_longest_title_and_place_make_a_valid_folded_file_and_a_post_within_slacks_limits(
    erfa: ErfaWorld,
) -> None:
    sample = SAMPLE_TENANT.read_text(encoding="utf-8")
    config = sample.replace(
        '"ERFA: Gevinstrealisering i praksis"', json.dumps(LONG_TITLE, ensure_ascii=False)
    )
    config = config.replace('"Nordlys, Kolding / Teams"', json.dumps(LONG_PLACE, ensure_ascii=False))
    apply_tenant(erfa.runtime.engine, load_tenant_config(config))
    token = erfa.token()

    erfa.queue(post(token, LONG_TITLE, LONG_PLACE))
    erfa.deliver()
    (button,) = url_buttons(erfa.world.slack.wait_for("chat.postMessage")[0].blocks)
    answer = erfa.fetch(button["url"])

    assert slack_problems(erfa.world.slack.last("chat.postMessage").blocks) == []
    assert len(button["url"]) <= SLACK_LIMITS["button_url"]
    lines = answer.content.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    event = parsed(answer.content).vevent
    assert (event.summary.value, event.location.value) == (LONG_TITLE, LONG_PLACE)
    (upload,) = erfa.world.slack.uploads()
    assert upload.content is not None
    assert parsed(upload.content).vevent.summary.value == LONG_TITLE
