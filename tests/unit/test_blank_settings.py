"""vpmo's own settings: an empty VPMO_* variable means unset, as the SLACK_* and Microsoft* ones do."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings


def test_empty_vpmo_variables_take_the_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the working directory
    for name in Settings.model_fields:
        monkeypatch.setenv(f"VPMO_{name.upper()}", "")

    settings = Settings()

    assert settings.database_url.get_secret_value() == "sqlite:///vpmo.db"
    assert (settings.language, settings.timezone, settings.port) == ("da", "Europe/Copenhagen", 3000)
    assert settings.secret_key is None
    assert settings.slack_pace_seconds == 1.0
