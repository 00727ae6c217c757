"""Password hashing with Argon2id (argon2-cffi), the current OWASP recommendation."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.common.config import password_hashing

# ``PASSWORD_HASHING=fast`` (the test suite's setting, refused in production): Argon2id at its
# lightest, since the suite signs up and logs in thousands of times and argon2-cffi's defaults
# (64 MiB, 3 passes, 4 lanes) cost about a quarter of a CPU second each on the CI machine. A
# hash says its own parameters, so either profile verifies the other's hashes.
_hasher = (
    PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if password_hashing() == "fast" else PasswordHasher()
)
# Verified when an email is unknown, so a miss costs the same time as a wrong password.
_DECOY_HASH = _hasher.hash("decoy password never used by anyone")


def hash_password(password: str) -> str:
    """An Argon2id hash with a fresh salt."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing hash spends the same time and says False."""
    try:
        return _hasher.verify(password_hash or _DECOY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
