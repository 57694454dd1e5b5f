"""Where the bot can write to Teams people and channels: stored once, refreshed when they change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import Runtime
from storage import teams_store
from storage.tables import TEAMS_REFERENCE
from storage.teams_store import TeamsReference, TeamsStore

MOMENT = datetime(2027, 3, 3, 9, tzinfo=UTC)
JONAS = "29:1jonas"
CHANNEL = "19:general@thread.tacv2"


def _jonas_id(runtime: Runtime) -> int:
    with runtime.deps.uow() as uow:
        tenant = uow.tenants.get_by_slug("nordlys")
        assert tenant is not None
        jonas = uow.people.find(tenant.id, email="jonas.friis@nordlys.dk")
        assert jonas is not None
        return jonas.id


def _personal(person_id: int | None, service_url: str = "https://smba.example/emea/") -> TeamsReference:
    conversation = "a:1personal-jonas"
    return TeamsReference(
        tenant_id=1,
        conversation_id=conversation,
        service_url=service_url,
        reference={"conversation": {"id": conversation}, "serviceUrl": service_url},
        person_id=person_id,
        teams_user_id=JONAS,
        aad_object_id="aad-jonas",
    )


def _updated_at(runtime: Runtime) -> list[datetime]:
    with runtime.engine.connect() as connection:
        stamps = connection.execute(select(TEAMS_REFERENCE.c.updated_at)).scalars().all()
    return [stamp.replace(tzinfo=None) for stamp in stamps]


def test_a_personal_reference_is_stored_linked_and_read_back(runtime: Runtime) -> None:
    store = TeamsStore(runtime.engine)
    store.save_reference(_personal(_jonas_id(runtime)), MOMENT)

    found = store.reference_of_user(1, JONAS)

    assert found == _personal(_jonas_id(runtime))
    assert store.reference_of_user(1, "29:someone-else") is None
    assert store.reference_of_user(2, JONAS) is None


def test_a_channel_reference_is_stored_and_read_back(runtime: Runtime) -> None:
    store = TeamsStore(runtime.engine)
    channel = TeamsReference(
        tenant_id=1,
        conversation_id=CHANNEL,
        service_url="https://smba.example/emea/",
        reference={"conversation": {"id": CHANNEL, "conversationType": "channel"}},
        channel_key=CHANNEL,
    )
    store.save_reference(channel, MOMENT)

    assert store.reference_of_channel(1, CHANNEL) == channel
    assert store.reference_of_user(1, CHANNEL) is None


def test_an_unchanged_reference_is_not_written_again(runtime: Runtime) -> None:
    store = TeamsStore(runtime.engine)
    jonas = _jonas_id(runtime)
    store.save_reference(_personal(jonas), MOMENT)

    store.save_reference(_personal(jonas), MOMENT + timedelta(minutes=5))

    assert _updated_at(runtime) == [MOMENT.replace(tzinfo=None)]


def test_a_changed_reference_is_written_at_once(runtime: Runtime) -> None:
    store = TeamsStore(runtime.engine)
    jonas = _jonas_id(runtime)
    store.save_reference(_personal(jonas), MOMENT)

    store.save_reference(_personal(jonas, "https://smba.example/amer/"), MOMENT + timedelta(minutes=5))

    found = store.reference_of_user(1, JONAS)
    assert found is not None
    assert found.service_url == "https://smba.example/amer/"
    assert _updated_at(runtime) == [(MOMENT + timedelta(minutes=5)).replace(tzinfo=None)]


def test_an_unchanged_reference_is_refreshed_after_a_while(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(teams_store, "REFERENCE_REFRESH_SECONDS", 0.0)
    store = TeamsStore(runtime.engine)
    jonas = _jonas_id(runtime)
    store.save_reference(_personal(jonas), MOMENT)

    store.save_reference(_personal(jonas), MOMENT + timedelta(hours=2))

    assert _updated_at(runtime) == [(MOMENT + timedelta(hours=2)).replace(tzinfo=None)]


def test_a_reference_without_a_known_person_keeps_the_link_to_the_person(runtime: Runtime) -> None:
    jonas = _jonas_id(runtime)
    TeamsStore(runtime.engine).save_reference(_personal(jonas), MOMENT)

    # Another process, after a message in which Jonas could not be recognised.
    TeamsStore(runtime.engine).save_reference(_personal(None, "https://smba.example/amer/"), MOMENT)

    found = TeamsStore(runtime.engine).reference_of_user(1, JONAS)
    assert found is not None
    assert found.person_id == jonas
    assert found.service_url == "https://smba.example/amer/"


def test_a_reference_is_either_a_persons_or_a_channels(runtime: Runtime) -> None:
    both = TeamsReference(1, CHANNEL, "https://smba.example/", {}, teams_user_id=JONAS, channel_key=CHANNEL)

    with pytest.raises(ValueError, match="either"):
        TeamsStore(runtime.engine).save_reference(both, MOMENT)


def test_the_personal_chat_linked_to_a_person_is_found_by_the_person_the_latest_first(
    runtime: Runtime,
) -> None:
    # Someone configured by e-mail alone: the bot learns their 29: id when they open the app.
    store = TeamsStore(runtime.engine)
    jonas = _jonas_id(runtime)
    store.save_reference(_personal(jonas), MOMENT)
    again = TeamsReference(
        tenant_id=1,
        conversation_id="a:1personal-jonas-new-app",
        service_url="https://smba.example/emea/",
        reference={"conversation": {"id": "a:1personal-jonas-new-app"}},
        person_id=jonas,
        teams_user_id="29:1jonas-in-the-new-app",
    )
    store.save_reference(again, MOMENT + timedelta(days=1))
    # Someone else's chat that the bot could not link to anybody.
    stranger = TeamsReference(
        tenant_id=1,
        conversation_id="a:1personal-stranger",
        service_url="https://smba.example/emea/",
        reference={"conversation": {"id": "a:1personal-stranger"}},
        teams_user_id="29:1stranger",
    )
    store.save_reference(stranger, MOMENT + timedelta(days=2))

    assert store.reference_of_person(1, jonas) == again
    assert store.reference_of_person(2, jonas) is None
    assert store.reference_of_person(1, jonas + 1000) is None
