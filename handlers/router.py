"""Which use case runs each command (cosmicpython's ``HANDLERS``): the one table a new command joins.

``handlers.service.handle`` opens the transaction and finds the person; ``dispatch`` then looks the
command's type up here. Every command type has exactly one entry (a unit test holds every member of
``Command`` to that), so a forgotten line fails the tests instead of silently doing nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from handlers import commands
from handlers.challenges import agenda, deciding, submitting, voting
from handlers.challenges import commands as u
from handlers.erfa import answering, feedback
from handlers.erfa import commands as e
from handlers.erfa import overview as erfa_overview
from handlers.shared.context import ActorContext
from handlers.shared.text import Text, Verbatim
from handlers.sparring import asking, forms, offering, overview, sessions
from handlers.sparring import commands as c
from handlers.sparring.forms import Form

C = TypeVar("C", bound=commands.Command)
UseCase = Callable[[ActorContext, Any], object]
ShowForm = Callable[[ActorContext, Any], Form | None]


def _on(kind: type[C], run: Callable[[ActorContext, C], object]) -> tuple[type[commands.Command], UseCase]:
    """Pair a command type with its use case, so that the use case's argument is typed as that command."""
    return cast("type[commands.Command]", kind), run


def _form(
    kind: type[C], show: Callable[[ActorContext, C], Form | None]
) -> tuple[type[commands.Command], ShowForm]:
    return cast("type[commands.Command]", kind), show


def _show_waiting(ctx: ActorContext) -> None:
    # The coordinator's list has the sparring requests and the challenges still waiting for a decision.
    overview.show_waiting(ctx)
    deciding.show_undecided(ctx)


def _free_text(ctx: ActorContext, command: c.FreeText) -> None:
    # Right after rating an ERFA meeting, one's next free text is the thing one takes home from it.
    meeting = feedback.takes_free_text(ctx)
    if meeting is not None:
        feedback.take_home(ctx, meeting, command.text)
        return
    asking.free_text(ctx, command.text, plain=command.plain, mentions=command.mentions)


def _takeaway_as_challenge(ctx: ActorContext, command: e.TakeawayAsChallenge) -> None:
    # An ERFA takeaway goes to the next quarterly meeting through the challenges' own use case.
    takeaway = feedback.takeaway_to_submit(ctx, command.key)
    if takeaway is not None:
        submitting.submit(ctx, takeaway)


def _usage(ctx: ActorContext, command: c.Malformed) -> None:
    ctx.reply(Text.of(f"usage.{command.command}"))


def _unknown_action(ctx: ActorContext, command: c.UnknownAction) -> None:
    ctx.reply(Text.of("error.unknown_action", action=Verbatim(command.action_id)))


