"""Reading the local SMS outbox (``STATE_DIR/outbox/sms.jsonl``) as a phone shows its texts."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path


def texts_to(state_dir: Path, phone_e164: str) -> list[str]:
    """Every SMS sent to ``phone_e164``, oldest first."""
    path = state_dir / "outbox" / "sms.jsonl"
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [line["text"] for line in lines if line["to"] == phone_e164]


def wait_for_code(state_dir: Path, phone_e164: str, count: int = 1, timeout: float = 15.0) -> str:
    """The six digits of the ``count``-th signature code texted to ``phone_e164``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = [text for text in texts_to(state_dir, phone_e164) if "code" in text]
        if len(texts) >= count:
            match = re.search(r"(\d{3}) ?(\d{3})", texts[count - 1])
            assert match, f"no code in {texts[count - 1]!r}"
            return match.group(1) + match.group(2)
        time.sleep(0.1)
    raise AssertionError(f"{count} code(s) expected by SMS to {phone_e164}, got {texts_to(state_dir, phone_e164)}")


def codes_texted(state_dir: Path, phone_e164: str) -> list[str]:
    """The six digits of every signature code texted to ``phone_e164``, oldest first."""
    found = (re.search(r"(\d{3}) ?(\d{3})", text) for text in texts_to(state_dir, phone_e164) if "code" in text)
    return [match.group(1) + match.group(2) for match in found if match]
