"""Slack OAuth stores on a migrated database: encrypted installations and one-time states."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import Engine, select

from bot.bootstrap import build_runtime
from bot.secrets import SecretBox, SecretKeyError
from bot.slack.oauth import DatabaseOAuthStateStore, EncryptedInstallationStore
from storage.slack_store import SlackStore
from storage.tables import SlackInstallationRow

TOKEN = "xoxb-123-secret"
INSTALLED_AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
PASSPHRASE = "a passphrase that is long enough for the tests"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """Return the engine of a freshly migrated database."""
    runtime = build_runtime(database_url)
    yield runtime.engine
    runtime.engine.dispose()


@pytest.fixture
def installations(engine: Engine) -> EncryptedInstallationStore:
    """Return an installation store encrypting with a test passphrase."""
    return EncryptedInstallationStore(SlackStore(engine), SecretBox.from_setting(PASSPHRASE))


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def installation(**overrides: Any) -> Installation:
    """Return a workspace installation as bolt builds it after oauth.v2.access."""
    values: dict[str, Any] = {
        "app_id": "A111",
        "team_id": "T111",
        "team_name": "Nordlys",
        "bot_token": TOKEN,
        "bot_id": "B111",
        "bot_user_id": "U0BOT",
        "bot_scopes": "chat:write,commands,reactions:read",
        "user_id": "U0INSTALLER",
        "installed_at": INSTALLED_AT.timestamp(),
    }
    values.update(overrides)
    return Installation(**values)


def raw_rows(engine: Engine) -> list[dict[str, Any]]:
    """Return the installation table's rows as stored, bypassing the stores."""
    with engine.connect() as connection:
        rows = (
            connection.execute(select(SlackInstallationRow.metadata.tables["slack_installation"]))
            .mappings()
            .all()
        )
    return [dict(row) for row in rows]


def test_saved_installation_is_found_with_its_token(installations: EncryptedInstallationStore) -> None:
    asyncio.run(installations.async_save(installation()))

    found = asyncio.run(installations.async_find_installation(enterprise_id=None, team_id="T111"))

    assert found is not None
    assert found.bot_token == TOKEN
    assert (found.team_id, found.team_name, found.bot_id, found.bot_user_id, found.user_id) == (
        "T111",
        "Nordlys",
        "B111",
        "U0BOT",
        "U0INSTALLER",
    )
    assert list(found.bot_scopes or []) == ["chat:write", "commands", "reactions:read"]
    assert found.installed_at == INSTALLED_AT.timestamp()
    assert found.user_token is None


def test_saved_installation_is_found_as_a_bot(installations: EncryptedInstallationStore) -> None:
    asyncio.run(installations.async_save(installation()))

    bot = asyncio.run(installations.async_find_bot(enterprise_id=None, team_id="T111"))

    assert bot is not None
    assert bot.bot_token == TOKEN
    assert (bot.bot_id, bot.bot_user_id) == ("B111", "U0BOT")


def test_the_stored_token_is_encrypted(engine: Engine, installations: EncryptedInstallationStore) -> None:
    asyncio.run(installations.async_save(installation()))

    [row] = raw_rows(engine)

    assert "xoxb" not in row["bot_token_encrypted"]
    assert row["bot_scopes"] == "chat:write,commands,reactions:read"
    assert row["installer_user_id"] == "U0INSTALLER"
    assert row["installed_at"] == INSTALLED_AT


