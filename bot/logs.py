"""Logging for every command: the project's own lines at the configured level, libraries only when they warn.

``VPMO_LOG_LEVEL=DEBUG`` lets everything through, libraries included (Alembic, APScheduler, bolt,
aiohttp's access log). Every event is one line: ``VPMO_LOG_FORMAT=text`` (the default) for people,
``json`` for a log collector (one JSON object per line: time, level, logger, message, and the error
with its traceback when there is one).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Literal

LogFormat = Literal["text", "json"]

PROJECT_PACKAGES = ("bot", "handlers", "scheduler", "storage")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _DropBoltTokenWarning(logging.Filter):
    # Bolt reads SLACK_BOT_TOKEN itself and warns that the client we hand it wins over that token;
    # the client carries the very same token (and the Web API base URL), so the warning only misleads.
    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


class _OneLineText(logging.Formatter):
    """The text format, with a traceback folded onto the event's line (a collector splits on newlines)."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\n", "\n    ")


class JsonLines(logging.Formatter):
    """One JSON object per event; the fields a log collector indexes, and the error as text."""

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            event["error"] = self.formatException(record.exc_info)
        # ensure_ascii keeps each event on one line and any collector's decoder happy with æøå.
        return json.dumps(event, ensure_ascii=True, default=str)


class _StandardError(logging.Handler):
    """Writes to standard error as it is when a line is logged (click's test runner swaps it).

    Its class tells it apart from other handlers on the root logger (pytest's) when it is replaced.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


def configure_logging(level: str, log_format: LogFormat = "text") -> None:
    """Send log lines to standard error: the project's from ``level`` up, the libraries' from WARNING."""
    handler = _StandardError()
    handler.setFormatter(JsonLines() if log_format == "json" else _OneLineText(FORMAT))
    handler.addFilter(_DropBoltTokenWarning())
    root = logging.getLogger()
    for previous in [h for h in root.handlers if isinstance(h, _StandardError)]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
    for package in PROJECT_PACKAGES:
        logging.getLogger(package).setLevel(level)
