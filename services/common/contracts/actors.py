"""Who calls: the gateway passes the authenticated caller to every service that owns data,
and the service decides what that caller may see and do."""

from __future__ import annotations

from pydantic import BaseModel


class Actor(BaseModel):
    user_id: int
    role: str
    team_id: int | None = None
    school_uai: str | None = None
    grade: str | None = None
    # A teacher's confirmation by their head of school, looked up by the gateway on every
    # request (so a confirmation counts at once); None for every other role, or unknown.
    school_confirmed: bool | None = None

    @property
    def is_host(self) -> bool:
        return self.role == "employer" and self.team_id is not None
