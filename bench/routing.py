"""Benchmark: classification + routing latency with 1,000 seniors and 100,000 past requests,
and the start-up time of ``vpmo --help`` and ``vpmo demo``.

    .venv/bin/python -m bench.routing [--database-url URL] [--iterations N]

Without --database-url the data goes into a temporary SQLite file. Figures are printed; targets:
routing p99 under 5 ms (on PostgreSQL within 2x of SQLite's, run one after the other), ``vpmo --help``
under 0.5 s. The statements sent to the database per routing are counted too: on PostgreSQL each is a
round trip, and those, not the work in them, are most of a routing's cost.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, insert
from sqlmodel import col

from bot.bootstrap import build_runtime
from handlers.shared.context import TenantContext
from handlers.shared.model import SparringRequest, Status
from handlers.sparring.expertise import BUILTIN_AREAS
from handlers.sparring.offering import route
from storage.tables import PersonRow, SparringRequestRow, TenantRow

SENIORS = 1_000
REQUESTERS = 5_000
PAST_REQUESTS = 100_000
NOW = datetime(2027, 3, 3, 10, tzinfo=UTC)
TEXTS = (
    "Hvordan håndterer jeg, at budgettet er overskredet med 20 %?",
    "Vi skal forberede styregruppemødet, og sponsoren er utilfreds",
    "Hjælp til testplanen for UAT og regressionstest",
    "Kunden klager over leverancen, hvordan griber jeg det an?",
    "How do we track benefits realisation after go-live?",
    "Tidsplanen skrider, milepælene holder ikke",
    "Risikologgen er ikke opdateret, hvordan prioriterer vi risici?",
    "Interessentanalysen mangler for det nye projekt",
    "Skal vi bruge PRINCE2-skabelonerne til projektgrundlaget?",
    "Our business case for the PID needs review",
)


def _seed(engine: Engine, rng: random.Random) -> int:
    keys = [area.key for area in BUILTIN_AREAS]
    with engine.begin() as connection:
        inserted = connection.execute(
            insert(TenantRow).returning(col(TenantRow.id)),
            [
                {
                    "slug": "bench",
                    "name": "Bench A/S",
                    "language": "da",
                    "timezone": "Europe/Copenhagen",
                    "agreed_hours_per_quarter": 10_000.0,
                    "response_hours": 8.0,
                    "over_quota": "allow",
                    "business_start": "08:00",
                    "business_end": "16:00",
                    "extra_areas": [],
                    "next_number": PAST_REQUESTS + 1,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            ],
        ).scalar_one()
        assert inserted is not None
        tenant_id: int = inserted
        people = [_senior(tenant_id, n, rng.sample(keys, rng.randint(2, 4))) for n in range(SENIORS)]
        people += [_requester(tenant_id, n) for n in range(REQUESTERS)]
        connection.execute(insert(PersonRow), people)
        ids = [row[0] for row in connection.exec_driver_sql("SELECT id FROM person ORDER BY id")]
        seniors, requesters = ids[:SENIORS], ids[SENIORS:]
        for start in range(0, PAST_REQUESTS, 10_000):
            batch = [
                _past_request(tenant_id, number, rng, seniors, requesters, keys)
                for number in range(start + 1, start + 10_001)
            ]
            connection.execute(insert(SparringRequestRow), batch)
    # A database in use has statistics (autovacuum, or ANALYZE after migrations); a fresh bulk load has none.
    # On PostgreSQL autovacuum also marks an insert-heavy table's pages all-visible (PostgreSQL 13 and
    # later), so that routing's index-only scans need not visit the table; a fresh bulk load is not.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    return tenant_id


def _senior(tenant_id: int, n: int, expertise: list[str]) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "email": f"senior{n}@bench.dk",
        "name": f"Senior {n:04d}",
        "roles": ["senior"],
        "expertise": expertise,
        "capacity_hours_per_month": 40.0,
        "absences": [],
        "external": False,
        "active": True,
    }


def _requester(tenant_id: int, n: int) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "email": f"pm{n}@bench.dk",
        "name": f"PM {n:04d}",
        "roles": ["pm"],
        "expertise": [],
        "capacity_hours_per_month": 0.0,
        "absences": [],
        "external": False,
        "active": True,
    }


def _past_request(
    tenant_id: int,
    number: int,
    rng: random.Random,
    seniors: list[int],
    requesters: list[int],
    keys: list[str],
) -> dict[str, Any]:
    created = NOW - timedelta(days=rng.uniform(0, 730))
    still_open = rng.random() < 0.02
    status = rng.choice((Status.OFFERED, Status.ACCEPTED)) if still_open else Status.CLOSED
    accepted = created + timedelta(hours=rng.uniform(1, 30)) if status is not Status.OFFERED else None
    held = None if still_open else min(NOW, (accepted or created) + timedelta(days=rng.uniform(1, 10)))
    return {
        "tenant_id": tenant_id,
        "number": number,
        "requester_id": rng.choice(requesters),
        "text": "past request",
        "area": rng.choice(keys),
        "urgency": "normal",
        "status": status.value,
        "senior_id": rng.choice(seniors),
        "created_at": created,
        "accepted_at": accepted,
        "held_at": held,
        "hours": None if held is None else round(rng.uniform(0.5, 3), 1),
        "approved": False,
        "escalations": 0,
        "tried_senior_ids": [],
        "routing_reasons": [],
    }


def _percentiles(samples_ns: Sequence[int]) -> str:
    ms = sorted(s / 1e6 for s in samples_ns)
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return f"p50 {p50:7.3f} ms   p99 {p99:7.3f} ms   max {ms[-1]:7.3f} ms"


class _StatementCounter:
    """Counts the statements an engine sends (the transaction's own BEGIN aside, as on PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.statements = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, _connection: object, _cursor: object, statement: str, *_: object) -> None:
        if not statement.startswith("BEGIN"):
            self.statements += 1


def _timed(action: Callable[[], object]) -> int:
    start = time.perf_counter_ns()
    action()
    return time.perf_counter_ns() - start


def bench_routing(database_url: str, iterations: int) -> None:
    """Measure classification and routing on a large tenant."""
    rng = random.Random(42)
    runtime = build_runtime(database_url)
    seed_start = time.perf_counter()
    tenant_id = _seed(runtime.engine, rng)
    print(
        f"seeded {SENIORS:,} seniors, {REQUESTERS:,} requesters, {PAST_REQUESTS:,} past requests "
        f"in {time.perf_counter() - seed_start:.1f} s"
    )
    deps = runtime.deps
    with deps.uow() as uow:
        tenant = uow.tenants.get(tenant_id)
        requester = uow.people.find(tenant_id, email="pm7@bench.dk")
    assert tenant is not None
    assert requester is not None
    classifier = deps.classifier_for(tenant)
    counter = _StatementCounter(runtime.engine)
    counted = 0
    classify_ns: list[int] = []
    route_ns: list[int] = []
    total_ns: list[int] = []
    for n in range(iterations):
        text = TEXTS[n % len(TEXTS)]
        with deps.uow() as uow:
            ctx = TenantContext(uow, tenant, NOW, deps)
            start = time.perf_counter_ns()
            area = classifier.classify(text).area or "budget"
            classified = time.perf_counter_ns()
            request = SparringRequest(tenant_id, 0, requester.id, text, NOW, area=area)
            before = counter.statements
            routing = route(ctx, request)
            done = time.perf_counter_ns()
            counted += counter.statements - before
        assert routing.senior_id is not None
        if n >= iterations // 10:  # the first tenth warms caches and is not counted
            classify_ns.append(classified - start)
            route_ns.append(done - classified)
            total_ns.append(done - start)
    print(f"classification            {_percentiles(classify_ns)}")
    print(f"routing (storage + rule)  {_percentiles(route_ns)}")
    print(f"classification + routing  {_percentiles(total_ns)}   (target: p99 under 5 ms)")
    print(
        f"statements per routing    {counted / iterations:.2f}   "
        "(round trips besides its transaction's begin and end)"
    )
    runtime.engine.dispose()


def bench_startup(runs: int) -> None:
    """Measure ``vpmo --help`` and ``vpmo demo`` (to its first prompt and out) as a user starts them."""
    vpmo = str(Path(sys.executable).with_name("vpmo"))
    helps = [
        _timed(lambda: subprocess.run([vpmo, "--help"], check=True, capture_output=True)) for _ in range(runs)
    ]
    with tempfile.TemporaryDirectory() as folder:
        database = str(Path(folder) / "demo.db")
        demos = [
            _timed(
                lambda: subprocess.run(
                    [vpmo, "demo", "--database", database],
                    input=":quit\n",
                    text=True,
                    check=True,
                    capture_output=True,
                )
            )
            for _ in range(runs)
        ]
    print(f"vpmo --help               median {statistics.median(helps) / 1e9:.3f} s   (target: under 0.5 s)")
    print(f"vpmo demo (fresh client)  median {statistics.median(demos) / 1e9:.3f} s")


def main() -> None:
    """Run the benchmarks."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="database to seed (default: a temporary SQLite file)")
    parser.add_argument("--iterations", type=int, default=2_000)
    parser.add_argument("--startup-runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench_routing(args.database_url or f"sqlite:///{folder}/bench.db", args.iterations)
    bench_startup(args.startup_runs)


if __name__ == "__main__":
    main()
