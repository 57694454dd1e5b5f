"""The quarterly challenges on Teams, over the real protocol: the message action, reactions, channel posts.

Activities go over HTTP to the real server; what the bot sends goes to the fake Bot Connector. The
challenge use cases and their vote storage are the lead's and the storage helper's work, so where a
test is about what the Teams adapter hands the core, the core is replaced by a spy on the bridge at
that one seam (``TeamsBridge.run`` / ``record_reactions``): everything before it is real — the HTTP
handler, botbuilder's deserialisation, the activity handler — and the spy records what arrived.

The channel post is queued in the real outbox and sent by the real dispatcher and Teams messenger,
so the card checked against Teams' limits is the one the fake connector received.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session, col, select

from bot.admin.tenant_config import load_tenant_config
from bot.cli import SAMPLE_TENANT
from bot.i18n import catalogue
from bot.server import RUNTIME_KEY
from bot.teams.bridge import TeamsBridge
from bot.teams.manifest import CHALLENGE_ACTION_ID, MESSAGE_ACTION_ID, build_teams_manifest
from bot.teams.settings import TeamsSettings
from handlers.challenges.commands import MAX_CHALLENGE_CHARS, SubmitChallenge, SubmitPendingChallenge
from handlers.challenges.voting import Reaction
from handlers.service import Identity, Outcome
from handlers.shared.model import Tenant
from handlers.shared.text import Action, ButtonStyle, Message, Text, Verbatim
from handlers.sparring.commands import RequestSparring
from storage.db import make_engine
from storage.tables import OutboxRow, SparringRequestRow
from storage.teams_store import TeamsStore
from tests.platforms.limits import TEAMS_MAX_MESSAGE_BYTES, activity_problems, card_problems
from tests.platforms.teams_fakes import ConnectorCall, personal_conversation
from tests.platforms.teams_scenario import ANNA, JONAS, METTE, TENANT
from tests.platforms.teams_world import TeamsWorld, running_teams_world
from tests.platforms.test_teams_activities import _offer_to_anna, _posted_id


def _configured_channel() -> str:
    """Return the sample client's challenge channel, as its tenant file configures it (challenges.channel.teams)."""
    challenges = load_tenant_config(SAMPLE_TENANT.read_text(encoding="utf-8")).challenges
    assert challenges is not None
    assert challenges.channel.teams is not None
    return str(challenges.channel.teams)


CHANNEL = _configured_channel()
TEAM = "19:66P469zibfbsGI-_a0aN_toLTZpyzS6u7CT3TsXdgPw1@thread.tacv2"
APP_ID = "3f2a9c1e-7b4d-4e8a-9f61-2c5d8e0b7a14"

# The wording of the lead's challenge texts (handlers/challenges), until the catalogues on this branch
# have them; a key the catalogue already has is left as it is.
LEAD_TEXTS = {
    "da": {
        "button.vote": "Stem",
        "button.vote_for": "Stem på {ref}",
        "button.submit_anyway": "Indsend min alligevel",
        "challenge.post": "{ref} · udfordring fra {submitter}",
        "challenge.post_how": "Stem med {reaction} eller knappen Stem. Afstemningen lukker {deadline}.",
        "challenge.submitted": "Tak! Din udfordring har fået referencen {ref} og står nu i kanalen, hvor de "
        "andre kan stemme på den. Den kommer med til kvartalsmødet {meeting}, og afstemningen lukker {deadline}.",
        "challenge.looks_like": "Der er allerede en udfordring, der ligner din – {ref}:",
        "challenge.looks_like_choice": "Vil du hellere stemme på {ref}, eller skal jeg indsende din alligevel?",
    },
    "en": {
        "button.vote": "Vote",
        "button.vote_for": "Vote for {ref}",
        "button.submit_anyway": "Submit mine anyway",
        "challenge.post": "{ref} · challenge from {submitter}",
        "challenge.post_how": "Vote with {reaction} or the Vote button. Voting closes {deadline}.",
        "challenge.submitted": "Thank you! Your challenge is {ref} and is now in the channel, where the others "
        "can vote on it. It goes to the quarterly meeting on {meeting}; voting closes {deadline}.",
        "challenge.looks_like": "There is already a challenge like yours – {ref}:",
        "challenge.looks_like_choice": "Would you rather vote for {ref}, or shall I submit yours anyway?",
    },
}
DEADLINE = datetime(2027, 3, 12, 15, 0, tzinfo=UTC)
MEETING = datetime(2027, 3, 14, 8, 0, tzinfo=UTC)

