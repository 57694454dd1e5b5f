"""The command line: tenant configuration as code, schema upgrades and one tick by hand."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bot.cli import SAMPLE_TENANT, main
from storage.db import make_engine
from storage.migrate import head_revision
from tests.e2e.conftest import run_cli


def test_applying_the_same_file_twice_changes_nothing(database_url: str) -> None:
    first = run_cli(database_url, "tenant", "apply", str(SAMPLE_TENANT))
    second = run_cli(database_url, "tenant", "apply", str(SAMPLE_TENANT))

    assert "created" in first.stdout
    assert second.stdout.strip() == "nordlys: no changes."


def test_export_applies_back_to_the_same_state(sample_db: str, tmp_path: Path) -> None:
    exported = run_cli(sample_db, "tenant", "export", "nordlys").stdout
    path = tmp_path / "exported.yaml"
    path.write_text(exported, encoding="utf-8")

    again = run_cli(sample_db, "tenant", "apply", str(path))

    assert again.stdout.strip() == "nordlys: no changes."
    assert "anna.berg@maximize.dk" in exported


def test_malformed_yaml_is_refused_with_its_line_and_changes_nothing(sample_db: str, tmp_path: Path) -> None:
    broken = SAMPLE_TENANT.read_text(encoding="utf-8").replace("language: da\n", "language: fr\n", 1)
    broken = broken.replace("name: Anna Berg", "name: Anna Berg\n    emial: typo@x.dk")
    path = tmp_path / "broken.yaml"
    path.write_text(broken, encoding="utf-8")

    result = run_cli(sample_db, "tenant", "apply", str(path))

    assert result.exit_code == 1
    assert "language: must be 'da' or 'en', not 'fr'" in result.stderr
    assert "emial" in result.stderr
    assert "Nothing was changed" in result.stderr
    assert "Nordlys Energi A/S" in run_cli(sample_db, "tenant", "list").stdout


def test_yaml_syntax_error_names_the_line(sample_db: str, tmp_path: Path) -> None:
    path = tmp_path / "syntax.yaml"
    path.write_text("slug: x\nname: [unclosed\n", encoding="utf-8")

    result = run_cli(sample_db, "tenant", "apply", str(path))

    assert result.exit_code == 1
    assert "line" in result.stderr


def test_tenant_list_names_each_tenant(sample_db: str) -> None:
    result = run_cli(sample_db, "tenant", "list")

    assert result.stdout.startswith("nordlys\tNordlys Energi A/S\t9 people")


def test_db_upgrade_reports_the_revision(database_url: str) -> None:
    result = run_cli(database_url, "db", "upgrade")

    head = head_revision(make_engine(database_url))
    assert head is not None
    assert f"is at revision {head}." in result.stdout


def test_jobs_run_due_delivers_queued_messages(sample_db: str, tmp_path: Path) -> None:
    script = tmp_path / "ask.txt"
    script.write_text("sparring Hjælp med budgettet\n", encoding="utf-8")
    run_cli(sample_db, "chat", "--tenant", "nordlys", "--script", str(script))

    result = run_cli(sample_db, "jobs", "run-due")

    assert "escalated 0; sent 0" in result.stdout


def test_the_demo_greets_in_the_sample_clients_language(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"

    result = CliRunner().invoke(main, ["demo", "--database", str(database)], input=":quit\n")

    assert result.exit_code == 0, result.output
    assert result.output.startswith("Demo: Nordlys Energi A/S. Du er Jonas Friis, projektleder. Prøv:")
    assert "You are" not in result.output
