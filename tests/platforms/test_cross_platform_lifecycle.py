"""One sparring lifecycle, three ways in: Teams, Slack and the console end with the same result.

The scenario (nothing in it depends on the time of day, so the servers can run on the system clock):
Jonas asks a Danish budget question, Anna accepts it, Anna marks it held with 1,5 hours, Jonas rates it 4
and adds a comment, and Mette (the coordinator) asks for the KPIs.

* Teams: Jonas, Anna and Mette each have a personal chat with the bot (Anna and Mette install the app
  first, Jonas' first message is his). Buttons are pressed as ``adaptiveCard/action`` invokes, the comment
  form is submitted as the message Teams sends for ``Action.Submit``, the rest is typed. The activities go
  to the real server; its sends go to a fake Bot Connector.
* Slack: slash commands (the question, ``kpi``), ``block_actions`` (accept, the rating) and DMs to the bot
  (``done S-1 1,5``, the comment), signed, to the real server; its Web API calls go to a fake Slack.
* Console: the same steps as a ``vpmo chat --script --json`` run.

Databases: each platform runs on its own fresh database of the backend under test, prepared the same
way (migrated, sample client applied), so the runs cannot see each other and all start with the
reference S-1 free. Teams gets the ``database_url`` fixture's database; Slack and the console get two
more of the same kind: SQLite files beside it in ``tmp_path``, or new PostgreSQL databases made (and
dropped) by the same helper that makes ``database_url``. One test per backend then holds all three
results side by side, so it can compare them with each other and not only with fixed expectations.

Compared: the request as stored (read through ``build_runtime(url).deps.uow()``), and what the people
were told at the key steps, as plain text. Slack shows the same lines as mrkdwn (escaped only, so
unescaping gives the text back); Teams shows them as plain text or as TextRuns in a card.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from click.testing import CliRunner
from pydantic import SecretStr
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from bot.bootstrap import build_runtime
from bot.cli import main
from bot.settings import Settings
from bot.slack.settings import SlackMode, SlackSettings
from bot.teams.settings import TeamsSettings
from handlers.shared.model import Status
from storage.db import make_engine
from storage.tables import OutboxRow
from tests.conftest import _fresh_postgres_database
from tests.platforms.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM, sample_database
from tests.platforms.limits import activity_problems, slack_problems
from tests.platforms.server_harness import RunningServer
from tests.platforms.slack_fakes import (
    Call,
    FakeSlackApi,
    Payload,
    SlackClient,
    SlackSigner,
    block_actions_from_message,
    event,
    interactive,
    message_event,
    slash_command,
)
from tests.platforms.teams_fakes import ConnectorCall, FakeConnector, activity, personal_conversation

QUESTION = "Hvordan håndterer jeg, at budgettet for fase 2 er overskredet med 20 %?"
COMMENT = "Gode råd om forecast og styregruppen"
TEAMS_TENANT = "5f3c2a1e-8b7d-4c6a-9e0f-1a2b3c4d5e6f"
WAIT_SECONDS = 15.0


@dataclass(frozen=True)
class Person:
    """One of the scenario's people, under each platform's name for them (from the sample YAML)."""

    email: str
    slack_id: str
    teams_id: str


JONAS = Person("jonas.friis@nordlys.dk", "U01JOF", "29:1jof")
ANNA = Person("anna.berg@maximize.dk", "U01ANB", "29:1anb")
METTE = Person("mette.holm@nordlys.dk", "U01MET", "29:1abc")


@dataclass(frozen=True)
class Told:
    """What the people were told at the steps that matter, as plain text."""

    answer: str  # Jonas, right after asking
    accepted: str  # Jonas, when Anna accepted
    held: str  # Anna, after ``done S-1 1,5``
    feedback: str  # Anna, when Jonas' rating and comment arrived
    kpis: str  # Mette, after ``kpi``


@dataclass(frozen=True)
class Stored:
    """The request S-1 as the database holds it at the end."""

    ref: str
    area: str | None
    senior: str | None
    status: Status
    rating: int | None
    hours: float | None
    comment: str | None


@dataclass(frozen=True)
class Run:
    told: Told
    stored: Stored


T = TypeVar("T")


def _eventually(find: Callable[[], T | None], what: str, timeout: float = WAIT_SECONDS) -> T:
    """Poll until ``find`` returns something (the tick delivers proactive messages a moment later)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = find()
        if found is not None:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _stored(database_url: str) -> Stored:
    runtime = build_runtime(database_url)
    try:
        with runtime.deps.uow() as uow:
            tenant = uow.tenants.get_by_slug("nordlys")
            assert tenant is not None
            assert tenant.id is not None
            request = uow.requests.get(tenant.id, 1)
            assert request is not None, "no request S-1 was stored"
            senior = uow.people.get(request.senior_id) if request.senior_id is not None else None
            return Stored(
                request.ref,
                request.area,
                senior.name if senior else None,
                request.status,
                request.rating,
                request.hours,
                request.comment,
            )
    finally:
        runtime.engine.dispose()


