"""Who the console user means by ``--as`` or ``:as``: an e-mail address, a full name or one of its words."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from bot.bootstrap import Runtime
from handlers.shared.model import Person, Role, Tenant


def people_of(runtime: Runtime, tenant: Tenant) -> list[Person]:
    """Return the tenant's active people, by name."""
    with runtime.deps.uow() as uow:
        # Everyone holds at least one role, so the people by role are all of them.
        found = {person.id: person for role in Role for person in uow.people.with_role(tenant.id, role)}
    return sorted(found.values(), key=lambda person: (person.name, person.email))


def find_people(people: Sequence[Person], wanted: str) -> list[Person]:
    """Return whom ``wanted`` means: by e-mail, else by full name, else by a word of the name."""
    address = wanted.strip().lower()
    key = _fold(wanted)
    tiers = (
        [person for person in people if person.email == address],
        [person for person in people if _fold(person.name) == key],
        [person for person in people if key in _fold(person.name).split()],
    )
    return next((matches for matches in tiers if matches), [])


def listed(people: Sequence[Person]) -> str:
    """Render people as ``Name (email)``, comma-separated."""
    return ", ".join(f"{person.name} ({person.email})" for person in people)


def _fold(text: str) -> str:
    # People type Danish names without their letters: "Kjaer" for Kjær, "Soren" for Søren, "Asa" for Åsa.
    text = text.casefold().replace("æ", "ae").replace("ø", "o")
    text = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    return " ".join(text.split())
