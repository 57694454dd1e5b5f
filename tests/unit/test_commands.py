"""One command grammar for typed text and pressed buttons, in Danish and English."""

from __future__ import annotations

import unicodedata

import pytest

from handlers.sparring.commands import (
    Accept,
    Approve,
    Assign,
    Cancel,
    ChooseArea,
    Command,
    CorrectHours,
    Decline,
    Explain,
    FreeText,
    GiveFeedback,
    Help,
    IntakeArea,
    IntakeUrgency,
    Malformed,
    MarkHeld,
    PreferSenior,
    Reject,
    RequestSparring,
    SendPendingRequest,
    SetLanguage,
    ShowKpis,
    ShowQueue,
    ShowStatus,
    ShowWaiting,
    StartIntake,
    UnknownAction,
    parse_action,
    parse_hours,
    parse_ref,
    parse_text,
)

# --- commands without arguments ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("help", Help()),
        ("hjælp", Help()),
        ("HJÆLP", Help()),
        ("hjaelp", Help()),
        ("status", ShowStatus()),
        ("kø", ShowQueue()),
        ("queue", ShowQueue()),
        ("kpi", ShowKpis()),
        ("nøgletal", ShowKpis()),
    ],
)
def test_commands_without_arguments_are_understood_in_both_languages(typed: str, expected: Command) -> None:
    command = parse_text(typed)

    assert command == expected


@pytest.mark.parametrize("prefix", ["sparring ", "/sparring ", "  Sparring  "])
def test_commands_work_after_the_sparring_prefix(prefix: str) -> None:
    command = parse_text(f"{prefix}status")

    assert command == ShowStatus()


@pytest.mark.parametrize(("typed", "expected"), [("annullér S-4", Cancel(4)), ("acceptér S-4", Accept(4))])
def test_accented_words_typed_in_decomposed_unicode_are_understood(typed: str, expected: Command) -> None:
    command = parse_text(unicodedata.normalize("NFD", typed))

    assert command == expected


# --- starting a request --------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["/sparring", "sparring", "  SPARRING  "])
def test_sparring_alone_starts_the_guided_intake(typed: str) -> None:
    command = parse_text(typed)

    assert command == StartIntake()


def test_sparring_with_free_text_is_a_request() -> None:
    command = parse_text("/sparring Hvordan fremlægger jeg budgettet for styregruppen?")

    assert command == RequestSparring("Hvordan fremlægger jeg budgettet for styregruppen?")


@pytest.mark.parametrize("typed", ["sparring help with the budget", "sparring status report for the board"])
def test_a_standalone_command_word_followed_by_more_words_is_a_request(typed: str) -> None:
    command = parse_text(typed)

    assert isinstance(command, RequestSparring)
    assert command.text == typed.removeprefix("sparring ")


@pytest.mark.parametrize(
    "question",
    [
        "Hvorfor skrider vores tidsplan hele tiden?",
        "feedback på min præsentation for styregruppen",
        "accept criteria for the user acceptance test",
    ],
)
def test_a_request_that_starts_with_a_command_word_is_still_a_request(question: str) -> None:
    command = parse_text(f"/sparring {question}")

    assert command == RequestSparring(question)


def test_free_text_without_the_prefix_is_free_text() -> None:
    command = parse_text("Jeg har brug for hjælp til budgettet")

    assert command == FreeText("Jeg har brug for hjælp til budgettet")


def test_a_word_that_only_starts_with_sparring_is_not_the_prefix() -> None:
    command = parse_text("sparringsforløb i næste uge")

    assert command == FreeText("sparringsforløb i næste uge")


# --- references ----------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["S-42", "s-42", "s42", "42", "S-42.", "S-42,"])
def test_references_are_read_in_every_usual_spelling(written: str) -> None:
    number = parse_ref(written)

    assert number == 42


@pytest.mark.parametrize("written", ["S-", "abc", "S-4x", "-4", ""])
def test_garbage_is_not_a_reference(written: str) -> None:
    number = parse_ref(written)

    assert number is None


# --- commands with a reference -------------------------------------------------------------------


