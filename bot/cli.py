"""The ``vpmo`` command line. Heavy imports happen inside the commands, so ``vpmo --help`` is quick."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from datetime import datetime
    from typing import TextIO

    from sqlalchemy import Engine

    from bot.console.app import ConsoleSession
    from bot.settings import Settings

SAMPLE_TENANT = Path(__file__).with_name("console") / "sample_tenant.yaml"
DEMO_DATABASE = "vpmo-demo.db"
DEMO_PERSON = "jonas.friis@nordlys.dk"


def _settings(ctx: click.Context) -> Settings:
    from pydantic import SecretStr, ValidationError

    from bot.logs import configure_logging
    from bot.settings import Settings

    try:
        settings = Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"VPMO_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors()
        )
        raise click.ClickException(f"the settings are not valid: {problems}") from error
    configure_logging(settings.log_level, settings.log_format)
    override = ctx.find_root().params.get("database_url")
    if override:
        settings.database_url = SecretStr(override)
    return settings


def _database_url(ctx: click.Context) -> str:
    return _settings(ctx).database_url.get_secret_value()


def _setting_errors() -> tuple[type[Exception], ...]:
    """Return the errors that mean a bad setting (imported only once a command has failed)."""
    from bot.bootstrap import DatabaseSetupError
    from bot.processes import SingleProcessError
    from bot.secrets import SecretKeyError
    from bot.server import ListenError
    from bot.slack.app import SocketModeError
    from bot.slack.settings import SlackConfigError
    from bot.teams.settings import TeamsConfigError
    from bot.worker import NoPlatformError

    return (
        DatabaseSetupError,
        ListenError,
        NoPlatformError,
        SecretKeyError,
        SingleProcessError,
        SlackConfigError,
        SocketModeError,
        TeamsConfigError,
    )


class _Commands(click.Group):
    """The command group; a bad setting met by any command ends in its one sentence and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException:
            raise
        except Exception as error:
            if isinstance(error, _setting_errors()):
                raise click.ClickException(str(error)) from error
            raise


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database-url", metavar="URL", help="Database to use (default: VPMO_DATABASE_URL or ./vpmo.db)."
)
@click.version_option(package_name="vpmo")
def main(database_url: str | None) -> None:
    """Virtual project office: 1:1 sparring for project managers with senior project managers, as a
    chat bot on Slack, Microsoft Teams and the terminal."""


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per message.")
@click.option("--database", default=DEMO_DATABASE, show_default=True, help="SQLite file for the demo.")
def demo(as_json: bool, database: str) -> None:
    """Start afresh with a sample Danish client and chat as one of its project managers."""
    from zoneinfo import ZoneInfo

    from bot.admin.tenant_admin import apply_tenant
    from bot.admin.tenant_config import load_tenant_config
    from bot.bootstrap import open_database
    from bot.i18n import Reader
    from handlers.shared.text import Text

    for suffix in ("", "-wal", "-shm"):
        Path(database + suffix).unlink(missing_ok=True)
    url = f"sqlite:///{database}"
    engine = open_database(url)
    config = load_tenant_config(SAMPLE_TENANT.read_text(encoding="utf-8"))
    apply_tenant(engine, config)
    engine.dispose()
    if not as_json:
        # Greet in the sample client's language, as the bot itself will answer.
        person = next(p for p in config.people if p.email == DEMO_PERSON)
        reader = Reader(person.language or config.language, ZoneInfo(config.timezone))
        click.echo(reader.render(Text.of("demo.greeting", tenant=config.name, person=person.name)))
        click.echo(reader.render(Text.of("demo.example")))
        announced = _first_erfa_announcement(url, config.slug)
        if announced is not None:
            clock = announced.astimezone(reader.zone).strftime("%Y-%m-%dT%H:%M")
            click.echo(reader.render(Text.of("demo.erfa", clock=clock)))
    _chat(url, tenant="nordlys", email=DEMO_PERSON, script=None, as_json=as_json)


def _first_erfa_announcement(url: str, slug: str) -> datetime | None:
    # The demo's clock is the real one: it says when to move it to for the first ERFA announcement.
    import datetime as dt
    from zoneinfo import ZoneInfo

    from bot.bootstrap import build_runtime
    from handlers.erfa import planning

    runtime = build_runtime(url)
    with runtime.deps.uow() as uow:
        tenant = uow.tenants.get_by_slug(slug)
    runtime.engine.dispose()
    if tenant is None or tenant.erfa is None:
        return None
    zone = ZoneInfo(tenant.timezone)
    reminders = planning.plan(tenant.slug, zone, tenant.erfa_meetings, tenant.erfa, dt.datetime.now(dt.UTC))
    return reminders[0].due_at if reminders else None


