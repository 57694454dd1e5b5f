"""Tenant configuration as code: loading, validation messages and the YAML round trip."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.admin.tenant_config import (
    Absence,
    BusinessHours,
    ChallengeChannel,
    ChallengesConfig,
    ErfaChannel,
    ErfaConfig,
    ErfaMeetingConfig,
    ExtraArea,
    PersonConfig,
    QuarterlyMeetingConfig,
    SparringConfig,
    TenantConfig,
    TenantConfigError,
    VoteReactions,
    dump_tenant_config,
    load_tenant_config,
)

NORDLYS = Path(__file__).parents[2] / "bot" / "console" / "sample_tenant.yaml"

CONTRACT_EXAMPLE = """\
slug: nordlys                      # [a-z0-9-]+
name: Nordlys Energi A/S
language: da                       # da | en: default for people without a preference
timezone: Europe/Copenhagen
sparring:
  agreed_hours_per_quarter: 60     # the level agreed with the client
  response_hours: 8                # business hours before an unanswered request escalates
  over_quota: ask_coordinator      # allow | ask_coordinator
expertise:                         # optional, extra areas beside the built-in ones
  - key: agile
    da: Agil projektledelse
    en: Agile project management
    keywords: [scrum, sprint, kanban, agil]
people:
  - email: mette.holm@nordlys.dk
    name: Mette Holm
    roles: [coordinator]           # coordinator | senior | pm | tester | steering | participant
    language: da
    slack_id: U01MET               # optional platform identities
    teams_id: "29:1abc"
  - email: anna.berg@maximize.dk
    name: Anna Berg
    roles: [senior]
    external: true
    expertise: [budget, benefits]  # first = strongest
    capacity_hours_per_month: 12
    absences: [{from: 2027-07-01, to: 2027-07-21}]
"""

# Line 4 is the coordinator; tests append people or fields after it.
MINIMAL = """\
slug: acme
name: Acme A/S
people:
  - email: carla@acme.dk
    name: Carla Coordinator
    roles: [coordinator]
