"""What every use case works with: the transaction, the tenant, the clock, and who is acting."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.shared.calendar_rules import HolidayCalendar, WorkingDay
from handlers.shared.model import Person, Role, Tenant
from handlers.shared.ports import Clock, UnitOfWork, UnitOfWorkFactory
from handlers.shared.text import Action, Bilingual, InviteFile, Message, Section, Text
from handlers.sparring.classify import Classifier
from handlers.sparring.expertise import BUILTIN_AREAS, ExpertiseArea


@dataclass(frozen=True, slots=True)
class Deps:
    """The collaborators the composition root hands to the use cases."""

    uow: UnitOfWorkFactory
    clock: Clock
    holidays: HolidayCalendar
    classifier_for: Callable[[Tenant], Classifier]


def areas_of(tenant: Tenant) -> dict[str, ExpertiseArea]:
    """Return the built-in areas and the tenant's own, by key."""
    return {area.key: area for area in (*BUILTIN_AREAS, *tenant.extra_areas)}


def area_name(tenant: Tenant, key: str | None) -> Bilingual:
    """Return the area's name in both languages (the key itself for an unknown area)."""
    area = areas_of(tenant).get(key or "")
    if area is None:
        return Bilingual(key or "?", key or "?")
    return Bilingual(area.name_da, area.name_en)


@dataclass(slots=True)
class TenantContext:
    """One transaction for one tenant at one moment."""

    uow: UnitOfWork
    tenant: Tenant
    now: datetime
    deps: Deps

    @property
    def zone(self) -> ZoneInfo:
        """Return the tenant's time zone."""
        return ZoneInfo(self.tenant.timezone)

    def working_day(self) -> WorkingDay:
        """Return the tenant's business hours and holidays."""
        return WorkingDay(self.zone, self.tenant.business_start, self.tenant.business_end, self.deps.holidays)

    def area(self, key: str | None) -> Bilingual:
        """Return an area's name in both languages."""
        return area_name(self.tenant, key)

    def notify(
        self,
        person_id: int,
        *lines: Text,
        actions: tuple[Action, ...] = (),
        ref: str | None = None,
        dedupe_key: str | None = None,
        invite: InviteFile | None = None,
    ) -> bool:
        """Queue a message to a person, with a calendar invite when given; sent once this transaction commits.

        Return whether it was queued (False: a message with its dedupe key was queued before).
        """
        message = Message(
            lines, to_person=person_id, actions=actions, ref=ref, dedupe_key=dedupe_key, invite=invite
        )
        return self.uow.outbox.add(self.tenant.id, message, self.now)

    def coordinators(self) -> Sequence[Person]:
        """Return the tenant's coordinators."""
        return self.uow.people.with_role(self.tenant.id, Role.COORDINATOR)

    def notify_coordinators(
        self,
        *lines: Text,
        actions: tuple[Action, ...] = (),
        ref: str | None = None,
        dedupe: str | None = None,
    ) -> None:
        """Queue a message to every coordinator of the tenant."""
        for coordinator in self.coordinators():
            key = f"{dedupe}:{coordinator.id}" if dedupe else None
            self.notify(coordinator.id, *lines, actions=actions, ref=ref, dedupe_key=key)


@dataclass(slots=True)
class ActorContext(TenantContext):
    """A tenant context with the person who typed or clicked, and the replies to them."""

    actor: Person = field(kw_only=True)
    replies: list[Message] = field(default_factory=list, kw_only=True)

    def reply(
        self,
        *lines: Text,
        actions: tuple[Action, ...] = (),
        ref: str | None = None,
        sections: tuple[Section, ...] = (),
    ) -> None:
        """Answer the actor directly (not through the outbox: they are waiting for it)."""
        message = Message(lines, to_person=self.actor.id, actions=actions, ref=ref, sections=sections)
        self.replies.append(message)

    def is_coordinator(self) -> bool:
        """Tell whether the actor is a coordinator of the tenant."""
        return self.actor.has(Role.COORDINATOR)
