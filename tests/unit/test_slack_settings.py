"""Slack settings: the SLACK_* variables pick one mode, and every wrong combination is one clear sentence."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.slack.settings import (
    SlackConfigError,
    SlackEnvironment,
    SlackMode,
    SlackSettings,
    forget_blank_variables,
)

SIGNING = "8f742231b10e8888abcd99yyyzzz85a5"
BOT = "xoxb-1111111111-2222222222-vpmoFakeBotToken0001"
APP = "xapp-1-A111-1111111111-vpmoFakeAppToken0001"
CLIENT_ID = "111.222"
CLIENT_SECRET = "s3cret"
VARIABLES = (
    "SLACK_SIGNING_SECRET",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_API_URL",
)


@pytest.fixture(autouse=True)
def no_slack_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only what a test passes counts: no SLACK_* from the process, no .env from the directory."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def settings_from(**variables: str) -> SlackSettings:
    """Read SlackSettings from the given SLACK_* variables (by their environment names)."""
    return SlackSettings.from_environment(SlackEnvironment(**variables))


def config_error(**variables: str) -> str:
    """Return the message of the SlackConfigError the variables cause."""
    with pytest.raises(SlackConfigError) as raised:
        settings_from(**variables)
    return str(raised.value)


def assert_one_sentence_naming(message: str, variable: str, secrets: tuple[str, ...] = ()) -> None:
    """Check the message is one sentence, names the variable, and shows no secret value."""
    assert variable in message
    assert "\n" not in message
    assert not re.search(r"[.!?]\s+[A-Z]", message), f"more than one sentence: {message!r}"
    for secret in secrets:
        assert secret not in message


# --- the modes -----------------------------------------------------------------------------------


def test_nothing_set_means_slack_is_off() -> None:
    assert settings_from() == SlackSettings(SlackMode.OFF)


def test_signing_secret_and_bot_token_mean_one_workspace_over_http() -> None:
    settings = settings_from(SLACK_SIGNING_SECRET=SIGNING, SLACK_BOT_TOKEN=BOT)

    assert settings == SlackSettings(SlackMode.SINGLE_WORKSPACE, signing_secret=SIGNING, bot_token=BOT)


def test_app_and_bot_token_mean_socket_mode() -> None:
    settings = settings_from(SLACK_APP_TOKEN=APP, SLACK_BOT_TOKEN=BOT)

    assert settings == SlackSettings(SlackMode.SOCKET_MODE, bot_token=BOT, app_token=APP)


def test_socket_mode_does_not_need_the_signing_secret_and_ignores_it() -> None:
    settings = settings_from(SLACK_APP_TOKEN=APP, SLACK_BOT_TOKEN=BOT, SLACK_SIGNING_SECRET=SIGNING)

    assert settings.mode is SlackMode.SOCKET_MODE
    assert settings.signing_secret == ""


def test_client_id_secret_and_signing_secret_mean_oauth() -> None:
    settings = settings_from(
        SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET=CLIENT_SECRET, SLACK_SIGNING_SECRET=SIGNING
    )

    assert settings == SlackSettings(
        SlackMode.OAUTH, signing_secret=SIGNING, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    )


def test_the_api_url_gets_exactly_one_trailing_slash() -> None:
    settings = settings_from(
        SLACK_SIGNING_SECRET=SIGNING, SLACK_BOT_TOKEN=BOT, SLACK_API_URL="http://127.0.0.1:8080/api//"
    )

    assert settings.api_url == "http://127.0.0.1:8080/api/"


def test_surrounding_whitespace_in_a_secret_is_dropped() -> None:
    settings = settings_from(SLACK_SIGNING_SECRET=f" {SIGNING}\n", SLACK_BOT_TOKEN=f"{BOT} ")

    assert (settings.signing_secret, settings.bot_token) == (SIGNING, BOT)


def test_the_environment_is_read_under_slack_s_own_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT)
    monkeypatch.setenv("SLACK_APP_TOKEN", APP)

    assert SlackSettings.from_environment().mode is SlackMode.SOCKET_MODE


def test_a_dotenv_file_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"SLACK_SIGNING_SECRET={SIGNING}\nSLACK_BOT_TOKEN={BOT}\n", encoding="utf-8"
    )

    assert SlackSettings.from_environment().mode is SlackMode.SINGLE_WORKSPACE


def test_secrets_do_not_show_in_the_environment_s_repr() -> None:
    environment = SlackEnvironment(SLACK_SIGNING_SECRET=SIGNING, SLACK_BOT_TOKEN=BOT)

    assert SIGNING not in repr(environment)
    assert BOT not in repr(environment)


# --- empty means unset ----------------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["", "  ", "\t\n"])
def test_blank_variables_in_the_environment_are_unset(monkeypatch: pytest.MonkeyPatch, blank: str) -> None:
    for name in VARIABLES:
        monkeypatch.setenv(name, blank)

    assert SlackSettings.from_environment() == SlackSettings(SlackMode.OFF)


@pytest.mark.parametrize("blank", ["", "  "])
def test_blank_oauth_variables_beside_one_workspace_leave_it_one_workspace(
    monkeypatch: pytest.MonkeyPatch, blank: str
) -> None:
    for name, value in {
        "SLACK_SIGNING_SECRET": SIGNING,
        "SLACK_BOT_TOKEN": BOT,
        "SLACK_CLIENT_ID": blank,
        "SLACK_CLIENT_SECRET": blank,
        "SLACK_APP_TOKEN": blank,
        "SLACK_API_URL": blank,
    }.items():
        monkeypatch.setenv(name, value)

    settings = SlackSettings.from_environment()

    assert settings == SlackSettings(SlackMode.SINGLE_WORKSPACE, signing_secret=SIGNING, bot_token=BOT)


def test_blank_lines_in_a_dotenv_file_are_unset(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"SLACK_SIGNING_SECRET={SIGNING}\nSLACK_BOT_TOKEN={BOT}\nSLACK_CLIENT_ID=\nSLACK_CLIENT_SECRET=\n",
        encoding="utf-8",
    )

    assert SlackSettings.from_environment().mode is SlackMode.SINGLE_WORKSPACE


def test_a_blank_client_id_beside_a_client_secret_is_reported_as_missing() -> None:
    message = config_error(
        SLACK_SIGNING_SECRET=SIGNING, SLACK_CLIENT_ID="  ", SLACK_CLIENT_SECRET=CLIENT_SECRET
    )

    assert message.startswith("SLACK_CLIENT_ID is missing")


def test_blank_slack_variables_are_removed_so_bolt_takes_them_as_unset_too() -> None:
    environ = {
        "SLACK_CLIENT_ID": "",
        "SLACK_CLIENT_SECRET": " ",
        "SLACK_SCOPES": "",
        "SLACK_BOT_TOKEN": BOT,
        "VPMO_SECRET_KEY": "",
        "PATH": "/usr/bin",
    }

    forget_blank_variables(environ)

    assert environ == {"SLACK_BOT_TOKEN": BOT, "VPMO_SECRET_KEY": "", "PATH": "/usr/bin"}


# --- missing and contradictory combinations ------------------------------------------------------

CASES: list[Any] = [
    pytest.param(
        {"SLACK_BOT_TOKEN": BOT}, "SLACK_SIGNING_SECRET", id="http-bot-token-without-signing-secret"
    ),
    pytest.param(
        {"SLACK_SIGNING_SECRET": SIGNING}, "SLACK_BOT_TOKEN", id="http-signing-secret-without-bot-token"
    ),
    pytest.param(
        {"SLACK_SIGNING_SECRET": SIGNING, "SLACK_BOT_TOKEN": APP},
        "SLACK_BOT_TOKEN",
        id="http-bot-token-is-an-app-token",
    ),
    pytest.param({"SLACK_APP_TOKEN": APP}, "SLACK_BOT_TOKEN", id="socket-mode-without-bot-token"),
    pytest.param(
        {"SLACK_APP_TOKEN": APP, "SLACK_SIGNING_SECRET": SIGNING},
        "SLACK_BOT_TOKEN",
        id="socket-mode-with-signing-secret-but-no-bot-token",
    ),
    pytest.param(
        {"SLACK_APP_TOKEN": BOT, "SLACK_BOT_TOKEN": BOT}, "SLACK_APP_TOKEN", id="app-token-is-a-bot-token"
    ),
    pytest.param(
        {"SLACK_APP_TOKEN": APP, "SLACK_BOT_TOKEN": APP},
        "SLACK_BOT_TOKEN",
        id="socket-mode-bot-token-is-an-app-token",
    ),
    pytest.param(
        {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_SIGNING_SECRET": SIGNING},
        "SLACK_CLIENT_SECRET",
        id="oauth-without-client-secret",
    ),
    pytest.param(
        {"SLACK_CLIENT_SECRET": CLIENT_SECRET, "SLACK_SIGNING_SECRET": SIGNING},
        "SLACK_CLIENT_ID",
        id="oauth-without-client-id",
    ),
    pytest.param(
        {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET},
        "SLACK_SIGNING_SECRET",
        id="oauth-without-signing-secret",
    ),
    pytest.param(
        {
            "SLACK_CLIENT_ID": CLIENT_ID,
            "SLACK_CLIENT_SECRET": CLIENT_SECRET,
            "SLACK_SIGNING_SECRET": SIGNING,
            "SLACK_BOT_TOKEN": BOT,
        },
        "SLACK_BOT_TOKEN",
        id="oauth-with-a-bot-token",
    ),
    pytest.param(
        {
            "SLACK_CLIENT_ID": CLIENT_ID,
            "SLACK_CLIENT_SECRET": CLIENT_SECRET,
            "SLACK_SIGNING_SECRET": SIGNING,
            "SLACK_APP_TOKEN": APP,
        },
        "SLACK_APP_TOKEN",
        id="oauth-with-an-app-token",
    ),
]


@pytest.mark.parametrize(("variables", "named"), CASES)
def test_a_wrong_combination_is_one_sentence_naming_the_variable(
    variables: dict[str, str], named: str
) -> None:
    message = config_error(**variables)

    assert_one_sentence_naming(message, named, secrets=(SIGNING, BOT, APP, CLIENT_SECRET))


def test_whitespace_only_counts_as_unset() -> None:
    assert settings_from(SLACK_BOT_TOKEN="  ", SLACK_SIGNING_SECRET="") == SlackSettings(SlackMode.OFF)


# --- vpmo serve refuses to start -----------------------------------------------------------------


def test_serve_with_a_bot_token_but_no_signing_secret_exits_with_that_sentence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    served: list[Any] = []
    monkeypatch.setattr("aiohttp.web.run_app", lambda *args, **kwargs: served.append(args))
    monkeypatch.setattr("bot.server.build_server", lambda *args, **kwargs: served.append(args))
    expected = config_error(SLACK_BOT_TOKEN=BOT)
    environment: dict[str, str | None] = dict.fromkeys(VARIABLES)
    environment |= {"SLACK_BOT_TOKEN": BOT, "VPMO_DATABASE_URL": f"sqlite:///{tmp_path}/vpmo.db"}

    result = CliRunner().invoke(main, ["serve", "--port", "0"], env=environment)

    assert result.exit_code != 0
    assert served == []
    assert expected in result.output
    assert "SLACK_SIGNING_SECRET" in result.output
    assert BOT not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