"""
# A senior without expertise, appended to MINIMAL as people[1] from line 7; tests add the expertise.
SAM = "  - email: sam@acme.dk\n    name: Sam\n    roles: [senior]\n"


def problems_of(text: str) -> list[str]:
    with pytest.raises(TenantConfigError) as caught:
        load_tenant_config(text)
    return caught.value.problems


def test_contract_example_loads_with_its_values() -> None:
    config = load_tenant_config(CONTRACT_EXAMPLE)

    assert (config.slug, config.name, config.language, config.timezone) == (
        "nordlys",
        "Nordlys Energi A/S",
        "da",
        "Europe/Copenhagen",
    )
    assert config.sparring == SparringConfig(
        agreed_hours_per_quarter=60, response_hours=8, over_quota="ask_coordinator"
    )
    assert config.expertise == (
        ExtraArea(
            key="agile",
            da="Agil projektledelse",
            en="Agile project management",
            keywords=("scrum", "sprint", "kanban", "agil"),
        ),
    )
    mette, anna = config.people
    assert mette == PersonConfig(
        email="mette.holm@nordlys.dk",
        name="Mette Holm",
        roles=("coordinator",),
        language="da",
        slack_id="U01MET",
        teams_id="29:1abc",
    )
    assert anna.external is True
    assert anna.expertise == ("budget", "benefits")
    assert anna.capacity_hours_per_month == 12
    assert anna.absences == (Absence(start=dt.date(2027, 7, 1), end=dt.date(2027, 7, 21)),)


def test_omitted_fields_take_their_documented_defaults() -> None:
    config = load_tenant_config(MINIMAL + SAM + "    expertise: [risk]\n")

    assert (config.language, config.timezone) == ("da", "Europe/Copenhagen")
    assert (config.slack_team_id, config.teams_tenant_id) == (None, None)
    assert config.sparring == SparringConfig(
        agreed_hours_per_quarter=40,
        response_hours=8,
        over_quota="ask_coordinator",
        business_hours=BusinessHours(start=dt.time(8, 0), end=dt.time(16, 0)),
    )
    carla, sam = config.people
    assert (carla.language, carla.external, carla.capacity_hours_per_month) == (None, False, None)
    assert sam.capacity_hours_per_month == 10


def test_nordlys_fixture_describes_the_demo_client() -> None:
    config = load_tenant_config(NORDLYS.read_text(encoding="utf-8"))

    assert config.slug == "nordlys"
    assert config.sparring.agreed_hours_per_quarter == 60
    assert [area.key for area in config.expertise] == ["agile"]
    seniors = {person.name: person.expertise for person in config.people if "senior" in person.roles}
    assert seniors == {
        "Anna Berg": ("budget", "benefits"),
        "Lars Kjær": ("steering-group", "pid", "stakeholders"),
        "Sofie Dahl": ("test", "planning", "budget", "risk"),
    }
    roles = {person.email: person.roles for person in config.people}
    assert roles["mette.holm@nordlys.dk"] == ("coordinator",)
    assert [email for email, held in roles.items() if "pm" in held] == [
        "jonas.friis@nordlys.dk",
        "emma.larsen@nordlys.dk",
    ]
    capacity = {person.name: (person.external, person.capacity_hours_per_month) for person in config.people}
    assert capacity["Anna Berg"] == (True, 12)
    assert capacity["Sofie Dahl"] == (False, 8)
    assert all(person.slack_id and person.teams_id for person in config.people)


@pytest.mark.parametrize("text", [CONTRACT_EXAMPLE, MINIMAL, NORDLYS.read_text(encoding="utf-8")])
def test_dumped_configuration_loads_back_equal(text: str) -> None:
    config = load_tenant_config(text)

    assert load_tenant_config(dump_tenant_config(config)) == config


def test_round_trip_keeps_awkward_text_and_optional_fields() -> None:
    config = TenantConfig(
        slug="a-1",
        name='Æble: "quoted" # not a comment',
        slack_team_id="123",
        teams_tenant_id="true",
        sparring=SparringConfig(
            agreed_hours_per_quarter=0,
            over_quota="allow",
            business_hours=BusinessHours(start=dt.time(7, 30), end=dt.time(15, 0)),
        ),
        expertise=(ExtraArea(key="lean", da="null", en="- dash", keywords=("08:00", "2027-01-01", "~")),),
        people=(
            PersonConfig(
                email="a@acme.dk",
                name="A",
                roles=("coordinator", "senior"),
                expertise=("lean", "risk"),
                capacity_hours_per_month=0,
                absences=(Absence(start=dt.date(2027, 1, 1), end=dt.date(2027, 1, 1)),),
            ),
        ),
    )

    assert load_tenant_config(dump_tenant_config(config)) == config


def test_dump_follows_contract_order_and_omits_empty_optional_fields() -> None:
    dumped = dump_tenant_config(load_tenant_config(CONTRACT_EXAMPLE))

    top_level = [line.split(":")[0] for line in dumped.splitlines() if line[:1].isalpha()]
    assert top_level == ["slug", "name", "language", "timezone", "sparring", "expertise", "people"]
    assert "      - from: 2027-07-01\n        to: 2027-07-21\n" in dumped
    assert "null" not in dumped
    assert "external: false" not in dumped


def test_unknown_field_is_named_with_its_line_and_a_suggestion() -> None:
    text = MINIMAL.replace("    name: Carla", "    emial: carla@acme.dk\n    name: Carla")

    assert (
        "line 5: people[1] (carla@acme.dk).emial: unknown field 'emial' (did you mean 'email'?)"
        in problems_of(text)
    )


def test_wrong_language_is_named_with_its_line() -> None:
    text = MINIMAL.replace("name: Acme A/S\n", "name: Acme A/S\nlanguage: fr\n")

    assert problems_of(text) == ["line 3: language: must be 'da' or 'en', not 'fr'"]


def test_unknown_expertise_key_lists_the_known_areas() -> None:
    text = MINIMAL + SAM + "    expertise: [risk, budgt]\n"

    (problem,) = problems_of(text)
    assert problem.startswith("line 10: people[2] (sam@acme.dk).expertise[2]: unknown expertise area 'budgt'")
    assert "did you mean 'budget'?" in problem
    assert "(known: benefits, budget, customer, method, pid," in problem


def test_senior_may_use_the_tenants_extra_expertise_areas() -> None:
    extra_area = "expertise:\n  - {key: agile, da: Agil, en: Agile}\npeople:"
    text = MINIMAL.replace("people:", extra_area) + SAM + "    expertise: [agile]\n"

    assert load_tenant_config(text).people[1].expertise == ("agile",)


def test_duplicate_email_is_rejected_regardless_of_case() -> None:
    text = MINIMAL + "  - email: Carla@ACME.dk\n    name: Carla Again\n    roles: [pm]\n"

    assert problems_of(text) == [
        "line 7: people[2] (Carla@ACME.dk).email: 'Carla@ACME.dk' is already used by people[1] (Carla Coordinator)"
    ]


def test_duplicate_platform_ids_are_rejected() -> None:
    ids = "roles: [coordinator]\n    slack_id: U1\n    teams_id: '29:x'"
    text = MINIMAL.replace("roles: [coordinator]", ids) + (
        "  - {email: p@acme.dk, name: P, roles: [pm], slack_id: U1, teams_id: '29:x'}\n"
    )

    assert problems_of(text) == [
        "line 9: people[2] (p@acme.dk).slack_id: 'U1' is already used by people[1] (Carla Coordinator)",
        "line 9: people[2] (p@acme.dk).teams_id: '29:x' is already used by people[1] (Carla Coordinator)",
    ]


def test_configuration_without_a_coordinator_is_rejected() -> None:
    text = MINIMAL.replace("roles: [coordinator]", "roles: [pm]")

    assert problems_of(text) == ["line 3: people: needs at least one person with the role 'coordinator'"]


def test_absence_ending_before_it_starts_is_rejected() -> None:
    text = (
        MINIMAL + SAM + "    expertise: [risk]\n    absences:\n      - {from: 2027-07-21, to: 2027-07-01}\n"
    )

    assert problems_of(text) == [
        "line 12: people[2] (sam@acme.dk).absences[1]: ends (to: 2027-07-01) before it starts (from: 2027-07-21)"
    ]


def test_absence_accepts_only_from_and_to_in_the_file() -> None:
    text = (
        MINIMAL + SAM + "    expertise: [risk]\n    absences:\n      - {start: 2027-07-01, to: 2027-07-21}\n"
    )

    assert "line 12: people[2] (sam@acme.dk).absences[1].start: unknown field 'start'" in "\n".join(
        problems_of(text)
    )


def test_invalid_timezone_is_rejected_with_a_suggestion() -> None:
    text = MINIMAL.replace("name: Acme A/S\n", "name: Acme A/S\ntimezone: Europe/Kopenhagen\n")

    assert problems_of(text) == [
        "line 3: timezone: 'Europe/Kopenhagen' is not a known IANA time zone"
        " (did you mean 'Europe/Copenhagen'?)"
    ]


@pytest.mark.parametrize(
    "written",
    [
        "Europe/København",
        "Europe/Kobenhavn",
        "København",
        "Copenhagen",
        "copenhagen",
        "CET",
        "CEST",
        "dansk tid",
    ],
)
def test_timezone_as_danes_write_it_suggests_copenhagen(written: str) -> None:
    text = MINIMAL.replace("name: Acme A/S\n", f"name: Acme A/S\ntimezone: {written}\n")

    (problem,) = problems_of(text)
    assert problem.startswith(f"line 3: timezone: '{written}' is not ")
    assert problem.endswith("(did you mean 'Europe/Copenhagen'?)")


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Oslo", "Europe/Oslo"),
        ("Stokholm", "Europe/Stockholm"),
        ("Helsingfors", "Europe/Helsinki"),
        ("Reykjavík", "Atlantic/Reykjavik"),
        ("Tórshavn", "Atlantic/Faroe"),
        ("new york", "America/New_York"),
        ("europe/berlin", "Europe/Berlin"),
    ],
)
def test_timezone_by_city_or_nordic_alias_suggests_its_iana_name(written: str, meant: str) -> None:
    text = MINIMAL.replace("name: Acme A/S\n", f"name: Acme A/S\ntimezone: {written}\n")

    assert problems_of(text) == [
        f"line 3: timezone: '{written}' is not a known IANA time zone (did you mean '{meant}'?)"
    ]


def test_timezone_abbreviation_known_to_iana_is_refused_in_favour_of_a_place() -> None:
    text = MINIMAL.replace("name: Acme A/S\n", "name: Acme A/S\ntimezone: CET\n")

    assert problems_of(text) == [
        "line 3: timezone: 'CET' is not a place; use the IANA time zone of one (did you mean 'Europe/Copenhagen'?)"
    ]


def test_tenant_stored_with_an_abbreviated_timezone_still_loads_for_export() -> None:
    carla = PersonConfig(email="carla@acme.dk", name="Carla", roles=("coordinator",))

    assert TenantConfig(slug="acme", name="Acme", timezone="CET", people=(carla,)).timezone == "CET"


@pytest.mark.parametrize("zone", ["Europe/Copenhagen", "America/Nuuk", "UTC"])
def test_iana_place_names_and_utc_are_accepted(zone: str) -> None:
    text = MINIMAL.replace("name: Acme A/S\n", f"name: Acme A/S\ntimezone: {zone}\n")

    assert load_tenant_config(text).timezone == zone


def test_positions_count_from_one_and_name_the_person_in_every_list() -> None:
    text = """\
