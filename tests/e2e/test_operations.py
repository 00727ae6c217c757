"""What operators rely on: health, readiness, metrics, OpenAPI and documentation."""

from __future__ import annotations

import time

import pytest
import requests

pytestmark = pytest.mark.e2e


def test_health_and_readiness(stack):
    assert requests.get(f"{stack.url}/health", timeout=5).json() == {"status": "ok"}
    ready = requests.get(f"{stack.url}/health/ready", timeout=5)
    assert ready.status_code == 200
    assert ready.json() == {
        "services": {name: "ok" for name in ("conventions", "identity", "matching", "notifications", "offers")}
    }


def test_metrics_count_requests(stack):
    requests.get(f"{stack.url}/health", timeout=5)
    text = requests.get(f"{stack.url}/metrics", timeout=5).text
    assert 'gateway_http_requests_total{method="GET",route="/health",status="200"}' in text
    assert "gateway_http_request_duration_seconds_bucket" in text


def test_openapi_describes_every_route_with_the_validation_models(stack):
    document = requests.get(f"{stack.url}/api/openapi.json", timeout=5).json()
    assert document["openapi"].startswith("3.1")
    signup = document["paths"]["/api/v1/auth/signup"]["post"]
    assert signup["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SignupRequest"
    }
    schema = document["components"]["schemas"]["SignupRequest"]
    assert schema["properties"]["password"]["minLength"] == 12
    assert set(schema["required"]) >= {"email", "password", "first_name", "last_name", "role"}
    assert {"/api/v1/me", "/api/v1/auth/logout", "/health/ready", "/metrics"} <= set(document["paths"])
    assert document["paths"]["/api/v1/me"]["get"]["security"] == [{"bearerAuth": []}]

    docs = requests.get(f"{stack.url}/api/docs", timeout=5)
    assert docs.headers["Content-Type"].startswith("text/html")
    assert "/api/v1/auth/signup" in docs.text


def test_a_stopped_service_makes_readiness_fail_fast_and_calls_answer_503(stack):
    stack.stop_process("identity")
    try:
        started = time.monotonic()
        ready = requests.get(f"{stack.url}/health/ready", timeout=10)
        elapsed = time.monotonic() - started
        assert ready.status_code == 503
        assert ready.json()["services"]["identity"] == "unavailable"
        assert "identity" in ready.json()["message"]
        assert elapsed < 3.0

        login = requests.post(
            f"{stack.url}/api/v1/auth/login", json={"email": "a@b.fr", "password": "x" * 12}, timeout=15
        )
        assert (login.status_code, login.json()["code"]) == (503, "SERVICE_UNAVAILABLE")
    finally:
        stack.start_process("identity")
        stack.wait_ready(60)
