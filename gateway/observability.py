"""Request logging (JSON lines) and Prometheus metrics of the gateway."""

from __future__ import annotations

import logging

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

access_log = logging.getLogger("gateway.access")

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


def record(
    method: str, route: str, path: str, status: int, seconds: float, user_id: int | None, request_id: str
) -> None:
    """Count and time one answered request, and log it as one JSON line."""
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)
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
