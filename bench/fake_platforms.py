"""A fake Slack Web API and Bot Connector for the server benchmarks, run as its own process.

    python -m bench.fake_platforms PORT
    python -m bench.fake_platforms PORT slack|teams SEED    # paced, for bench.fanout

It answers at once, as Slack and the Bot Connector would, and counts what it gets. It runs apart from
the load generator so that neither one's work slows the other, and ``GET /_stats`` tells the bench
how many messages arrived and when the last one did. A Slack post or a proactive Teams message whose
body carries a trace marker (``trace-`` and letters or digits, put into a request's text by the bench)
is noted with its arrival time: ``GET /_arrivals`` returns the first arrival of each marker, so the
bench can tell when each request's offer reached the platform, and which never did.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import random
import re
import sys
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TEAM = "T01NORDLYS"
TRACE = re.compile(r"trace-[0-9a-z]+")


def trace_marker(number: int) -> str:
    """Return the trace marker of a bench request: what the fake notes when a message carries it."""
    return f"trace-{number:x}"


class Counts:
    """What arrived, by kind, the wall-clock time of the last arrival, and each trace marker's first."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()
        self.last = 0.0
        self.ids = itertools.count(1700000000001)
        self.arrivals: dict[str, float] = {}

    def add(self, kind: str, body: str = "") -> int:
        """Count one arrival, note the first time a trace marker in its body came, and return a fresh id."""
        self.kinds[kind] += 1
        self.last = time.time()
        for marker in TRACE.findall(body):
            self.arrivals.setdefault(marker, self.last)
        return next(self.ids)


def build(counts: Counts) -> web.Application:
    """Build the fake's web application."""

    async def slack(request: web.Request) -> web.Response:
        # slack_sdk posts chat.postMessage as JSON and most other methods as a form or a query.
        form = (
            dict(await request.json()) if request.content_type == "application/json" else await request.post()
        )
        method = request.match_info["method"]
        answers: dict[str, dict[str, Any]] = {
            "auth.test": {"team_id": TEAM, "user_id": "UBOT", "bot_id": "B1", "team": "Nordlys"},
            # Each user's DM with the app is a channel of its own, as in Slack.
            "conversations.open": {"channel": {"id": f"D{form.get('users', 'X')}"}},
        }
        if method == "chat.postMessage":
            channel = str(form.get("channel", "D0BENCH"))
            number = counts.add("slack", json.dumps(dict(form), default=str))
            answers[method] = {"channel": channel, "ts": f"1700000000.{number:06d}"}
        return web.json_response({"ok": True, **answers.get(method, {})})

    async def activity(request: web.Request) -> web.Response:
        body = (await request.read()).decode("utf-8", "replace")
        # Replies name the bench's activity; proactive messages reply to botbuilder's own. Only a
        # proactive message can be an offer: the reply goes back to whoever asked.
        if request.match_info.get("activity", "").startswith("bench-"):
            return web.json_response({"id": str(counts.add("reply"))}, status=201)
        number = counts.add("proactive", body)
        return web.json_response({"id": str(number)}, status=201)

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response({**counts.kinds, "last": counts.last})

    async def arrivals(_request: web.Request) -> web.Response:
        return web.json_response(counts.arrivals)

    app = web.Application()
    app.router.add_route("*", "/api/{method}", slack)
    app.router.add_post("/v3/conversations/{conversation}/activities", activity)
    app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", activity)
    app.router.add_get("/_stats", stats)
    app.router.add_get("/_arrivals", arrivals)
    return app


# --- the paced fakes of bench.fanout ---------------------------------------------------------------

MARKER = re.compile(r"fanout-[0-9a-z-]+")