def _posted_id(database_url: str, dedupe_prefix: str) -> str:
    """Return the platform's id of the sent outbox message whose dedupe key starts with the prefix."""

    def find() -> str | None:
        engine = make_engine(database_url)
        try:
            with Session(engine) as session:
                rows = session.exec(select(OutboxRow).where(OutboxRow.platform_message_id.is_not(None))).all()  # type: ignore[union-attr]
        finally:
            engine.dispose()
        ids = [r.platform_message_id for r in rows if (r.dedupe_key or "").startswith(dedupe_prefix)]
        return ids[0] if ids else None

    return _eventually(find, f"the sent message {dedupe_prefix}…")


# --- Teams ---------------------------------------------------------------------------------------


def _teams_text(body: dict[str, Any]) -> str:
    """Return what a Teams message shows: its plain text, or the TextRuns of its cards, line by line."""
    if body.get("text"):
        return str(body["text"])
    cards = [a["content"] for a in body.get("attachments") or []]
    return _card_text(cards[0]) if cards else ""


def _card_text(card: dict[str, Any]) -> str:
    """Return the card's lines, its facts as ``title: value`` lines (as the console writes them)."""
    lines: list[str] = []
    for block in card.get("body", []):
        if block["type"] == "RichTextBlock":
            lines.extend(inline["text"] for inline in block["inlines"])
        elif block["type"] == "FactSet":
            lines.extend(f"{fact['title']}: {fact['value']}" for fact in block["facts"])
    return "\n".join(lines)


