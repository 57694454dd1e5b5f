"""The minutes of a quarterly meeting's challenges as Markdown (to read) or CSV (for a spreadsheet)."""

from __future__ import annotations

import csv
import io
import re

from handlers.challenges.minutes import Minutes, MinutesRow

_QUARTER = re.compile(r"^(\d{4})-?[qQ]([1-4])$")
_COLUMNS = {
    "da": ("Plads", "Ref.", "Udfordring", "Indsendt af", "Stemmer", "Sene stemmer", "Status", "Beslutning",
           "Begrundelse", "Flettet ind i", "Sparring", "Metodeversion"),
    "en": ("Place", "Ref.", "Challenge", "Submitted by", "Votes", "Late votes", "State", "Decision",
           "Reason", "Merged into", "Sparring", "Method version"),
}  # fmt: skip
_WORDS = {
    "da": {"open": "åben", "merged": "flettet", "withdrawn": "trukket tilbage", "decided": "besluttet",
           "adopted": "vedtaget", "sparring": "sparring", "rejected": "afvist", "deferred": "udskudt"},
    "en": {"open": "open", "merged": "merged", "withdrawn": "withdrawn", "decided": "decided",
           "adopted": "adopted", "sparring": "sparring", "rejected": "rejected", "deferred": "deferred"},
}  # fmt: skip


def meeting_key(quarter: str) -> str | None:
    """Return the meeting key of a quarter written ``2027Q1`` or ``2027-Q1``; None when it is neither."""
    match = _QUARTER.match(quarter.strip())
    return f"{match.group(1)}-Q{match.group(2)}" if match else None


def as_csv(minutes: Minutes) -> str:
    """Return the minutes as CSV: one row per challenge, a header in the tenant's language."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_COLUMNS[_language(minutes)])
    for row in minutes.rows:
        writer.writerow(_cells(row, _language(minutes)))
    return out.getvalue()


def as_markdown(minutes: Minutes) -> str:
    """Return the minutes as a Markdown document: the meeting, then a table of the challenges."""
    language = _language(minutes)
    when = minutes.at.strftime("%Y-%m-%d %H:%M") if minutes.at else minutes.meeting
    title = "Udfordringer til kvartalsmødet" if language == "da" else "Challenges for the quarterly meeting"
    lines = [
        f"# {title} {minutes.meeting}",
        "",
        f"{minutes.tenant} · {when}" + (f" · {minutes.place}" if minutes.place else ""),
        "",
    ]
    if not minutes.rows:
        lines.append("Ingen udfordringer." if language == "da" else "No challenges.")
        return "\n".join(lines) + "\n"
    header = _COLUMNS[language]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += [
        "| " + " | ".join(markdown_cell(cell) for cell in _cells(row, language)) + " |"
        for row in minutes.rows
    ]
    return "\n".join(lines) + "\n"


def _language(minutes: Minutes) -> str:
    return minutes.language if minutes.language in _COLUMNS else "en"


def _cells(row: MinutesRow, language: str) -> list[str]:
    words = _WORDS[language]
    return [
        str(row.place) if row.place is not None else "",
        row.ref,
        row.text,
        row.submitter,
        str(row.votes),
        str(row.late_votes),
        words.get(row.state, row.state),
        words.get(row.decision, row.decision),
        row.reason,
        row.merged_into,
        row.sparring,
        row.method_version,
    ]


def markdown_cell(cell: str) -> str:
    """Return text fit for one Markdown table cell."""
    # A table cell is one line; a pipe would end it early.
    return " ".join(cell.split()).replace("|", "\\|")
