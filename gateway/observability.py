"""Request logging (JSON lines) and Prometheus metrics of the gateway."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from services.common import dead_letters

access_log = logging.getLogger("gateway.access")
_log = logging.getLogger(__name__)

REQUESTS = Counter("gateway_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "gateway_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
UNAVAILABLE = Counter(
    "gateway_service_unavailable_total", "Calls answered 503 because a service did not answer", ["route"]
)


class DeadLetterCollector:
    """``event_dead_letters{service}``: events set aside per service, read from the broker at
    each scrape (the services that set them aside serve no metrics of their own)."""

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "event_dead_letters",
            "Events no handler could apply, waiting in the service's dead-letter queue "
            "(python -m services.common.dead_letters list --service NAME)",
            labels=["service"],
        )

    def describe(self) -> Iterator[Metric]:
        """The metric's name without its values: registering asks for it, and must not reach the broker."""
        yield self._family()

    def collect(self) -> Iterator[Metric]:
        family = self._family()
        try:
            counts = dead_letters.waiting()
        except Exception as error:  # the broker is away: the other metrics still answer
            _log.warning("dead letters not counted: %s", error)
            return
        for service, count in counts.items():
            family.add_metric([service], count)
        yield family


REGISTRY.register(DeadLetterCollector())


@functools.cache
def _counted(method: str, route: str, status: int) -> Any:
    # ``labels()`` takes a lock and checks its arguments on every call; a route's children
    # are few (methods x statuses) and live as long as the process.
    return REQUESTS.labels(method, route, str(status))


@functools.cache
def _timed(method: str, route: str) -> Any:
    return LATENCY.labels(method, route)


def record(
    method: str, route: str, path: str, status: int, seconds: float, user_id: int | None, request_id: str
) -> None:
    """Count and time one answered request, and log it as one JSON line."""
    _counted(method, route, status).inc()
    _timed(method, route).observe(seconds)
    if status == 503:
        UNAVAILABLE.labels(route).inc()
    access_log.info(
        "%s %s %s",
        method,
        path,
        status,
        extra={
            "method": method,
            "path": path,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "user_id": user_id,
            "request_id": request_id,
        },
    )


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus text format and their content type."""
    return generate_latest(), CONTENT_TYPE_LATEST
