"""Pages of Tous mes espaces: spaces, notifications, invitations, members; the invitation link."""

from __future__ import annotations


class TeamPages:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""
