"""The security tests' fixtures: a host's and an operator's tokens on the session's platform (``stack``)."""

from __future__ import annotations

import pytest

from tests.e2e.test_host_journey import logged_in_host
from tests.e2e.test_partner_api import operator_token


@pytest.fixture(scope="module")
def host_auth(stack) -> dict[str, str]:
    """``Authorization`` of a confirmed host (an employer) signed up through the API."""
    return logged_in_host(stack)


@pytest.fixture(scope="module")
def operator_auth(stack) -> dict[str, str]:
    """``Authorization`` of a partner API v2 operator."""
    return {"Authorization": f"Bearer {operator_token(stack, 'Opérateur de test')}"}