@main.command()
@click.option(
    "--tenant", "tenant", metavar="SLUG", help="The tenant to talk to (needed when there are several)."
)
@click.option(
    "--as",
    "email",
    metavar="EMAIL",
    help="Who you are, by e-mail or name (default: the first project manager).",
)
@click.option("--script", type=click.File("r", encoding="utf-8"), help="Read the lines from a file.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per message the bot sends.")
@click.pass_context
def chat(
    ctx: click.Context, tenant: str | None, email: str | None, script: TextIO | None, as_json: bool
) -> None:
    """Talk to the bot in the terminal, with the same commands as on Slack or Teams."""
    _chat(_database_url(ctx), tenant=tenant, email=email, script=script, as_json=as_json)


def _chat(url: str, *, tenant: str | None, email: str | None, script: TextIO | None, as_json: bool) -> None:
    import asyncio

    from bot.console.builder import ConsoleSetupError, open_console

    try:
        session = open_console(
            url, tenant_slug=tenant, email=email, as_json=as_json, write=click.echo, say=_say(as_json)
        )
    except ConsoleSetupError as error:
        raise click.ClickException(str(error)) from error
    with asyncio.Runner() as runner:
        try:
            if script is not None:
                # :apply reads a script's tenant files beside it; from standard input, in the working directory.
                session.files = Path(script.name).parent
                ok = session.run_lines(script, runner)
                sys.exit(0 if ok else 1)
            session.run_lines(_prompted_lines(session), runner)
        finally:
            session.close()


def _say(as_json: bool) -> Callable[[str], None]:
    # With --json, standard output carries only the bot's messages; the console's own notes go aside.
    return lambda text: click.echo(text, err=as_json)


def _prompted_lines(session: ConsoleSession) -> Iterator[str]:
    # Only a person at a terminal needs a prompt; piped input stays clean.
    interactive = sys.stdin.isatty()
    while True:
        try:
            yield input(f"{session.email}> " if interactive else "")
        except (EOFError, KeyboardInterrupt):
            return


@main.command()
@click.option("--host", help="Address to listen on (default: VPMO_HOST or 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port to listen on (default: VPMO_PORT or 3000).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Server processes on the one port, e.g. one per core (default: VPMO_WORKERS or 1; above 1 needs PostgreSQL).",
)
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve Slack and Teams as configured (and /healthz) and deliver messages, until SIGTERM or Ctrl-C."""
    from bot.server import run_server
    from bot.slack.settings import SlackSettings
    from bot.teams.settings import TeamsSettings

    settings = _settings(ctx)
    slack, teams = SlackSettings.from_environment(), TeamsSettings.from_environment()
    code = run_server(
        settings,
        slack,
        teams,
        host=host or settings.host,
        port=port or settings.port,
        announce=lambda line: click.echo(line, err=True),
        workers=workers or settings.workers,
        sentences=_setting_errors(),
    )
    ctx.exit(code)


@main.command()
@click.option("--health-port", type=click.IntRange(1, 65535), help="Answer GET /healthz on this port.")
@click.option("--host", help="Address for --health-port (default: VPMO_HOST or 127.0.0.1).")
@click.pass_context
def worker(ctx: click.Context, health_port: int | None, host: str | None) -> None:
    """Deliver messages and run the ticks through Slack and Teams without serving requests, until SIGTERM."""
    from bot.slack.settings import SlackSettings
    from bot.teams.settings import TeamsSettings
    from bot.worker import run_worker

    settings = _settings(ctx)
    run_worker(
        settings,
        SlackSettings.from_environment(),
        TeamsSettings.from_environment(),
        health=(host or settings.host, health_port) if health_port else None,
        announce=lambda line: click.echo(line, err=True),
    )


@main.group()
def manifest() -> None:
    """Print or build the app manifests for Slack and Teams."""


@manifest.command("slack")
@click.option("--url", metavar="https://HOST", help="The public base URL of vpmo serve (HTTP mode).")
@click.option("--socket-mode", is_flag=True, help="A manifest for Socket Mode (no public URL needed).")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of YAML.")
def manifest_slack(url: str | None, socket_mode: bool, as_json: bool) -> None:
    """Print the Slack app manifest, ready for "Create an app → From a manifest"."""
    from bot.slack.manifest import build_slack_manifest, dump_manifest

    if bool(url) == socket_mode:
        raise click.UsageError("give either --url https://HOST (HTTP mode) or --socket-mode")
    try:
        built = build_slack_manifest(url, socket_mode=socket_mode)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(dump_manifest(built, "json" if as_json else "yaml"), nl=False)


@manifest.command("teams")
@click.option(
    "--app-id", required=True, metavar="GUID", help="The bot's Microsoft App ID (Azure Bot → Configuration)."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    metavar="FILE.zip",
    help="Where to write the package [default: dist/vpmo-teams-VERSION.zip].",
)
@click.option(
    "--version", "app_version", default="1.0.0", show_default=True, metavar="X.Y.Z", help="The app version."
)
@click.option("--website", metavar="https://URL", help="Developer website [default: https://vpmo.invalid/].")
@click.option(
    "--privacy", metavar="https://URL", help="Privacy statement [default: https://vpmo.invalid/privacy]."
)
@click.option("--terms", metavar="https://URL", help="Terms of use [default: https://vpmo.invalid/terms].")
@click.option("--bot-domain", metavar="HOST", help="The host vpmo serve runs at, listed in validDomains.")
def manifest_teams(
    app_id: str,
    out: Path | None,
    app_version: str,
    website: str | None,
    privacy: str | None,
    terms: str | None,
    bot_domain: str | None,
) -> None:
    """Build the Teams app package (manifest.json, color.png, outline.png in a zip) for upload to Teams."""
    from bot.teams.manifest import ManifestTemplateError, build_package

    try:
        path = build_package(
            app_id,
            out,
            version=app_version,
            website=website,
            privacy=privacy,
            terms=terms,
            bot_domain=bot_domain,
        )
    except (ValueError, ManifestTemplateError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Wrote {path}. Upload it in Teams: Apps → Manage your apps → Upload an app.")


@main.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply all schema migrations."""
    from bot.bootstrap import open_database
    from storage.migrate import current_revision

    settings = _settings(ctx)
    engine = open_database(settings.database_url.get_secret_value())
    click.echo(f"{settings.safe_database_url()} is at revision {current_revision(engine)}.")


