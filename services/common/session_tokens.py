"""Session tokens: JWTs signed by identity and checked by the gateway without a round-trip.

A token names its session (``sid``); logging out revokes that session in identity, which
publishes ``session_revoked`` so every gateway refuses the token at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from services.common.errors import unauthenticated

ALGORITHM = "HS256"
ISSUER = "1eleve1stage"


@dataclass(frozen=True)
class SessionClaims:
    """Who holds a token: the user, their role, and the session it belongs to."""

    user_id: int
    role: str
    session_id: str
    expires_at: datetime
    # Where the user belongs; a change of team or school ends the user's sessions.
    team_id: int | None = None
    school_uai: str | None = None
    grade: str | None = None


def issue(key: str, claims: SessionClaims) -> str:
    """Sign a token for ``claims``."""
    payload = {
        "sub": str(claims.user_id),
        "role": claims.role,
        "sid": claims.session_id,
        "team": claims.team_id,
        "uai": claims.school_uai,
        "grade": claims.grade,
        "iss": ISSUER,
        "iat": datetime.now(UTC),
        "exp": claims.expires_at,
    }
    return jwt.encode(payload, key, algorithm=ALGORITHM)


def read(key: str, token: str) -> SessionClaims:
    """The claims of a valid, unexpired token, or a 401 DomainError."""
    try:
        payload = jwt.decode(
            token, key, algorithms=[ALGORITHM], issuer=ISSUER, options={"require": ["exp", "sub", "sid"]}
        )
    except jwt.ExpiredSignatureError:
        raise unauthenticated("Votre session a expiré : reconnectez-vous.", "SESSION_EXPIRED") from None
    except jwt.PyJWTError:
        raise unauthenticated("Jeton d'authentification invalide.", "INVALID_TOKEN") from None
    return SessionClaims(
        user_id=int(payload["sub"]),
        role=str(payload.get("role", "")),
        session_id=str(payload["sid"]),
        expires_at=datetime.fromtimestamp(payload["exp"], UTC),
        team_id=payload.get("team"),
        school_uai=payload.get("uai"),
        grade=payload.get("grade"),
    )


def lifetime(hours: float) -> timedelta:
    return timedelta(hours=hours)
