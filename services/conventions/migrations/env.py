"""Alembic environment of the conventions service."""

from services.common.migrations import run_env
from services.conventions.models import Base

run_env(Base.metadata)
