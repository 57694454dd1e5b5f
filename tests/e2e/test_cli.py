"""The command line: tenant configuration as code, schema upgrades and one tick by hand."""

from __future__ import annotations

import json
import logging
import re
import signal
import socket
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from bot.bootstrap import build_runtime
from bot.cli import SAMPLE_TENANT, main
from bot.logs import PROJECT_PACKAGES
from handlers.shared.text import Message, Text
from storage.db import make_engine
from storage.migrate import head_revision
from storage.tables import ErfaRecordRow, TenantRow
from tests.e2e.conftest import run_cli
from tests.integration.test_network_admin import tenant_text
from tests.platforms.conftest import BOT_TOKEN, TEAM
from tests.platforms.serve_process import STOP_SECONDS, VPMO, clean_environment, free_port
from tests.platforms.slack_fakes import FakeSlackApi
from tests.platforms.socket_mode_fake import APP_TOKEN
from tests.unit.test_network_config import SAMPLE_NETWORK

NOW = datetime(2020, 1, 1, tzinfo=UTC)  # long due: the tick runs on the real clock


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
    assert "  - at: 2027-06-08T13:00\n" in exported
    assert "  channel:\n    slack: C0CHALL\n" in exported
    assert "erfa:\n  channel:\n    slack: C0ERFA\n" in exported
    assert "  - key: 2027-spring\n" in exported
    assert "    duration: 2h30m\n" in exported


def test_an_erfa_meeting_on_a_public_holiday_is_applied_with_a_warning(
    sample_db: str, tmp_path: Path
) -> None:
    # Far ahead: the command runs on the real clock, and meetings that are over are not warned about.
    text = SAMPLE_TENANT.read_text(encoding="utf-8").replace("at: 2027-04-15T09:00", "at: 2035-05-03T09:00")
    path = tmp_path / "holiday.yaml"
    path.write_text(text, encoding="utf-8")

    result = run_cli(sample_db, "tenant", "apply", str(path))

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "nordlys: settings updated.",
        "warning: erfa_meetings[1] (2027-spring) falls on Kristi himmelfartsdag (Thursday 3 May 2035), a Danish "
        "public holiday, when most people are off (applied all the same; move it if that was not meant)",
    ]


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


def _queue_a_message_to_anna(database_url: str) -> None:
    runtime = build_runtime(database_url, migrate=False)
    try:
        with runtime.deps.uow() as uow:
            tenant = uow.tenants.get_by_slug("nordlys")
            assert tenant is not None
            [anna] = [p for p in uow.people.with_role(tenant.id, "senior") if p.name == "Anna Berg"]
            assert uow.outbox.add(tenant.id, Message((Text.of("status.none"),), to_person=anna.id), NOW)
            uow.commit()
    finally:
        runtime.engine.dispose()


def test_jobs_run_due_delivers_queued_messages(sample_db: str) -> None:
    _queue_a_message_to_anna(sample_db)

    result = run_cli(sample_db, "jobs", "run-due")
    again = run_cli(sample_db, "jobs", "run-due")

    assert "escalated 0; sent 1" in result.stdout
    # Printed where Slack or Teams would have shown it.
    assert "→ anna.berg@maximize.dk: Du har ingen sparringsforespørgsler endnu." in result.stdout
    assert "escalated 0; sent 0" in again.stdout  # delivered once, not again


def test_jobs_run_due_finds_nothing_left_once_the_chat_has_delivered(sample_db: str, tmp_path: Path) -> None:
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
    # The demo runs on the real clock: it says where to move it to for the next ERFA reminder (until
    # 18 March 2027 the spring meeting's announcement).
    assert re.search(
        r"\n  erfa   viser de kommende ERFA-møder\. Med :clock \d{4}-\d\d-\d\dT\d\d:\d\d stiller du uret frem",
        result.output,
    )
    assert "You are" not in result.output


def refused(*args: str, **environment: str) -> str:
    """Run a command that must refuse its settings; return its one line of standard error."""
    variables = {"VPMO_HOST": "127.0.0.1", "VPMO_PORT": str(free_port()), **environment}
    result = CliRunner().invoke(main, list(args), env=variables, catch_exceptions=False)
    lines = result.stderr.splitlines()
    assert result.exit_code != 0, result.output
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_serve_refuses_a_port_out_of_range() -> None:
    assert "VPMO_PORT: Input should be less than or equal to 65535" in refused("serve", VPMO_PORT="70000")