# What people write that a renderer could take for markup: a Teams mention, Markdown links and
# emphasis, HTML, escapes, a list marker and a heading at a line start.
HOSTILE_PIECE = (
    "<at>Anna Berg</at> [x](http://evil) [klik her](https://evil.example/login) **fed** _kursiv_ "
    '<b>html</b> <a href="http://evil">link</a> <script>alert(1)</script> &amp; &lt;at&gt; \\ " ` '
    "@everyone\n# overskrift\n1. liste\n- punkt\n"
)
HOSTILE = (HOSTILE_PIECE * MAX_CHALLENGE_CHARS)[:MAX_CHALLENGE_CHARS]
EMOJI = ("Risikologgen bliver aldrig opdateret " + "😀" * MAX_CHALLENGE_CHARS)[
    :MAX_CHALLENGE_CHARS
]  # 12 bytes each


@pytest.fixture
def teams_world(database_url: str) -> Iterator[TeamsWorld]:
    yield from running_teams_world(database_url, TeamsSettings.local())


@pytest.fixture(autouse=True)
def challenge_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    # The server runs in this process, so it reads the same (cached) catalogues.
    for language, texts in LEAD_TEXTS.items():
        known = catalogue(language)
        for key, text in texts.items():
            if key not in known:
                monkeypatch.setitem(known, key, text)


@dataclass
class CoreSpy:
    """Records what the Teams adapter hands the core at the bridge; answers the commands it is told to."""

    commands: list[tuple[Identity, Any]] = field(default_factory=list)
    reactions: list[tuple[str | None, Identity, Reaction]] = field(default_factory=list)
    answers: dict[type, list[Message]] = field(default_factory=dict)


@pytest.fixture
def core(monkeypatch: pytest.MonkeyPatch) -> CoreSpy:
    spy = CoreSpy()
    run = TeamsBridge.run

    async def spied_run(
        self: TeamsBridge, tenant: Tenant, identity: Identity, command: Any, **options: Any
    ) -> Outcome:
        spy.commands.append((identity, command))
        answer = spy.answers.get(type(command))
        if answer is None:
            return await run(self, tenant, identity, command, **options)
        return Outcome(tenant, None, list(answer))

    async def spied_record_reactions(
        self: TeamsBridge,
        tenant: Tenant,
        event_id: str | None,
        identity: Identity,
        reaction: Reaction,
        **options: Any,
    ) -> bool:
        spy.reactions.append((event_id, identity, reaction))
        return True

    monkeypatch.setattr(TeamsBridge, "run", spied_run)
    monkeypatch.setattr(TeamsBridge, "record_reactions", spied_record_reactions)
    return spy


def challenge_post(text: str, number: int = 7) -> Message:
    """Return a challenge's own channel post as the core builds it: header, quote, how to vote, Stem."""
    ref = f"U-{number}"
    return Message(
        (
            Text.of("challenge.post", ref=ref, submitter="Jonas Frost"),
            Text.of("quote", text=Verbatim(text)),
            Text.of("challenge.post_how", reaction="👍", deadline=DEADLINE),
        ),
        to_channel=CHANNEL,
        actions=(Action(f"vote:{ref}", Text.of("button.vote"), ButtonStyle.PRIMARY),),
        ref=ref,
    )


def queue(world: TeamsWorld, message: Message) -> None:
    """Put a message in the sample client's outbox, as a use case does, and let the server send it."""
    assert world.server.app is not None
    runtime = world.server.app[RUNTIME_KEY].runtime
    with runtime.deps.uow() as uow:
        uow.outbox.add(1, message, runtime.deps.clock.now())
        uow.commit()
    world.server.ticks()


