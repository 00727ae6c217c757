"""identity, matching and offers in containers (and conventions), as the integration tests of
offers and of applications run them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from services.conventions.service import ConventionsService
from services.identity.service import IdentityService
from services.matching.service import MatchingService
from services.offers.service import OffersService
from tests.support.listener import OfferEventsListener


class OfferServices(NamedTuple):
    identity: Any
    matching: Any
    offers: Any
    listener: Any


def start_offer_services(start_service: Callable[..., Any]) -> OfferServices:
    """The three services, and a listener that records the offers' events heard from now on."""
    OfferEventsListener.received.clear()
    listener = start_service(OfferEventsListener)
    identity = start_service(IdentityService)
    matching = start_service(MatchingService)
    offers = start_service(OffersService)
    return OfferServices(identity, matching, offers, listener)


def start_application_services(start_service: Callable[..., Any]) -> tuple[Any, Any, Any]:
    """identity, matching, offers and conventions: the containers of identity, offers and
    conventions, those of the tests that apply to offers."""
    identity = start_service(IdentityService)
    start_service(MatchingService)
    offers = start_service(OffersService)
    conventions = start_service(ConventionsService)
    return identity, offers, conventions
