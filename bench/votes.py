"""Benchmark: votes on the quarterly challenges as Slack reaction events, vpmo against the bare "write" app.

    .venv/bin/python -m bench.votes [--events 20000] [--rounds 2] [--people 500] [--challenges 30]
                                    [--seed 11] [--postgres]

A big organisation's quarter: ``--events`` signed ``reaction_added`` / ``reaction_removed`` deliveries
(JSON ``event_callback`` payloads) to ``/slack/events``, 10 % of them Slack's retried deliveries (the
same ``event_id`` again, with ``X-Slack-Retry-Num``). Two servers run as subprocesses on 127.0.0.1
on the same stack (aiohttp + bolt's AsyncApp): ``vpmo serve``, and the "write" baseline of
``bench.bare_slack_app`` (acks inline after writing one row per event; see ``bench.slack_ack``).
A fake Slack Web API runs in a process of its own (``bench.fake_platforms``).

Set-up, through vpmo's own paths, so that the reactions land on real challenge posts:

- The client is the sample one (``bot/console/sample_tenant.yaml``) with ``--people`` more people who
  have Slack ids, and one quarterly meeting 60 days ahead (the sample's dates would pass), applied
  with ``vpmo tenant apply``. A few more Slack users the client does not know vote too: recorded,
  not counted, as the tally's rules say.
- ``--challenges`` challenges are submitted in this process with ``handlers.service.handle`` and
  ``SubmitChallenge`` (the use case the chat commands run: number, challenge row, and its channel
  post in the outbox under the post's dedupe key, in one transaction). Then ``vpmo serve`` starts, and
  its own dispatcher sends the posts to the fake Slack, which answers with a ``ts``; the dispatcher
  marks each row sent with ``C0CHALL:<ts>``. The bench waits for every post to be sent and reads the
  ids back (``SqlChallenges.posts``). Nothing is written behind vpmo's back, and the post ids are
  the ones the reactions must name, as in Slack.

The event stream is deterministic (``--seed``): voters mostly from the client (about 5 % unknown),
challenges by popularity, ``+1``, ``thumbsup``, a skin tone of ``+1`` and now and then an emoji that
is no vote or a message that is no challenge; a mix of adds and removes on the same (user, challenge,
emoji), with ``event_ts`` jittered by seconds so that events of one key arrive out of order. Retries
come some deliveries after their original.

The stream is cut into equal slices, one per turn: the servers take turns on the same slice, in each
mode and round, so machine noise hits both alike. Modes: closed loop with 16 and 64 clients, then open
loop (Poisson arrivals, latency from the moment a request was due) at 200/s and at vpmo's saturation
rate (its best sustained rate in the closed loop). vpmo acks a reaction at once and records it after
the answer (with the reactions waiting beside it, in one transaction); its turn lasts until every event of the slice is in its ``processed_event`` table (the
event id and the vote are written in one transaction), and that time counts ("sustained"). Printed
per mode: acks/s, events/s sustained, p50/p99 ack, server CPU per event, errors, and the ratio of
vpmo's sustained rate to the baseline's.

After the run the tally vpmo holds (``handlers.challenges.quarter.round_of``: the marks in the database,
counted at the meeting's deadline) is compared, challenge by challenge, with the tally computed here
from the event log (``handlers.challenges.tally.tally`` on the log as marks, deadline far ahead), and
so are the ballot marks held against the log's settled marks. "tally equal: no" exits with 1, and
so does a delivery answered with an error or not recorded within two minutes.
Targets: at least 0.7x the baseline's throughput in the closed loop; the tally equal.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
from ruamel.yaml import YAML
from sqlalchemy import Engine, func, select

from bench.servers import (
    SAMPLE_TENANT,
    SLACK_TEAM,
    Load,
    Request,
    Server,
    comparison_parser,
    hammer,
    merge_turns,
    open_loop,
    percentiles,
    prepare_database,
    slack_environment,
    slack_headers,
    start_fake_platforms,
    start_slack_server,
    throwaway_database,
)
from bot.admin.tenant_config import load_tenant_config
from bot.bootstrap import Runtime, build_runtime
from handlers.challenges import quarter
from handlers.challenges import tally as votes
from handlers.challenges.commands import SubmitChallenge
from handlers.challenges.voting import voter_key
from handlers.service import Identity, handle
from handlers.shared.context import TenantContext
from handlers.shared.model import Tenant
from handlers.shared.ports import UnitOfWork
from storage.tables import PROCESSED_EVENT

SLUG = "nordlys"
CHANNEL = "C0CHALL"
CONCURRENCY = (16, 64)
OPEN_RATE = 200.0
RETRY_SHARE = 0.10
UNKNOWN_SHARE = 0.05
SUBMITTERS = ("jonas.friis@nordlys.dk", "emma.larsen@nordlys.dk", "ida.holm@nordlys.dk")
TOPICS = (
    "Styregruppen får statusrapporten for sent til at kunne beslutte noget",
    "Vi mangler en fælles skabelon for gevinstrealisering efter go-live",
    "Testmiljøet er ikke klar, når UAT skal begynde",
    "Leverandørens tidsplan passer ikke med vores milepæle",
    "Risikologgen bliver ikke opdateret mellem møderne",
    "Ressourcer bliver flyttet mellem projekterne uden varsel",
    "Budgetopfølgningen kommer fra økonomi en måned for sent",
    "Interessenterne i driften bliver inddraget for sent",
    "PID'en bliver skrevet, men ingen læser den igen",
    "Agile teams og vandfaldsplaner mødes først i styregruppen",
)
# Reaction names and how often people use them: the configured votes (+1, thumbsup), a skin tone
# of +1 (the same vote) and an emoji that is no vote.
EMOJI = ("+1", "thumbsup", "+1::skin-tone-3", "heart")
EMOJI_WEIGHTS = (0.6, 0.25, 0.1, 0.05)
OTHER_MESSAGE = "1600000000.000100"  # a message in the channel that is no challenge's post
WARM_UP = 200
CATCH_UP_LIMIT = 120.0
TURN_LIMIT = 600.0


@dataclass(frozen=True, slots=True)
class Event:
    """One reaction event as Slack sends it; ``micros`` is its ``event_ts`` in microseconds."""

    event_id: str
    user: str
    reaction: str
    added: bool
    channel: str
    ts: str
    micros: int

    @property
    def event_ts(self) -> str:
        """Return the event time as Slack writes it (seconds with six decimals)."""
        return f"{self.micros // 1_000_000}.{self.micros % 1_000_000:06d}"

    @property
    def at(self) -> datetime:
        """Return the event time as aware UTC, exactly."""
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=self.micros)

    def body(self) -> bytes:
        """Return the ``event_callback`` payload of the event."""
        return json.dumps(
            {
                "token": "verification",
                "team_id": SLACK_TEAM,
                "api_app_id": "A0BENCH",
                "event": {
                    "type": "reaction_added" if self.added else "reaction_removed",
                    "user": self.user,
                    "reaction": self.reaction,
                    "item_user": "UBOT",
                    "item": {"type": "message", "channel": self.channel, "ts": self.ts},
                    "event_ts": self.event_ts,
                },
                "type": "event_callback",
                "event_id": self.event_id,
                "event_time": self.micros // 1_000_000,
                "authorizations": [{"team_id": SLACK_TEAM, "user_id": "UBOT", "is_bot": True}],
            }
        ).encode()


@dataclass(frozen=True, slots=True)
class Delivery:
    """One POST of an event: the first (``retry`` 0) or Slack's n-th retry of it."""

    event: Event
    retry: int = 0


