"""Where the event loop runs a request's database work: in place on SQLite, in a worker thread on PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from sqlalchemy import create_engine

from storage.db import database_work, make_engine


def _thread_of_the_work(engine_url: str) -> tuple[str, str]:
    async def run() -> tuple[str, str]:
        work = database_work(
            create_engine(engine_url) if "postgresql" in engine_url else make_engine(engine_url)
        )
        ran_in = await work(lambda: threading.current_thread().name)
        return threading.current_thread().name, ran_in

    return asyncio.run(run())


def test_sqlite_work_runs_in_the_event_loops_own_thread(tmp_path: Path) -> None:
    loop_thread, work_thread = _thread_of_the_work(f"sqlite:///{tmp_path}/vpmo.db")

    assert work_thread == loop_thread


# The engine connects only when used: building it reaches no server.
def test_postgresql_work_runs_in_a_worker_thread_so_the_loop_serves_others_while_it_waits() -> None:
    loop_thread, work_thread = _thread_of_the_work("postgresql+psycopg://vpmo@127.0.0.1:1/vpmo")

    assert work_thread != loop_thread


def test_the_work_gets_its_arguments_and_its_errors_reach_the_caller(tmp_path: Path) -> None:
    async def run() -> tuple[int, str]:
        work = database_work(make_engine(f"sqlite:///{tmp_path}/vpmo.db"))
        total = await work(sum, [1, 2, 3])
        try:
            await work(int, "not a number")
        except ValueError as error:
            return total, str(error)
        return total, ""

    total, error = asyncio.run(run())

    assert total == 6
    assert "not a number" in error
