"""Alembic environment of the matching service."""

from services.common.migrations import run_env
from services.matching.models import Base

run_env(Base.metadata)