def event_stream(
    posts: Sequence[str],
    known: Sequence[str],
    unknown: Sequence[str],
    deliveries: int,
    seed: int,
    start: float,
) -> list[Delivery]:
    """Return the deliveries of a quarter's reactions: distinct events and 10 % retries of them.

    ``posts`` are the ``ts`` of the challenges' posts in the channel; ``start`` the first event time.
    """
    rng = random.Random(seed)
    retries = round(deliveries * RETRY_SHARE)
    distinct = deliveries - retries
    popularity = [1 / (rank + 1) ** 0.8 for rank in range(len(posts))]
    ranked = rng.sample(list(posts), len(posts))
    held: dict[tuple[str, str, str], bool] = {}
    touched: list[tuple[str, str, str]] = []
    events: list[Event] = []
    for n in range(distinct):
        draw = rng.random()
        if touched and draw < 0.15:  # back to a recent key: close in time, so often out of order
            key = rng.choice(touched[-50:])
        elif touched and draw < 0.3:  # back to any key: changed one's mind
            key = rng.choice(touched)
        else:
            user = rng.choice(unknown) if unknown and rng.random() < UNKNOWN_SHARE else rng.choice(known)
            ts = OTHER_MESSAGE if rng.random() < 0.03 else rng.choices(ranked, popularity)[0]
            key = (user, ts, rng.choices(EMOJI, EMOJI_WEIGHTS)[0])
        present = held.get(key, False)
        # Mostly a change of state; now and then a remove of nothing or a second add (as reordered
        # deliveries look to the bot).
        added = (rng.random() < 0.9) if not present else (rng.random() < 0.2)
        held[key] = added
        touched.append(key)
        user, ts, reaction = key
        micros = round((start + n * 0.05 + rng.uniform(-3.0, 3.0)) * 1_000_000)
        events.append(Event(f"Ev{seed:03d}B{n:07d}", user, reaction, added, CHANNEL, ts, micros))
    order: list[tuple[float, Delivery]] = [(float(n), Delivery(event)) for n, event in enumerate(events)]
    for n in rng.sample(range(distinct), min(retries, distinct)):
        # Slack retries after a timeout: a while after the original, with its retry number.
        order.append((n + rng.randint(1, 400) + 0.5, Delivery(events[n], retry=1)))
    order.sort(key=lambda entry: entry[0])
    return [delivery for _, delivery in order]


