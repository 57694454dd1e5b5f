"""ERFA posts on Teams over the real protocol: the invite as an Action.OpenUrl, edits as activity updates.

The real server delivers from the outbox to the fake Bot Connector on 127.0.0.1; the channel is learned
as Teams tells it (the bot added to the team in that channel).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
import vobject
from sqlmodel import Session, select

from bot.admin.tenant_config import load_tenant_config
from bot.cli import SAMPLE_TENANT
from bot.server import RUNTIME_KEY
from bot.teams.settings import TeamsSettings
from handlers.shared.text import Action, InviteFile, Message, Text, Verbatim
from storage.db import make_engine
from storage.tables import OutboxRow
from tests.fakes import FixedClock
from tests.platforms.limits import activity_problems, card_problems
from tests.platforms.teams_fakes import ConnectorCall
from tests.platforms.teams_scenario import METTE
from tests.platforms.teams_world import TeamsWorld, running_teams_world

PUBLIC_URL = "https://vpmo.example.dk"
MEETING = "2027-spring"
POST_KEY = f"erfa:{MEETING}:post"
EDIT_KEY = f"{POST_KEY}:current"
TEAM = "19:66P469zibfbsGI-_a0aN_toLTZpyzS6u7CT3TsXdgPw1@thread.tacv2"


def _erfa_channel() -> str:
    """Return the sample client's ERFA channel on Teams, as its tenant file configures it."""
    erfa = load_tenant_config(SAMPLE_TENANT.read_text(encoding="utf-8")).erfa
    assert erfa is not None
    assert erfa.channel.teams is not None
    return str(erfa.channel.teams)


CHANNEL = _erfa_channel()


@pytest.fixture
def teams_world(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TeamsWorld]:
    monkeypatch.setenv("VPMO_PUBLIC_URL", PUBLIC_URL)
    clock = FixedClock(datetime(2027, 3, 18, 7, tzinfo=UTC))
    for world in running_teams_world(database_url, TeamsSettings.local(), clock):
        world.add_to_team(METTE, CHANNEL, TEAM)
        yield world


def token(world: TeamsWorld) -> str:
    with _runtime(world).deps.uow() as uow:
        made = uow.erfa.invite_token(1, MEETING, None)
        uow.commit()
        return made


def _runtime(world: TeamsWorld) -> Any:
    assert world.server.app is not None
    return world.server.app[RUNTIME_KEY].runtime


def queue(world: TeamsWorld, message: Message) -> None:
    """Queue the message in the sample client's outbox (an edit through keep_current) and let it be sent."""
    runtime = _runtime(world)
    with runtime.deps.uow() as uow:
        if message.updates is None:
            uow.outbox.add(1, message, runtime.deps.clock.now())
        else:
            uow.outbox.keep_current(1, message, runtime.deps.clock.now())
        uow.commit()
    world.server.ticks(2)


def erfa_post(invite_token: str, line: str, *, key: str = POST_KEY, updates: str | None = None) -> Message:
    answers = tuple(
        Action(f"erfa:{answer}:{MEETING}", Text.of(f"invite.answer.{answer}"))
        for answer in ("attending", "maybe", "not_attending")
    )
    return Message(
        (Text.of("quote", text=Verbatim(line)),),
        to_channel=CHANNEL,
        actions=answers,
        dedupe_key=key,
        invite=InviteFile(invite_token, f"erfa-{MEETING}.ics"),
        updates=updates,
    )


def row(world: TeamsWorld, key: str, *, settled: bool = True, timeout: float = 10.0) -> OutboxRow:
    """Return the outbox row under the key, once it is settled (sent or failed) when ``settled``."""
    engine = make_engine(world.database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with Session(engine) as session:
                found = session.exec(select(OutboxRow).where(OutboxRow.dedupe_key == key)).one()
            if not settled or found.state in ("sent", "failed") or time.monotonic() > deadline:
                return found
            time.sleep(0.02)
    finally:
        engine.dispose()


def card_of(call: ConnectorCall) -> dict[str, Any]:
    activity = call.body.get("activity") or call.body
    content: dict[str, Any] = activity["attachments"][0]["content"]
    return content


def test_a_channel_post_offers_the_invite_as_an_open_url_action_within_teams_limits(
    teams_world: TeamsWorld,
) -> None:
    invite_token = token(teams_world)

    queue(teams_world, erfa_post(invite_token, "ERFA: Gevinstrealisering i praksis"))

    [created] = teams_world.connector.wait_for_created()
    card = card_of(created)
    link = card["actions"][-1]
    assert link == {
        "type": "Action.OpenUrl",
        "title": "Føj til kalender",
        "url": f"{PUBLIC_URL}/invites/{invite_token}.ics",
    }
    assert [action["title"] for action in card["actions"][:-1]] == ["Deltager", "Måske", "Deltager ikke"]
    assert card_problems(card) == []
    assert activity_problems(created.body["activity"]) == []
    answer = teams_world.server.get(urlsplit(link["url"]).path)
    assert answer.status_code == 200
    assert vobject.readOne(answer.text).method.value == "PUBLISH"


def test_an_edit_updates_the_posted_activity_in_its_thread_and_posts_nothing_new(
    teams_world: TeamsWorld,
) -> None:
    invite_token = token(teams_world)
    queue(teams_world, erfa_post(invite_token, "3 deltager"))
    [created] = teams_world.connector.wait_for_created()
    posted_id = row(teams_world, POST_KEY).platform_message_id
    assert posted_id == f"{CHANNEL}:{created.answered_id}"

    queue(teams_world, erfa_post(invite_token, "4 deltager", key=EDIT_KEY, updates=POST_KEY))

    assert row(teams_world, EDIT_KEY).state == "sent"
    [update] = teams_world.connector.updated()
    assert (
        update.path
        == f"/v3/conversations/{CHANNEL};messageid={created.answered_id}/activities/{created.answered_id}"
    )
    assert update.body["id"] == created.answered_id
    lines = [inline["text"] for block in card_of(update)["body"] for inline in block["inlines"]]
    assert lines == ["“4 deltager”"]
    assert card_problems(card_of(update)) == []
    assert len(teams_world.connector.created()) == 1
    assert row(teams_world, POST_KEY).platform_message_id == posted_id  # reactions still find the post
    assert row(teams_world, EDIT_KEY).platform_message_id is None


def test_an_edit_of_a_post_that_is_gone_fails_alone_and_posts_nothing_new(teams_world: TeamsWorld) -> None:
    invite_token = token(teams_world)
    queue(teams_world, erfa_post(invite_token, "3 deltager"))
    teams_world.connector.wait_for_created()
    row(teams_world, POST_KEY)
    teams_world.connector.fail_next(404, method="PUT")

    queue(teams_world, erfa_post(invite_token, "4 deltager", key=EDIT_KEY, updates=POST_KEY))

    edit = row(teams_world, EDIT_KEY)
    assert edit.state == "failed"
    assert "404" in (edit.last_error or "")
    assert len(teams_world.connector.created()) == 1