slug: acme
name: Acme A/S
expertise:
  - {key: agile, da: Agil, en: Agile}
  - {key: lean, da: Lean, en: Lean, keywords: [kaizen, 7]}
people:
  - email: carla@acme.dk
    name: Carla
    roles: [coordinator, coordinator]
  - name: Nameless Nina
    roles: [pm]
  - email: anna@acme.dk
    name: Anna
    roles: [senior]
    expertise: [agile, risk, budgt]
    absences:
      - {from: 2027-07-01, to: 2027-07-02}
      - {from: 2027-08-01, to: 20270802}
"""

    assert problems_of(text) == [
        "line 5: expertise[2].keywords[2]: must be text, not 7 (put it in quotes)",
        "line 9: people[1] (carla@acme.dk).roles[2]: 'coordinator' is listed twice",
        "line 10: people[2] (Nameless Nina).email: is required",
        "line 15: people[3] (anna@acme.dk).expertise[3]: unknown expertise area 'budgt'; did you mean 'budget'?"
        " (known: agile, benefits, budget, customer, lean, method, pid, planning, risk, stakeholders,"
        " steering-group, test)",
        "line 18: people[3] (anna@acme.dk).absences[2].to: must be a date like 2027-07-01, not 20270802",
    ]


def test_models_built_in_python_report_positions_from_one() -> None:
    carla = PersonConfig(email="carla@acme.dk", name="Carla", roles=("coordinator",))
    twin = PersonConfig(email="CARLA@acme.dk", name="Twin", roles=("pm",))

    with pytest.raises(
        ValidationError,
        match=r"people\[2\] \(carla@acme.dk\)\.email: 'carla@acme.dk' is already used by people\[1\] \(Carla\)",
    ):
        TenantConfig(slug="acme", name="Acme", people=(carla, twin))


def test_business_hours_must_end_after_they_start() -> None:
    text = MINIMAL + 'sparring:\n  business_hours: {start: "16:00", end: "08:00"}\n'

    assert problems_of(text) == ["line 8: sparring.business_hours: end (08:00) must be after start (16:00)"]


def test_yaml_syntax_error_reports_line_and_column() -> None:
    (problem,) = problems_of("slug: acme\nname: [Acme\npeople: []\n")

    assert problem.startswith("line 3, column 7: invalid YAML:")


def test_duplicate_yaml_key_is_a_syntax_error_with_its_line() -> None:
    (problem,) = problems_of(MINIMAL + "slug: other\n")

    assert problem.startswith('line 7, column 1: invalid YAML: found duplicate key "slug"')


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n"])
def test_empty_file_is_rejected(text: str) -> None:
    assert problems_of(text) == ["the file is empty; it needs at least slug, name and people"]


def test_top_level_list_is_rejected() -> None:
    assert problems_of("- slug: acme\n") == [
        "line 1: the top level must be a mapping of fields (slug: …, name: …), not a list"
    ]


def test_every_mistake_in_a_file_is_reported_in_line_order() -> None:
    text = """\