@main.group()
def tenant() -> None:
    """Configure client organisations (tenants) from YAML files."""


@tenant.command("apply")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def tenant_apply(ctx: click.Context, file: Path) -> None:
    """Create or update one tenant from FILE; a file with mistakes changes nothing."""
    from bot.admin.tenant_admin import apply_tenant
    from bot.admin.tenant_config import TenantConfigError, load_tenant_config
    from bot.bootstrap import build_runtime

    try:
        config = load_tenant_config(file.read_text(encoding="utf-8"))
    except TenantConfigError as error:
        raise click.ClickException(f"{file}: {error}\nNothing was changed.") from error
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{file} is not UTF-8 text; nothing was changed.") from error
    runtime = build_runtime(_database_url(ctx))
    try:
        report = apply_tenant(runtime.engine, config, now=_console_or_real_now(runtime.engine))
    except TenantConfigError as error:
        raise click.ClickException(f"{file}: {error}\nNothing was changed.") from error
    click.echo(report.summary())


def _console_or_real_now(engine: Engine) -> datetime:
    # Requests moved on from a senior who left get a new answer deadline. In a database the console
    # has moved the clock of (the demo, scripts) that is the console's time, or every moved request
    # would be overdue at once; elsewhere the offset is zero and this is the real time.
    from bot.console.clock import ConsoleClock
    from storage.console_store import ConsoleStore

    return ConsoleClock(ConsoleStore(engine)).now()


@tenant.command("export")
@click.argument("slug")
@click.pass_context
def tenant_export(ctx: click.Context, slug: str) -> None:
    """Print the YAML that describes tenant SLUG as it is now."""
    from bot.admin.tenant_admin import export_tenant
    from bot.admin.tenant_config import dump_tenant_config
    from bot.bootstrap import build_runtime

    config = export_tenant(build_runtime(_database_url(ctx)).engine, slug)
    if config is None:
        raise click.ClickException(f"there is no tenant {slug!r}; see: vpmo tenant list")
    click.echo(dump_tenant_config(config), nl=False)


@tenant.command("list")
@click.pass_context
def tenant_list(ctx: click.Context) -> None:
    """List the tenants."""
    from bot.admin.tenant_admin import list_tenants
    from bot.bootstrap import build_runtime

    tenants = list_tenants(build_runtime(_database_url(ctx)).engine)
    if not tenants:
        click.echo("No tenants yet. Add one with: vpmo tenant apply FILE.yaml")
    for slug, name, people in tenants:
        click.echo(f"{slug}\t{name}\t{people} people")