def channel_post_id(world: TeamsWorld, timeout: float = 10.0) -> str:
    """Return the platform id the bot recorded for its channel post, once it has recorded it."""
    engine = make_engine(world.database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with Session(engine) as session:
                ids = session.exec(
                    select(OutboxRow.platform_message_id).where(
                        col(OutboxRow.channel) == CHANNEL, col(OutboxRow.platform_message_id).is_not(None)
                    )
                ).all()
            if ids or time.monotonic() > deadline:
                break
            time.sleep(0.02)
    finally:
        engine.dispose()
    [posted] = ids
    assert posted is not None
    return posted


def mention_in_channel(world: TeamsWorld, user: str = JONAS) -> dict[str, Any]:
    """@mention the bot in a thread of the challenge channel (the bot then knows the channel)."""
    body = world.activity("channel_message_mention", user, conversation=f"{CHANNEL};messageid=1759881511856")
    body["conversation"]["tenantId"] = TENANT
    body["channelData"].update(
        {"teamsChannelId": CHANNEL, "channel": {"id": CHANNEL}, "teamsTeamId": TEAM, "team": {"id": TEAM}}
    )
    body["text"] = "<at>vpmo</at> hjælp"
    body["entities"] = [{"type": "mention", "text": "<at>vpmo</at>", "mentioned": dict(body["recipient"])}]
    assert world.post(body).status_code == 200
    return body


def message_action(
    world: TeamsWorld,
    command_id: str,
    content: str,
    *,
    user: str = JONAS,
    content_type: str = "html",
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the invoke Teams sends when the user picks a message action on a message in the channel."""
    body = world.activity(
        "invoke_compose_extension_submit_action", user, conversation=f"{CHANNEL};messageid=1759881511856"
    )
    body["conversation"].update({"conversationType": "channel", "isGroup": True})
    body["channelData"].update({"channel": {"id": CHANNEL}, "team": {"id": TEAM}})
    body["value"] = {
        "commandId": command_id,
        "commandContext": "message",
        "context": {"theme": "default"},
        # The action's one field; Teams sends it empty when the person wrote nothing there.
        "data": {"text": ""} if data is None else data,
        "messagePayload": {
            "id": "1759881511856",
            "replyToId": None,
            "createdDateTime": "2025-10-08T17:33:01.495Z",
            "messageType": "message",
            "importance": "normal",
            "locale": "da-dk",
            "from": {"user": {"id": "29:1anb", "displayName": "Anna Berg", "userIdentityType": "aadUser"}},
            "body": {"contentType": content_type, "content": content},
            "attachments": [],
            "mentions": [],
            "reactions": [],
        },
    }
    return body


def created_activity(call: ConnectorCall) -> dict[str, Any]:
    """Return the activity a new channel post carried (POST /v3/conversations holds it in ``activity``)."""
    activity: dict[str, Any] = call.body["activity"]
    return activity


# --- the message action "Submit as challenge" -----------------------------------------------------


CHALLENGE_HTML = (
    '<p>Vi får aldrig <strong>risikologgen</strong> opdateret, når <at id="0">Anna Berg</at> er på ferie.</p>'
    "<p>Skabelonen mangler en ejer&nbsp;pr. risiko &amp; en dato.</p>"
)
CHALLENGE_TEXT = (
    "Vi får aldrig risikologgen opdateret, når Anna Berg er på ferie.\n"
    "Skabelonen mangler en ejer pr. risiko & en dato."
)


def submitted(ref: str = "U-7") -> list[Message]:
    return [Message((Text.of("challenge.submitted", ref=ref, meeting=MEETING, deadline=DEADLINE),))]


def test_submit_as_challenge_submits_the_messages_plain_text_for_the_person_and_answers_in_the_invoke(
    teams_world: TeamsWorld, core: CoreSpy
) -> None:
    core.answers[SubmitChallenge] = submitted()

    response = teams_world.post(message_action(teams_world, CHALLENGE_ACTION_ID, CHALLENGE_HTML))

    assert response.status_code == 200
    [(identity, command)] = core.commands
    assert identity == Identity(teams_id=JONAS)
    assert command == SubmitChallenge(CHALLENGE_TEXT, plain=CHALLENGE_TEXT)
    answer = response.json()
    assert answer["composeExtension"]["type"] == "message"
    assert answer["composeExtension"]["text"].startswith("Tak! Din udfordring har fået referencen U-7")
    assert teams_world.connector.sent() == []  # the answer is in the invoke response, not a message


def test_the_persons_own_words_in_the_actions_field_come_before_the_message(
    teams_world: TeamsWorld, core: CoreSpy
) -> None:
    core.answers[SubmitChallenge] = submitted()
    words = "Det samme sker\r\nhos os i  Aarhus."

    teams_world.post(message_action(teams_world, CHALLENGE_ACTION_ID, CHALLENGE_HTML, data={"text": words}))

    [(_, command)] = core.commands
    assert command.text == f"Det samme sker\nhos os i Aarhus.\n\n{CHALLENGE_TEXT}"


@pytest.mark.parametrize(
    ("content", "content_type", "expected"),
    [
        pytest.param(
            "Skabelonen mangler <en ejer> & en dato",
            "text",
            "Skabelonen mangler <en ejer> & en dato",
            id="text",
        ),
        pytest.param(
            '<div>Se <a title="a>b" href="https://intra.example/risiko">risikologgen</a> '
            '<img alt="😀" src="x"><script>alert(1)</script></div>',
            "html",
            "Se risikologgen (https://intra.example/risiko) 😀",
            id="tag-with-angle-in-attribute",
        ),
        pytest.param(
            "<p>&lt;at&gt;Anna&lt;/at&gt; [x](http://evil)</p>",
            "html",
            "<at>Anna</at> [x](http://evil)",
            id="escaped-markup-stays-text",
        ),
        pytest.param("<ul><li>ejer</li><li>dato</li></ul>", "html", "• ejer\n• dato", id="list"),
    ],
)
def test_the_message_is_read_as_plain_text_safely(
    teams_world: TeamsWorld, core: CoreSpy, content: str, content_type: str, expected: str
) -> None:
    core.answers[SubmitChallenge] = submitted()

    teams_world.post(message_action(teams_world, CHALLENGE_ACTION_ID, content, content_type=content_type))

    [(_, command)] = core.commands
    assert command == SubmitChallenge(expected, plain=expected)


def test_an_answer_with_buttons_opens_a_dialog_whose_buttons_come_back_as_commands(
    teams_world: TeamsWorld, core: CoreSpy
) -> None:
    # The core holds a challenge back that looks like an open one: vote for that one, or submit anyway.
    core.answers[SubmitChallenge] = [
        Message(
            (Text.of("challenge.looks_like", ref="U-3"), Text.of("quote", text=Verbatim("Risikologgen …")))
        ),
        Message(
            (Text.of("challenge.looks_like_choice", ref="U-3"),),
            actions=(
                Action("vote:U-3", Text.of("button.vote_for", ref="U-3"), ButtonStyle.PRIMARY),
                Action("challenge-anyway", Text.of("button.submit_anyway")),
            ),
        ),
    ]
    core.answers[SubmitPendingChallenge] = submitted("U-8")

    first = teams_world.post(message_action(teams_world, CHALLENGE_ACTION_ID, CHALLENGE_HTML))

    task = first.json()["task"]
    assert task["type"] == "continue"
    card = task["value"]["card"]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card_problems(card["content"]) == []
    buttons = card["content"]["actions"]
    # A dialog takes Action.Submit only; its data comes back as another submitAction.
    assert [(b["type"], b["data"]) for b in buttons] == [
        ("Action.Submit", {"action": "vote:U-3"}),
        ("Action.Submit", {"action": "challenge-anyway"}),
    ]
    assert "Der er allerede en udfordring, der ligner din – U-3:" in json.dumps(card, ensure_ascii=False)

    pressed = message_action(teams_world, CHALLENGE_ACTION_ID, CHALLENGE_HTML, data=buttons[1]["data"])
    second = teams_world.post(pressed)

    assert [type(command) for _, command in core.commands] == [SubmitChallenge, SubmitPendingChallenge]
    assert "U-8" in second.json()["composeExtension"]["text"]


def test_every_message_action_in_the_manifest_runs_its_command(
    teams_world: TeamsWorld, core: CoreSpy
) -> None:
    core.answers[SubmitChallenge] = submitted()
    core.answers[RequestSparring] = [Message((Text.of("quote", text=Verbatim("S-1")),))]
    [extension] = build_teams_manifest(APP_ID)["composeExtensions"]
    declared = [command["id"] for command in extension["commands"]]

    for command_id in declared:
        assert teams_world.post(message_action(teams_world, command_id, CHALLENGE_HTML)).status_code == 200

    assert declared == [MESSAGE_ACTION_ID, CHALLENGE_ACTION_ID]
    assert [type(command) for _, command in core.commands] == [RequestSparring, SubmitChallenge]


def test_a_message_action_the_bot_does_not_have_runs_nothing_and_gets_an_empty_answer(
    teams_world: TeamsWorld, core: CoreSpy
) -> None:
    response = teams_world.post(message_action(teams_world, "giveKudos", CHALLENGE_HTML))

    assert (response.status_code, response.json()) == (200, {})
    assert core.commands == []


def test_ask_for_sparring_about_this_keeps_the_persons_words_and_the_message(teams_world: TeamsWorld) -> None:
    body = message_action(
        teams_world,
        MESSAGE_ACTION_ID,
        "<p>Budgettet er skredet med 15 %.</p>",
        data={"text": "Hvordan fremlægger jeg det for styregruppen?"},
    )

    response = teams_world.post(body)

    assert "S-1" in response.json()["composeExtension"]["text"]
    engine = make_engine(teams_world.database_url)
    try:
        with Session(engine) as session:
            [request] = session.exec(select(SparringRequestRow)).all()
    finally:
        engine.dispose()
    assert request.text == "Hvordan fremlægger jeg det for styregruppen?\n\nBudgettet er skredet med 15 %."


def test_a_message_action_without_a_conversation_type_keeps_the_persons_direct_messages_where_they_are(
    teams_world: TeamsWorld,
) -> None:
    teams_world.say(JONAS, "hjælp")
    # The shape Microsoft documents (shortened): a 19: conversation, a group chat or channel, untyped.
    body = teams_world.activity("invoke_compose_extension_submit_action", JONAS)
    assert "conversationType" not in body["conversation"]
    body["value"] = {
        "commandId": MESSAGE_ACTION_ID,
        "commandContext": "message",
        "messagePayload": {"body": {"contentType": "html", "content": "<p>Budgettet er skredet</p>"}},
    }

    assert teams_world.post(body).status_code == 200

    reference = TeamsStore(make_engine(teams_world.database_url)).reference_of_user(1, JONAS)
    assert reference is not None
    assert reference.conversation_id == personal_conversation(JONAS)


def test_a_typed_challenge_in_a_channel_reaches_the_core_without_teams_html_in_its_plain_text(
    teams_world: TeamsWorld, core: CoreSpy
) -> None:
    core.answers[SubmitChallenge] = submitted()
    body = mention_in_channel(teams_world)
    body["id"] = "1759944781431"
    body["text"] = "<at>vpmo</at> udfordring Vi mangler <b>en ejer</b> af risikologgen"

    assert teams_world.post(body).status_code == 200

    [_, (_, command)] = core.commands  # the first is the mention's "hjælp"
    assert isinstance(command, SubmitChallenge)
    assert command.text == "Vi mangler <b>en ejer</b> af risikologgen"
    assert command.plain is not None
    assert " ".join(command.plain.split()) == "Vi mangler en ejer af risikologgen"


# --- reactions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "thread",
    [
        pytest.param(True, id="conversation-is-the-posts-thread"),
        pytest.param(False, id="conversation-is-the-channel"),
    ],
)
def test_a_reaction_on_the_bots_channel_post_names_the_post_as_the_messenger_recorded_it(
    teams_world: TeamsWorld, core: CoreSpy, thread: bool
) -> None:
    mention_in_channel(teams_world)
    queue(teams_world, challenge_post("Risikologgen bliver aldrig opdateret."))
    [post] = teams_world.connector.wait_for_created()
    posted = channel_post_id(teams_world)
    activity_id = posted.rsplit(":", 1)[1]
    conversation = f"{CHANNEL};messageid={activity_id}" if thread else CHANNEL
    reaction = teams_world.activity(
        "message_reaction_added", ANNA, conversation=conversation, replyToId=activity_id
    )
    reaction["channelData"].update({"channel": {"id": CHANNEL}, "team": {"id": TEAM}})

    response = teams_world.post(reaction)

    assert response.status_code == 200
    assert post.body["channelData"] == {"channel": {"id": CHANNEL}, "tenant": {"id": TENANT}}
    assert posted == f"{CHANNEL}:{activity_id}"
    [(event_id, identity, received)] = core.reactions
    assert received == Reaction(
        "teams", posted, ANNA, (("like", True),), at=datetime(2017, 10, 16, 18, 45, 41, 943000, tzinfo=UTC)
    )
    assert identity == Identity(teams_id=ANNA)
    assert event_id == f"{reaction['id']}:+like"


def test_a_channel_post_is_recorded_under_its_thread_id_when_the_connector_answers_without_activity_id(
    teams_world: TeamsWorld,
) -> None:
    # botbuilder would make up a random activity id; the post's own id is in its thread's conversation id.
    mention_in_channel(teams_world)
    teams_world.connector.without_activity_id = True

    queue(teams_world, challenge_post("Risikologgen bliver aldrig opdateret."))

    teams_world.connector.wait_for_created()
    assert re.fullmatch(re.escape(CHANNEL) + r":17000000000\d\d", channel_post_id(teams_world))


def test_a_reaction_in_a_personal_chat_names_the_message_as_the_messenger_recorded_it(
    teams_world: TeamsWorld, core: CoreSpy
) -> None:
    offer = _offer_to_anna(teams_world)
    message_id = _posted_id(teams_world, offer)
    removed = teams_world.activity(
        "message_reaction_removed", ANNA, conversation=personal_conversation(ANNA), replyToId=message_id
    )

    teams_world.post(removed)

    [(_, identity, received)] = core.reactions
    assert received.platform_message_id == f"{personal_conversation(ANNA)}:{message_id}"
    assert (received.user, received.changes) == (ANNA, (("like", False),))
    assert identity == Identity(teams_id=ANNA)


def test_adding_and_removing_in_one_activity_both_arrive_and_each_change_has_its_own_event_key(
    teams_world: TeamsWorld, core: CoreSpy
) -> None:
    conversation = f"{CHANNEL};messageid=1700000000001"
    both = teams_world.activity(
        "message_reaction_added", ANNA, conversation=conversation, replyToId="1700000000001"
    )
    both["reactionsAdded"] = [{"type": "heart"}, {"type": "1f440_eyes"}]
    both["reactionsRemoved"] = [{"type": "like"}]
    added = {**both, "reactionsRemoved": None}
    removed = {key: value for key, value in both.items() if key != "reactionsAdded"}

    for body in (both, both, added, removed):
        assert teams_world.post(body).status_code == 200

    changes = [reaction.changes for _, _, reaction in core.reactions]
    assert changes[0] == (("heart", True), ("1f440_eyes", True), ("like", False))
    assert changes[2:] == [(("heart", True), ("1f440_eyes", True)), (("like", False),)]
    keys = [event_id for event_id, _, _ in core.reactions]
    assert keys[0] == keys[1]  # a redelivery: the core records it once
    assert len({keys[0], keys[2], keys[3]}) == 3  # Teams may reuse one activity id for other changes


# --- the challenge post's card -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", [pytest.param(EMOJI, id="longest-in-emoji"), pytest.param(HOSTILE, id="hostile")]
)
def test_the_challenge_post_keeps_to_teams_limits_and_shows_the_text_whole_and_literal(
    teams_world: TeamsWorld, text: str
) -> None:
    mention_in_channel(teams_world)
    assert len(text) == MAX_CHALLENGE_CHARS

    queue(teams_world, challenge_post(text))

    [call] = teams_world.connector.wait_for_created()
    activity = created_activity(call)
    assert activity_problems(activity) == []
    assert len(json.dumps(call.body).encode()) <= TEAMS_MAX_MESSAGE_BYTES
    [attachment] = activity["attachments"]
    card = attachment["content"]
    # Only TextRuns, which no Teams client reads as Markdown or HTML, and no mention entities anywhere.
    assert [block["type"] for block in card["body"]] == ["RichTextBlock"] * 3
    lines = [inline["text"] for block in card["body"] for inline in block["inlines"]]
    assert all(inline["type"] == "TextRun" for block in card["body"] for inline in block["inlines"])
    assert lines[0] == "U-7 · udfordring fra Jonas Frost"
    assert lines[1] == f"“{text}”"  # whole: a shortened quote would point to "vis U-7", not a command here
    assert lines[2].startswith("Stem med 👍 eller knappen Stem.")
    assert card["actions"] == [
        {
            "type": "Action.Execute",
            "title": "Stem",
            "verb": "vpmo",
            "data": {"action": "vote:U-7"},
            "style": "positive",
        }
    ]
    assert "entities" not in activity
    assert "msteams" not in card
    assert activity.get("text") is None  # nothing outside the card that Teams would format
    assert activity["summary"] == "U-7 · udfordring fra Jonas Frost"


# --- the channel: how the bot learns it, and what the coordinator hears when it does not know it --------


def _added_to_team(world: TeamsWorld) -> None:
    world.add_to_team(METTE, CHANNEL, TEAM)


def _installed_in_team(world: TeamsWorld) -> None:
    body = world.activity("installation_update_add", METTE, conversation=CHANNEL)
    body["conversation"]["tenantId"] = TENANT
    body["channelData"].update(
        {"settings": {"selectedChannel": {"id": CHANNEL}}, "channel": {"id": CHANNEL}, "team": {"id": TEAM}}
    )
    assert world.post(body).status_code == 200


@pytest.mark.parametrize(
    "learn",
    [
        pytest.param(_added_to_team, id="conversationUpdate-bot-added-to-the-team-in-this-channel"),
        pytest.param(_installed_in_team, id="installationUpdate-in-this-channel"),
        pytest.param(mention_in_channel, id="mentioned-in-a-thread-of-the-channel"),
    ],
)
def test_the_channel_is_learned_under_the_id_the_tenant_file_configures_and_posted_to(
    teams_world: TeamsWorld, learn: Any
) -> None:
    learn(teams_world)

    queue(teams_world, challenge_post("Risikologgen bliver aldrig opdateret."))

    reference = TeamsStore(make_engine(teams_world.database_url)).reference_of_channel(1, CHANNEL)
    assert reference is not None
    assert reference.conversation_id == CHANNEL
    [post] = teams_world.connector.wait_for_created()
    assert post.body["channelData"] == {"channel": {"id": CHANNEL}, "tenant": {"id": TENANT}}
    assert re.fullmatch(re.escape(CHANNEL) + r":\d+", channel_post_id(teams_world))


def _coordinator_notes(world: TeamsWorld, count: int = 1) -> list[ConnectorCall]:
    return world.connector.wait_for(personal_conversation(METTE), count=count, timeout=15)


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_post_to_a_channel_the_bot_does_not_know_tells_the_coordinator_what_to_do(
    teams_world: TeamsWorld, language: str
) -> None:
    teams_world.install(METTE)
    if language == "en":
        teams_world.say(METTE, "language en")

    queue(teams_world, challenge_post("Risikologgen bliver aldrig opdateret."))

    note = _coordinator_notes(teams_world, 2 if language == "en" else 1)[-1].shown
    assert teams_world.connector.created() == []
    if language == "da":
        assert f"En besked til {CHANNEL} kunne ikke leveres" in note
        assert "Tilføj appen til det team, kanalen hører til" in note
        assert "skriv så én gang i kanalen, hvor du @omtaler appen, fx: @Virtuelt PMO hjælp" in note
    else:
        assert f"A message to {CHANNEL} could not be delivered" in note
        assert "Add the app to the team the channel belongs to" in note
        assert "then write once in the channel and @mention the app, for example: @Virtuelt PMO help" in note


def test_a_channel_post_teams_refuses_because_the_app_left_the_team_tells_the_coordinator_the_same(
    teams_world: TeamsWorld,
) -> None:
    teams_world.install(METTE)
    mention_in_channel(teams_world)
    teams_world.connector.fail_next(403, method="POST")

    queue(teams_world, challenge_post("Risikologgen bliver aldrig opdateret."))

    [refused] = teams_world.connector.created()
    assert refused.body["channelData"]["channel"] == {"id": CHANNEL}
    [note] = _coordinator_notes(teams_world)
    assert "Tilføj appen til det team, kanalen hører til" in note.shown