@pytest.mark.parametrize("word", ["cancel", "annullér", "annuller"])
@pytest.mark.parametrize("ref", ["S-42", "s42", "42"])
def test_cancel_takes_a_reference_in_both_languages(word: str, ref: str) -> None:
    command = parse_text(f"{word} {ref}")

    assert command == Cancel(42)


def test_cancel_without_a_reference_stops_the_guided_intake() -> None:
    command = parse_text("annullér")

    assert command == Cancel(None)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("accept S-3", Accept(3)),
        ("acceptér S-3", Accept(3)),
        ("decline S-3", Decline(3)),
        ("afvis S-3", Decline(3)),
        ("approve S-3", Approve(3)),
        ("godkend S-3", Approve(3)),
        ("reject S-3", Reject(3)),
        ("afvis-kvote S-3", Reject(3)),
        ("why S-3", Explain(3)),
        ("hvorfor S-3", Explain(3)),
        ("assign S-3 anna@maximize.dk", Assign(3, "anna@maximize.dk")),
        ("tildel S-3 Anna", Assign(3, "Anna")),
    ],
)
def test_commands_with_a_reference_are_understood_in_both_languages(typed: str, expected: Command) -> None:
    command = parse_text(typed)

    assert command == expected


@pytest.mark.parametrize("word", ["done", "færdig", "afholdt"])
@pytest.mark.parametrize(("hours", "expected"), [("1,5", 1.5), ("1.5", 1.5), ("2", 2.0)])
def test_done_takes_hours_with_a_decimal_comma_or_point(word: str, hours: str, expected: float) -> None:
    command = parse_text(f"{word} S-4 {hours}")

    assert command == MarkHeld(4, expected)


@pytest.mark.parametrize("written", ["0", "1000", "abc", "1,555", "-1"])
def test_hours_that_are_not_an_amount_are_refused(written: str) -> None:
    hours = parse_hours(written)

    assert hours is None


def test_large_hours_are_parsed_so_the_use_case_can_explain_the_limit() -> None:
    command = parse_text("færdig S-1 100")

    assert command == MarkHeld(1, 100.0)


@pytest.mark.parametrize("word", ["bekræft", "confirm", "ok"])
def test_done_with_a_confirming_word_is_a_confirmed_session(word: str) -> None:
    command = parse_text(f"færdig S-1 12 {word}")

    assert command == MarkHeld(1, 12.0, confirmed=True)


@pytest.mark.parametrize(("typed", "expected"), [("ret S-1 1,5", 1.5), ("correct S-1 1.5", 1.5)])
def test_ret_and_correct_correct_the_hours(typed: str, expected: float) -> None:
    command = parse_text(typed)

    assert command == CorrectHours(1, expected)


def test_a_typed_correction_can_be_confirmed() -> None:
    command = parse_text("ret S-1 12 bekræft")

    assert command == CorrectHours(1, 12.0, confirmed=True)


@pytest.mark.parametrize(
    ("action", "expected"),
    [("held:S-1:12", MarkHeld(1, 12.0, True)), ("correct:S-1:12.5", CorrectHours(1, 12.5, True))],
)
def test_the_confirm_buttons_carry_the_hours(action: str, expected: Command) -> None:
    command = parse_action(action)

    assert command == expected


def test_a_confirm_button_without_hours_is_unknown() -> None:
    command = parse_action("held:S-1:lots")

    assert isinstance(command, UnknownAction)


@pytest.mark.parametrize("word", ["venter", "waiting", "sparring venter"])
def test_venter_and_waiting_show_the_waiting_list(word: str) -> None:
    command = parse_text(word)

    assert command == ShowWaiting()


def test_feedback_takes_a_rating_and_a_comment() -> None:
    command = parse_text("feedback S-3 4 Gode råd om risikologgen")

    assert command == GiveFeedback(3, 4, "Gode råd om risikologgen")


def test_feedback_with_a_rating_only_has_no_comment() -> None:
    command = parse_text("feedback S-3 5")

    assert command == GiveFeedback(3, 5, None)


