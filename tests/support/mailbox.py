"""Reading the local mail outbox (``STATE_DIR/outbox/mail/*.eml``) as a user reads their inbox."""

from __future__ import annotations

import re
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

# Each email parsed once per test process, by path, size and time of writing: the e2e tests share
# one platform whose outbox grows to hundreds of emails, and parsing them all again at every poll
# (five times a second while a test waits) made the last tests of a pass the slowest.
_PARSED: dict[Path, tuple[tuple[int, int], str, EmailMessage]] = {}


def _parsed(path: Path) -> tuple[str, EmailMessage]:
    """The email's ``To`` header, lower-cased, and the email."""
    stat = path.stat()
    version = (stat.st_mtime_ns, stat.st_size)
    cached = _PARSED.get(path)
    if cached is None or cached[0] != version:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        cached = _PARSED[path] = (version, str(message["To"]).lower(), message)
    return cached[1], cached[2]


def messages_to(state_dir: Path, recipient: str) -> list[EmailMessage]:
    folder = state_dir / "outbox" / "mail"
    found = []
    # Files are named by delivery id: sort numerically, oldest first ("10.eml" after "9.eml").
    paths = sorted(folder.glob("*.eml"), key=lambda path: (len(path.stem), path.stem)) if folder.exists() else []
    wanted = recipient.lower()
    for path in paths:
        to, message = _parsed(path)
        if wanted in to:
            found.append(message)
    return found


def wait_for_mail(state_dir: Path, recipient: str, count: int = 1, timeout: float = 15.0) -> list[EmailMessage]:
    """The recipient's messages once there are ``count`` of them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = messages_to(state_dir, recipient)
        if len(found) >= count:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{count} email(s) to {recipient} expected, {len(messages_to(state_dir, recipient))} found")


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return body.get_content()


def token_in(message: EmailMessage) -> str:
    """The ``token=`` value of the link in an email."""
    match = re.search(r"token=([A-Za-z0-9_\-]+)", text_of(message))
    assert match, "no token link in the email"
    return match.group(1)


def wait_for_mail_containing(state_dir: Path, recipient: str, text: str, timeout: float = 15.0) -> EmailMessage:
    """The recipient's newest message whose text contains ``text``, once it has arrived."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in reversed(messages_to(state_dir, recipient)):
            if text in text_of(message):
                return message
        time.sleep(0.2)
    raise AssertionError(f"no email to {recipient} containing {text!r}")
