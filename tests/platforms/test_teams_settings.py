"""Teams settings, card safety and the messenger's classification of connector answers."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Reader
from bot.teams import cards
from bot.teams.messenger import _classify
from bot.teams.settings import AppType, TeamsConfigError, TeamsSettings
from handlers.shared.ports import PermanentSendError, TransientSendError
from handlers.shared.text import Action, Message, Text, Verbatim

APP = "11111111-2222-4333-8444-555555555555"
TENANT = "5f3c2a1e-8b7d-4c6a-9e0f-1a2b3c4d5e6f"


def test_teams_is_off_without_an_app_id() -> None:
    assert TeamsSettings.from_environment({}).enabled is False


def test_local_switch_turns_teams_on_without_authentication() -> None:
    settings = TeamsSettings.from_environment({"VPMO_TEAMS_LOCAL": "1"})

    assert settings.enabled
    assert not settings.authenticated


def test_an_app_id_means_single_tenant_by_default_and_needs_the_tenant_id() -> None:
    settings = TeamsSettings.from_environment(
        {"MicrosoftAppId": APP, "MicrosoftAppPassword": "pw", "MicrosoftAppTenantId": TENANT}
    )

    assert settings.app_type is AppType.SINGLE_TENANT
    assert settings.authenticated
    with pytest.raises(TeamsConfigError, match="MicrosoftAppTenantId"):
        TeamsSettings.from_environment({"MicrosoftAppId": APP, "MicrosoftAppPassword": "pw"})


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"MicrosoftAppId": APP, "MicrosoftAppType": "MultiTenant"}, "MicrosoftAppPassword"),
        ({"MicrosoftAppId": APP, "MicrosoftAppType": "Sometimes"}, "MicrosoftAppType"),
        ({"MicrosoftAppPassword": "pw"}, "MicrosoftAppId"),
        ({"MicrosoftAppId": APP, "MicrosoftAppType": "UserAssignedMSI"}, "MicrosoftAppTenantId"),
        ({"MicrosoftAppId": APP, "MicrosoftAppPassword": "pw", "VPMO_TEAMS_LOCAL": "1"}, "VPMO_TEAMS_LOCAL"),
    ],
)
def test_contradictions_are_one_sentence_naming_the_variable(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(TeamsConfigError, match=variable):
        TeamsSettings.from_environment(environ)


@pytest.mark.parametrize("blank", ["", "  "])
def test_blank_microsoft_variables_are_unset(blank: str) -> None:
    names = ("MicrosoftAppId", "MicrosoftAppPassword", "MicrosoftAppType", "MicrosoftAppTenantId")
    environ = dict.fromkeys((*names, "VPMO_TEAMS_LOCAL"), blank)

    assert TeamsSettings.from_environment(environ) == TeamsSettings.off()
    with pytest.raises(TeamsConfigError, match=r"^MicrosoftAppPassword is missing"):
        TeamsSettings.from_environment({**environ, "MicrosoftAppId": APP, "MicrosoftAppTenantId": TENANT})


def test_user_text_in_a_card_is_a_text_run_never_markdown() -> None:
    sneaky = Verbatim("<at>Alle</at> **klik** [her](https://evil.example)")
    message = Message(
        (Text.of("coordinator.unknown_person", who=sneaky),),
        actions=(Action("accept:S-1", Text.of("button.accept")),),
    )

    card = cards.message_card(message, Reader("da", ZoneInfo("Europe/Copenhagen")))

    assert card is not None
    assert {block["type"] for block in card["body"]} == {"RichTextBlock"}
    runs = [inline for block in card["body"] for inline in block["inlines"]]
    assert all(run["type"] == "TextRun" for run in runs)
    assert "<at>Alle</at> **klik** [her](https://evil.example)" in json.dumps(runs, ensure_ascii=False)
    assert "msteams" not in card


def _error(status: int, headers: dict[str, str] | None = None) -> Any:
    from botbuilder.schema import ErrorResponseException

    error = ErrorResponseException.__new__(ErrorResponseException)
    error.response = SimpleNamespace(status_code=status, headers=headers or {})
    return error


@pytest.mark.parametrize("status", [412, 502, 504, 500])
def test_busy_connector_answers_are_transient(status: int) -> None:
    assert isinstance(_classify(_error(status)), TransientSendError)


def test_a_429_carries_retry_after() -> None:
    error = _classify(_error(429, {"Retry-After": "3"}))

    assert isinstance(error, TransientSendError)
    assert error.retry_after == 3.0


@pytest.mark.parametrize("status", [403, 404])
def test_refusals_are_permanent(status: int) -> None:
    assert isinstance(_classify(_error(status)), PermanentSendError)
