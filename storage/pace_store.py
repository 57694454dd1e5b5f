"""The sends of every process on one PostgreSQL database, per pacing key: a check-and-record per send.

Two replicas pacing on their own would together post twice what a platform allows to a channel. So
on PostgreSQL a send is admitted by the database (``vpmo_pace_send``, migration 0012): the send's keys
are locked, every window is checked against the sends of all processes by the database's clock, and
the send is recorded, in one round trip. The answers of earlier sends ride along on that call. A
platform's hold after a 429 is shared the same way (``pace_hold``).

SQLite serves one process only, and its pace in memory is enough: :func:`shared_sends` gives None.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import Engine, create_engine, delete, func, text
from sqlalchemy.dialects.postgresql import insert

from storage.db import POSTGRES_CONNECT_TIMEOUT_S
from storage.tables import PACE_HOLD

# Counters as the pace gives them: each key with its limits, (sends, seconds) pairs.
Counters = Sequence[tuple[str, Sequence[tuple[int, float]]]]
CONNECTIONS = 4  # the pace's own, apart from the request path's pool (one per thread of the pace)

_ADMIT = text(
    "SELECT vpmo_pace_send(:send, CAST(:keys AS text[]), CAST(:limit_keys AS integer[]),"
    " CAST(:counts AS integer[]), CAST(:windows AS double precision[]), CAST(:answered AS bigint[]),"
    " CAST(:ago AS double precision[]))"
)
_ANSWERED = text("SELECT vpmo_pace_answered(CAST(:answered AS bigint[]), CAST(:ago AS double precision[]))")
Answers = Sequence[tuple[int, float]]
"""Sends the platform answered: each send's number, and how many seconds ago the answer came."""


class PaceStore:
    """Admits sends against the sends of every process, records their answers, and shares holds."""

    def __init__(self, engine: Engine, platform: str, *, connections: int = CONNECTIONS) -> None:
        # Connections of its own in autocommit: one statement is one transaction is one round trip
        # (the request path's pool pings on every checkout, and BEGIN and COMMIT are two more).
        timeout = (
            {} if "connect_timeout" in engine.url.query else {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
        )
        self._engine = create_engine(
            engine.url,
            isolation_level="AUTOCOMMIT",
            pool_size=connections,
            max_overflow=0,
            connect_args=timeout,
        )
        self._prefix = f"{platform}/"

    def admit(self, send: int, counters: Counters, answered: Answers = ()) -> float:
        """Record ``send`` and return 0.0 if every counter allows it now, else the seconds until one would.

        ``answered`` are earlier sends the platform has answered since, recorded first.
        """
        keys, limit_keys, counts, windows = [], [], [], []
        for index, (key, limits) in enumerate(counters, start=1):
            keys.append(self._prefix + key)
            for count, window in limits:
                limit_keys.append(index)
                counts.append(count)
                windows.append(window)
        parameters = {
            "send": send,
            "keys": keys,
            "limit_keys": limit_keys,
            "counts": counts,
            "windows": windows,
            "answered": [send for send, _ in answered],
            "ago": [ago for _, ago in answered],
        }
        with self._engine.connect() as connection:
            return float(connection.execute(_ADMIT, parameters).scalar_one())

    def answered(self, answered: Answers) -> None:
        """Record that the platform answered these sends (taken or refused)."""
        if answered:
            parameters = {"answered": [send for send, _ in answered], "ago": [ago for _, ago in answered]}
            with self._engine.connect() as connection:
                connection.execute(_ANSWERED, parameters)

    def hold(self, key: str, seconds: float) -> None:
        """Let no process send to ``key`` for ``seconds`` (the platform answered 429 with Retry-After)."""
        until = func.clock_timestamp() + timedelta(seconds=seconds)
        statement = insert(PACE_HOLD).values(key=self._prefix + key, until=until)
        statement = statement.on_conflict_do_update(
            index_elements=[PACE_HOLD.c.key],
            set_={"until": func.greatest(PACE_HOLD.c.until, statement.excluded.until)},
        )
        with self._engine.connect() as connection:
            connection.execute(statement)
            # Holds long over are of no use: the few there are go with the next one.
            expired = PACE_HOLD.c.until < func.clock_timestamp() - timedelta(hours=1)
            connection.execute(delete(PACE_HOLD).where(expired))

    def dispose(self) -> None:
        """Close the store's connections."""
        self._engine.dispose()


def shared_sends(engine: Engine, platform: str) -> PaceStore | None:
    """Return the store of every process's sends to ``platform`` on PostgreSQL; None on SQLite."""
    if engine.dialect.name != "postgresql":
        return None
    return PaceStore(engine, platform)
