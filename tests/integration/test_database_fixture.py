"""The ``database_url`` fixture hands out a working database on every backend."""

from sqlalchemy import create_engine, text


def test_database_url_connects(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
            if engine.dialect.name == "postgresql":
                version = int(conn.execute(text("SHOW server_version_num")).scalar_one())
                assert version >= 150000
    finally:
        engine.dispose()
