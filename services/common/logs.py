"""Logs as JSON lines, one object per record, for every process."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# One encoder for every record (``json.dumps`` with options builds a new one at each call).
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message", ...extra}``; extras come from ``extra={...}``."""

    def __init__(self, process: str) -> None:
        super().__init__()
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "process": self.process,
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update((key, value) for key, value in vars(record).items() if key not in _STANDARD and key[:1] != "_")
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return _ENCODER.encode(data)


def configure_logging(process: str, level: str = "INFO") -> None:
    """Send every log record of this process to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(process))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # No line shows a record's thread or process name, and under eventlet the first record of
    # each green thread (each request's access line in the gateway) made
    # ``threading.current_thread()`` enumerate the process's threads.
    logging.logThreads = False
    logging.logMultiprocessing = False
    # kombu and amqp are chatty at INFO about reconnections that nameko already reports
    for noisy in ("kombu", "amqp"):
        logging.getLogger(noisy).setLevel("WARNING")