class Window:
    """A platform's limit on one key: at most ``limit`` accepted calls in any ``seconds``."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._accepted: dict[str, deque[float]] = {}

    def wait(self, key: str, now: float) -> float:
        """Return how long a call to ``key`` arriving now must wait to be within the limit (0: at once)."""
        accepted = self._accepted.setdefault(key, deque())
        while accepted and accepted[0] <= now - self.seconds:
            accepted.popleft()
        return accepted[0] + self.seconds - now if len(accepted) >= self.limit else 0.0

    def take(self, key: str, now: float) -> None:
        """Count an accepted call."""
        self._accepted[key].append(now)


@dataclass
class Paced:
    """A fake platform's limits and what it saw: posts per marker, violations, random 429s, times."""

    windows: list[tuple[Window, Callable[[str, str], str]]]  # each limit with the key it counts by
    random_429: float
    rng: random.Random
    latency: tuple[float, float]
    posts: Counter[str] = field(default_factory=Counter)
    violations: Counter[str] = field(default_factory=Counter)
    random_refusals: int = 0
    early: float = 0.0  # the most a violating post came too early, in seconds
    first: float = 0.0
    last: float = 0.0

    def arrive(self, scope: str, conversation: str, text: str) -> float | None:
        """Take or refuse a post arriving now; return the Retry-After seconds of a refusal (None: taken)."""
        now = time.monotonic()
        if self.rng.random() < self.random_429:
            self.random_refusals += 1
            return 1.0
        keys = [key(scope, conversation) for _, key in self.windows]
        waits = [window.wait(k, now) for (window, _), k in zip(self.windows, keys, strict=True)]
        if any(waits):
            for (window, _), wait in zip(self.windows, waits, strict=True):
                if wait:
                    self.violations[f"{window.limit}/{window.seconds:g}s"] += 1
                    self.early = max(self.early, wait)
            return max(waits)
        for (window, _), k in zip(self.windows, keys, strict=True):
            window.take(k, now)
        found = MARKER.search(text)
        self.posts[found.group(0) if found else "?"] += 1
        self.first = self.first or now
        self.last = now
        return None

    async def answer_later(self) -> None:
        """Wait as long as the platform takes to answer."""
        await asyncio.sleep(self.rng.uniform(*self.latency))

    def stats(self) -> dict[str, Any]:
        """Return what the fake saw (times in seconds since its first accepted post)."""
        return {
            "posts": dict(self.posts),
            "violations": dict(self.violations),
            "random_429": self.random_refusals,
            "early": self.early,
            "span": self.last - self.first,
        }


def paced_slack(paced: Paced) -> web.Application:
    """Build a fake Slack Web API that enforces ``paced``'s limits on chat.postMessage (team from the token)."""

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = (
            dict(await request.json())
            if request.content_type == "application/json"
            else dict(await request.post())
        )
        team = request.headers.get("Authorization", "").rpartition("-")[2]
        if method == "conversations.info":
            return web.json_response({"ok": True, "channel": {"id": form.get("channel"), "is_member": True}})
        if method != "chat.postMessage":
            return web.json_response({"ok": True, "team_id": team, "user_id": "UBOT", "bot_id": "B1"})
        channel = str(form.get("channel"))
        retry_after = paced.arrive(team, channel, str(form.get("text") or ""))
        await paced.answer_later()
        if retry_after is not None:
            headers = {"Retry-After": str(math.ceil(retry_after))}
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers=headers)
        return web.json_response(
            {"ok": True, "channel": channel, "ts": f"1700000000.{sum(paced.posts.values()):06d}"}
        )

    app = web.Application()
    app.router.add_route("*", "/api/{method}", api)
    app.router.add_get("/_stats", lambda _request: _json(paced.stats()))
    return app


def paced_connector(paced: Paced) -> web.Application:
    """Build a fake Bot Connector that enforces ``paced``'s limits on new channel posts (tenant from channelData)."""

    async def create(request: web.Request) -> web.Response:
        body = await request.json()
        data = body.get("channelData") or {}
        channel = str((data.get("channel") or {}).get("id"))
        tenant = str((data.get("tenant") or {}).get("id"))
        activity = body.get("activity") or {}
        retry_after = paced.arrive(tenant, channel, str(activity.get("text") or json.dumps(activity)))
        await paced.answer_later()
        if retry_after is not None:
            error = {"error": {"code": "Throttled", "message": "too many requests"}}
            return web.json_response(error, status=429, headers={"Retry-After": str(math.ceil(retry_after))})
        number = sum(paced.posts.values())
        return web.json_response(
            {"id": f"{channel};messageid={number}", "activityId": str(number)}, status=201
        )

    app = web.Application()
    app.router.add_post("/v3/conversations", create)
    app.router.add_get("/_stats", lambda _request: _json(paced.stats()))
    return app


async def _json(value: dict[str, Any]) -> web.Response:
    return web.json_response(value)


SLACK_LIMITS = [
    (Window(1, 1.0), lambda team, channel: f"{team}/{channel}"),
    (Window(10, 1.0), lambda team, _: team),
]
TEAMS_LIMITS = [
    (Window(7, 1.0), lambda _, channel: channel),
    (Window(8, 2.0), lambda _, channel: channel),
    (Window(30, 1.0), lambda tenant, _: tenant),
]


def _paced(platform: str, seed: int) -> web.Application:
    limits = SLACK_LIMITS if platform == "slack" else TEAMS_LIMITS
    paced = Paced(limits, random_429=0.02, rng=random.Random(seed), latency=(0.1, 0.2))
    return paced_slack(paced) if platform == "slack" else paced_connector(paced)


if __name__ == "__main__":
    port = int(sys.argv[1])
    application = _paced(sys.argv[2], int(sys.argv[3])) if len(sys.argv) > 2 else build(Counts())
    web.run_app(application, host="127.0.0.1", port=port, print=None, access_log=None)
