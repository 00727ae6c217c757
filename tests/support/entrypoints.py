"""Calling one entrypoint of a running container from a test, and getting that call's answer.

nameko's ``entrypoint_hook`` spawns a worker, then waits for the first worker of that entrypoint
to finish, whichever it is: when another service calls the same entrypoint at the same time
(offers asking matching's ``unknown_schools`` while the test asks it too), the test can get the
other call's answer. The worker tells whose it is: the hook here waits for its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from nameko.extensions import Entrypoint
from nameko.testing.services import entrypoint_waiter
from nameko.testing.utils import get_extension

from services.common.errors import DomainError

HOOK_TIMEOUT = 30.0


@contextmanager
def own_hook(container: Any, method: str, timeout: float = HOOK_TIMEOUT) -> Iterator[Callable[..., Any]]:
    """A function that runs ``method`` of ``container`` as a worker and returns (or raises)
    what that worker did, ignoring the other calls of the same entrypoint meanwhile."""
    entrypoint = get_extension(container, Entrypoint, method_name=method)
    if entrypoint is None:
        raise LookupError(f"{container.service_name} has no entrypoint {method}")

    def hook(*args: Any, **kwargs: Any) -> Any:
        spawned: list[Any] = []

        def is_ours(worker_ctx: Any, result: Any, exc_info: Any) -> bool:
            # Eventlet runs the new worker only once this green thread yields, so ``spawned``
            # holds its context before any worker of ours can finish.
            return bool(spawned) and worker_ctx is spawned[0]

        with entrypoint_waiter(container, method, timeout=timeout, callback=is_ours) as result:
            spawned.append(container.spawn_worker(entrypoint, args, kwargs))
        return result.get()

    yield hook


def call(container: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    """Run one entrypoint of a running container and return its answer (or raise its error)."""
    with own_hook(container, method) as hook:
        return hook(*args, **kwargs)


def refused(container: Any, method: str, *args: Any) -> DomainError:
    """The ``DomainError`` one entrypoint call raises; the test fails if the call answers."""
    with pytest.raises(DomainError) as error:
        call(container, method, *args)
    return error.value
