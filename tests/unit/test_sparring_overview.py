"""What people ask the bot about, who may see what, and how it answers strangers and nonsense."""

from __future__ import annotations

import pytest

from handlers.service import Identity
from handlers.shared.model import Person, Status
from handlers.shared.text import Message, Text, Verbatim
from handlers.sparring.commands import Malformed
from handlers.sparring.overview import STATUS_LIMIT
from tests.fakes import Office, action_ids, keys, local, render_all, reply_keys

WEDNESDAY_MORNING = local(2027, 3, 3, 10, 0)
STRANGER = Identity(email="ukendt@andetfirma.dk")


@pytest.fixture
def office() -> Office:
    return Office(WEDNESDAY_MORNING)


def status_lines(office: Office, person: Person) -> list[str]:
    """Return the Danish lines about each request in the person's status (without head and hint)."""
    rendered = render_all(office.say(person, "status").replies, "da")
    return rendered[1:-1]


# --- status --------------------------------------------------------------------------------------


def test_status_lists_my_requests_newest_first_and_says_what_to_do_next(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    office.ask(org.ida)
    office.ask(org.jonas)

    outcome = office.say(org.jonas, "status")

    [reply] = outcome.replies
    assert keys(reply) == ["status.head", "status.line_plain", "status.line_plain", "status.hint"]
    assert reply.lines[0].params["count"] == 2
    assert [line.params["ref"] for line in reply.lines[1:3]] == ["S-3", "S-1"]


def test_an_offered_request_says_whose_answer_it_waits_for_and_since_when(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    office.clock.set(local(2027, 3, 4, 9, 0))

    [line] = status_lines(office, org.jonas)

    assert (
        line
        == "S-1 · Budgettering · venter på svar fra Anna Berg siden i går kl. 10:00 · “Hjælp til budgettet for næste år”"
    )
    assert "tilbudt" not in line


def test_status_lines_say_in_plain_words_what_happens_in_each_state(office: Office) -> None:
    org = office.org
    held_at = local(2027, 1, 12, 14, 0)
    office.seed(org.jonas, Status.ACCEPTED, senior=org.anna)
    office.seed(org.jonas, Status.HELD, senior=org.anna, hours=1.5, held_at=held_at)
    office.seed(org.jonas, Status.AWAITING_APPROVAL)
    office.seed(org.jonas, Status.REQUESTED, area=None)

    lines = status_lines(office, org.jonas)

    assert lines == [
        "S-4 · vælg et område på knapperne i min besked om S-4, så sender jeg den videre · “Hjælp til budgettet for næste år”",
        "S-3 · Budgettering · venter på koordinatorens godkendelse siden i dag kl. 10:00 · “Hjælp til budgettet for næste år”",
        "S-2 · Budgettering · holdt 12. jan. · 1,5 t · giv feedback: feedback S-2 4 · “Hjælp til budgettet for næste år”",
        "S-1 · Budgettering · aftalt med Anna Berg, som kontakter dig om et tidspunkt · “Hjælp til budgettet for næste år”",
    ]
    assert not any("?" in line or "anmodet" in line for line in lines)


def test_a_long_request_is_shown_by_its_first_words(office: Office) -> None:
    org = office.org
    office.ask(
        org.jonas, "Hvordan fremlægger jeg en budgetoverskridelse på 20 % for styregruppen i næste uge?"
    )

    [line] = status_lines(office, org.jonas)

    assert line.endswith("“Hvordan fremlægger jeg en budgetoverskridelse på …”")


def test_a_cut_status_list_says_how_many_more_there_are(office: Office) -> None:
    org = office.org
    for _ in range(STATUS_LIMIT + 3):
        office.seed(org.jonas, Status.CLOSED, senior=org.anna, hours=1.0)

    [reply] = office.say(org.jonas, "status").replies

    assert keys(reply)[-2:] == ["status.more", "status.hint"]
    assert reply.lines[-2].params["count"] == 3


def test_status_without_requests_shows_an_example(office: Office) -> None:
    outcome = office.say(office.org.jonas, "sparring status")

    assert reply_keys(outcome) == ["status.none", "ask.example"]


# --- queue ---------------------------------------------------------------------------------------


def test_the_queue_lists_the_seniors_offered_and_accepted_requests(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    office.ask(org.ida)
    office.say(org.anna, "accept S-2")
    office.seed(org.jonas, Status.CLOSED, senior=org.anna)

    office.clock.advance(hours=3)

    outcome = office.say(org.anna, "kø")

    head, offered, accepted = outcome.replies
    assert (keys(head), keys(offered), keys(accepted)) == (
        ["queue.head"],
        ["queue.offered"],
        ["queue.accepted"],
    )
    line = offered.lines[0]
    assert (line.params["ref"], line.params["requester"]) == ("S-1", org.jonas.name)
    assert line.params["waited"] == Text.of("duration.hours", count=3)
    assert line.params["deadline"] == office.request(1).escalate_at
    assert "senior" not in line.params
    assert action_ids(offered) == ["accept:S-1", "decline:S-1"]
    assert accepted.lines[0].params["requester"] == org.ida.name


def test_the_queue_reads_well_in_danish(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    office.clock.advance(minutes=20)

    outcome = office.say(org.anna, "kø")

    text = "\n".join(render_all(outcome.replies, "da"))
    assert "S-1 · Budgettering · fra Jonas Krogh · har ventet 20 min." in text
    assert "Skriv acceptér S-1 eller afvis S-1." in text
    assert org.anna.name not in text


def test_an_empty_queue_says_so(office: Office) -> None:
    outcome = office.say(office.org.lars, "queue")

    assert reply_keys(outcome) == ["queue.none"]


def test_the_queue_is_only_for_seniors(office: Office) -> None:
    outcome = office.say(office.org.jonas, "kø")

    assert reply_keys(outcome) == ["error.seniors_only"]


# --- KPIs ----------------------------------------------------------------------------------------


def facts(message: Message) -> dict[str, dict[str, Text]]:
    """Return a message's facts as {section heading key: {fact label key: value}}."""
    return {s.heading.key: {f.label.key: f.value for f in s.facts} for s in message.sections}


def test_the_coordinator_sees_the_quarters_figures_with_hours_used_of_agreed(office: Office) -> None:
    org = office.org
    office.seed(org.ida, Status.CLOSED, senior=org.lars, area="pid", hours=15, held_at=WEDNESDAY_MORNING)
    office.ask(org.jonas)

    outcome = office.say(org.mette, "nøgletal")

    [reply] = outcome.replies
    assert reply.lines == (Text.of("kpi.head", quarter=Text.of("quarter", number="1", year="2027")),)
    figures = facts(reply)
    assert list(figures) == ["kpi.requests", "kpi.hours", "kpi.areas"]
    assert figures["kpi.requests"]["kpi.fact.created"] == Text.of("kpi.value.count", count=2)
    assert "kpi.fact.escalations" in figures["kpi.requests"]
    assert figures["kpi.hours"]["kpi.fact.hours"] == Text.of(
        "kpi.value.hours", used=15.0, agreed=60, percent=25
    )


def test_the_kpis_include_speed_rating_and_areas_when_there_are_any(office: Office) -> None:
    org = office.org
    office.ask(org.jonas)
    office.clock.advance(hours=2)
    office.say(org.anna, "accept S-1")
    office.say(org.anna, "done S-1 1")
    office.say(org.jonas, "feedback S-1 4 fint")

    outcome = office.say(org.mette, "kpi")

    figures = facts(outcome.replies[0])
    assert list(figures)[-2:] == ["kpi.answers", "kpi.areas"]
    assert figures["kpi.answers"]["kpi.fact.speed"].params["hours"] == 2.0
    assert figures["kpi.answers"]["kpi.fact.rating"].params["average"] == 4.0
    [area] = outcome.replies[0].sections[-1].facts
    assert area.value == Text.of("kpi.value.count", count=1)


def test_the_kpis_are_only_for_the_coordinator(office: Office) -> None:
    outcome = office.say(office.org.anna, "kpi")

    assert reply_keys(outcome) == ["error.coordinator_only"]


# --- why -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["mette", "jonas", "anna"])
def test_the_coordinator_requester_and_senior_can_see_why_a_request_went_where_it_went(
    office: Office, who: str
) -> None:
    office.ask(office.org.jonas)

    outcome = office.say(getattr(office.org, who), "hvorfor S-1")

    assert reply_keys(outcome) == ["why.head", "routing.strongest", "routing.load", "state.offered"]


def test_why_words_the_load_as_the_seniors_own_hours(office: Office) -> None:
    office.ask(office.org.jonas)

    outcome = office.say(office.org.mette, "hvorfor S-1")

    rendered = render_all(outcome.replies, "da")
    assert rendered == [
        "Derfor gik S-1 (Budgettering) til Anna Berg:",
        "Budgettering står øverst på Anna Bergs liste over kompetencer.",
        "Anna Berg har 0 åbne forespørgsler og 12 af sine 12 timer i denne måned tilbage.",
        "S-1 er sendt til Anna Berg, som endnu ikke har svaret.",
    ]


@pytest.mark.parametrize("who", ["ida", "sofie"])
def test_others_cannot_see_why_a_request_went_where_it_went(office: Office, who: str) -> None:
    office.ask(office.org.jonas)

    outcome = office.say(getattr(office.org, who), "why S-1")

    assert reply_keys(outcome) == ["error.unknown_ref"]


# --- help and language ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("jonas", ["help.group.requester", "help.group.everyone"]),
        ("ida", ["help.group.requester", "help.group.everyone"]),
        ("anna", ["help.group.senior", "help.group.everyone"]),
        ("mette", ["help.group.coordinator", "help.group.everyone"]),
    ],
)
def test_help_shows_the_groups_of_the_actors_roles_only(
    office: Office, who: str, expected: list[str]
) -> None:
    outcome = office.say(getattr(office.org, who), "hjælp")

    assert [key for key in reply_keys(outcome) if key.startswith("help.group.")] == expected


def test_help_is_a_list_with_one_command_a_line(office: Office) -> None:
    outcome = office.say(office.org.anna, "hjælp")

    rendered = render_all(outcome.replies, "da")
    assert rendered[:3] == [
        "Dette er jeres virtuelle projektkontor. Det kan du skrive:",
        "Som seniorprojektleder:",
        "• kø — de forespørgsler, der venter på dig",
    ]
    assert all("·" not in line for line in rendered)


def test_people_are_answered_in_the_tenants_language_by_default(office: Office) -> None:
    outcome = office.say(office.org.jonas, "help")

    assert outcome.language == "da"


def test_choosing_english_switches_the_reply_language_and_is_remembered(office: Office) -> None:
    org = office.org

    outcome = office.say(org.jonas, "sprog en")

    assert reply_keys(outcome) == ["language.set"]
    assert outcome.language == "en"
    assert office.db.person(org.jonas.id).language == "en"
    assert office.say(org.jonas, "status").language == "en"


# --- strangers, nonsense, unknown tenants --------------------------------------------------------


def test_an_unknown_person_is_told_whom_to_ask_and_the_coordinator_hears_of_it(office: Office) -> None:
    org = office.org

    outcome = office.say(STRANGER, "sparring Hjælp til budgettet")

    [reply] = outcome.replies
    assert keys(reply) == ["error.unknown_person"]
    assert reply.lines[0].params["coordinator"] == org.mette.name
    assert outcome.reader is None
    assert outcome.language == "da"
    assert office.inbox_keys(org.mette) == [["coordinator.unknown_person"]]
    assert office.db.requests_of(office.tenant.id) == []


def test_the_coordinator_hears_of_an_unknown_person_once_a_day(office: Office) -> None:
    org = office.org
    office.say(STRANGER, "status")
    office.clock.advance(hours=3)
    office.say(STRANGER, "status")

    office.clock.advance(days=1)
    office.say(STRANGER, "status")

    assert office.inbox_keys(org.mette) == [["coordinator.unknown_person"]] * 2


def test_an_unknown_tenant_gets_a_reply_and_nothing_is_stored(office: Office) -> None:
    commits = office.db.commits

    outcome = office.say(office.org.jonas, "status", slug="findes-ikke")

    assert reply_keys(outcome) == ["error.unknown_tenant"]
    assert (outcome.tenant, outcome.reader, outcome.language) == (None, None, "en")
    assert office.db.commits == commits


def test_free_text_outside_the_intake_is_not_a_command_and_help_is_offered(office: Office) -> None:
    outcome = office.say(office.org.jonas, "blæksprutte")

    assert reply_keys(outcome) == ["error.not_a_command", "help.short"]


def test_an_unknown_button_is_reported(office: Office) -> None:
    outcome = office.press(office.org.jonas, "explode:S-1")

    assert reply_keys(outcome) == ["error.unknown_action"]


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("done S-4", "done"),
        ("done S-4 abc", "done"),
        ("feedback S-4 9", "feedback"),
        ("language fr", "language"),
        ("acceptér", "accept"),
        ("tildel S-4", "assign"),
    ],
)
def test_a_malformed_command_gets_its_usage_line(office: Office, typed: str, name: str) -> None:
    outcome = office.say(office.org.anna, typed)

    assert reply_keys(outcome) == [f"usage.{name}"]


