"""A fake Slack Web API and Bot Connector for the server benchmarks, run as its own process.

    python -m bench.fake_platforms PORT

It answers at once, as Slack and the Bot Connector would, and counts what it gets. It runs apart from
the load generator so that neither one's work slows the other, and ``GET /_stats`` tells the bench
how many messages arrived and when the last one did.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections import Counter
from typing import Any

from aiohttp import web

TEAM = "T01NORDLYS"


class Counts:
    """What arrived, by kind, and the wall-clock time of the last arrival."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()
        self.last = 0.0
        self.ids = itertools.count(1700000000001)

    def add(self, kind: str) -> int:
        """Count one arrival and return a fresh message id."""
        self.kinds[kind] += 1
        self.last = time.time()
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
            answers[method] = {"channel": channel, "ts": f"1700000000.{counts.add('slack'):06d}"}
        return web.json_response({"ok": True, **answers.get(method, {})})

    async def activity(request: web.Request) -> web.Response:
        await request.read()
        # Replies name the bench's activity; proactive messages reply to botbuilder's own.
        kind = "reply" if request.match_info.get("activity", "").startswith("bench-") else "proactive"
        return web.json_response({"id": str(counts.add(kind))}, status=201)

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response({**counts.kinds, "last": counts.last})

    app = web.Application()
    app.router.add_route("*", "/api/{method}", slack)
    app.router.add_post("/v3/conversations/{conversation}/activities", activity)
    app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", activity)
    app.router.add_get("/_stats", stats)
    return app


if __name__ == "__main__":
    web.run_app(build(Counts()), host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
