"""Forms as outcomes: what a use case asks the person to fill in, and reading back what they sent.

The use cases return an ``IntakeForm`` or a ``CommentForm``; Slack shows a modal, Teams a card and
the console its guided dialogue. What comes back is read here, once, for every platform.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from handlers.shared.context import ActorContext, areas_of
from handlers.shared.model import Role, Urgency
from handlers.shared.text import Bilingual, Text
from handlers.sparring.commands import GiveFeedback, SubmitIntake

# The fields of the forms, as the platforms name their inputs (Slack block ids, Teams input ids).
AREA = "area"
TEXT = "text"
URGENCY = "urgency"
PREFERRED = "preferred"
COMMENT = "comment"


@dataclass(frozen=True, slots=True)
class IntakeForm:
    """The form for a guided request: the areas and the seniors (by e-mail and name) to choose from."""

    areas: tuple[tuple[str, Bilingual], ...]
    seniors: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class CommentForm:
    """The form for a comment on the feedback of a request's session."""

    number: int

    @property
    def ref(self) -> str:
        """Return the request's reference (S-12)."""
        return f"S-{self.number}"


Form = IntakeForm | CommentForm


@dataclass(frozen=True, slots=True)
class Invalid:
    """A form sent back incomplete: what to say beside each field."""

    errors: dict[str, Text] = field(default_factory=dict)


def intake_form(ctx: ActorContext) -> IntakeForm:
    """Return the intake form for the actor's tenant."""
    areas = tuple((key, ctx.area(key)) for key in areas_of(ctx.tenant))
    seniors = tuple((s.email, s.name) for s in ctx.uow.people.with_role(ctx.tenant.id, Role.SENIOR))
    return IntakeForm(areas, seniors)


def comment_form(ctx: ActorContext, number: int) -> CommentForm | None:
    """Return the comment form for the actor's own request (None, and an answer saying so, otherwise)."""
    request = ctx.uow.requests.get(ctx.tenant.id, number)
    if request is None or request.requester_id != ctx.actor.id:
        ctx.reply(Text.of("error.unknown_ref", ref=f"S-{number}"))
        return None
    return CommentForm(number)


def parse_intake(values: Mapping[str, object]) -> SubmitIntake | Invalid:
    """Read a sent intake form (an empty description goes back to the person to fill in)."""
    text = _value(values, TEXT)
    if not text.strip():
        return Invalid({TEXT: Text.of("modal.empty_description")})
    urgency = _value(values, URGENCY) or Urgency.NORMAL.value
    return SubmitIntake(_value(values, AREA), text, urgency, _value(values, PREFERRED) or None)


def parse_comment(number: int, values: Mapping[str, object]) -> GiveFeedback:
    """Read a sent comment form for the request with this number."""
    return GiveFeedback(number, None, _value(values, COMMENT))


def _value(values: Mapping[str, object], name: str) -> str:
    value = values.get(name)
    return "" if value is None else str(value)