@dataclass
class TeamsChats:
    """Personal chats with vpmo's server, as Teams would carry them."""

    server: RunningServer
    connector: FakeConnector
    database_url: str

    def post(self, body: dict[str, Any]) -> httpx.Response:
        response = httpx.post(self.server.url + "/api/messages", json=body, timeout=30, trust_env=False)
        assert response.status_code == 200, response.text
        return response

    def _activity(self, name: str, person: Person, **fields: Any) -> dict[str, Any]:
        return activity(
            name,
            service_url=self.connector.url,
            tenant=TEAMS_TENANT,
            user=person.teams_id,
            conversation=personal_conversation(person.teams_id),
            **fields,
        )

    def install(self, person: Person) -> None:
        body = self._activity("conversation_update_personal_install", person)
        body["membersAdded"] = [{"id": body["recipient"]["id"]}, {"id": person.teams_id}]
        self.post(body)

    def say(self, person: Person, text: str) -> str:
        """Send a personal message; return the bot's reply in that chat."""
        chat = personal_conversation(person.teams_id)
        before = len(self.connector.sent(chat))
        body = self._activity("personal_message", person, text=text)
        self.post(body)
        replies = [c for c in self.connector.sent(chat)[before:] if c.path.endswith("/" + body["id"])]
        assert len(replies) == 1, replies
        return _teams_text(replies[0].body)

    def click(self, person: Person, action: str, reply_to: str) -> dict[str, Any]:
        """Press an Action.Execute button on a message the bot sent; return the card that replaces it."""
        body = self._activity("invoke_adaptive_card_action_execute", person, replyToId=reply_to)
        body["value"]["action"] = {"type": "Action.Execute", "verb": "vpmo", "data": {"action": action}}
        answer = self.post(body).json()
        assert answer["type"] == "application/vnd.microsoft.card.adaptive", answer
        card: dict[str, Any] = answer["value"]
        return card

    def submit(self, person: Person, data: dict[str, Any], reply_to: str) -> None:
        """Submit a card form: Teams sends a message whose value is the action's data and the inputs."""
        body = self._activity("personal_message", person, value=data, replyToId=reply_to)
        del body["text"]
        self.post(body)

    def told(self, person: Person, containing: str) -> str:
        """Wait for a message to the person's chat that contains the text; return its text."""
        chat = personal_conversation(person.teams_id)

        def find() -> str | None:
            texts = [_teams_text(c.body) for c in self.connector.sent(chat)]
            return next((t for t in texts if containing in t), None)

        return _eventually(find, f"{containing!r} in {person.email}'s Teams chat")

    def sent_to(self, person: Person, containing: str) -> ConnectorCall:
        chat = personal_conversation(person.teams_id)
        return _eventually(
            lambda: next((c for c in self.connector.sent(chat) if containing in c.shown), None),
            f"{containing!r} sent to {person.email}",
        )

    def reply_to_id(self, dedupe_prefix: str) -> str:
        """Return the activity id Teams gave a proactive message (the bot stores ``conversation:id``)."""
        return _posted_id(self.database_url, dedupe_prefix).rsplit(":", 1)[-1]


def _run_in_teams(database_url: str) -> Run:
    sample_database(database_url)
    settings = Settings(database_url=SecretStr(database_url))

    def factory() -> Any:
        from bot.server import build_server

        return build_server(
            settings, SlackSettings(SlackMode.OFF), tick_seconds=0.2, teams_settings=TeamsSettings.local()
        )

    with FakeConnector() as connector, RunningServer(factory) as server:
        teams = TeamsChats(server, connector, database_url)
        teams.install(ANNA)
        teams.install(METTE)

        answer = teams.say(JONAS, f"sparring {QUESTION}")
        offer = teams.sent_to(ANNA, "accept:S-1")
        assert [a["data"]["action"] for a in offer.cards[0]["actions"]] == ["accept:S-1", "decline:S-1"]
        accepted_card = teams.click(ANNA, "accept:S-1", teams.reply_to_id("offer:"))
        assert "accept:S-1" not in json.dumps(accepted_card)  # the pressed card lost its buttons
        accepted = teams.told(JONAS, "har accepteret S-1")

        held = teams.say(ANNA, "færdig S-1 1,5")
        rating_request = teams.sent_to(JONAS, "rate:S-1:4")
        assert len(rating_request.cards[0]["actions"]) == 5
        feedback_please = teams.reply_to_id("feedback-please:")
        thanks = teams.click(JONAS, "rate:S-1:4", feedback_please)
        assert [a["data"]["action"] for a in thanks["actions"]] == ["comment:S-1", "no-comment:S-1"]
        form = teams.click(JONAS, "comment:S-1", feedback_please)
        [submit] = form["actions"]
        teams.submit(JONAS, {**submit["data"], "comment": COMMENT}, feedback_please)
        feedback = teams.told(ANNA, "Feedback på S-1")

        kpis = teams.say(METTE, "kpi")
        sent = [*connector.sent(), *connector.updated()]
        # Every card of the lifecycle, not only those looked at, keeps Teams' limits.
        assert [problem for call in sent for problem in activity_problems(call.body)] == []
    return Run(Told(answer, accepted, held, feedback, kpis), _stored(database_url))


# --- Slack ---------------------------------------------------------------------------------------