@pytest.mark.parametrize(
    "name",
    ["language", "cancel", "accept", "decline", "done", "feedback", "approve", "reject", "assign", "why"],
)
def test_every_malformed_command_name_has_a_usage_line(office: Office, name: str) -> None:
    outcome = office.run(office.org.jonas, Malformed(name))

    assert reply_keys(outcome) == [f"usage.{name}"]


# --- tenants are kept apart ----------------------------------------------------------------------


@pytest.fixture
def two_tenants(office: Office) -> Office:
    """Nordlys has S-1 and S-2 (offered to its Anna); Solsort has only its own S-1."""
    solsort = office.add_tenant("solsort")
    office.ask(office.org.jonas)
    office.ask(office.org.jonas)
    office.ask(solsort.jonas)
    return office


def solsort(name: str) -> Identity:
    return Identity(email=f"{name}@solsort.dk")


@pytest.mark.parametrize(
    ("who", "typed"),
    [
        ("anna", "accept S-2"),
        ("anna", "decline S-2"),
        ("jonas", "cancel S-2"),
        ("mette", "why S-2"),
        ("mette", "assign S-2 Sofie"),
        ("anna", "done S-2 1"),
        ("jonas", "feedback S-2 5"),
    ],
)
def test_a_person_of_another_tenant_cannot_touch_its_requests(
    two_tenants: Office, who: str, typed: str
) -> None:
    office = two_tenants
    before = office.request(2)

    outcome = office.say(solsort(who), typed, slug="solsort")

    assert reply_keys(outcome) == ["error.unknown_ref"]
    assert office.request(2) == before


