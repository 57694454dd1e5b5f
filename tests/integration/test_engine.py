"""Engines give up on a PostgreSQL server that accepts the connection but never answers."""

from __future__ import annotations

import socket
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from storage import db

# Only guards the test run against a hang; nothing is asserted about how long the attempt took.
HANG_GUARD_S = 60.0


def test_a_postgresql_that_never_answers_is_given_up_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "POSTGRES_CONNECT_TIMEOUT_S", 1)
    errors: list[BaseException] = []
    # A listening socket that is never accepted from: the TCP connection succeeds, the greeting never comes.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        engine = db.make_engine(f"postgresql+psycopg://vpmo@127.0.0.1:{port}/vpmo")

        def connect() -> None:
            try:
                with engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
            except OperationalError as error:
                errors.append(error)

        attempt = threading.Thread(target=connect, daemon=True)
        attempt.start()
        attempt.join(HANG_GUARD_S)

    assert not attempt.is_alive()
    [error] = errors
    assert "timeout" in str(error).lower()
