"""Builds a console session on a database: its clock, messenger and transcript."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from bot.admin.tenant_admin import list_tenants
from bot.bootstrap import Runtime, build_dispatcher, build_runtime
from bot.console.app import ConsoleSession
from bot.console.clock import ConsoleClock
from bot.console.messenger import ConsoleMessenger, ConsoleOutput
from bot.console.people import find_people, listed, people_of
from bot.settings import Settings
from handlers.shared.model import Role, Tenant
from storage.console_store import ConsoleStore


class ConsoleSetupError(Exception):
    """The console cannot start (no such tenant, no people, …); the message says what to do."""


def open_console(
    database_url: str,
    *,
    tenant_slug: str | None,
    email: str | None,
    as_json: bool,
    write: Callable[[str], None],
    say: Callable[[str], None],
) -> ConsoleSession:
    """Open a console session on the database, as the given person (a project manager by default).

    ``email`` may also be a name, as with ``:as``; someone the tenant does not know is refused.
    """
    base = build_runtime(database_url)
    store = ConsoleStore(base.engine)
    clock = ConsoleClock(store)
    runtime = Runtime(base.engine, dataclasses.replace(base.deps, clock=clock), base.outbox)
    tenant = _tenant(runtime, tenant_slug)
    email = _person(runtime, tenant, email) if email else _default_person(runtime, tenant)
    messenger = ConsoleMessenger(
        ConsoleOutput(write, as_json), store, clock, public_url=Settings().public_base()
    )
    dispatcher = build_dispatcher(runtime, messenger)
    return ConsoleSession(runtime, tenant, email, messenger, store, clock, say, dispatcher)


def _tenant(runtime: Runtime, slug: str | None) -> Tenant:
    if slug is None:
        tenants = list_tenants(runtime.engine)
        if len(tenants) != 1:
            names = ", ".join(known for known, _, _ in tenants) or "none yet"
            raise ConsoleSetupError(f"choose a tenant with --tenant (there are: {names})")
        slug = tenants[0][0]
    with runtime.deps.uow() as uow:
        tenant = uow.tenants.get_by_slug(slug)
    if tenant is None:
        raise ConsoleSetupError(f"there is no tenant {slug!r}; see: vpmo tenant list")
    return tenant


def _person(runtime: Runtime, tenant: Tenant, wanted: str) -> str:
    matches = find_people(people_of(runtime, tenant), wanted)
    if len(matches) > 1:
        raise ConsoleSetupError(f"--as {wanted!r} could be {listed(matches)}; give the e-mail address")
    if not matches:
        raise ConsoleSetupError(
            f"{tenant.slug} ({tenant.name}) has nobody known as {wanted!r};"
            f" see who it has with: vpmo tenant export {tenant.slug}"
        )
    return matches[0].email


def _default_person(runtime: Runtime, tenant: Tenant) -> str:
    with runtime.deps.uow() as uow:
        people = uow.people.with_role(tenant.id, Role.PM) or uow.people.with_role(tenant.id, Role.COORDINATOR)
    if not people:
        raise ConsoleSetupError(
            f"{tenant.slug} has nobody to talk as; add people with: vpmo tenant apply FILE"
        )
    return people[0].email
