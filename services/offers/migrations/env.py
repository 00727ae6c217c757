"""Alembic environment of the offers service."""

from services.common.migrations import run_env
from services.offers.models import Base

run_env(Base.metadata)
