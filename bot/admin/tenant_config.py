"""Tenant configuration as code: parse, validate and dump a client organisation's YAML file.

The file is written by people, so every mistake is reported at once, as a one-line message that names
the field path and the line it is on. Validation rejects the file as a whole.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import io
import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from handlers.erfa.settings import MAX_DAYS, MAX_HOURS, OFFSET
from handlers.shared.challenge_settings import quarter_key
from handlers.shared.erfa_settings import ErfaSettings
from handlers.shared.model import LANGUAGES, OverQuota, Role
from handlers.sparring.expertise import BUILTIN_AREAS

BUILTIN_EXPERTISE_KEYS: tuple[str, ...] = tuple(area.key for area in BUILTIN_AREAS)


def _one_of(values: Sequence[str]) -> str:
    quoted = [f"'{value}'" for value in values]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _check_language(value: str) -> str:
    # The core's languages (the catalogues there are), reported the way pydantic reports a Literal.
    if value not in LANGUAGES:
        raise PydanticCustomError(
            "literal_error", "Input should be {expected}", {"expected": _one_of(LANGUAGES)}
        )
    return value


Language = Annotated[str, AfterValidator(_check_language)]

Loc = tuple[str | int, ...]
Problem = tuple[Loc, str]

_KEY_PATTERN = re.compile(r"[a-z0-9-]+")
_SLUG_MAX_LENGTH = 40
_EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_CLOCK_PATTERN = re.compile(r"(\d{1,2}):(\d{2})")
_LOCAL_DATETIME_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:00)?")
_MEETING_KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}")
_SLACK_CHANNEL_PATTERN = re.compile(r"[CG][A-Z0-9]{2,}")
_TEAMS_CHANNEL_PATTERN = re.compile(r"19:[^@\s]+@thread(\.[a-z0-9]+)+")
_SLACK_REACTION_PATTERN = re.compile(r"[a-z0-9_+'-]+")
_TEAMS_REACTION_PATTERN = re.compile(r"[a-z0-9_-]+")
_DURATION_PATTERN = re.compile(r"(?:(\d+)h)?(?:(\d+)m(?:in)?)?")

_ERFA_MINUTES = (15, 12 * 60)  # the shortest and longest ERFA meeting
_ERFA_REMINDER_LIMITS = {"d": (MAX_DAYS, "days"), "h": (MAX_HOURS, "hours")}
_ERFA_MAX_REMINDERS = 6
ERFA_DEFAULT_REMINDERS: tuple[str, ...] = ErfaSettings().reminders  # the core's, one source
# Model-level rule errors carry this type so the loader can swap them for the same rules run on the raw
# file, which also works when other fields are broken and pydantic never reaches the model validators.
_RULES_ERROR = "tenant_config_rules"
# What people write for a time zone besides its IANA name, by the zone meant; matched after folding.
_TIMEZONE_ALIASES: dict[str, tuple[str, ...]] = {
    "Europe/Copenhagen": (
        "København",
        "Kobenhavn",
        "Koebenhavn",
        "Copenhagen",
        "CPH",
        "Danmark",
        "Denmark",
        "dansk tid",
        "Danish time",
        "CET",
        "CEST",
        "MET",
        "MEST",
        "Aarhus",
        "Århus",
        "Odense",
        "Aalborg",
    ),
    "Europe/Oslo": ("Oslo", "Norge", "Norway", "norsk tid"),
    "Europe/Stockholm": ("Stockholm", "Sverige", "Sweden", "svensk tid"),
    "Europe/Helsinki": ("Helsinki", "Helsingfors", "Finland", "EET", "EEST"),
    "Atlantic/Reykjavik": ("Reykjavík", "Reykjavik", "Island", "Iceland"),
    "Atlantic/Faroe": ("Tórshavn", "Torshavn", "Færøerne", "Faroe Islands"),
    "America/Nuuk": ("Nuuk", "Godthåb", "Grønland", "Greenland"),
}
# The validation context of a file a person wrote, which may be held to stricter rules than stored data.
_FROM_FILE = {"source": "file"}
# Aliases let a small file expand into an enormous one ("billion laughs"); no real tenant comes close.
_MAX_NODES = 100_000


# --- field types -------------------------------------------------------------------------------------


def _check_slug(value: str) -> str:
    if len(value) > _SLUG_MAX_LENGTH or not _KEY_PATTERN.fullmatch(value):
        raise ValueError(f"must be 1–{_SLUG_MAX_LENGTH} characters of a-z, 0-9 and '-', not {shown(value)}")
    return value


def _check_area_key(value: str) -> str:
    if not _KEY_PATTERN.fullmatch(value):
        raise ValueError(f"must consist of a-z, 0-9 and '-', not {shown(value)}")
    return value


def _normalise_email(value: str) -> str:
    if not _EMAIL_PATTERN.fullmatch(value):
        raise ValueError(f"{shown(value)} does not look like an email address")
    return value.lower()


def _check_timezone(value: str, info: ValidationInfo) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{shown(value)} is not a known IANA time zone{_timezone_hint(value)}") from None
    # IANA keeps names such as CET and EST5EDT only for old systems; a file names a place, whose rules
    # say when its clocks change. Tenants stored before this rule still load, so they still export.
    if info.context == _FROM_FILE and "/" not in value and value != "UTC":
        raise ValueError(
            f"{shown(value)} is not a place; use the IANA time zone of one{_timezone_hint(value)}"
        )
    return value


def _timezone_hint(value: str) -> str:
    guess = _timezone_guess(value)
    return f" (did you mean '{guess}'?)" if guess else " (for example 'Europe/Copenhagen')"


def _timezone_guess(value: str) -> str | None:
    """Return the time zone a person most likely meant: by alias, by city, or by the closest name."""
    places = _timezone_places()
    folded = _fold(value)
    for key in (folded, folded.rpartition("/")[2]):
        if key in places:
            return places[key]
    close = difflib.get_close_matches(folded.rpartition("/")[2], places, n=1, cutoff=0.75)
    if close:
        return places[close[0]]
    close = difflib.get_close_matches(value, sorted(set(places.values())), n=1)
    return close[0] if close else None


@functools.cache
def _timezone_places() -> dict[str, str]:
    """Map folded city names and common aliases to the IANA time zones of places (Area/City)."""
    places: dict[str, str] = {}
    for name in sorted(zoneinfo.available_timezones()):
        if "/" in name:
            places.setdefault(_fold(name.rpartition("/")[2]), name)
    for zone, aliases in _TIMEZONE_ALIASES.items():
        places.update(dict.fromkeys(map(_fold, aliases), zone))
    return places


def _fold(text: str) -> str:
    """Fold text as people type it: no case, no accents, æ as ae, ø as o, words apart by one space."""
    text = text.casefold().replace("æ", "ae").replace("ø", "o")
    text = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    return " ".join(text.replace("_", " ").replace("-", " ").split())


def _parse_clock_time(value: object) -> dt.time:
    # Whole minutes only, so the value survives a dump as "HH:MM" unchanged.
    if isinstance(value, dt.time) and not (value.second or value.microsecond or value.tzinfo):
        return value
    match = _CLOCK_PATTERN.fullmatch(value) if isinstance(value, str) else None
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return dt.time(int(match[1]), int(match[2]))
    raise ValueError(f'must be a time like "08:00", not {shown(value)}')


def _parse_local_datetime(value: object) -> dt.datetime:
    # Local wall time in the tenant's zone, whole minutes, so it dumps back as "2027-03-09T13:00".
    moment = local_datetime(value)
    if moment is not None:
        return moment
    if _has_offset(value):
        raise ValueError(
            f"must be local time in the tenant's time zone, without an offset: like 2027-03-09T13:00, "
            f"not {shown(value)}"
        )
    raise ValueError(f"must be a local date and time like 2027-03-09T13:00, not {shown(value)}")


def local_datetime(value: object) -> dt.datetime | None:
    """Return the naive date-time a file's value means, or None when it is not one of whole minutes."""
    if isinstance(value, str) and _LOCAL_DATETIME_PATTERN.fullmatch(value.strip()):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, dt.datetime) and not _has_offset(value) and not (value.second or value.microsecond):
        return dt.datetime(value.year, value.month, value.day, value.hour, value.minute)
    return None