HANDLERS: dict[type[commands.Command], UseCase] = dict(
    [
        # Sparring: what anyone may look at.
        _on(c.Help, lambda ctx, _: overview.show_help(ctx)),
        _on(c.ShowStatus, lambda ctx, _: overview.show_status(ctx)),
        _on(c.ShowQueue, lambda ctx, _: overview.show_queue(ctx)),
        _on(c.ShowKpis, lambda ctx, _: overview.show_kpis(ctx)),
        _on(c.Explain, lambda ctx, cmd: overview.explain(ctx, cmd.number)),
        _on(c.ShowRequest, lambda ctx, cmd: overview.show_request(ctx, cmd.number)),
        _on(c.SetLanguage, lambda ctx, cmd: overview.set_language(ctx, cmd.language)),
        # The escalations are one part of everything waiting for the coordinator.
        _on(c.ShowEscalations, lambda ctx, _: _show_waiting(ctx)),
        _on(c.ShowWaiting, lambda ctx, _: _show_waiting(ctx)),
        # Sparring: asking.
        _on(c.StartIntake, lambda ctx, _: asking.start_intake(ctx)),
        _on(c.IntakeArea, lambda ctx, cmd: asking.intake_area(ctx, cmd.area)),
        _on(c.IntakeUrgency, lambda ctx, cmd: asking.intake_urgency(ctx, cmd.urgency)),
        _on(
            c.RequestSparring,
            lambda ctx, cmd: asking.request_sparring(ctx, cmd.text, plain=cmd.plain, mentions=cmd.mentions),
        ),
        _on(
            c.SubmitIntake,
            lambda ctx, cmd: asking.submit_intake(ctx, cmd.area, cmd.text, cmd.urgency, cmd.preferred_senior),
        ),
        _on(c.SendPendingRequest, lambda ctx, _: asking.send_pending_request(ctx)),
        _on(c.RequestTraining, lambda ctx, cmd: asking.request_training(ctx, cmd.topic)),
        _on(c.FreeText, _free_text),
        _on(c.ChooseArea, lambda ctx, cmd: asking.choose_area(ctx, cmd.number, cmd.area)),
        _on(c.Cancel, lambda ctx, cmd: asking.cancel(ctx, cmd.number)),
        # Sparring: offering, approving and assigning.
        _on(c.PreferSenior, lambda ctx, cmd: offering.prefer(ctx, cmd.number, cmd.senior_id)),
        _on(c.Accept, lambda ctx, cmd: offering.accept(ctx, cmd.number)),
        _on(c.Decline, lambda ctx, cmd: offering.decline(ctx, cmd.number)),
        _on(c.Approve, lambda ctx, cmd: offering.approve(ctx, cmd.number)),
        _on(c.Reject, lambda ctx, cmd: offering.reject(ctx, cmd.number)),
        _on(c.Assign, lambda ctx, cmd: offering.assign(ctx, cmd.number, cmd.senior)),
        # Sparring: the session and its feedback.
        _on(
            c.MarkHeld,
            lambda ctx, cmd: sessions.mark_held(ctx, cmd.number, cmd.hours, confirmed=cmd.confirmed),
        ),
        _on(
            c.CorrectHours,
            lambda ctx, cmd: sessions.correct_hours(ctx, cmd.number, cmd.hours, confirmed=cmd.confirmed),
        ),
        _on(
            c.GiveFeedback, lambda ctx, cmd: sessions.give_feedback(ctx, cmd.number, cmd.rating, cmd.comment)
        ),
        _on(c.AskForComment, lambda ctx, cmd: sessions.ask_for_comment(ctx, cmd.number)),
        # Quarterly challenges: submitting and voting.
        _on(
            u.SubmitChallenge,
            lambda ctx, cmd: submitting.submit(ctx, cmd.text, plain=cmd.plain, anyway=cmd.anyway),
        ),
        _on(u.SubmitPendingChallenge, lambda ctx, _: submitting.submit_pending(ctx)),
        _on(u.Vote, lambda ctx, cmd: voting.vote(ctx, cmd.number)),
        _on(u.Unvote, lambda ctx, cmd: voting.unvote(ctx, cmd.number)),
        # Quarterly challenges: the agenda, and the coordinator's care of it.
        _on(u.ShowAgenda, lambda ctx, _: agenda.show_agenda(ctx)),
        _on(u.ShowChallenge, lambda ctx, cmd: agenda.show_challenge(ctx, cmd.number)),
        _on(u.Merge, lambda ctx, cmd: agenda.merge(ctx, cmd.duplicate, cmd.into)),
        _on(u.Withdraw, lambda ctx, cmd: agenda.withdraw(ctx, cmd.number, cmd.reason)),
        # Quarterly challenges: decisions and the yearly method review.
        _on(u.Decide, lambda ctx, cmd: deciding.decide(ctx, cmd.number, cmd.decision, cmd.reason)),
        _on(u.ShowMethod, lambda ctx, _: deciding.show_method(ctx)),
        _on(u.MethodDone, lambda ctx, cmd: deciding.method_done(ctx, cmd.number, cmd.version)),
        _on(u.ChallengeUsage, lambda ctx, cmd: ctx.reply(Text.of(f"usage.{cmd.command}"))),
        # ERFA meetings: answering, the lists, and the feedback afterwards.
        _on(e.ShowErfa, lambda ctx, _: erfa_overview.show_erfa(ctx)),
        _on(e.ShowAttendees, lambda ctx, cmd: erfa_overview.show_attendees(ctx, cmd.key)),
        _on(e.AnswerErfa, lambda ctx, cmd: answering.answer(ctx, cmd.key, cmd.answer, cmd.at)),
        _on(e.RateErfa, lambda ctx, cmd: feedback.rate(ctx, cmd.key, cmd.rating)),
        _on(e.TakeHome, lambda ctx, cmd: feedback.take_home(ctx, cmd.key, cmd.text)),
        _on(e.TakeawayAsChallenge, _takeaway_as_challenge),
        _on(e.ErfaUsage, lambda ctx, cmd: ctx.reply(Text.of(f"erfa.usage.{cmd.command}"))),
        # What the grammar could not read.
        _on(c.Malformed, _usage),
        _on(c.UnknownAction, _unknown_action),
    ]
)

# On a platform that shows forms (a Slack modal, a Teams card), these commands open one instead.
FORMS: dict[type[commands.Command], ShowForm] = dict(
    [
        _form(c.StartIntake, lambda ctx, _: forms.intake_form(ctx)),
        _form(c.AskForComment, lambda ctx, cmd: forms.comment_form(ctx, cmd.number)),
    ]
)


def dispatch(ctx: ActorContext, command: commands.Command, *, shows_forms: bool) -> Form | None:
    """Run the use case for the command; return the form it asks for, if the platform can show one."""
    show = FORMS.get(type(command)) if shows_forms else None
    if show is not None:
        return show(ctx, command)
    HANDLERS[type(command)](ctx, command)
    return None