slug: Acme!
name: Acme A/S
language: fr
sparring:
  response_hours: 0
people:
  - emial: carla@acme.dk
    name: Carla
    roles: [pm]
  - email: sam@acme.dk
    name: Sam
    roles: [senior]
    expertise: [budgt]
    absences: [{from: 2027-07-02, to: 2027-07-01}]
"""

    problems = problems_of(text)

    assert [problem.split(":")[0] for problem in problems] == [
        "line 1",
        "line 3",
        "line 5",
        "line 6",
        "line 7",
        "line 7",
        "line 13",
        "line 14",
    ]
    assert problems[3] == "line 6: people: needs at least one person with the role 'coordinator'"
    assert problems[4] == "line 7: people[1] (Carla).email: is required"


def test_error_message_lists_every_problem() -> None:
    text = MINIMAL.replace("name: Acme A/S\n", "name: Acme A/S\nlanguage: fr\ntimezone: Mars/Olympus\n")

    with pytest.raises(TenantConfigError) as caught:
        load_tenant_config(text)

    message = str(caught.value)
    assert message.startswith("the tenant configuration has 2 problems:")
    assert all(problem in message for problem in caught.value.problems)


def test_extra_area_may_not_reuse_a_builtin_key() -> None:
    text = MINIMAL + "expertise:\n  - key: budget\n    da: Budget\n    en: Budget\n"

    assert problems_of(text) == [
        "line 8: expertise[1].key: 'budget' is a built-in expertise area already; choose another key"
    ]


def test_emails_are_stored_lower_case() -> None:
    config = load_tenant_config(MINIMAL.replace("carla@acme.dk", "Carla.Coordinator@ACME.dk"))

    assert config.people[0].email == "carla.coordinator@acme.dk"


def test_only_seniors_have_expertise_and_every_senior_has_some() -> None:
    text = MINIMAL.replace("roles: [coordinator]", "roles: [coordinator]\n    expertise: [risk]") + SAM

    assert problems_of(text) == [
        "line 7: people[1] (carla@acme.dk).expertise: only seniors have expertise areas (add 'senior' to roles)",
        "line 8: people[2] (sam@acme.dk).expertise: a senior needs at least one expertise area, strongest first",
    ]


@pytest.mark.parametrize("slug", ["Acme", "acme_a/s", "a" * 41])
def test_slug_outside_the_allowed_pattern_is_rejected(slug: str) -> None:
    (problem,) = problems_of(MINIMAL.replace("slug: acme", f"slug: {slug}"))

    assert problem.startswith("line 1: slug: must be 1–40 characters of a-z, 0-9 and '-'")


def test_models_built_in_python_enforce_the_same_rules() -> None:
    with pytest.raises(ValidationError, match="needs at least one person with the role 'coordinator'"):
        TenantConfig(
            slug="acme", name="Acme", people=(PersonConfig(email="p@a.dk", name="P", roles=("pm",)),)
        )


# --- quarterly meetings and challenges (issue 11) -------------------------------------------------------

# Appended to MINIMAL: the meetings from line 7, the challenges from line 10.
CHALLENGES = """\
quarterly_meetings:
  - at: 2027-03-09T13:00
    place: Mødelokale 3 / Teams
