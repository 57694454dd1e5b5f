"""The per-process directory of people: identities, ids and roles come from it, and it never goes stale."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.admin.tenant_admin import apply_tenant
from bot.admin.tenant_config import load_tenant_config
from bot.bootstrap import Runtime, build_runtime
from bot.cli import SAMPLE_TENANT
from handlers.shared.model import Role

MOMENT = datetime(2027, 3, 3, 9, tzinfo=UTC)


def _apply_sample(runtime: Runtime, *, replace: tuple[str, str] | None = None) -> None:
    text = SAMPLE_TENANT.read_text(encoding="utf-8")
    if replace is not None:
        assert replace[0] in text
        text = text.replace(*replace)
    # The same moment every time: the stamp must still move, or another process would not notice.
    apply_tenant(runtime.engine, load_tenant_config(text), now=MOMENT)


def _slack_lookup(runtime: Runtime, slack_id: str) -> str | None:
    with runtime.deps.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None
        person = uow.people.find(tenant.id, slack_id=slack_id)
        return person.email if person else None


def test_a_changed_configuration_is_seen_at_once_even_when_applied_at_the_same_moment(
    runtime: Runtime,
) -> None:
    _apply_sample(runtime)
    assert _slack_lookup(runtime, "U01JOF") == "jonas.friis@nordlys.dk"  # the cache is warm now

    _apply_sample(runtime, replace=("slack_id: U01JOF", "slack_id: U09JONAS"))

    assert _slack_lookup(runtime, "U01JOF") is None
    assert _slack_lookup(runtime, "U09JONAS") == "jonas.friis@nordlys.dk"


def test_people_by_id_role_and_identity_agree_with_what_is_stored(runtime: Runtime) -> None:
    with runtime.deps.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None
        jonas = uow.people.find(tenant.id, email="  Jonas.Friis@nordlys.dk ")
        assert jonas is not None
        assert uow.people.find(tenant.id, teams_id="29:1jof") == jonas
        assert uow.people.get(jonas.id) == jonas
        seniors = uow.people.with_role(tenant.id, Role.SENIOR)
        assert seniors
        assert all(Role.SENIOR in s.roles for s in seniors)
        assert [s.name for s in seniors] == sorted(s.name for s in seniors)
    # Without the tenant read first, the person comes straight from the table, and the same.
    with runtime.deps.uow() as uow:
        assert uow.people.get(jonas.id) == jonas


def test_someone_removed_from_the_configuration_is_no_longer_found(runtime: Runtime) -> None:
    with runtime.deps.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None
        jonas = uow.people.find(tenant.id, slack_id="U01JOF")
        assert jonas is not None

    _apply_sample(
        runtime,
        replace=(
            "  - email: jonas.friis@nordlys.dk\n    name: Jonas Friis\n    roles: [pm]\n    language: da\n"
            '    slack_id: U01JOF\n    teams_id: "29:1jof"\n',
            "",
        ),
    )

    with runtime.deps.uow() as uow:
        assert uow.people.get(jonas.id) is None
        assert uow.people.find(jonas.tenant_id, slack_id="U01JOF") is None
    with runtime.deps.uow() as uow:
        assert uow.tenants.get(jonas.tenant_id) is not None
        assert uow.people.get(jonas.id) is None


def test_changed_tenant_settings_are_seen_at_once_by_this_and_other_processes(
    runtime: Runtime, database_url: str
) -> None:
    _apply_sample(runtime)
    with runtime.deps.uow() as uow:
        before = uow.tenants.get_by_slug("nordlys")  # the cache holds the tenant now
    other_process = build_runtime(database_url, migrate=False)
    with other_process.deps.uow() as uow:
        assert uow.tenants.get_by_slug("nordlys") == before

    _apply_sample(runtime, replace=("response_hours: 8", "response_hours: 4"))

    for process in (runtime, other_process):
        with process.deps.uow() as uow:
            by_slug = uow.tenants.get_by_slug("nordlys")
            assert by_slug is not None
            assert by_slug.response_hours == 4
            assert uow.tenants.get(by_slug.id) == by_slug
    assert before is not None
    assert before.response_hours == 8
    other_process.engine.dispose()