def expected_marks(
    deliveries: Sequence[Delivery], numbers: dict[str, int], people: dict[str, str], configured: Sequence[str]
) -> list[votes.Mark]:
    """Return the ballot marks the event log holds: each event on a challenge's post with a vote emoji."""
    marks = []
    for delivery in deliveries:
        event = delivery.event
        number = numbers.get(f"{event.channel}:{event.ts}")
        ballot = votes.ballot_of_reaction(event.reaction, configured)
        if number is None or ballot is None:
            continue
        marks.append(
            votes.Mark(
                challenge=str(number),
                voter=voter_key("slack", event.user),
                ballot=ballot,
                at=event.at,
                present=event.added,
                person=people.get(event.user),
            )
        )
    return marks


@dataclass
class Result:
    requests: int
    seconds: float
    latencies: list[float]
    cpu: float
    errors: int
    catch_up: float  # seconds after the last ack until every event of the turn was recorded
    unfinished: int  # events not recorded when the bench stopped waiting

    @property
    def acks_per_second(self) -> float:
        """Return the deliveries acked per second of the turn."""
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def sustained(self) -> float:
        """Return the deliveries per second including the time until they were all recorded."""
        return self.requests / (self.seconds + self.catch_up) if self.seconds else 0.0


@dataclass(frozen=True, slots=True)
class Mode:
    """How a slice is sent: ``clients`` in a closed loop, or Poisson arrivals at ``rate`` per second."""

    clients: int = 0
    rate: float = 0.0

    def __str__(self) -> str:
        if self.clients:
            return f"concurrency {self.clients}"
        return f"open loop at {self.rate:.0f}/s, Poisson"


