"""Administrators for the tests: made by the command people run
(``python -m services.identity.create_admin``), against a running platform's identity database."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def create_admin(stack: Any, academy: str | None = None) -> dict[str, str]:
    """A new administrator of ``stack`` (national, or of ``academy``): its email and password."""
    email = f"admin-{uuid.uuid4().hex[:8]}@example.fr"
    args = [email, "Administration"] + (["--academy", academy] if academy else [])
    made = subprocess.run(
        [sys.executable, "-m", "services.identity.create_admin", *args],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    return {"email": email, "password": made.stdout.strip().splitlines()[-1]}