@main.group()
def jobs() -> None:
    """Run what is due without Slack or Teams: escalations, and messages printed here instead of sent."""


@jobs.command("run-due")
@click.pass_context
def jobs_run_due(ctx: click.Context) -> None:
    """Run one tick by hand (messages are printed, not sent) and report what it did."""
    import asyncio

    from bot.worker import run_due

    report = asyncio.run(run_due(_database_url(ctx), click.echo))
    click.echo(
        f"escalated {report.escalated}; sent {report.delivered.sent}, "
        f"retried {report.delivered.retried}, failed {report.delivered.failed}"
    )


@jobs.command("run")
@click.pass_context
def jobs_run(ctx: click.Context) -> None:
    """Keep running the tick every 15 s (escalations; messages printed) until Ctrl-C."""
    import asyncio

    from bot.worker import run_forever

    asyncio.run(run_forever(_database_url(ctx), click.echo))


@main.group()
def challenges() -> None:
    """The quarterly challenges: their minutes."""


@challenges.command("export")
@click.argument("slug")
@click.option(
    "--quarter", "quarter", required=True, metavar="2027Q1", help="The quarterly meeting (its quarter)."
)
@click.option("--format", "fmt", type=click.Choice(["md", "csv"]), default="md", show_default=True)
@click.pass_context
def challenges_export(ctx: click.Context, slug: str, quarter: str, fmt: str) -> None:
    """Print the agenda, votes and decisions of a quarterly meeting as minutes (md) or a spreadsheet (csv)."""
    from bot.admin.challenge_minutes import as_csv, as_markdown, meeting_key
    from bot.bootstrap import build_runtime
    from handlers.challenges.minutes import minutes

    key = meeting_key(quarter)
    if key is None:
        raise click.UsageError(f"--quarter must be written like 2027Q1, not {quarter!r}")
    found = minutes(build_runtime(_database_url(ctx)).deps, slug, key)
    if found is None:
        raise click.ClickException(
            f"there is no tenant {slug!r} with quarterly challenges; see: vpmo tenant list"
        )
    click.echo(as_csv(found) if fmt == "csv" else as_markdown(found), nl=False)


@main.group()
def network() -> None:
    """ERFA meetings across non-competing clients, from the consultancy's network file."""


@network.command("apply")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def network_apply(ctx: click.Context, file: Path) -> None:
    """Create or update a network and its meetings from FILE; a file with mistakes changes nothing."""
    from bot.admin.network_admin import apply_network
    from bot.admin.network_config import NetworkConfigError, load_network_config
    from bot.bootstrap import build_runtime

    try:
        config = load_network_config(file.read_text(encoding="utf-8"))
        engine = build_runtime(_database_url(ctx)).engine
        report = apply_network(engine, config, now=_console_or_real_now(engine))
    except NetworkConfigError as error:
        raise click.ClickException(f"{file}: {error}\nNothing was changed.") from error
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{file} is not UTF-8 text; nothing was changed.") from error
    click.echo(report.summary())


@network.command("status")
@click.argument("slug")
@click.pass_context
def network_status(ctx: click.Context, slug: str) -> None:
    """Print, per meeting and tenant, who is seated, waiting, maybe and not attending (consultancy only)."""
    from bot.admin.network_admin import network_status, status_text
    from bot.bootstrap import build_runtime

    with build_runtime(_database_url(ctx)).deps.uow() as uow:
        found = network_status(uow, slug)
    if found is None:
        raise click.ClickException(
            f"there is no network {slug!r}; apply its file with: vpmo network apply FILE"
        )
    click.echo(status_text(slug, found), nl=False)


@main.group()
def erfa() -> None:
    """The half-yearly ERFA meetings: their attendees."""


@erfa.command("attendees")
@click.argument("slug")
@click.argument("key")
@click.option("--format", "fmt", type=click.Choice(["md", "csv"]), default="md", show_default=True)
@click.pass_context
def erfa_attendees(ctx: click.Context, slug: str, key: str, fmt: str) -> None:
    """Print who answered tenant SLUG's ERFA meeting KEY, and how, as a table (md) or a spreadsheet (csv)."""
    from bot.admin.erfa_attendees import NoSuchMeeting, as_csv, as_markdown, attendees
    from bot.bootstrap import build_runtime

    try:
        with build_runtime(_database_url(ctx)).deps.uow() as uow:
            found = attendees(uow, slug, key)
    except NoSuchMeeting as error:
        raise click.ClickException(str(error)) from error
    click.echo(as_csv(found) if fmt == "csv" else as_markdown(found), nl=False)


if __name__ == "__main__":
    main()