def _slack_text(blocks: list[dict[str, Any]]) -> str:
    """Return what Slack shows of the sections: the mrkdwn is only escaped, so unescaping restores it.

    Headers are lines of their own, and a ``*label*\\nvalue`` field reads as ``label: value``.
    """
    lines: list[str] = []
    for block in blocks:
        if block["type"] == "header":
            lines.append(block["text"]["text"])
        elif block["type"] == "section" and "fields" in block:
            for field in block["fields"]:
                label, _, value = html.unescape(field["text"]).partition("\n")
                lines.append(f"{label.strip('*')}: {value}")
        elif block["type"] == "section":
            lines.append(html.unescape(block["text"]["text"]))
    return "\n".join(lines)


@dataclass
class SlackWorkspace:
    """vpmo's server in HTTP mode with a fake Slack Web API, driven as Slack would drive it."""

    server: RunningServer
    slack: FakeSlackApi
    signer: SlackSigner

    def send(self, payload: Payload) -> httpx.Response:
        response = asyncio.run(
            SlackClient(self.server.url).send("/slack/events", payload, signer=self.signer)
        )
        assert response.status_code == 200, response.text
        return response

    def slash(self, person: Person, text: str) -> str:
        """Run ``/sparring <text>``; return the ephemeral answer the ack carries."""
        body = self.send(slash_command(TEAM, person.slack_id, text)).json()
        return _slack_text(body["blocks"])

    def dm(self, person: Person, text: str) -> None:
        """Write to the bot in the person's DM (a ``message.im`` event)."""
        channel = f"D{person.slack_id}"
        self.send(event(message_event(person.slack_id, text, channel, team_id=TEAM), team_id=TEAM))

    def click(self, person: Person, message: Call, action: str, label: str) -> str:
        """Press a button on a DM the bot posted; return what replaced the message (via response_url)."""
        response_url = self.slack.response_url(label)
        payload = block_actions_from_message(message, action, person.slack_id, TEAM, response_url)
        self.send(interactive(payload))
        update = _eventually(
            lambda: next((c for c in self.slack.calls("response_url") if c.path.endswith(label)), None),
            f"the response to {action}",
        )
        assert update.params["replace_original"] is True
        return _slack_text(update.params["blocks"])

    def posted_to(self, person: Person, containing: str) -> Call:
        """Wait for a DM to the person that contains the text."""
        channel = f"D{person.slack_id}"

        def find() -> Call | None:
            calls = self.slack.calls("chat.postMessage")
            return next(
                (
                    c
                    for c in calls
                    if c.params.get("channel") == channel and containing in _slack_text(c.blocks)
                ),
                None,
            )

        return _eventually(find, f"{containing!r} in {person.email}'s Slack DM")


def _run_in_slack(database_url: str) -> Run:
    sample_database(database_url)
    settings = Settings(database_url=SecretStr(database_url))
    with FakeSlackApi(team_id=TEAM, bot_token=BOT_TOKEN) as slack:
        slack_settings = SlackSettings(
            SlackMode.SINGLE_WORKSPACE, signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN, api_url=slack.url
        )

        def factory() -> Any:
            from bot.server import build_server

            return build_server(
                settings, slack_settings, tick_seconds=0.2, teams_settings=TeamsSettings.off()
            )

        with RunningServer(factory) as server:
            workspace = SlackWorkspace(server, slack, SlackSigner(SIGNING_SECRET))
            answer = workspace.slash(JONAS, QUESTION)
            offer = workspace.posted_to(ANNA, "S-1")
            accepted_update = workspace.click(ANNA, offer, "accept:S-1", "accept")
            assert "Du har accepteret S-1" in accepted_update
            accepted = _slack_text(workspace.posted_to(JONAS, "har accepteret S-1").blocks)

            workspace.dm(ANNA, "done S-1 1,5")
            held = _slack_text(workspace.posted_to(ANNA, "registreret som holdt").blocks)
            rating_request = workspace.posted_to(JONAS, "Hvordan var din sparring S-1")
            thanks = workspace.click(JONAS, rating_request, "rate:S-1:4", "rate")
            assert "4 ud af 5" in thanks
            workspace.dm(JONAS, f"feedback S-1 {COMMENT}")
            feedback = _slack_text(workspace.posted_to(ANNA, "Feedback på S-1").blocks)

            kpis = workspace.slash(METTE, "kpi")
        # Every message of the lifecycle, not only those looked at, keeps Block Kit's limits.
        posted = [*slack.calls("chat.postMessage"), *slack.calls("chat.update"), *slack.calls("response_url")]
        assert [p for call in posted for p in slack_problems(call.params.get("blocks") or [])] == []
    return Run(Told(answer, accepted, held, feedback, kpis), _stored(database_url))