def test_feedback_with_only_a_comment_has_no_rating() -> None:
    command = parse_text("feedback S-3 Tak for hjælpen")

    assert command == GiveFeedback(3, None, "Tak for hjælpen")


@pytest.mark.parametrize(
    ("typed", "language"), [("sprog da", "da"), ("language EN", "en"), ("sprog en", "en")]
)
def test_language_is_set_in_both_languages(typed: str, language: str) -> None:
    command = parse_text(typed)

    assert command == SetLanguage(language)


# --- malformed commands --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("done S-4", "done"),
        ("done S-4 abc", "done"),
        ("done S-4 2 please", "done"),
        ("ret S-4", "correct"),
        ("correct S-4 x", "correct"),
        ("færdig", "done"),
        ("feedback S-4 9", "feedback"),
        ("feedback S-4 0", "feedback"),
        ("feedback S-4", "feedback"),
        ("language fr", "language"),
        ("sprog", "language"),
        ("cancel abc", "cancel"),
        ("accept", "accept"),
        ("afvis xyz", "decline"),
        ("godkend", "approve"),
        ("reject", "reject"),
        ("tildel S-4", "assign"),
        ("why", "why"),
    ],
)
def test_known_command_with_wrong_arguments_is_malformed_with_its_name(typed: str, name: str) -> None:
    command = parse_text(typed)

    assert command == Malformed(name)


# --- buttons -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action_id", "expected"),
    [
        ("accept:S-3", Accept(3)),
        ("decline:S-3", Decline(3)),
        ("rate:S-3:4", GiveFeedback(3, 4, None)),
        ("no-comment:S-3", GiveFeedback(3, None, "")),
        ("area:S-3:budget", ChooseArea(3, "budget")),
        ("intake-area:budget", IntakeArea("budget")),
        ("intake-urgency:urgent", IntakeUrgency("urgent")),
        ("assign:S-3:7", Assign(3, "7")),
        ("approve:S-3", Approve(3)),
        ("reject:S-3", Reject(3)),
        ("cancel:S-3", Cancel(3)),
    ],
)
def test_button_ids_parse_into_the_same_commands_as_typed_text(action_id: str, expected: Command) -> None:
    command = parse_action(action_id)

    assert command == expected


@pytest.mark.parametrize(
    "action_id",
    [
        "",
        "garbage",
        "accept:",
        "accept:xyz",
        "rate:S-3:9",
        "rate:S-3:",
        "area:S-3",
        "explode:S-3",
        "intake-area:",
    ],
)
def test_unknown_button_ids_are_reported_as_unknown(action_id: str) -> None:
    command = parse_action(action_id)

    assert command == UnknownAction(action_id)


# --- punctuation after the prefix and the buttons of the requester --------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "Sparring: Budgettet skrider",
        "sparring, Budgettet skrider",
        "sparring - Budgettet skrider",
        "sparring – Budgettet skrider",
        "/sparring: Budgettet skrider",
        "sparring:Budgettet skrider",
    ],
)
def test_punctuation_after_the_prefix_is_not_part_of_the_request(typed: str) -> None:
    assert parse_text(typed) == RequestSparring("Budgettet skrider")


def test_a_command_after_a_colon_prefix_is_still_the_command() -> None:
    assert parse_text("Sparring: status") == ShowStatus()


def test_a_word_that_only_starts_with_sparring_is_no_prefix() -> None:
    assert parse_text("sparringsforespørgsel om budgettet") == FreeText("sparringsforespørgsel om budgettet")


def test_the_send_as_request_button_is_a_command() -> None:
    assert parse_action("ask-sparring") == SendPendingRequest()


def test_the_named_senior_button_carries_the_request_and_the_seniors_id() -> None:
    assert parse_action("prefer:S-4:7") == PreferSenior(4, 7)
    assert parse_action("prefer:S-4:anna") == UnknownAction("prefer:S-4:anna")


@pytest.mark.parametrize("typed", ["ret mange problemer med budgettet", "ret"])
def test_ret_without_a_reference_is_not_the_correction(typed: str) -> None:
    command = parse_text(typed)

    assert command == FreeText(typed)