def test_user_tokens_are_not_kept(
    engine: Engine, installations: EncryptedInstallationStore, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.slack.oauth"):
        asyncio.run(
            installations.async_save(installation(user_token="xoxp-999-user", user_scopes="search:read"))
        )

    found = asyncio.run(installations.async_find_installation(enterprise_id=None, team_id="T111"))
    assert found is not None
    assert found.user_token is None
    assert "xoxp" not in str(raw_rows(engine))
    assert "user token: it is not kept" in caplog.text
    assert "xoxp" not in caplog.text


def test_saving_again_replaces_the_installation(
    engine: Engine, installations: EncryptedInstallationStore
) -> None:
    asyncio.run(installations.async_save(installation()))
    asyncio.run(installations.async_save(installation(bot_token="xoxb-456-new", team_name="Nordlys Energi")))

    found = asyncio.run(installations.async_find_bot(enterprise_id=None, team_id="T111"))

    assert len(raw_rows(engine)) == 1
    assert found is not None
    assert (found.bot_token, found.team_name) == ("xoxb-456-new", "Nordlys Energi")


def test_save_bot_keeps_the_recorded_installer(installations: EncryptedInstallationStore) -> None:
    asyncio.run(installations.async_save(installation()))
    bot = Bot(
        team_id="T111",
        bot_token="xoxb-789-refreshed",
        bot_id="B111",
        bot_user_id="U0BOT",
        bot_scopes=["chat:write"],
        installed_at=INSTALLED_AT.timestamp(),
    )

    asyncio.run(installations.async_save_bot(bot))

    found = asyncio.run(installations.async_find_installation(enterprise_id=None, team_id="T111"))
    assert found is not None
    assert (found.bot_token, found.user_id) == ("xoxb-789-refreshed", "U0INSTALLER")
    assert list(found.bot_scopes or []) == ["chat:write"]


def test_workspaces_do_not_see_each_other(installations: EncryptedInstallationStore) -> None:
    asyncio.run(installations.async_save(installation()))
    asyncio.run(installations.async_save(installation(team_id="T222", bot_token="xoxb-222-other")))

    first = asyncio.run(installations.async_find_bot(enterprise_id=None, team_id="T111"))
    second = asyncio.run(installations.async_find_bot(enterprise_id=None, team_id="T222"))

    assert first is not None
    assert second is not None
    assert (first.bot_token, second.bot_token) == (TOKEN, "xoxb-222-other")


def test_an_unknown_team_finds_nothing(installations: EncryptedInstallationStore) -> None:
    asyncio.run(installations.async_save(installation()))

    assert asyncio.run(installations.async_find_installation(enterprise_id=None, team_id="T999")) is None
    assert asyncio.run(installations.async_find_bot(enterprise_id=None, team_id="T999")) is None
    assert asyncio.run(installations.async_find_bot(enterprise_id="E999", team_id="T111")) is None


def test_no_team_and_no_enterprise_finds_nothing(installations: EncryptedInstallationStore) -> None:
    asyncio.run(installations.async_save(installation()))

    assert asyncio.run(installations.async_find_bot(enterprise_id=None, team_id=None)) is None
    assert asyncio.run(installations.async_find_installation(enterprise_id=None, team_id=None)) is None


def test_a_user_who_did_not_install_has_no_installation(installations: EncryptedInstallationStore) -> None:
    asyncio.run(installations.async_save(installation()))

    other = asyncio.run(
        installations.async_find_installation(enterprise_id=None, team_id="T111", user_id="U0SOMEONE")
    )
    installer = asyncio.run(
        installations.async_find_installation(enterprise_id=None, team_id="T111", user_id="U0INSTALLER")
    )

    assert other is None
    assert installer is not None


def test_an_org_wide_install_serves_every_workspace_of_the_org(
    engine: Engine, installations: EncryptedInstallationStore
) -> None:
    org = installation(enterprise_id="E111", team_id=None, team_name=None, is_enterprise_install=True)
    asyncio.run(installations.async_save(org))
    asyncio.run(installations.async_save(org))

    found = asyncio.run(
        installations.async_find_installation(
            enterprise_id="E111", team_id="T555", is_enterprise_install=True
        )
    )

    assert len(raw_rows(engine)) == 1
    assert found is not None
    assert (found.enterprise_id, found.team_id, found.is_enterprise_install) == ("E111", None, True)
    assert found.bot_token == TOKEN


def test_an_org_wide_lookup_does_not_borrow_a_workspace_install(
    installations: EncryptedInstallationStore,
) -> None:
    asyncio.run(installations.async_save(installation(enterprise_id="E111", team_id="T111")))

    found = asyncio.run(
        installations.async_find_bot(enterprise_id="E111", team_id="T222", is_enterprise_install=True)
    )

    assert found is None


@pytest.mark.parametrize("method", ["async_delete_installation", "async_delete_bot", "async_delete_all"])
def test_delete_removes_the_installation(
    engine: Engine, installations: EncryptedInstallationStore, method: str
) -> None:
    asyncio.run(installations.async_save(installation()))
    asyncio.run(installations.async_save(installation(team_id="T222")))

    asyncio.run(getattr(installations, method)(enterprise_id=None, team_id="T111"))

    assert asyncio.run(installations.async_find_installation(enterprise_id=None, team_id="T111")) is None
    assert [row["team_id"] for row in raw_rows(engine)] == ["T222"]


def test_a_user_revoking_their_token_keeps_the_bot(
    engine: Engine, installations: EncryptedInstallationStore
) -> None:
    asyncio.run(installations.async_save(installation()))

    asyncio.run(
        installations.async_delete_installation(enterprise_id=None, team_id="T111", user_id="U0INSTALLER")
    )

    bot = asyncio.run(installations.async_find_bot(enterprise_id=None, team_id="T111"))
    assert bot is not None
    assert (bot.team_id, bot.bot_token) == ("T111", installation().bot_token)
    assert [row["team_id"] for row in raw_rows(engine)] == ["T111"]


def test_delete_without_team_or_enterprise_removes_nothing(
    engine: Engine, installations: EncryptedInstallationStore
) -> None:
    asyncio.run(installations.async_save(installation()))

    asyncio.run(installations.async_delete_all(enterprise_id=None, team_id=None))

    assert len(raw_rows(engine)) == 1


def test_a_changed_key_gives_the_friendly_error(
    engine: Engine, installations: EncryptedInstallationStore
) -> None:
    asyncio.run(installations.async_save(installation()))
    other = EncryptedInstallationStore(
        SlackStore(engine), SecretBox.from_setting("somebody changed the key to this one")
    )

    with pytest.raises(SecretKeyError, match="was the key changed"):
        asyncio.run(other.async_find_bot(enterprise_id=None, team_id="T111"))


def test_a_state_is_consumed_once(engine: Engine) -> None:
    states = DatabaseOAuthStateStore(SlackStore(engine), clock=Clock())

    state = asyncio.run(states.async_issue())

    assert len(state) >= 43
    assert asyncio.run(states.async_consume(state)) is True
    assert asyncio.run(states.async_consume(state)) is False


def test_states_are_random(engine: Engine) -> None:
    states = DatabaseOAuthStateStore(SlackStore(engine), clock=Clock())

    assert asyncio.run(states.async_issue()) != asyncio.run(states.async_issue())


def test_an_expired_state_is_refused(engine: Engine) -> None:
    clock = Clock()
    states = DatabaseOAuthStateStore(SlackStore(engine), expiration_seconds=600, clock=clock)
    state = asyncio.run(states.async_issue())

    clock.now += timedelta(seconds=601)

    assert asyncio.run(states.async_consume(state)) is False


def test_a_state_is_accepted_until_it_expires(engine: Engine) -> None:
    clock = Clock()
    states = DatabaseOAuthStateStore(SlackStore(engine), expiration_seconds=600, clock=clock)
    state = asyncio.run(states.async_issue())

    clock.now += timedelta(seconds=599)

    assert asyncio.run(states.async_consume(state)) is True


@pytest.mark.parametrize("state", ["never-issued", "", "x" * 500])
def test_an_unknown_state_is_refused(engine: Engine, state: str) -> None:
    states = DatabaseOAuthStateStore(SlackStore(engine), clock=Clock())
    asyncio.run(states.async_issue())

    assert asyncio.run(states.async_consume(state)) is False