# --- Console -------------------------------------------------------------------------------------


def _run_in_console(database_url: str, folder: Path) -> Run:
    sample_database(database_url)
    script = folder / "lifecycle.txt"
    script.write_text(
        f"sparring {QUESTION}\n"
        f":as {ANNA.email}\n"
        ":click accept:S-1\n"
        "færdig S-1 1,5\n"
        f":as {JONAS.email}\n"
        ":click rate:S-1:4\n"
        f"feedback S-1 {COMMENT}\n"
        f":as {METTE.email}\n"
        "kpi\n",
        encoding="utf-8",
    )
    arguments = ["--database-url", database_url, "chat", "--tenant", "nordlys", "--as", JONAS.email]
    result = CliRunner().invoke(main, [*arguments, "--script", str(script), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    messages = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]

    def told(person: Person, containing: str) -> str:
        texts = [m["text"] for m in messages if m["to"] == person.email and containing in m["text"]]
        assert texts, f"{person.email} was never told {containing!r}: {messages}"
        return str(texts[0])

    answer = next(m["text"] for m in messages if m["to"] == JONAS.email)
    told_ = Told(
        answer,
        told(JONAS, "har accepteret S-1"),
        told(ANNA, "registreret som holdt"),
        told(ANNA, "Feedback på S-1"),
        [m["text"] for m in messages if m["to"] == METTE.email][-1],
    )
    return Run(told_, _stored(database_url))


# --- the scenario --------------------------------------------------------------------------------


@pytest.fixture
def platform_databases(database_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Return a fresh, empty database per platform, all of the backend under test."""
    if make_url(database_url).get_backend_name() == "sqlite":
        yield {
            "teams": database_url,
            "slack": f"sqlite:///{tmp_path}/slack.db",
            "console": f"sqlite:///{tmp_path}/console.db",
        }
        return
    with _fresh_postgres_database() as slack, _fresh_postgres_database() as console:
        yield {"teams": database_url, "slack": slack, "console": console}


def test_the_sparring_lifecycle_ends_the_same_in_teams_slack_and_the_console(
    platform_databases: dict[str, str], tmp_path: Path
) -> None:
    runs = {
        "teams": _run_in_teams(platform_databases["teams"]),
        "slack": _run_in_slack(platform_databases["slack"]),
        "console": _run_in_console(platform_databases["console"], tmp_path),
    }

    expected = Stored(
        ref="S-1",
        area="budget",
        senior="Anna Berg",
        status=Status.CLOSED,
        rating=4,
        hours=1.5,
        comment=COMMENT,
    )
    for platform, run in runs.items():
        assert run.stored == expected, platform
        assert run.told.answer.startswith("S-1 (Budgettering) er sendt til Anna Berg."), platform
        assert "Anna Berg har accepteret S-1" in run.told.accepted, platform
        assert "S-1 er registreret som holdt med 1,5 timer." in run.told.held, platform
        assert run.told.feedback == f"Feedback på S-1: 4 ud af 5.\n“{COMMENT}”", platform
        assert "Brugte timer: 1,5 af 60" in run.told.kpis, platform
        assert "Gennemsnitlig feedback: 4 ud af 5 (1 svar)" in run.told.kpis, platform
        # The system clock decides the quarter: "Sparring, 4. kvartal 2026", then a heading per section.
        assert re.match(r"Sparring, [1-4]\. kvartal \d{4}\nForespørgsler\n", run.told.kpis), platform
    # Not only the figures checked above: every message compared is word for word the same.
    assert runs["teams"].told == runs["console"].told
    assert runs["slack"].told == runs["console"].told