class Recorded:
    """How many Slack events vpmo has recorded (its ``processed_event`` rows), read from its database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._count = (
            select(func.count()).select_from(PROCESSED_EVENT).where(PROCESSED_EVENT.c.platform == "slack")
        )

    def now(self) -> int:
        """Return the number recorded so far."""
        with self._engine.connect() as connection:
            return int(connection.execute(self._count).scalar_one())

    async def reach(self, target: int, limit: float = CATCH_UP_LIMIT) -> int:
        """Wait until ``target`` events are recorded (at most ``limit`` seconds); return how many are missing."""
        deadline = time.monotonic() + limit
        while (count := await asyncio.to_thread(self.now)) < target and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return max(0, target - count)


def _request(deliveries: Iterator[Delivery]) -> Request:
    async def post(session: aiohttp.ClientSession) -> int:
        delivery = next(deliveries)
        body = delivery.event.body()
        headers = slack_headers(body, "application/json")
        if delivery.retry:
            headers |= {"X-Slack-Retry-Num": str(delivery.retry), "X-Slack-Retry-Reason": "http_timeout"}
        async with session.post("/slack/events", data=body, headers=headers) as response:
            await response.read()
            return response.status

    return post


async def _turn(
    server: Server, recorded: Recorded | None, mode: Mode, part: Sequence[Delivery], seed: int
) -> Result:
    """Send a slice to a server; for vpmo, wait until its events are recorded and count that time."""
    firsts = sum(1 for delivery in part if delivery.retry == 0)
    before = await asyncio.to_thread(recorded.now) if recorded else 0
    cpu_before = server.cpu_seconds()
    request = _request(iter(part))
    load: Load
    if mode.clients:
        load = await hammer(server.port, mode.clients, TURN_LIMIT, request, total=len(part))
    else:
        load = await open_loop(server.port, mode.rate, len(part), request, seed=seed, seconds=TURN_LIMIT)
    ended = time.perf_counter()
    unfinished = await recorded.reach(before + firsts) if recorded else 0
    catch_up = time.perf_counter() - ended if recorded else 0.0
    return Result(
        len(load.latencies), load.seconds, load.latencies, server.cpu_seconds() - cpu_before, load.errors,
        catch_up, unfinished,
    )  # fmt: skip


def _line(name: str, result: Result) -> str:
    p50, p99 = percentiles(result.latencies or [0.0])
    unfinished = f"   NOT RECORDED {result.unfinished}" if result.unfinished else ""
    return (
        f"  {name:6s} {result.acks_per_second:7.1f} acks/s  {result.sustained:7.1f} events/s sustained   "
        f"p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   CPU {1000 * result.cpu / max(result.requests, 1):5.2f} ms/event"
        f"   errors {result.errors}{unfinished}"
    )


def _report(mode: Mode, merged: dict[str, Result]) -> float:
    """Print a mode's figures and the ratio; return vpmo's sustained rate."""
    ours, baseline = merged["vpmo"], merged["write"]
    print(f"{mode} — {ours.requests} deliveries per server:")
    for name, result in merged.items():
        print(_line(name, result))
    ratio = ours.sustained / baseline.sustained if baseline.sustained else 0.0
    if mode.clients:
        verdict = "met" if ratio >= 0.7 else "NOT met"
        print(f"  vpmo sustained / write {ratio:.2f}x   (target: at least 0.7x, {verdict})", flush=True)
    else:
        # Both were offered the same arrivals: below saturation both keep up, and the latencies tell.
        print(f"  vpmo sustained / write {ratio:.2f}x   (both offered {mode.rate:.0f}/s)", flush=True)
    print(flush=True)
    return ours.sustained


def _slices(deliveries: Sequence[Delivery], count: int) -> list[Sequence[Delivery]]:
    size = len(deliveries) // count
    return [deliveries[n * size : (n + 1) * size if n < count - 1 else len(deliveries)] for n in range(count)]


async def _compare(
    servers: list[Server], recorded: Recorded, deliveries: Sequence[Delivery], rounds: int, seed: int
) -> bool:
    """Run every mode and round on its own slice; return False when any delivery failed or was lost."""
    slices = iter(_slices(deliveries, (len(CONCURRENCY) + 2) * rounds))

    async def run(mode: Mode) -> tuple[float, bool]:
        results: dict[str, list[Result]] = {server.name: [] for server in servers}
        for turn in range(rounds):
            part = next(slices)
            for server in servers:
                watched = recorded if server.name == "vpmo" else None
                results[server.name].append(await _turn(server, watched, mode, part, seed * 100 + turn))
        merged = {name: merge_turns(turns) for name, turns in results.items()}
        return _report(mode, merged), all(not r.errors and not r.unfinished for r in merged.values())

    closed = [await run(Mode(clients=clients)) for clients in CONCURRENCY]
    saturation = max(round(sustained) for sustained, _ in closed)
    opened = [await run(Mode(rate=rate)) for rate in (OPEN_RATE, max(saturation, 1))]
    return all(clean for _, clean in (*closed, *opened))


def _bench_tenant(folder: str, people: int, unknown: int) -> tuple[Path, list[str], list[str]]:
    """Write the sample client with ``people`` more people on Slack and one meeting 60 days ahead.

    Return the file, the Slack ids of the client's people and Slack ids the client does not know.
    """
    yaml = YAML(typ="rt")
    document = yaml.load(SAMPLE_TENANT.read_text(encoding="utf-8"))
    meeting = date.today() + timedelta(days=60)
    document["quarterly_meetings"] = [{"at": f"{meeting.isoformat()}T13:00", "place": "Bench"}]
    for n in range(people):
        document["people"].append(
            {
                "email": f"voter.{n}@nordlys.dk",
                "name": f"Voter {n}",
                "roles": ["participant"],
                "slack_id": f"UV{n:04d}",
            }
        )
    path = Path(folder) / "bench-tenant.yaml"
    with path.open("w", encoding="utf-8") as file:
        yaml.dump(document, file)
    config = load_tenant_config(path.read_text(encoding="utf-8"))
    known = [str(person.slack_id) for person in config.people if person.slack_id]
    return path, known, [f"UX{n:04d}" for n in range(unknown)]


def _submit_challenges(runtime: Runtime, count: int) -> None:
    """Submit the challenges as the client's project managers would (their posts go to the outbox)."""
    for n in range(count):
        text = f"{TOPICS[n % len(TOPICS)]} (runde {n // len(TOPICS) + 1})"
        who = Identity(email=SUBMITTERS[n % len(SUBMITTERS)])
        handle(runtime.deps, SLUG, who, SubmitChallenge(text, anyway=True))


