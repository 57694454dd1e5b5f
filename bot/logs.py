"""Logging for every command: the project's own lines at the configured level, libraries only when they warn.

``VPMO_LOG_LEVEL=DEBUG`` lets everything through, libraries included (Alembic, APScheduler, bolt,
aiohttp's access log).
"""

from __future__ import annotations

import logging
import sys

PROJECT_PACKAGES = ("bot", "handlers", "scheduler", "storage")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _DropBoltTokenWarning(logging.Filter):
    # Bolt reads SLACK_BOT_TOKEN itself and warns that the client we hand it wins over that token;
    # the client carries the very same token (and the Web API base URL), so the warning only misleads.
    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


class _StandardError(logging.Handler):
    """Writes to standard error as it is when a line is logged (click's test runner swaps it).

    Its class tells it apart from other handlers on the root logger (pytest's) when it is replaced.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


def configure_logging(level: str) -> None:
    """Send log lines to standard error: the project's from ``level`` up, the libraries' from WARNING."""
    handler = _StandardError()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(_DropBoltTokenWarning())
    root = logging.getLogger()
    for previous in [h for h in root.handlers if isinstance(h, _StandardError)]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
    for package in PROJECT_PACKAGES:
        logging.getLogger(package).setLevel(level)