def test_serve_usage_names_the_port_range() -> None:
    result = CliRunner().invoke(main, ["serve", "--port", "0"], catch_exceptions=False)

    assert result.exit_code == 2
    assert (
        result.stderr.splitlines()[-1]
        == "Error: Invalid value for '--port': 0 is not in the range 1<=x<=65535."
    )


def test_serve_refuses_a_port_that_is_taken(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        line = refused("serve", VPMO_PORT=str(port), VPMO_DATABASE_URL=f"sqlite:///{tmp_path}/vpmo.db")

    assert line == (
        f"Error: cannot listen on 127.0.0.1:{port}: Address already in use "
        "(is vpmo serve already running? VPMO_PORT or --port picks another)"
    )
    assert not (tmp_path / "vpmo.db").exists()  # the port is checked before the database is touched


def test_serve_names_an_unreachable_postgresql_without_its_password() -> None:
    port = free_port()
    url = f"postgresql+psycopg://vpmo:s3cret-pw@127.0.0.1:{port}/vpmo"

    line = refused("serve", VPMO_DATABASE_URL=url)

    assert line.startswith(
        f"Error: cannot use the database postgresql+psycopg://vpmo:***@127.0.0.1:{port}/vpmo: "
    )
    assert "Connection refused" in line
    assert "s3cret-pw" not in line


@pytest.mark.postgres
def test_serve_names_a_missing_postgresql_database(postgres_url: str) -> None:
    url = make_url(postgres_url).set(database="no_such_database")

    line = refused("serve", VPMO_DATABASE_URL=url.render_as_string(hide_password=False))

    assert 'database "no_such_database" does not exist' in line


def test_a_url_that_is_no_database_url_is_refused() -> None:
    line = refused("tenant", "list", VPMO_DATABASE_URL="postgres://vpmo@127.0.0.1/vpmo")

    assert line.startswith("Error: VPMO_DATABASE_URL is not a database URL vpmo can use: ")


def test_every_command_names_an_sqlite_file_it_cannot_create(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory", encoding="utf-8")
    url = f"sqlite:///{tmp_path}/a-file/vpmo.db"

    for command in (["serve"], ["tenant", "list"], ["db", "upgrade"], ["jobs", "run-due"]):
        line = refused(*command, VPMO_DATABASE_URL=url)

        assert line == (
            f"Error: cannot use the database {url}: unable to open database file "
            "(does the directory exist, and may vpmo write there?)"
        )


def test_serve_refuses_a_bad_secret_key_for_oauth(tmp_path: Path) -> None:
    line = refused(
        "serve",
        VPMO_DATABASE_URL=f"sqlite:///{tmp_path}/vpmo.db",
        VPMO_SECRET_KEY="too short",
        SLACK_CLIENT_ID="1111.2222",
        SLACK_CLIENT_SECRET="fake-client-secret",
        SLACK_SIGNING_SECRET="fake-signing-secret",
    )

    assert line.startswith("Error: VPMO_SECRET_KEY is too short")


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """Put the logging set-up back afterwards, so DEBUG does not carry over into later tests."""
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in PROJECT_PACKAGES)]
    saved = [(logger, logger.level, list(logger.handlers)) for logger in loggers]
    yield
    for logger, level, handlers in saved:
        logger.setLevel(level)
        logger.handlers[:] = handlers


@pytest.mark.usefixtures("logging_restored")
def test_commands_are_quiet_unless_asked_for_debug(tmp_path: Path) -> None:
    quiet = CliRunner().invoke(
        main, ["db", "upgrade"], env={"VPMO_DATABASE_URL": f"sqlite:///{tmp_path}/quiet.db"}
    )
    chatty = CliRunner().invoke(
        main,
        ["db", "upgrade"],
        env={"VPMO_DATABASE_URL": f"sqlite:///{tmp_path}/debug.db", "VPMO_LOG_LEVEL": "DEBUG"},
    )

    assert (quiet.exit_code, quiet.stderr) == (0, "")
    assert "alembic.runtime.migration: Running upgrade" in chatty.stderr


