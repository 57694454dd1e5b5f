"""Running vpmo as several processes: a pre-fork parent for ``serve --workers N``, and who may share a database.

The processes share nothing but the listening socket and the database. PostgreSQL is the shared engine:
the outbox is claimed with leases, pacing with slots, and a killed process's claims end with their
lease. SQLite lets one process write at a time and has no such claims across processes, so a second
process on one SQLite file is refused (``hold_single_process``) rather than left to wait on locks.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from storage.db import is_sqlite

log = logging.getLogger(__name__)

STARTING_SECONDS = 10.0
"""A server process that exits with an error this soon after its start failed to start: the parent gives up."""
RESTART_PAUSE = 1.0
_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a child gets when its parent dies


class SingleProcessError(Exception):
    """Several processes were asked for on a database that serves one; the message is one sentence."""


def refuse_many_on_sqlite(database_url: str, workers: int) -> None:
    """Raise SingleProcessError when ``workers`` processes would share a SQLite database."""
    if workers > 1 and is_sqlite(database_url):
        raise SingleProcessError(
            f"vpmo serve --workers {workers} needs PostgreSQL: SQLite lets one process write at a time "
            "and cannot share the outbox between processes; use --workers 1, or set VPMO_DATABASE_URL "
            "to a PostgreSQL database (postgresql+psycopg://USER:PASSWORD@HOST/DB)"
        )


_held: list[IO[bytes]] = []  # the lock files this process holds, open until it ends


def hold_single_process(database_url: str, what: str) -> None:
    """On SQLite, take the database's process lock for this process's life; raise SingleProcessError if taken.

    A lock file beside the database, locked with flock: the kernel frees it when the process ends,
    even by ``kill -9``, so a restart never finds a stale lock. ``what`` names this process in the
    refusal another one gets.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    try:
        lock = Path(f"{url.database}.lock").open("a+b")  # noqa: SIM115 - held open for the process's life
    except OSError:
        # No place for the lock means no place for the database either: opening it says why.
        return
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        lock.seek(0)
        holder = lock.read().decode(errors="replace").strip() or "another vpmo process"
        lock.close()
        raise SingleProcessError(
            f"{holder} already uses the SQLite database {url.database}, and SQLite serves one vpmo "
            "process: stop it, or use PostgreSQL (VPMO_DATABASE_URL) to run several"
        ) from error
    lock.truncate(0)
    lock.write(f"{what} (pid {os.getpid()})".encode())
    lock.flush()
    _held.append(lock)


@dataclass
class _Children:
    """The parent's record of its server processes: pid to (slot, when it started)."""

    child: Callable[[int], int]
    announce: Callable[[str], None]
    sentences: tuple[type[Exception], ...]
    running: dict[int, tuple[int, float]] = field(default_factory=dict)
    stopping: bool = False

    def start(self, slot: int) -> None:
        # Whatever the parent buffered must not be written twice, by it and by the child.
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os._exit(self._run(slot))
        self.running[pid] = (slot, time.monotonic())

    def _run(self, slot: int) -> int:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _end_with_parent()
        try:
            return self.child(slot)
        except KeyboardInterrupt:
            return 0
        except self.sentences as error:
            self.announce(f"Error: {error}")
            return 1
        except BaseException:
            log.exception("server process %d failed", slot + 1)
            return 1

    def stop(self, *_: object) -> None:
        self.stopping = True
        for pid in self.running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)


def prefork(
    workers: int,
    child: Callable[[int], int],
    announce: Callable[[str], None],
    sentences: tuple[type[Exception], ...] = (),
) -> int:
    """Run ``child(slot)`` in ``workers`` forked processes until SIGTERM or Ctrl-C; return the exit code.

    Call it with the listening socket open and before any thread or event loop exists: each child
    inherits the socket and accepts on it (the kernel hands each connection to one of them). A child
    that ends later than its start is replaced; one that ends while starting (a bad setting) stops
    them all, since its siblings would end the same way. A child's error of a type in ``sentences``
    is announced as its message alone (it is one sentence for the operator), any other is logged.
    """
    children = _Children(child, announce, sentences)
    signal.signal(signal.SIGTERM, children.stop)
    signal.signal(signal.SIGINT, children.stop)
    for slot in range(workers):
        children.start(slot)
    code = 0
    while children.running:
        pid, status = os.wait()
        slot, started = children.running.pop(pid)
        ended = os.waitstatus_to_exitcode(status)
        if children.stopping:
            continue
        if time.monotonic() - started < STARTING_SECONDS and ended > 0:
            announce(f"vpmo serve: server process {slot + 1} could not start (exit code {ended}); stopping")
            code = 1
            children.stop()
            continue
        announce(f"vpmo serve: server process {slot + 1} (pid {pid}) ended ({_how(ended)}); starting another")
        time.sleep(RESTART_PAUSE)
        children.start(slot)
    return code


def _end_with_parent() -> None:
    """Have the kernel send SIGTERM to this child when the parent dies (even by kill -9): no orphans."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _how(code: int) -> str:
    if code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"exit code {code}"