def _has_offset(value: object) -> bool:
    # ruamel's TimeStamp keeps a written offset beside tzinfo (`_yaml['tz']`); a plain string may end in one.
    if isinstance(value, dt.datetime):
        return value.tzinfo is not None or bool(getattr(value, "_yaml", {}).get("tz"))
    return isinstance(value, str) and bool(re.search(r"(Z|[+-]\d{2}(:?\d{2})?)$", value.strip()))


def _check_meeting_key(value: str) -> str:
    if not _MEETING_KEY_PATTERN.fullmatch(value):
        raise ValueError(
            f"must be 1–40 characters of letters, digits and '-' (like 2027-Q1), not {shown(value)}"
        )
    return value


def _check_slack_channel(value: str) -> str:
    if not _SLACK_CHANNEL_PATTERN.fullmatch(value):
        hint = "; use the channel's id, not its name" if value.startswith("#") or value.islower() else ""
        raise ValueError(f"must be a Slack channel id like 'C0CHALL' (C… or G…{hint}), not {shown(value)}")
    return value


def _check_teams_channel(value: str) -> str:
    if not _TEAMS_CHANNEL_PATTERN.fullmatch(value):
        raise ValueError(f"must be a Teams channel id like '19:abc@thread.tacv2', not {shown(value)}")
    return value


def _check_slack_reaction(value: str) -> str:
    # People copy reactions from Slack as :+1:, so the colons around a name are taken off.
    name = value[1:-1] if len(value) > 2 and value.startswith(":") and value.endswith(":") else value
    if not _SLACK_REACTION_PATTERN.fullmatch(name):
        raise ValueError(f"must be a Slack emoji name like '+1' or 'thumbsup', not {shown(value)}")
    return name


def _check_teams_reaction(value: str) -> str:
    if not _TEAMS_REACTION_PATTERN.fullmatch(value):
        raise ValueError(f"must be a Teams reaction like 'like' or 'heart', not {shown(value)}")
    return value


