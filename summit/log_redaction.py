"""Keep attendees' private tokens out of every log line (access logs included)."""

from __future__ import annotations

import logging
import re

PRIVATE_PATH = re.compile(r"(/r/)[A-Za-z0-9_-]{8,}")
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "summit", "flask.app")


def redact(text: str) -> str:
    # The substring test first: gunicorn hands every access line some 60 atoms (the
    # environ, every header), and the expression over each cost every request
    # (bench/FINDINGS.md).
    if "/r/" not in text:
        return text
    return PRIVATE_PATH.sub(r"\1[redacted]", text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, dict):
            # In place: gunicorn's access atoms are a dict subclass that answers "-"
            # for headers a request did not send; a plain copy would break the line.
            for key, value in record.args.items():
                if isinstance(value, str):
                    record.args[key] = redact(value)
        elif isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install(app_logger: logging.Logger) -> None:
    redactor = RedactTokens()
    for logger in {app_logger, *(logging.getLogger(name) for name in LOGGERS)}:
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(redactor)
