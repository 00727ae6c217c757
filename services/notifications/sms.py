"""How an SMS leaves: a line in the local SMS outbox, or an SMS provider's HTTP API."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Protocol

import requests

from services.common.config import Settings, state_dir
from services.common.database import utcnow


class SmsSender(Protocol):
    """Sends one SMS to an E.164 number; raises when it could not (it is then retried)."""

    def send(self, delivery_id: int, to_e164: str, text: str) -> None: ...


# One lock for every outbox of the process: two containers of one process may share a file.
_append_lock = threading.Lock()


class LocalSmsOutbox:
    """Appends each SMS as one JSON line ``{"to", "text", "sent_at"}`` to a file (local default)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def send(self, delivery_id: int, to_e164: str, text: str) -> None:
        """Append the SMS to the outbox file."""
        record = {"to": to_e164, "text": text, "sent_at": utcnow().isoformat()}
        line = json.dumps(record, ensure_ascii=False) + "\n"
        # The lock keeps lines whole between workers of this process; append mode and one
        # write of a short line keep them whole between processes (O_APPEND).
        with _append_lock, self.path.open("a", encoding="utf-8") as file:
            file.write(line)
            file.flush()


class HttpSmsProvider:
    """Posts each SMS to a provider's HTTP API as JSON, with a bearer token.

    The body is ``{"to", "text", "reference"}``; ``reference`` is the delivery id, so a
    provider that deduplicates on it never sends a retried delivery twice.
    """

    def __init__(self, url: str, token: str | None, timeout: float = 10.0) -> None:
        self.url = url
        self.token = token
        self.timeout = timeout

    def send(self, delivery_id: int, to_e164: str, text: str) -> None:
        """Post the SMS; raises on a network error or a non-2xx answer."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = requests.post(
            self.url,
            json={"to": to_e164, "text": text, "reference": str(delivery_id)},
            headers=headers,
            timeout=self.timeout,
        )
        response.raise_for_status()


def sms_sender_from_settings(settings: Settings | None = None) -> SmsSender:
    """The provider when ``SMS_PROVIDER_URL`` is set, else ``STATE_DIR/outbox/sms.jsonl``."""
    settings = settings or Settings.from_env()
    if settings.sms_provider_url:
        return HttpSmsProvider(settings.sms_provider_url, settings.sms_provider_token)
    return LocalSmsOutbox(state_dir() / "outbox" / "sms.jsonl")
