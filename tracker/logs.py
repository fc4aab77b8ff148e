"""Logging: plain lines, or one JSON object a line (``TRACKER_LOG_FORMAT=json``) for a log
collector; and never a calendar feed's secret token in full, in the app's log or the access log."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from flask import Flask

FEED_TOKEN = re.compile(r"(/feed/[A-Za-z0-9_-]{4})[A-Za-z0-9_-]+")
PLAIN_FORMAT = "%(asctime)s %(levelname)s [%(name)s] %(message)s"
# Where request lines are logged: the development server, and gunicorn's access and error logs.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


class RedactFeedTokens(logging.Filter):
    """Keep the first characters of a feed token (enough to tell requests apart), drop the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = FEED_TOKEN.sub(r"\1…", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class JSONFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, and any exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def formatter_for(log_format: str) -> logging.Formatter:
    return JSONFormatter() if log_format == "json" else logging.Formatter(PLAIN_FORMAT)


def configure(app: Flask) -> None:
    """Redact feed tokens wherever requests are logged; in JSON mode, write JSON lines to stderr
    for the app's, the server's and every library's loggers."""
    for name in (*REQUEST_LOGGERS, app.logger.name):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactFeedTokens) for f in logger.filters):
            logger.addFilter(RedactFeedTokens())
    if app.config["LOG_FORMAT"] != "json":
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JSONFormatter())
    handler.addFilter(RedactFeedTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for name in (*REQUEST_LOGGERS, app.logger.name):
        logging.getLogger(name).handlers[:] = []  # through the root's handler, once
