"""How the server's logs look: one handler and one format for uvicorn's lines and ours.

`mockrefund serve` hands `log_config(settings)` to uvicorn, which applies it in the
server process and again in every worker of `--workers N` (a new process each, which
takes the configuration with it). The `mockrefund` loggers then write where uvicorn's do,
at the same level, in the chosen format:

- `text`: `TIME LEVEL LOGGER MESSAGE`, time in UTC to the millisecond;
- `json`: one object a line, always with the keys `time`, `level`, `logger` and
  `message`, then the fields of the line's kind (a request's, a sandbox event's).

An app embedded in another program (a test suite) configures nothing: its records go
wherever that program sends the `mockrefund` loggers.
"""

import json
import logging
import time
from typing import Any

from mockrefund.config import Settings

# The line of each request (`web.observe`), and sandbox lifecycle events.
REQUESTS = "mockrefund.requests"
SANDBOXES = "mockrefund.sandboxes"
# A record's structured fields, given as `extra={FIELDS: {...}}`.
FIELDS = "mockrefund_fields"
# uvicorn's own level below DEBUG (uvicorn registers its name when it starts).
TRACE = 5
LEVELS = {
    "critical": logging.CRITICAL,
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
    "trace": TRACE,
}


def _utc_time(record: logging.LogRecord) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


class TextFormatter(logging.Formatter):
    """`2026-01-02T03:04:05.678Z INFO mockrefund.requests GET /path 200 1.2ms ...`"""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_utc_time(record)} {record.levelname} {record.name} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object a line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": _utc_time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, FIELDS, None)
        if fields:
            document.update(fields)
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, default=str, separators=(",", ":"))


def log_config(settings: Settings) -> dict[str, Any]:
    """The `logging.config.dictConfig` of a server: uvicorn's loggers and ours, on one
    handler (standard error) with one formatter. uvicorn's access log is left without a
    handler: the `mockrefund.requests` line says more, once per request."""
    formatter = JsonFormatter if settings.log_format == "json" else TextFormatter
    level = LEVELS[settings.log_level]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"mockrefund": {"()": f"{__name__}.{formatter.__name__}"}},
        "handlers": {
            "mockrefund": {
                "class": "logging.StreamHandler",
                "formatter": "mockrefund",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["mockrefund"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": [], "level": level, "propagate": False},
            "mockrefund": {"handlers": ["mockrefund"], "level": level, "propagate": False},
        },
    }