challenges:
  channel: {slack: C0CHALL}
"""


def test_challenges_take_their_documented_defaults() -> None:
    config = load_tenant_config(MINIMAL + CHALLENGES)

    assert config.quarterly_meetings == (
        QuarterlyMeetingConfig(at=dt.datetime(2027, 3, 9, 13, 0), place="Mødelokale 3 / Teams"),
    )
    assert config.quarterly_meetings[0].effective_key == "2027-Q1"
    assert config.challenges == ChallengesConfig(
        channel=ChallengeChannel(slack="C0CHALL"),
        call_days_before=21,
        remind_days_before=5,
        close_days_before=2,
        vote_reactions=VoteReactions(slack=("+1", "thumbsup"), teams=("like",)),
        votes_per_person=0,
        live_ranking=True,
        anonymous_submitters=False,
        method_review_month=11,
    )
    assert load_tenant_config(MINIMAL).challenges is None


def test_slack_reactions_may_be_written_with_colons() -> None:
    config = load_tenant_config(MINIMAL + CHALLENGES + '  vote_reactions: {slack: [":+1:", "tada"]}\n')

    assert config.challenges is not None
    assert config.challenges.vote_reactions.slack == ("+1", "tada")


def test_sample_clients_challenges_load_back_equal_after_a_dump() -> None:
    config = load_tenant_config(NORDLYS.read_text(encoding="utf-8"))
    dumped = dump_tenant_config(config)

    assert [m.at for m in config.quarterly_meetings] == [
        dt.datetime(2027, 3, 9, 13),
        dt.datetime(2027, 6, 8, 13),
    ]
    assert "  - at: 2027-03-09T13:00\n" in dumped
    assert load_tenant_config(dumped) == config


@pytest.mark.parametrize(
    ("replace", "problem"),
    [
        (
            ("2027-03-09T13:00", "2027-03-09T13:00+01:00"),
            "line 8: quarterly_meetings[1].at: must be local time in the tenant's time zone, without an offset: "
            "like 2027-03-09T13:00, not '2027-03-09T13:00+01:00'",
        ),
        (
            ("2027-03-09T13:00", "2027-03-09"),
            "line 8: quarterly_meetings[1].at: must be a local date and time like 2027-03-09T13:00, not 2027-03-09",
        ),
        (
            ("2027-03-09T13:00", "2027-03-28T02:30"),
            "line 8: quarterly_meetings[1].at: 2027-03-28T02:30 does not exist in Europe/Copenhagen "
            "(the clocks skip that hour); choose another time",
        ),
        (
            ("2027-03-09T13:00", "2027-10-31T02:30"),
            "line 8: quarterly_meetings[1].at: 2027-10-31T02:30 happens twice in Europe/Copenhagen "
            "(the clocks go back); choose another time",
        ),
        (
            ("slack: C0CHALL", "slack: general"),
            "line 11: challenges.channel.slack: must be a Slack channel id like 'C0CHALL' "
            "(C… or G…; use the channel's id, not its name), not 'general'",
        ),
        (
            ("slack: C0CHALL", "teams: '19:abc'"),
            "line 11: challenges.channel.teams: must be a Teams channel id like '19:abc@thread.tacv2', not '19:abc'",
        ),
        (
            ("{slack: C0CHALL}", "{}"),
            "line 11: challenges.channel: needs a Slack or a Teams channel id "
            "(slack: C…, teams: '19:…@thread.tacv2')",
        ),
        (
            ("{slack: C0CHALL}", "{slack: C0CHALL}\n  call_days_before: 91"),
            "line 12: challenges.call_days_before: must be at most 90, not 91",
        ),
        (
            ("{slack: C0CHALL}", "{slack: C0CHALL}\n  call_days_before: 2.5"),
            "line 12: challenges.call_days_before: must be a whole number, not 2.5",
        ),
        (
            ("{slack: C0CHALL}", "{slack: C0CHALL}\n  call_days_before: 5"),
            "line 10: challenges.remind_days_before: must be fewer than call_days_before (5), not 5: "
            "the reminder follows the call",
        ),
        (
            ("{slack: C0CHALL}", "{slack: C0CHALL}\n  close_days_before: 6"),
            "line 12: challenges.close_days_before: must be fewer than remind_days_before (5), not 6: "
            "a reminder after the close makes no sense",
        ),
        (
            ("{slack: C0CHALL}", "{slack: C0CHALL}\n  vote_reactions: {teams: []}"),
            "line 12: challenges.vote_reactions.teams: must not be empty",
        ),
        (
            ("{slack: C0CHALL}", "{slack: C0CHALL}\n  vote_reactions: {slack: ['a:b']}"),
            "line 12: challenges.vote_reactions.slack[1]: must be a Slack emoji name like '+1' or 'thumbsup', "
            "not 'a:b'",
        ),
        (
            ("{slack: C0CHALL}", "{slack: C0CHALL}\n  vote_reactions: {slack: ['+1', ':+1:']}"),
            "line 12: challenges.vote_reactions.slack[2]: '+1' is listed twice",
        ),
        (
            ("{slack: C0CHALL}", "{slack: C0CHALL}\n  votes_per_person: -1"),
            "line 12: challenges.votes_per_person: must be at least 0, not -1",
        ),
        (
            ("{slack: C0CHALL}", "{slack: C0CHALL}\n  method_review_month: 13"),
            "line 12: challenges.method_review_month: must be at most 12, not 13",
        ),
    ],
)
def test_challenge_mistakes_are_named_with_field_and_line(replace: tuple[str, str], problem: str) -> None:
    assert problems_of(MINIMAL + CHALLENGES.replace(*replace)) == [problem]


def test_a_tenant_on_teams_needs_a_teams_challenge_channel() -> None:
    text = MINIMAL.replace("name: Acme A/S\n", "name: Acme A/S\nteams_tenant_id: 5f3c2a1e\n") + CHALLENGES

    assert problems_of(text) == [
        "line 12: challenges.channel.teams: is needed because the tenant has a teams_tenant_id: "
        "the channel the challenges are posted in (for example teams: '19:abc@thread.tacv2')"
    ]


def test_meetings_sharing_a_quarter_need_keys_and_keys_are_unique() -> None:
    meetings = (
        "quarterly_meetings:\n"
        "  - {at: 2027-03-09T13:00, place: A}\n"
        "  - {at: 2027-02-09T13:00, place: B}\n"
        "  - {key: 2027-Q2, at: 2027-04-09T13:00, place: C}\n"
        "  - {key: 2027-Q2, at: 2027-12-09T13:00, place: D}\n"
    )

    assert problems_of(MINIMAL + meetings) == [
        "line 8: quarterly_meetings[1]: is in 2027-Q1 like quarterly_meetings[2]; "
        "meetings that share a quarter each need a key (key: 2027-Q1-a, …)",
        "line 9: quarterly_meetings[2]: is in 2027-Q1 like quarterly_meetings[1]; "
        "meetings that share a quarter each need a key (key: 2027-Q1-a, …)",
        "line 11: quarterly_meetings[4].key: '2027-Q2' is already used by quarterly_meetings[3]",
    ]
    keyed = meetings.replace("{at: 2027-03", "{key: march, at: 2027-03").replace(
        "{at: 2027-02", "{key: feb, at: 2027-02"
    )
    assert problems_of(MINIMAL + keyed) == [
        "line 11: quarterly_meetings[4].key: '2027-Q2' is already used by quarterly_meetings[3]"
    ]


# --- ERFA meetings (issue 12) -----------------------------------------------------------------------------

# Appended to MINIMAL: the erfa section from line 7, the meeting from line 10.
ERFA = """\
erfa:
  channel: {slack: C0ERFA}