@pytest.mark.usefixtures("logging_restored")
def test_json_log_format_writes_one_json_object_per_event(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["db", "upgrade"],
        env={
            "VPMO_DATABASE_URL": f"sqlite:///{tmp_path}/json.db",
            "VPMO_LOG_LEVEL": "DEBUG",
            "VPMO_LOG_FORMAT": "json",
        },
    )

    events = [json.loads(line) for line in result.stderr.splitlines()]
    assert result.exit_code == 0
    assert events
    assert all({"time", "level", "logger", "message"} <= event.keys() for event in events)
    assert any(
        e["logger"] == "alembic.runtime.migration" and "Running upgrade" in e["message"] for e in events
    )


def test_an_unknown_log_format_is_refused_naming_the_choices(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["db", "upgrade"],
        env={"VPMO_DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "VPMO_LOG_FORMAT": "xml"},
    )

    assert result.exit_code == 1
    assert "VPMO_LOG_FORMAT" in result.stderr
    assert "'text' or 'json'" in result.stderr


def test_help_promises_only_what_exists() -> None:
    top, serve, jobs = (
        " ".join(CliRunner().invoke(main, [*command, "--help"]).stdout.split())
        for command in ([], ["serve"], ["jobs"])
    )

    assert "quarterly challenges" in top.lower()
    assert "ERFA meetings across non-competing clients" in top
    assert "The half-yearly ERFA meetings: their attendees" in top
    assert "Slack and Teams" in serve
    assert "printed here instead of sent" in jobs


def refused_by_the_process(workdir: Path, **variables: str) -> str:
    """Start ``vpmo serve`` as a process that must refuse to start; return all it wrote, one line."""
    environment = clean_environment(f"sqlite:///{workdir}/vpmo.db", VPMO_PORT=str(free_port()), **variables)
    result = subprocess.run(
        [str(VPMO), "serve"], env=environment, cwd=workdir, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    [line] = result.stderr.splitlines()  # nothing else, not even at exit (no unclosed sessions)
    return line


def test_serve_names_an_app_token_slack_refuses(tmp_path: Path) -> None:
    with FakeSlackApi(team_id=TEAM, bot_token=BOT_TOKEN, tokens={BOT_TOKEN: TEAM}) as slack:
        line = refused_by_the_process(
            tmp_path, SLACK_APP_TOKEN=APP_TOKEN, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=slack.url
        )

    assert line == (
        "Error: Slack refused to open a Socket Mode connection (invalid_auth): check SLACK_APP_TOKEN "
        "(an app-level token xapp-… with the connections:write scope)."
    )


def test_serve_names_a_slack_it_cannot_reach(tmp_path: Path) -> None:
    api_url = f"http://127.0.0.1:{free_port()}/api/"

    line = refused_by_the_process(
        tmp_path, SLACK_APP_TOKEN=APP_TOKEN, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=api_url
    )

    assert line.startswith(f"Error: cannot reach Slack at {api_url}: Cannot connect to host")


def test_the_worker_stops_cleanly_on_sigterm(sample_db: str, tmp_path: Path) -> None:
    worker = subprocess.Popen(
        [str(VPMO), "jobs", "run"],
        env=clean_environment(sample_db),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert worker.stdout is not None
        first = worker.stdout.readline()  # blocks until the worker says it runs
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(STOP_SECONDS)
    finally:
        worker.kill()

    assert first == "The worker is running; press Ctrl-C to stop.\n"
    assert code == 0
    assert worker.stdout.read() == ""


def network_db(sample_db: str, tmp_path: Path) -> str:
    """Add the sample network's other clients (vindkraft, sundhedsdata, fjernvarme) through the CLI."""
    for slug in ("vindkraft", "sundhedsdata", "fjernvarme"):
        path = tmp_path / f"{slug}.yaml"
        path.write_text(tenant_text(slug), encoding="utf-8")
        assert run_cli(sample_db, "tenant", "apply", str(path)).exit_code == 0
    return sample_db


def network_file(tmp_path: Path, old: str = "", new: str = "") -> str:
    text = SAMPLE_NETWORK.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "network.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return str(path)


def test_a_network_seating_competitors_together_is_refused_and_nothing_applied(
    sample_db: str, tmp_path: Path
) -> None:
    url = network_db(sample_db, tmp_path)
    path = network_file(
        tmp_path, "tenants: [nordlys, sundhedsdata, fjernvarme]", "tenants: [nordlys, vindkraft]"
    )

    refused = run_cli(url, "network", "apply", path)
    status = run_cli(url, "network", "status", "maximize-network")

    assert refused.exit_code == 1
    assert refused.stderr.splitlines() == [
        f"Error: {path}: the network file has 1 problem:",
        "nordlys and vindkraft compete and may not be invited to the same network ERFA "
        "(meetings[1] 2027-network-1)",
        "Nothing was changed.",
    ]
    assert status.exit_code == 1
    assert "there is no network 'maximize-network'" in status.stderr


def test_a_network_is_applied_with_its_warnings_and_again_without_changes(
    sample_db: str, tmp_path: Path
) -> None:
    url = network_db(sample_db, tmp_path)
    # Far ahead on a public holiday: the command runs on the real clock.
    path = network_file(tmp_path, "at: 2027-05-20T13:00", "at: 2035-05-03T13:00")

    first = run_cli(url, "network", "apply", path)
    again = run_cli(url, "network", "apply", path)

    warning = (
        "warning: 2027-network-1 falls on Kristi himmelfartsdag (Thursday 3 May 2035), a Danish public holiday, when most people are off "
        "(applied all the same; move it if that was not meant)"
    )
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == [
        "maximize-network: created.",
        "fjernvarme: added 2027-network-1.",
        "nordlys: added 2027-network-1.",
        "sundhedsdata: added 2027-network-1.",
        warning,
    ]
    assert again.stdout.splitlines() == ["maximize-network: no changes.", warning]


def test_a_network_naming_a_tenant_that_does_not_exist_says_how_to_add_it(
    sample_db: str, tmp_path: Path
) -> None:
    result = run_cli(sample_db, "network", "apply", network_file(tmp_path))

    assert result.exit_code == 1
    assert "there is no tenant 'vindkraft'; apply its tenant file first (vpmo tenant apply FILE.yaml)" in (
        result.stderr
    )
    assert "Nothing was changed." in result.stderr


def test_the_tenant_file_may_not_drop_an_announced_erfa_meeting(sample_db: str, tmp_path: Path) -> None:
    engine = make_engine(sample_db)
    with Session(engine) as session:
        tenant = session.exec(select(TenantRow).where(TenantRow.slug == "nordlys")).one()
        assert tenant.id is not None
        session.add(
            ErfaRecordRow(
                tenant_id=tenant.id,
                meeting="2027-autumn",
                start=datetime(2027, 11, 11, 12, tzinfo=UTC),
                place="Teams",
                title="ERFA",
                updated_at=NOW,
            )
        )
        session.commit()
    engine.dispose()
    text = SAMPLE_TENANT.read_text(encoding="utf-8")
    path = tmp_path / "without-autumn.yaml"
    path.write_text(
        text[: text.index("  # After the change to winter time")] + text[text.index("\n# Everyone") :],
        encoding="utf-8",
    )

    result = run_cli(sample_db, "tenant", "apply", str(path))

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: {path}: the tenant configuration has 1 problem:",
        "erfa_meetings: 2027-autumn was already announced, so it may not simply disappear: keep it in the "
        "file with cancelled: true so the people who answered get a cancellation",
        "Nothing was changed.",
    ]


def test_the_attendees_of_an_unknown_meeting_name_the_known_ones(sample_db: str) -> None:
    result = run_cli(sample_db, "erfa", "attendees", "nordlys", "2027-summer", "--format", "csv")

    assert result.exit_code == 1
    assert (
        "nordlys has no ERFA meeting '2027-summer' (its meetings: 2027-spring, 2027-autumn)" in result.stderr
    )


def test_status_and_attendees_print_through_the_cli(sample_db: str, tmp_path: Path) -> None:
    url = network_db(sample_db, tmp_path)
    assert run_cli(url, "network", "apply", network_file(tmp_path)).exit_code == 0

    status = run_cli(url, "network", "status", "maximize-network")
    listed = run_cli(url, "erfa", "attendees", "nordlys", "2027-spring", "--format", "csv")

    assert status.exit_code == 0, status.output
    assert "  nordlys       0       0        0      0              8 (8 free)" in status.stdout
    assert listed.stdout.splitlines() == ["Navn,E-mail,Svar,Plads,Svaret"]
