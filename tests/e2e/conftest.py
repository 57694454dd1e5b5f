"""Console end-to-end helpers: a database with the sample client, and scripted chats through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import SAMPLE_TENANT, main

SCRIPTS = Path(__file__).with_name("scripts")


@dataclass
class ChatResult:
    exit_code: int
    messages: list[dict[str, Any]]
    notes: str

    def to(self, recipient: str) -> list[dict[str, Any]]:
        """Return the messages sent to one recipient."""
        return [m for m in self.messages if m["to"] == recipient]

    def texts(self, recipient: str) -> str:
        """Return everything one recipient was sent, as one text."""
        return "\n".join(m["text"] for m in self.to(recipient))


Chat = Callable[..., ChatResult]


def run_cli(url: str, *args: str) -> Any:
    """Run the vpmo CLI in-process on the database."""
    return CliRunner().invoke(main, ["--database-url", url, *args], catch_exceptions=False)


@pytest.fixture
def sample_db(database_url: str) -> str:
    """Return a database URL holding the sample client (Nordlys)."""
    result = run_cli(database_url, "tenant", "apply", str(SAMPLE_TENANT))
    assert result.exit_code == 0, result.output
    return database_url


@pytest.fixture
def chat(sample_db: str, tmp_path: Path) -> Chat:
    """Run console lines (a script, or a script file whose :apply reads files beside it) as someone,
    returning the bot's messages as parsed JSON."""

    def run(script: str | Path, *, as_: str = "jonas.friis@nordlys.dk") -> ChatResult:
        path = script if isinstance(script, Path) else tmp_path / "script.txt"
        if isinstance(script, str):
            path.write_text(script, encoding="utf-8")
        result = CliRunner().invoke(
            main,
            [
                "--database-url",
                sample_db,
                "chat",
                "--tenant",
                "nordlys",
                "--as",
                as_,
                "--script",
                str(path),
                "--json",
            ],
            catch_exceptions=False,
        )
        messages = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        return ChatResult(result.exit_code, messages, result.stderr)

    return run


def run_bench(module: str, *arguments: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bench.MODULE ARGUMENTS`` from the repository root, as a developer would."""
    from bench.servers import ROOT

    return subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