def _tenant(uow: UnitOfWork) -> Tenant:
    tenant = uow.tenants.get_by_slug(SLUG)
    if tenant is None or tenant.challenges is None or not tenant.quarterly_meetings:
        raise RuntimeError(f"the bench's tenant {SLUG} with its challenge cycle is not in the database")
    return tenant


def _meeting_key(runtime: Runtime) -> str:
    with runtime.deps.uow() as uow:
        return _tenant(uow).quarterly_meetings[0].key


def _posts(runtime: Runtime, meeting: str) -> dict[str, int]:
    with runtime.deps.uow() as uow:
        tenant = _tenant(uow)
        return {message_id: number for number, message_id in uow.challenges.posts(tenant.id, meeting)}


async def _wait_for_posts(runtime: Runtime, meeting: str, count: int, limit: float = 60.0) -> dict[str, int]:
    """Wait until vpmo's dispatcher has sent every challenge post; return their ids and numbers."""
    deadline = time.monotonic() + limit
    while len(posts := await asyncio.to_thread(_posts, runtime, meeting)) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(posts)} of {count} challenge posts were sent within {limit:.0f} s")
        await asyncio.sleep(0.2)
    return posts


def _person_ids(runtime: Runtime, slack_ids: Sequence[str]) -> dict[str, str]:
    with runtime.deps.uow() as uow:
        tenant = _tenant(uow)
        found = {user: uow.people.find(tenant.id, slack_id=user) for user in slack_ids}
    return {user: str(person.id) for user, person in found.items() if person is not None}


def _held(runtime: Runtime, meeting: str) -> tuple[votes.Tally, list[votes.Mark], list[votes.Challenge]]:
    """Return the tally vpmo holds for the meeting (as its agenda counts it), its marks and challenges."""
    with runtime.deps.uow() as uow:
        tenant = _tenant(uow)
        assert tenant.challenges is not None  # _tenant says so
        ctx = TenantContext(uow, tenant, runtime.deps.clock.now(), runtime.deps)
        of = quarter.meeting(ctx, meeting)
        assert of is not None
        held = quarter.round_of(ctx, tenant.challenges, of)
        challenges = [
            votes.Challenge(str(c.number), c.submitted_at, counted_from=c.counted_from)
            for c in held.challenges
        ]
        return held.tally, uow.votes.of_meeting(tenant.id, meeting), challenges


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _check_tally(
    runtime: Runtime, meeting: str, deliveries: Sequence[Delivery], people: dict[str, str]
) -> bool:
    """Print the tally from the event log against vpmo's, challenge by challenge; True when equal."""
    held, marks, challenges = _held(runtime, meeting)
    with runtime.deps.uow() as uow:
        tenant = _tenant(uow)
        assert tenant.challenges is not None  # _tenant says so
        configured = quarter.vote_reactions(tenant, tenant.challenges, "slack")
    # The log: every event once (a retry is the same event again, and changes no set of marks).
    firsts = [delivery for delivery in deliveries if delivery.retry == 0]
    logged = expected_marks(firsts, _posts(runtime, meeting), people, configured)
    expected = votes.tally(logged, challenges, datetime(9999, 1, 1, tzinfo=UTC))
    ours = {entry.reference: entry for entry in held.ranking}
    wrong = [
        f"  U-{entry.reference}: the log {_counted(entry)}; vpmo {_counted(ours.get(entry.reference))}"
        for entry in expected.ranking
        if _counted(entry, voters=True) != _counted(ours.get(entry.reference), voters=True)
    ]
    ranking = [entry.reference for entry in expected.ranking] == [entry.reference for entry in held.ranking]
    settled = {key: replace(mark, at=_utc(mark.at)) for key, mark in votes.settle(logged).items()}
    stored = {mark.key: replace(mark, at=_utc(mark.at)) for mark in marks}
    top = ", ".join(f"U-{entry.reference} {entry.votes}" for entry in expected.ranking[:5])
    print(
        f"tally: {len(expected.ranking)} challenges; {len(deliveries)} deliveries of {len(firsts)} events "
        f"({len(deliveries) - len(firsts)} retried), {len(logged)} of them votes; by the log: {top}, …"
    )
    print(
        f"  challenges equal (voters, unknown, late): {len(expected.ranking) - len(wrong)} of "
        f"{len(expected.ranking)}   ranking equal: {_yes(ranking)}   ballot marks: vpmo holds "
        f"{len(stored)}, the log settles to {len(settled)}, equal: {_yes(settled == stored)}"
    )
    for line in wrong:
        print(line)
    equal = not wrong and ranking and settled == stored and len(ours) == len(expected.ranking)
    print(f"tally equal: {_yes(equal)}", flush=True)
    return equal