erfa_meetings:
  - key: 2027-spring
    title: "ERFA: Gevinstrealisering i praksis"
    at: 2027-04-15T09:00
    duration: 3h
    place: "Nordlys, Kolding / Teams"
    audience: [pm, tester, steering, participant]
    seats: 40
"""


def test_erfa_meetings_load_with_their_values_and_the_documented_defaults() -> None:
    config = load_tenant_config(MINIMAL + ERFA)

    assert config.erfa == ErfaConfig(
        channel=ErfaChannel(slack="C0ERFA"), reminders=("-28d", "-7d", "-1d", "-2h")
    )
    assert config.erfa_meetings == (
        ErfaMeetingConfig(
            key="2027-spring",
            title="ERFA: Gevinstrealisering i praksis",
            at=dt.datetime(2027, 4, 15, 9, 0),
            duration=dt.timedelta(hours=3),
            place="Nordlys, Kolding / Teams",
            audience=("pm", "tester", "steering", "participant"),
            seats=40,
        ),
    )
    without_seats = load_tenant_config(MINIMAL + ERFA.replace("    seats: 40\n", ""))
    assert without_seats.erfa_meetings[0].seats is None
    assert load_tenant_config(MINIMAL).erfa is None
    assert load_tenant_config(MINIMAL).erfa_meetings == ()


@pytest.mark.parametrize(
    ("written", "minutes"),
    [("3h", 180), ("90m", 90), ("1h30m", 90), ("15m", 15), ("12h", 720), ('"2h 15m"', 135)],
)
def test_erfa_durations_are_hours_and_minutes(written: str, minutes: int) -> None:
    config = load_tenant_config(MINIMAL + ERFA.replace("duration: 3h", f"duration: {written}"))

    assert config.erfa_meetings[0].duration == dt.timedelta(minutes=minutes)


def test_erfa_reminders_keep_the_files_order_and_a_leading_zero_is_dropped() -> None:
    text = MINIMAL + ERFA.replace("{slack: C0ERFA}", '{slack: C0ERFA}\n  reminders: ["-14d", "-07d", "-3h"]')

    config = load_tenant_config(text)

    assert config.erfa is not None
    assert config.erfa.reminders == ("-14d", "-7d", "-3h")


@pytest.mark.parametrize(
    "text", [MINIMAL + ERFA, MINIMAL + ERFA.replace("3h", "1h30m").replace("    seats: 40\n", "")]
)
def test_erfa_sections_load_back_equal_after_a_dump(text: str) -> None:
    config = load_tenant_config(text)
    dumped = dump_tenant_config(config)

    assert "    at: 2027-04-15T09:00\n" in dumped
    assert load_tenant_config(dumped) == config


def test_sample_clients_erfa_meetings_load_back_equal_after_a_dump() -> None:
    config = load_tenant_config(NORDLYS.read_text(encoding="utf-8"))

    assert [(m.key, m.at, m.duration) for m in config.erfa_meetings] == [
        ("2027-spring", dt.datetime(2027, 4, 15, 9), dt.timedelta(hours=3)),
        ("2027-autumn", dt.datetime(2027, 11, 11, 13), dt.timedelta(hours=2, minutes=30)),
    ]
    assert config.erfa is not None
    assert config.erfa.channel == ErfaChannel(slack="C0ERFA", teams="19:def@thread.tacv2")
    assert load_tenant_config(dump_tenant_config(config)) == config


_REMINDERS = "{slack: C0ERFA}\n  reminders: "


@pytest.mark.parametrize(
    ("replace", "problem"),
    [
        (
            ("key: 2027-spring", "key: 2027 Spring"),
            "line 10: erfa_meetings[1].key: must be 1–40 characters of a-z, 0-9 and '-', not '2027 Spring'",
        ),
        (("  - key: 2027-spring\n    title", "  - title"), "line 10: erfa_meetings[1].key: is required"),
        (
            ('    title: "ERFA: Gevinstrealisering i praksis"\n', ""),
            "line 10: erfa_meetings[1].title: is required",
        ),
        (
            ("at: 2027-04-15T09:00", "at: 2027-04-15T09:00+02:00"),
            "line 12: erfa_meetings[1].at: must be local time in the tenant's time zone, without an offset: "
            "like 2027-03-09T13:00, not '2027-04-15T09:00+02:00'",
        ),
        (
            ("at: 2027-04-15T09:00", "at: 2027-03-28T02:30"),
            "line 12: erfa_meetings[1].at: 2027-03-28T02:30 does not exist in Europe/Copenhagen "
            "(the clocks skip that hour); choose another time",
        ),
        (
            ("at: 2027-04-15T09:00", "at: 2027-10-31T02:30"),
            "line 12: erfa_meetings[1].at: 2027-10-31T02:30 happens twice in Europe/Copenhagen "
            "(the clocks go back); choose another time",
        ),
        (
            ("duration: 3h", "duration: 3"),
            'line 13: erfa_meetings[1].duration: must be a duration like "3h", "90m" or "1h30m", not 3',
        ),
        (
            ("duration: 3h", "duration: 3 hours"),
            'line 13: erfa_meetings[1].duration: must be a duration like "3h", "90m" or "1h30m", '
            "not '3 hours'",
        ),
        (
            ("duration: 3h", "duration: 10m"),
            "line 13: erfa_meetings[1].duration: must be from 15 minutes to 12 hours, not '10m'",
        ),
        (
            ("duration: 3h", "duration: 12h1m"),
            "line 13: erfa_meetings[1].duration: must be from 15 minutes to 12 hours, not '12h1m'",
        ),
        (
            ('place: "Nordlys, Kolding / Teams"', "place: ''"),
            "line 14: erfa_meetings[1].place: must not be empty",
        ),
        (
            ("[pm, tester, steering, participant]", "[]"),
            "line 15: erfa_meetings[1].audience: must not be empty",
        ),
        (
            ("[pm, tester, steering, participant]", "[pm, ceo]"),
            "line 15: erfa_meetings[1].audience[2]: must be 'coordinator', 'senior', 'pm', 'tester', "
            "'steering' or 'participant', not 'ceo'",
        ),
        (
            ("[pm, tester, steering, participant]", "[pm, tester, pm]"),
            "line 15: erfa_meetings[1].audience[3]: 'pm' is listed twice",
        ),
        (("seats: 40", "seats: 0"), "line 16: erfa_meetings[1].seats: must be at least 1, not 0"),
        (
            ("seats: 40", "sets: 40"),
            "line 16: erfa_meetings[1].sets: unknown field 'sets' (did you mean 'seats'?)",
        ),
        (
            ("{slack: C0ERFA}", "{slack: erfa}"),
            "line 8: erfa.channel.slack: must be a Slack channel id like 'C0CHALL' "
            "(C… or G…; use the channel's id, not its name), not 'erfa'",
        ),
        (
            ("{slack: C0ERFA}", "{}"),
            "line 8: erfa.channel: needs a Slack or a Teams channel id (slack: C…, teams: '19:…@thread.tacv2')",
        ),
        (
            ("{slack: C0ERFA}", _REMINDERS + '["-7d", "-0d"]'),
            "line 9: erfa.reminders[2]: must be from 1 to 90 days before the meeting (-1d … -90d), not '-0d'",
        ),
        (
            ("{slack: C0ERFA}", _REMINDERS + '["-91d"]'),
            "line 9: erfa.reminders[1]: must be from 1 to 90 days before the meeting (-1d … -90d), not '-91d'",
        ),
        (
            ("{slack: C0ERFA}", _REMINDERS + '["-73h"]'),
            "line 9: erfa.reminders[1]: must be from 1 to 72 hours before the meeting (-1h … -72h), not '-73h'",
        ),
        (
            ("{slack: C0ERFA}", _REMINDERS + '["-2w"]'),
            'line 9: erfa.reminders[1]: must be days or hours before the meeting, like "-7d" (1 to 90 days) '
            "or \"-2h\" (1 to 72 hours), not '-2w'",
        ),
        (
            ("{slack: C0ERFA}", _REMINDERS + '["7d"]'),
            'line 9: erfa.reminders[1]: must be days or hours before the meeting, like "-7d" (1 to 90 days) '
            "or \"-2h\" (1 to 72 hours), not '7d'",
        ),
        (
            ("{slack: C0ERFA}", _REMINDERS + '["-7d", "-1d", "-07d"]'),
            "line 9: erfa.reminders[3]: '-7d' is listed twice",
        ),
        (
            ("{slack: C0ERFA}", _REMINDERS + "[-1d, -2d, -3d, -4d, -5d, -6d, -7d]"),
            "line 9: erfa.reminders: must be at most 6 reminders, not 7",
        ),
        (
            ("{slack: C0ERFA}", _REMINDERS + "[]"),
            'line 9: erfa.reminders: must not be empty: at least one reminder, like ["-7d"]',
        ),
        (
            ("{slack: C0ERFA}", "{slack: C0ERFA}\n  remiders: []"),
            "line 9: erfa.remiders: unknown field 'remiders' (did you mean 'reminders'?)",
        ),
    ],
)
def test_erfa_mistakes_are_named_with_field_and_line(replace: tuple[str, str], problem: str) -> None:
    assert replace[0] in ERFA
    assert problems_of(MINIMAL + ERFA.replace(*replace)) == [problem]


def test_an_erfa_title_or_place_longer_than_a_post_shows_is_refused_with_the_limit() -> None:
    long = "x" * 201
    text = MINIMAL + ERFA.replace('"Nordlys, Kolding / Teams"', long).replace(
        '"ERFA: Gevinstrealisering i praksis"', long
    )

    assert problems_of(text) == [
        "line 11: erfa_meetings[1].title: string should have at most 200 characters",
        "line 14: erfa_meetings[1].place: string should have at most 200 characters",
    ]
    longest = load_tenant_config(MINIMAL + ERFA.replace('"Nordlys, Kolding / Teams"', "x" * 200))
    assert longest.erfa_meetings[0].place == "x" * 200


def test_erfa_meetings_without_an_erfa_section_have_no_channel_to_be_announced_in() -> None:
    assert problems_of(MINIMAL + ERFA[ERFA.index("erfa_meetings:") :]) == [
        "line 7: erfa_meetings: need an erfa section with the channel to announce them in "
        "(erfa: {channel: {slack: C0ERFA, teams: '19:def@thread.tacv2'}})"
    ]


def test_erfa_meeting_keys_are_unique() -> None:
    second = ERFA[ERFA.index("  - key:") :].replace("2027-04-15", "2027-10-07")

    assert problems_of(MINIMAL + ERFA + second) == [
        "line 17: erfa_meetings[2].key: '2027-spring' is already used by erfa_meetings[1]"
    ]


def test_a_tenant_on_teams_needs_a_teams_erfa_channel() -> None:
    text = MINIMAL.replace("name: Acme A/S\n", "name: Acme A/S\nteams_tenant_id: 5f3c2a1e\n") + ERFA

    assert problems_of(text) == [
        "line 9: erfa.channel.teams: is needed because the tenant has a teams_tenant_id: "
        "the channel the ERFA meetings are announced in (for example teams: '19:abc@thread.tacv2')"
    ]


def test_erfa_models_built_in_python_enforce_the_same_rules() -> None:
    meeting = ErfaMeetingConfig(
        key="2027-spring",
        title="ERFA",
        at=dt.datetime(2027, 4, 15, 9),
        duration=dt.timedelta(hours=3),
        place="Teams",
        audience=("pm",),
    )
    with pytest.raises(ValidationError, match="need an erfa section"):
        TenantConfig(
            slug="acme",
            name="Acme",
            people=(PersonConfig(email="c@a.dk", name="C", roles=("coordinator",)),),
            erfa_meetings=(meeting,),
        )
    with pytest.raises(ValidationError, match="from 15 minutes to 12 hours"):
        ErfaMeetingConfig(**{**meeting.model_dump(), "duration": dt.timedelta(minutes=5)})
