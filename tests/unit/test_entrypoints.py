"""Every process's entrypoints are declared the one way: RPCs expect domain errors, event
handlers are redelivered while what they need is away and have their effect once.

The service classes are read as nameko reads them (the ``nameko_entrypoints`` of their
attributes), so a method added with nameko's own ``@rpc`` or ``@event_handler`` fails here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from nameko.events import EventHandler
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR, Entrypoint
from nameko.rpc import Rpc

from services.common.config import PROCESSES
from services.common.entrypoints import rpc
from services.common.errors import DomainError
from services.common.idempotency import idempotent_by_design, once_only, once_per_event
from services.common.redelivery import reliable_handler, requeues_while_unavailable
from services.common.runner import service_class

pytestmark = pytest.mark.unit


def entrypoints(cls: type) -> Iterator[tuple[str, Callable[..., Any], Entrypoint]]:
    """``(method name, function, entrypoint)`` of every entrypoint of ``cls``, inherited too."""
    for name, function in inspect.getmembers(cls, callable):
        for entrypoint in getattr(function, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            yield name, function, entrypoint


def of_kind(kind: type[Entrypoint]) -> list[tuple[str, Callable[..., Any], Entrypoint]]:
    return [
        (f"{process}.{name}", function, entrypoint)
        for process in PROCESSES
        for name, function, entrypoint in entrypoints(service_class(process))
        if isinstance(entrypoint, kind)
    ]


def rpc_problems(found: list[tuple[str, Callable[..., Any], Entrypoint]]) -> list[str]:
    return [name for name, _, entrypoint in found if DomainError not in entrypoint.expected_exceptions]


def handler_problems(found: list[tuple[str, Callable[..., Any], Entrypoint]]) -> list[str]:
    problems = []
    for name, function, entrypoint in found:
        assert isinstance(entrypoint, EventHandler)
        if not (entrypoint.requeue_on_error and requeues_while_unavailable(function)):
            problems.append(f"{name}: not declared with services.common.redelivery.reliable_handler")
        if once_only(function) is None:
            problems.append(f"{name}: neither once_per_event nor idempotent_by_design")
    return problems


def test_every_rpc_expects_domain_errors():
    found = of_kind(Rpc)
    # Every service has its ping, and the domain services many more.
    assert {name.split(".")[0] for name, _, _ in found} >= {"identity", "offers", "matching", "conventions"}
    assert len(found) > 50
    assert rpc_problems(found) == []


def test_every_event_handler_is_redelivered_and_has_its_effect_once():
    found = of_kind(EventHandler)
    assert {name.split(".")[0] for name, _, _ in found} == {
        "offers",
        "matching",
        "conventions",
        "notifications",
        "gateway",
    }
    assert handler_problems(found) == []


def test_a_method_declared_with_namekos_own_decorators_is_found():
    """The walk above sees what it must reject (else it could pass with nothing checked)."""
    from nameko.events import event_handler
    from nameko.rpc import rpc as nameko_rpc

    class Careless:
        name = "careless"

        @nameko_rpc
        def plain(self) -> None: ...

        @rpc
        def declared(self) -> None: ...

        @event_handler("offers", "offer_published")
        def lost_on_error(self, event: dict[str, Any]) -> None: ...

        @reliable_handler("offers", "offer_updated")
        def applied_twice(self, event: dict[str, Any]) -> None: ...

        @reliable_handler("offers", "offer_deleted")
        @once_per_event
        def right(self, session: Any, event: dict[str, Any]) -> None: ...

        @reliable_handler("offers", "offer_unpublished")
        @idempotent_by_design("a set")
        def also_right(self, event: dict[str, Any]) -> None: ...

    found = list(entrypoints(Careless))
    assert rpc_problems([entry for entry in found if isinstance(entry[2], Rpc)]) == ["plain"]
    assert handler_problems([entry for entry in found if isinstance(entry[2], EventHandler)]) == [
        "applied_twice: neither once_per_event nor idempotent_by_design",
        "lost_on_error: not declared with services.common.redelivery.reliable_handler",
        "lost_on_error: neither once_per_event nor idempotent_by_design",
    ]