def _counted(entry: votes.ChallengeTally | None, *, voters: bool = False) -> str:
    if entry is None:
        return "missing"
    if voters:
        return repr((sorted(entry.voters), sorted(entry.unknown), sorted(entry.late)))
    return f"{entry.votes} votes, {len(entry.unknown)} unknown, {len(entry.late)} late"


def _yes(value: bool) -> str:
    return "yes" if value else "no"


async def main(events: int, rounds: int, people: int, challenges: int, seed: int, postgres: bool) -> int:
    """Set up, run the modes, compare the tallies; return the exit code (1: tally unequal or events lost)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    backend = "PostgreSQL" if postgres else "SQLite"
    print(
        f"machine: {os.cpu_count()} cores ({cores} usable); {backend}; {events} deliveries, "
        f"{challenges} challenges, {people} people on Slack, seed {seed}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as folder, throwaway_database(folder, postgres, "bench_votes") as url:
        env = slack_environment(folder, url)
        fake = start_fake_platforms(env)
        env["SLACK_API_URL"] = f"{fake.url}api/"
        servers: list[Server] = []
        runtime: Runtime | None = None
        try:
            tenant, known, unknown = _bench_tenant(folder, people, max(1, round(people * UNKNOWN_SHARE)))
            prepare_database(folder, env, tenant)
            runtime = build_runtime(url, migrate=False)
            _submit_challenges(runtime, challenges)
            meeting = _meeting_key(runtime)
            servers = [start_slack_server("write", env, folder, url if postgres else None)]
            servers.append(start_slack_server("vpmo", env, folder))
            posts = await _wait_for_posts(runtime, meeting, challenges)
            start = time.time()  # the posts are out: the quarter's reactions begin
            ts_of = [message_id.split(":", 1)[1] for message_id in posts]
            deliveries = event_stream(ts_of, known, unknown, events, seed, start)
            recorded = Recorded(runtime.engine)
            warm = [
                Delivery(replace(e.event, event_id=f"EvWARM{n}", ts=OTHER_MESSAGE))
                for n, e in enumerate(deliveries[:WARM_UP])
            ]
            for server in servers:  # imports, caches, connections; on a message that is no challenge
                await _turn(server, recorded if server.name == "vpmo" else None, Mode(clients=4), warm, seed)
            clean = await _compare(servers, recorded, deliveries, rounds, seed)
            equal = _check_tally(runtime, meeting, deliveries, _person_ids(runtime, known))
        finally:
            for server in [*servers, fake.server]:
                await asyncio.to_thread(server.stop)
            if runtime is not None:
                runtime.engine.dispose()
    return 0 if equal and clean else 1


def _arguments() -> tuple[int, int, int, int, int, bool]:
    parser = comparison_parser(__doc__)
    parser.add_argument("--events", type=int, default=20_000, help="deliveries in all, retries included")
    parser.add_argument("--people", type=int, default=500, help="people on Slack added to the sample client")
    parser.add_argument("--challenges", type=int, default=30, help="challenges posted in the channel")
    parser.add_argument("--seed", type=int, default=11, help="seed of the event stream")
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL (VPMO_TEST_POSTGRES_URL)")
    arguments = parser.parse_args()
    turns = (len(CONCURRENCY) + 2) * arguments.rounds
    if arguments.events < turns * 10 or arguments.challenges < 1 or arguments.people < 1:
        parser.error(f"need at least {turns * 10} events, one challenge and one person")
    return (
        arguments.events, arguments.rounds, arguments.people, arguments.challenges, arguments.seed,
        arguments.postgres,
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(asyncio.run(main(*_arguments())))