def test_the_same_reference_in_another_tenant_is_that_tenants_own_request(two_tenants: Office) -> None:
    office = two_tenants
    solsort_id = office.db.tenant("solsort").id

    office.say(solsort("anna"), "accept S-1", slug="solsort")

    assert office.request(1, tenant_id=solsort_id).status is Status.ACCEPTED
    assert office.request(1).status is Status.OFFERED


def test_a_person_of_another_tenant_does_not_see_its_requests_in_status(two_tenants: Office) -> None:
    outcome = two_tenants.say(solsort("ida"), "status", slug="solsort")

    assert reply_keys(outcome) == ["status.none", "ask.example"]


def test_a_person_is_unknown_in_a_tenant_they_do_not_belong_to(two_tenants: Office) -> None:
    outcome = two_tenants.say(solsort("jonas"), "status", slug="nordlys")

    assert reply_keys(outcome) == ["error.unknown_person"]


# --- the whole text --------------------------------------------------------------------------------


def test_the_requester_the_senior_and_the_coordinator_can_read_the_whole_text(office: Office) -> None:
    org = office.org
    request = office.ask(org.jonas, "Budget " * 280)
    assert request.senior_id is not None
    senior = next(p for p in (org.anna, org.lars, org.sofie) if p.id == request.senior_id)

    outcomes = [office.say(person, "vis S-1") for person in (org.jonas, senior, org.mette)]

    for outcome in outcomes:
        [reply] = outcome.replies
        assert keys(reply) == ["show.head", "show.text", "state.offered"]
        assert reply.lines[1] == Text.of("show.text", text=Verbatim(request.text))


def test_someone_else_cannot_read_a_request(office: Office) -> None:
    office.ask(office.org.jonas)

    outcome = office.say(office.org.ida, "show S-1")

    assert reply_keys(outcome) == ["error.unknown_ref"]