def _parse_duration(value: object) -> dt.timedelta:
    # Whole minutes written as 3h, 90m or 1h30m; dumped back in that form.
    if isinstance(value, dt.timedelta):
        minutes, rest = divmod(value, dt.timedelta(minutes=1))
        if rest:
            raise ValueError(f"must be whole minutes, not {value}")
    else:
        match = (
            _DURATION_PATTERN.fullmatch(value.strip().replace(" ", "")) if isinstance(value, str) else None
        )
        if match is None or not (match[1] or match[2]):
            raise ValueError(f'must be a duration like "3h", "90m" or "1h30m", not {shown(value)}')
        minutes = int(match[1] or 0) * 60 + int(match[2] or 0)
    shortest, longest = _ERFA_MINUTES
    if not shortest <= minutes <= longest:
        raise ValueError(f"must be from 15 minutes to 12 hours, not {shown(value)}")
    return dt.timedelta(minutes=minutes)


def _duration_text(value: dt.timedelta) -> str:
    hours, minutes = divmod(int(value.total_seconds()) // 60, 60)
    return (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")


def _check_reminder(value: str) -> str:
    match = OFFSET.fullmatch(value)
    if match is None:
        raise ValueError(
            f'must be days or hours before the meeting, like "-7d" (1 to {MAX_DAYS} days) or "-2h" (1 to {MAX_HOURS} hours), '
            f"not {shown(value)}"
        )
    count, unit = int(match[1]), match[2]
    most, name = _ERFA_REMINDER_LIMITS[unit]
    if not 1 <= count <= most:
        raise ValueError(
            f"must be from 1 to {most} {name} before the meeting (-1{unit} … -{most}{unit}), not {shown(value)}"
        )
    return f"-{count}{unit}"


def _reject_numbers_as_dates(value: object) -> object:
    # pydantic would read a number as a Unix timestamp, which is never what a person meant here.
    if isinstance(value, int | float):
        raise ValueError(f"must be a date like 2027-07-01, not {shown(value)}")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# What a post and an invite show in full: an ERFA meeting's title and place (Slack's and Teams' limits
# hold with room to spare at this length, and the tables keep 200).
Shown = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Slug = Annotated[Text, AfterValidator(_check_slug)]
AreaKey = Annotated[Text, AfterValidator(_check_area_key)]
Email = Annotated[Text, AfterValidator(_normalise_email)]
TimeZoneName = Annotated[Text, AfterValidator(_check_timezone)]
ClockTime = Annotated[dt.time, BeforeValidator(_parse_clock_time)]
CalendarDate = Annotated[dt.date, BeforeValidator(_reject_numbers_as_dates)]
Hours = Annotated[int, Field(ge=0)]
LocalDateTime = Annotated[dt.datetime, BeforeValidator(_parse_local_datetime)]
MeetingKey = Annotated[Text, AfterValidator(_check_meeting_key)]
SlackChannel = Annotated[Text, AfterValidator(_check_slack_channel)]
TeamsChannel = Annotated[Text, AfterValidator(_check_teams_channel)]
SlackReaction = Annotated[Text, AfterValidator(_check_slack_reaction)]
TeamsReaction = Annotated[Text, AfterValidator(_check_teams_reaction)]
DaysBefore = Annotated[int, Field(ge=0, le=90)]
Duration = Annotated[dt.timedelta, BeforeValidator(_parse_duration)]
Reminder = Annotated[Text, AfterValidator(_check_reminder)]


# --- models --------------------------------------------------------------------------------------------


class ConfigModel(BaseModel):
    """A section of a configuration file (the tenant's or the network's), frozen once read."""

    # Unknown fields are errors so that typos such as `emial` cannot silently drop a value.
    model_config = ConfigDict(extra="forbid", frozen=True)


class BusinessHours(ConfigModel):
    """The working day in which sparring response times are counted."""

    start: ClockTime = dt.time(8, 0)
    end: ClockTime = dt.time(16, 0)

    @model_validator(mode="after")
    def _end_after_start(self) -> BusinessHours:
        if self.end <= self.start:
            raise ValueError(f"end ({_clock(self.end)}) must be after start ({_clock(self.start)})")
        return self


class SparringConfig(ConfigModel):
    """The agreed level of 1:1 sparring and how unanswered requests escalate."""

    agreed_hours_per_quarter: Hours = 40
    response_hours: int = Field(default=8, gt=0, le=200)
    over_quota: OverQuota = OverQuota.ASK_COORDINATOR
    business_hours: BusinessHours = Field(default_factory=BusinessHours)


class ExtraArea(ConfigModel):
    """An expertise area the tenant adds beside the built-in ones."""

    key: AreaKey
    da: Text
    en: Text
    keywords: tuple[Text, ...] = ()

    @field_validator("key")
    @classmethod
    def _not_builtin(cls, key: str) -> str:
        if key in BUILTIN_EXPERTISE_KEYS:
            raise ValueError(f"'{key}' is a built-in expertise area already; choose another key")
        return key


class Absence(ConfigModel):
    """A period, both days included, in which a senior takes no sparring requests."""

    # `from` is a Python keyword, so the file's names are aliases; Python code may use start/end.
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    start: CalendarDate = Field(alias="from")
    end: CalendarDate = Field(alias="to")

    @model_validator(mode="after")
    def _ends_after_start(self) -> Absence:
        if self.end < self.start:
            raise ValueError(f"ends (to: {self.end}) before it starts (from: {self.start})")
        return self


class PersonConfig(ConfigModel):
    """A person in the client organisation or a consultant attached to it."""

    email: Email
    name: Text
    roles: tuple[Role, ...] = Field(min_length=1)
    language: Language | None = None
    slack_id: Text | None = None
    teams_id: Text | None = None
    external: bool = False
    expertise: tuple[Text, ...] = ()
    capacity_hours_per_month: Hours | None = None
    absences: tuple[Absence, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _default_senior_capacity(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and _is_senior(data) and data.get("capacity_hours_per_month") is None:
            return {**data, "capacity_hours_per_month": 10}
        return data

    @model_validator(mode="after")
    def _follows_person_rules(self) -> PersonConfig:
        _raise_rule_problems(_person_problems(self.model_dump()))
        return self


class QuarterlyMeetingConfig(ConfigModel):
    """A quarterly meeting, at local time in the tenant's zone; its key keeps it the same meeting when moved."""

    key: MeetingKey | None = None  # default: the quarter it falls in, such as 2027-Q1
    at: LocalDateTime
    place: Text

    @property
    def effective_key(self) -> str:
        """Return the key the meeting is known by: its own, or the quarter it falls in."""
        return self.key or quarter_key(self.at)


class ChallengeChannel(ConfigModel):
    """Where the calls for challenges, the reminders and the agenda are posted, per platform."""

    slack: SlackChannel | None = None
    teams: TeamsChannel | None = None

    @model_validator(mode="after")
    def _names_a_channel(self) -> ChallengeChannel:
        if self.slack is None and self.teams is None:
            raise ValueError("needs a Slack or a Teams channel id (slack: C…, teams: '19:…@thread.tacv2')")
        return self


class VoteReactions(ConfigModel):
    """The reactions that count as a vote on a challenge, per platform."""

    slack: tuple[SlackReaction, ...] = ("+1", "thumbsup")
    teams: tuple[TeamsReaction, ...] = ("like",)

    @field_validator("slack", "teams")
    @classmethod
    def _not_empty(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        # Checked after the names, so that one bad name is not also reported as an empty list.
        if not names:
            raise ValueError("must not be empty")
        return names


class ChallengesConfig(ConfigModel):
    """The quarterly challenge cycle: call, reminder and close, counted in days before each meeting."""

    channel: ChallengeChannel
    call_days_before: DaysBefore = 21
    remind_days_before: DaysBefore = 5
    close_days_before: DaysBefore = 2
    vote_reactions: VoteReactions = Field(default_factory=VoteReactions)
    votes_per_person: int = Field(default=0, ge=0)
    live_ranking: bool = True
    anonymous_submitters: bool = False
    method_review_month: int = Field(default=11, ge=1, le=12)


class ErfaChannel(ChallengeChannel):
    """Where the ERFA meetings are announced and the channel is reminded, per platform."""


class ErfaConfig(ConfigModel):
    """The ERFA meetings' channel and the reminders posted in it before each meeting."""

    channel: ErfaChannel
    # Before the meeting: -Nd calendar days at the same local time, -Nh hours (absolute).
    reminders: tuple[Reminder, ...] = ERFA_DEFAULT_REMINDERS

    @field_validator("reminders")
    @classmethod
    def _one_to_six(cls, reminders: tuple[str, ...]) -> tuple[str, ...]:
        # Checked after the offsets, so that one bad offset is not also reported as an empty list.
        if not reminders:
            raise ValueError('must not be empty: at least one reminder, like ["-7d"]')
        if len(reminders) > _ERFA_MAX_REMINDERS:
            raise ValueError(f"must be at most {_ERFA_MAX_REMINDERS} reminders, not {len(reminders)}")
        return reminders


class ErfaMeetingConfig(ConfigModel):
    """A half-yearly ERFA meeting, at local time in the tenant's zone; its key keeps it the same meeting."""

    key: Slug
    title: Shown
    at: LocalDateTime
    duration: Duration
    place: Shown
    audience: tuple[Role, ...] = Field(min_length=1)
    seats: int | None = Field(default=None, ge=1)  # None: no limit (with seats, a waiting list)
    # Called off: kept in the file so that everyone who answered is told and gets a cancelling invite.
    cancelled: bool = False


class TenantConfig(ConfigModel):
    """One client organisation's virtual project office, as written in its configuration file."""

    slug: Slug
    name: Text
    language: Language = "da"
    timezone: TimeZoneName = "Europe/Copenhagen"
    slack_team_id: Text | None = None
    teams_tenant_id: Text | None = None
    sparring: SparringConfig = Field(default_factory=SparringConfig)
    expertise: tuple[ExtraArea, ...] = ()
    quarterly_meetings: tuple[QuarterlyMeetingConfig, ...] = ()
    challenges: ChallengesConfig | None = None
    erfa: ErfaConfig | None = None
    erfa_meetings: tuple[ErfaMeetingConfig, ...] = ()
    people: tuple[PersonConfig, ...]

    @model_validator(mode="after")
    def _follows_tenant_rules(self) -> TenantConfig:
        data = self.model_dump(by_alias=True)
        _raise_rule_problems(_rule_problems(data), data["people"])
        return self


# Which model a mapping at a given path (list indexes left out) belongs to, to suggest field names.
_MODELS_BY_PATH: dict[tuple[str, ...], type[BaseModel]] = {
    (): TenantConfig,
    ("sparring",): SparringConfig,
    ("sparring", "business_hours"): BusinessHours,
    ("expertise",): ExtraArea,
    ("people",): PersonConfig,
    ("people", "absences"): Absence,
    ("quarterly_meetings",): QuarterlyMeetingConfig,
    ("challenges",): ChallengesConfig,
    ("challenges", "channel"): ChallengeChannel,
    ("challenges", "vote_reactions"): VoteReactions,
    ("erfa",): ErfaConfig,
    ("erfa", "channel"): ErfaChannel,
    ("erfa_meetings",): ErfaMeetingConfig,
}


# --- rules across fields ---------------------------------------------------------------------------------
# Written over plain data rather than models so the loader can run them on a file whose other fields
# fail validation, and still report everything in one go.


def _rule_problems(data: Mapping[str, Any]) -> list[Problem]:
    people = _mappings(data.get("people"))
    problems: list[Problem] = []
    for index, person in people:
        problems += [(("people", index, *loc), message) for loc, message in _person_problems(person)]
    problems += _unknown_expertise(people, _known_expertise_keys(data.get("expertise")))
    problems += _duplicates(people, "people", "email", lambda email: email.strip().lower())
    problems += _duplicates(people, "people", "slack_id", str.strip)
    problems += _duplicates(people, "people", "teams_id", str.strip)
    problems += _duplicates(_mappings(data.get("expertise")), "expertise", "key", str.strip)
    problems += _missing_coordinator(data.get("people"))
    problems += _meeting_problems(data.get("quarterly_meetings"), data.get("timezone", "Europe/Copenhagen"))
    problems += _challenge_problems(data.get("challenges"))
    problems += _channel_problems(data, "challenges", "the challenges are posted in", "C0CHALL")
    problems += _erfa_problems(data)
    problems += _channel_problems(data, "erfa", "the ERFA meetings are announced in", "C0ERFA")
    return problems


def _channel_problems(
    data: Mapping[str, Any], section: str, purpose: str, slack_example: str
) -> list[Problem]:
    """Say which platform the tenant is on but the section has no channel for (the posts would go nowhere)."""
    settings = data.get(section)
    channel = settings.get("channel") if isinstance(settings, Mapping) else None
    if not isinstance(channel, Mapping):
        return []
    wanted = {
        "slack": ("slack_team_id", slack_example),
        "teams": ("teams_tenant_id", "'19:abc@thread.tacv2'"),
    }
    return [
        (
            (section, "channel", platform),
            f"is needed because the tenant has a {field}: the channel {purpose} "
            f"(for example {platform}: {example})",
        )
        for platform, (field, example) in wanted.items()
        if data.get(field) and not channel.get(platform)
    ]


def _erfa_problems(data: Mapping[str, Any]) -> list[Problem]:
    entries = _mappings(data.get("erfa_meetings"))
    problems: list[Problem] = []
    zone = _zone(data.get("timezone", "Europe/Copenhagen"))
    for index, meeting in entries:
        moment = local_datetime(meeting.get("at"))
        if moment is not None and zone is not None and (problem := wall_time_problem(moment, zone)):
            problems.append((("erfa_meetings", index, "at"), problem))
        audience = _texts(meeting.get("audience")) or []
        for i, role in _repeats([r.strip() for r in audience]):
            problems.append((("erfa_meetings", index, "audience", i), f"'{role}' is listed twice"))
    problems += _duplicates(entries, "erfa_meetings", "key", str.strip)
    erfa = data.get("erfa")
    if entries and erfa is None:
        problems.append(
            (
                ("erfa_meetings",),
                "need an erfa section with the channel to announce them in "
                "(erfa: {channel: {slack: C0ERFA, teams: '19:def@thread.tacv2'}})",
            )
        )
    if isinstance(erfa, Mapping):
        reminders = _texts(erfa.get("reminders", ())) or []
        for i, reminder in _repeats([_reminder_text(r) for r in reminders]):
            problems.append((("erfa", "reminders", i), f"'{reminder}' is listed twice"))
    return problems


def _meeting_problems(meetings: object, timezone: object) -> list[Problem]:
    entries = _mappings(meetings)
    problems: list[Problem] = []
    moments = {index: local_datetime(meeting.get("at")) for index, meeting in entries}
    zone = _zone(timezone)
    for index, moment in moments.items():
        if moment is not None and zone is not None and (problem := wall_time_problem(moment, zone)):
            problems.append((("quarterly_meetings", index, "at"), problem))
    by_quarter: dict[str, list[int]] = {}
    for index, moment in moments.items():
        if moment is not None:
            by_quarter.setdefault(quarter_key(moment), []).append(index)
    keyed: list[tuple[int, Mapping[str, Any]]] = []
    for index, meeting in entries:
        key, moment = meeting.get("key"), moments[index]
        quarter = quarter_key(moment) if moment is not None else None
        if key is None and quarter is not None and len(by_quarter[quarter]) > 1:
            others = ", ".join(f"quarterly_meetings[{i + 1}]" for i in by_quarter[quarter] if i != index)
            problems.append(
                (
                    ("quarterly_meetings", index),
                    f"is in {quarter} like {others}; meetings that share a quarter each need a key "
                    f"(key: {quarter}-a, …)",
                )
            )
        elif key is not None or quarter is not None:
            keyed.append((index, {"key": key if key is not None else quarter}))
    return problems + _duplicates(keyed, "quarterly_meetings", "key", str.strip)


def _zone(name: object) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name) if isinstance(name, str) else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def wall_time_problem(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> str | None:
    """Say why a local time is no single moment in the zone: the clocks skip it, or pass it twice."""
    early, late = moment.replace(tzinfo=zone), moment.replace(tzinfo=zone, fold=1)
    written = moment.isoformat(timespec="minutes")
    if early.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != moment:
        return f"{written} does not exist in {zone.key} (the clocks skip that hour); choose another time"
    if early.utcoffset() != late.utcoffset():
        return f"{written} happens twice in {zone.key} (the clocks go back); choose another time"
    return None


def _reminder_text(written: str) -> str:
    # As the field keeps it: -07d is -7d.
    match = OFFSET.fullmatch(written.strip())
    return f"-{int(match[1])}{match[2]}" if match else written.strip()


def _challenge_problems(challenges: object) -> list[Problem]:
    if not isinstance(challenges, Mapping):
        return []
    defaults = {"call_days_before": 21, "remind_days_before": 5, "close_days_before": 2}
    days = {name: challenges.get(name, default) for name, default in defaults.items()}
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in days.values()):
        return []  # pydantic reports the unreadable number
    call, remind, close = days.values()
    problems: list[Problem] = []
    if remind >= call:
        problems.append(
            (
                ("challenges", "remind_days_before"),
                f"must be fewer than call_days_before ({call}), not {remind}: the reminder follows the call",
            )
        )
    if close >= remind:
        problems.append(
            (
                ("challenges", "close_days_before"),
                f"must be fewer than remind_days_before ({remind}), not {close}: "
                "a reminder after the close makes no sense",
            )
        )
    reactions = challenges.get("vote_reactions")
    if isinstance(reactions, Mapping):
        for platform in ("slack", "teams"):
            names = _texts(reactions.get(platform, ()))
            for i, name in _repeats([n.strip().strip(":") for n in names or []]):
                problems.append((("challenges", "vote_reactions", platform, i), f"'{name}' is listed twice"))
    return problems


def _person_problems(person: Mapping[str, Any]) -> list[Problem]:
    roles = _texts(person.get("roles"))
    expertise = _texts(person.get("expertise", ()))
    if roles is None or expertise is None:
        return []  # pydantic already reports the unreadable list
    problems: list[Problem] = [(("roles", i), f"'{role}' is listed twice") for i, role in _repeats(roles)]
    problems += [(("expertise", i), f"'{key}' is listed twice") for i, key in _repeats(expertise)]
    if "senior" in roles and not expertise:
        problems.append((("expertise",), "a senior needs at least one expertise area, strongest first"))
    if "senior" not in roles and expertise:
        problems.append((("expertise",), "only seniors have expertise areas (add 'senior' to roles)"))
    if "senior" not in roles and person.get("capacity_hours_per_month") is not None:
        problems.append((("capacity_hours_per_month",), "only seniors have a sparring capacity"))
    return problems


def _unknown_expertise(people: list[tuple[int, Mapping[str, Any]]], known: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    for index, person in people:
        for position, key in enumerate(_texts(person.get("expertise", ())) or []):
            if key.strip() not in known:
                problems.append((("people", index, "expertise", position), _unknown_area_message(key, known)))
    return problems


def _unknown_area_message(key: str, known: list[str]) -> str:
    guess = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean '{guess[0]}'?" if guess else ""
    return f"unknown expertise area {shown(key)}{hint} (known: {', '.join(known)})"


def _known_expertise_keys(areas: object) -> list[str]:
    extra = [area["key"].strip() for _, area in _mappings(areas) if isinstance(area.get("key"), str)]
    return sorted({*BUILTIN_EXPERTISE_KEYS, *extra})


def _duplicates(
    entries: list[tuple[int, Mapping[str, Any]]], section: str, field: str, normalise: Callable[[str], str]
) -> list[Problem]:
    first_index: dict[str, int] = {}
    problems: list[Problem] = []
    for index, entry in entries:
        value = entry.get(field)
        if not isinstance(value, str) or not value.strip():
            continue
        key = normalise(value)
        if key in first_index:
            owner = _entry_label(entries, section, first_index[key])
            problems.append(((section, index, field), f"{shown(value)} is already used by {owner}"))
        else:
            first_index[key] = index
    return problems


def _entry_label(entries: list[tuple[int, Mapping[str, Any]]], section: str, index: int) -> str:
    return f"{section}[{index + 1}]{_who(dict(entries)[index], 'name', 'email')}"


def _missing_coordinator(people: object) -> list[Problem]:
    if not isinstance(people, list | tuple):
        return []
    role_lists = [_texts(person.get("roles")) if isinstance(person, Mapping) else None for person in people]
    # With an unreadable roles list the coordinator may well be there; pydantic reports that list instead.
    if any(roles is None or "coordinator" in roles for roles in role_lists):
        return []
    return [(("people",), "needs at least one person with the role 'coordinator'")]


def _raise_rule_problems(problems: list[Problem], people: object = None) -> None:
    if problems:
        summary = "; ".join(_located("", loc, message, people) for loc, message in problems)
        raise PydanticCustomError(_RULES_ERROR, "{summary}", {"summary": summary})


def _is_senior(person: Mapping[str, Any]) -> bool:
    roles = _texts(person.get("roles"))
    return roles is not None and "senior" in roles


def _mappings(value: object) -> list[tuple[int, Mapping[str, Any]]]:
    if not isinstance(value, list | tuple):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, Mapping)]


def _texts(value: object) -> list[str] | None:
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


def _repeats(items: list[str]) -> list[tuple[int, str]]:
    return [(index, item) for index, item in enumerate(items) if item in items[:index]]


# --- loading -------------------------------------------------------------------------------------------


class TenantConfigError(Exception):
    """The tenant configuration file is invalid; `problems` holds one friendly line per mistake."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems: list[str] = list(problems)
        count = f"{len(self.problems)} problem" + ("" if len(self.problems) == 1 else "s")
        super().__init__("\n".join([f"the tenant configuration has {count}:", *self.problems]))


def load_tenant_config(text: str) -> TenantConfig:
    """Parse and validate a tenant configuration file, reporting every problem at once."""
    document, data = read_document(text, "slug, name and people")
    try:
        return TenantConfig.model_validate(data, by_alias=True, by_name=False, context=_FROM_FILE)
    except ValidationError as error:
        problems = _problems_from(error, data)
        raise TenantConfigError(describe(problems, document)) from None


def read_document(text: str, needs: str) -> tuple[CommentedMap, dict[str, Any]]:
    """Parse a configuration file: the document (which knows each value's line) and its plain data.

    ``needs`` names the fields an empty file is missing. Raises :class:`TenantConfigError`.
    """
    document = _parse_yaml(text, needs)
    return document, _to_plain(document)


def field_problems(
    error: ValidationError, models: Mapping[tuple[str, ...], type[BaseModel]]
) -> list[Problem]:
    """Return pydantic's objections to a file's fields, one sentence each; ``models`` by path, for hints."""
    return [(detail["loc"], _field_message(detail, models)) for detail in error.errors()]


def _parse_yaml(text: str, needs: str) -> CommentedMap:
    try:
        # The round-trip loader keeps each node's line number, which the messages point to.
        document = YAML(typ="rt").load(text)
    except MarkedYAMLError as error:
        raise TenantConfigError([_syntax_problem(error)]) from None
    except YAMLError as error:
        raise TenantConfigError([f"invalid YAML: {error}"]) from None
    if document is None:
        raise TenantConfigError([f"the file is empty; it needs at least {needs}"])
    if not isinstance(document, CommentedMap):
        line = f"line {document.lc.line + 1}: " if isinstance(document, CommentedSeq) else ""
        raise TenantConfigError(
            [f"{line}the top level must be a mapping of fields (slug: …, name: …), not {shown(document)}"]
        )
    return document


def _syntax_problem(error: MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}invalid YAML: {error.problem or error.context or 'syntax error'}"


def _to_plain(document: CommentedMap) -> dict[str, Any]:
    """Copy ruamel's round-trip types into plain Python, refusing alias bombs."""
    count = 0

    def convert(node: Any) -> Any:
        nonlocal count
        count += 1
        if count > _MAX_NODES:
            raise TenantConfigError([f"the file expands to more than {_MAX_NODES} values; check its aliases"])
        if isinstance(node, Mapping):
            return {_plain_scalar(key): convert(value) for key, value in node.items()}
        if isinstance(node, list):
            return [convert(item) for item in node]
        return _plain_scalar(node)

    plain: dict[str, Any] = convert(document)
    return plain


def _plain_scalar(value: Any) -> Any:
    # ScalarBoolean subclasses int, not bool, so it is checked first; dates are already datetime.date.
    if isinstance(value, ScalarBoolean | bool):
        return bool(value)
    for plain_type in (str, int, float):
        if isinstance(value, plain_type):
            return plain_type(value)
    return value


def _problems_from(error: ValidationError, data: Mapping[str, Any]) -> list[Problem]:
    details = error.errors()
    field_details = [detail for detail in details if detail["type"] != _RULES_ERROR]
    problems = [(detail["loc"], _field_message(detail, _MODELS_BY_PATH)) for detail in field_details]
    problems += _rule_problems(data)
    # Should the raw-data rules ever disagree with the models, still say what the models objected to.
    return problems or [(detail["loc"], detail["msg"]) for detail in details]


def describe(problems: list[Problem], document: CommentedMap) -> list[str]:
    """Return the problems as lines for a person, by line in the file, each once."""
    located = [(_line_of(document, loc), loc, message) for loc, message in problems]
    located.sort(key=lambda item: item[0] or 0)
    people = document.get("people")
    lines = [
        _located(f"line {line}: " if line else "", loc, message, people) for line, loc, message in located
    ]
    return list(dict.fromkeys(lines))


def _located(prefix: str, loc: Loc, message: str, people: object = None) -> str:
    path = _path(loc, people)
    return f"{prefix}{path}: {message}" if path else f"{prefix}{message}"


def _path(loc: Loc, people: object = None) -> str:
    """Render a location as the operator counts: from 1, and naming the person a `people` entry is."""
    path = ""
    for depth, part in enumerate(loc):
        if isinstance(part, int):
            path += f"[{part + 1}]"
            if depth == 1 and loc[0] == "people":
                path += _who(_item(people, part), "email", "name")
        else:
            path += f".{part}" if path else str(part)
    return path


def _item(entries: object, index: int) -> object:
    if isinstance(entries, list | tuple) and 0 <= index < len(entries):
        return entries[index]
    return None


def _who(entry: object, *fields: str) -> str:
    """Return " (value)" for the first of the entry's fields that holds text, to say whom it is about."""
    if isinstance(entry, Mapping):
        for field in fields:
            value = entry.get(field)
            if isinstance(value, str) and value.strip():
                text = value.strip()
                return f" ({text if len(text) <= 40 else text[:39] + '…'})"
    return ""


def _line_of(document: CommentedMap, loc: Loc) -> int | None:
    """Return the 1-based line of the deepest node on `loc` that exists in the file."""
    node: Any = document
    line = None
    for part in loc:
        position = _position(node, part)
        if position is None:
            break
        line = position + 1
        node = node[part]
    return line


def _position(node: Any, part: str | int) -> int | None:
    try:
        if isinstance(node, CommentedMap) and part in node:
            return int(node.lc.key(part)[0])
        if isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            return int(node.lc.item(part)[0])
    except (KeyError, TypeError):  # keys merged in with `<<:` carry no position of their own
        return None
    return None


_MESSAGES = {
    "missing": "is required",
    "string_too_short": "must not be empty",
    "too_short": "must not be empty",
    "int_type": "must be a whole number, not {shown}",
    "int_parsing": "must be a whole number, not {shown}",
    "int_from_float": "must be a whole number, not {shown}",
    "greater_than_equal": "must be at least {ge}, not {shown}",
    "greater_than": "must be more than {gt}, not {shown}",
    "less_than_equal": "must be at most {le}, not {shown}",
    "bool_type": "must be true or false, not {shown}",
    "bool_parsing": "must be true or false, not {shown}",
    "datetime_type": "must be a local date and time like 2027-03-09T13:00, not {shown}",
    "datetime_parsing": "must be a local date and time like 2027-03-09T13:00, not {shown}",
    "date_type": "must be a date like 2027-07-01, not {shown}",
    "date_parsing": "must be a date like 2027-07-01, not {shown}",
    "date_from_datetime_parsing": "must be a date like 2027-07-01, not {shown}",
    "date_from_datetime_inexact": "must be a date like 2027-07-01 without a time, not {shown}",
    "tuple_type": "must be a list, not {shown}",
    "list_type": "must be a list, not {shown}",
    "model_type": "must be a mapping of fields (key: value), not {shown}",
    "model_attributes_type": "must be a mapping of fields (key: value), not {shown}",
    "dict_type": "must be a mapping of fields (key: value), not {shown}",
}


def _field_message(detail: ErrorDetails, models: Mapping[tuple[str, ...], type[BaseModel]]) -> str:
    kind, ctx, value = detail["type"], detail.get("ctx", {}), detail["input"]
    if kind == "extra_forbidden":
        return _unknown_field_message(detail["loc"], models)
    if kind in ("value_error", "assertion_error"):
        return str(ctx["error"])
    if kind in ("literal_error", "enum"):
        return f"must be {ctx['expected']}, not {shown(value)}"
    if kind == "string_type":
        quote_hint = " (put it in quotes)" if isinstance(value, int | float | dt.date) else ""
        return f"must be text, not {shown(value)}{quote_hint}"
    if kind in _MESSAGES:
        return _MESSAGES[kind].format(**ctx, shown=shown(value))
    return detail["msg"][:1].lower() + detail["msg"][1:]


def _unknown_field_message(loc: Loc, models: Mapping[tuple[str, ...], type[BaseModel]]) -> str:
    model = models.get(tuple(part for part in loc[:-1] if isinstance(part, str)))
    allowed = [field.alias or name for name, field in model.model_fields.items()] if model else []
    guess = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    if guess:
        hint = f" (did you mean '{guess[0]}'?)"
    else:
        hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
    return f"unknown field {shown(loc[-1])}{hint}"


def shown(value: object) -> str:
    """Render a value from the file the way a person would recognise it in a message."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:39] + "…")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return str(value)[:40]


def _clock(value: dt.time) -> str:
    return value.strftime("%H:%M")


# --- dumping -------------------------------------------------------------------------------------------


def dump_tenant_config(config: TenantConfig) -> str:
    """Render a tenant configuration as YAML that loads back to an equal configuration."""
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # keep long names on one line
    stream = io.StringIO()
    yaml.dump(_yaml_node(config), stream)
    return stream.getvalue()


def _yaml_node(value: object) -> object:
    if isinstance(value, BaseModel):
        return _yaml_mapping(value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple):
        return CommentedSeq(_yaml_node(item) for item in value)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.time):
        return DoubleQuotedScalarString(_clock(value))
    if isinstance(value, dt.timedelta):
        return _duration_text(value)
    # Quoted so that YAML 1.1 readers cannot take "29:10" for a base-60 number.
    if isinstance(value, str) and ":" in value:
        return DoubleQuotedScalarString(value)
    return value


def _yaml_mapping(model: BaseModel) -> CommentedMap:
    # Fields are declared in the file's documented order, so the dump follows it.
    mapping = CommentedMap()
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if value is None or value == () or (value is False and field.default is False):
            continue
        mapping[field.alias or name] = _yaml_node(value)
    return mapping
