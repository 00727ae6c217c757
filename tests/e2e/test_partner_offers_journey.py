"""A partner client's offers, through /api/v2 only, answers checked against the national samples."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.test_partner_api import operator_token
from tests.support.partner import partner_payload, seconde_weeks

pytestmark = pytest.mark.e2e

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "api-v2-samples" / "internship_offers"
# Ours, after the national fields of the operator's own offers (``services.offers.partner.review_state``).
REVIEW_FIELDS = ["need_to_be_updated", "update_reason"]


def sample(name: str) -> Any:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"partner API samples not found at {SAMPLES} (the shared/ folder beside the checkout)")
    return json.loads(path.read_text())


def same_shape(answer: Any, expected: Any, where: str = "") -> None:
    """Same keys, in depth, and the same JSON types where the sample has a value."""
    if isinstance(expected, dict):
        assert isinstance(answer, dict), where
        assert list(answer) == list(expected), f"{where}: {list(answer)} != {list(expected)}"
        for key, value in expected.items():
            same_shape(answer[key], value, f"{where}.{key}")
    elif isinstance(expected, list) and expected:
        assert isinstance(answer, list), where
        for item in answer:
            same_shape(item, expected[0], f"{where}[]")
    elif expected is not None and answer is not None:
        assert isinstance(answer, type(expected)) or (isinstance(expected, float) and isinstance(answer, int)), where


def national(offer: dict[str, Any]) -> dict[str, Any]:
    """An answer about one of the operator's own offers without our two review fields, once
    checked that they end it and say the offer is up to date."""
    assert list(offer)[-2:] == REVIEW_FIELDS and (offer["need_to_be_updated"], offer["update_reason"]) == (False, None)
    return {key: value for key, value in offer.items() if key not in REVIEW_FIELDS}


def searched(url: str, params: dict[str, Any], headers: dict[str, str], total: int) -> requests.Response:
    """The search's answer once it counts ``total`` offers: matching's index follows the
    offers' events, a moment after each change."""
    deadline = time.monotonic() + 10
    while True:
        answer = requests.get(url, params=params, headers=headers, timeout=10)
        if answer.status_code != 200 or answer.json()["pagination"]["totalInternshipOffers"] == total:
            return answer
        if time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


def test_login_create_index_update_search_unpublish_destroy(stack):
    sample("create/created.json")
    headers = {"Authorization": f"Bearer {operator_token(stack, 'Mon stage partenaire')}"}
    offers = f"{stack.url}/api/v2/internship_offers"

    created = requests.post(offers, json={"internship_offer": partner_payload()}, headers=headers, timeout=10)
    assert created.status_code == 201, created.text
    same_shape(national(created.json()), sample("create/created.json"))
    seconde = partner_payload(remote_id="offre-2de", grades=["seconde"], weeks=seconde_weeks())
    assert requests.post(offers, json={"internship_offer": seconde}, headers=headers, timeout=10).status_code == 201

    duplicate = requests.post(offers, json={"internship_offer": partner_payload()}, headers=headers, timeout=10)
    assert duplicate.status_code == 409
    same_shape(duplicate.json(), sample("create/conflict.json"))
    mixed = partner_payload(remote_id="x", grades=["troisieme", "seconde"])
    wrong = requests.post(offers, json={"internship_offer": mixed}, headers=headers, timeout=10)
    assert (wrong.status_code, wrong.json()) == (422, sample("create/unprocessable_entity_mixed_grades.json"))
    missing = requests.post(offers, json={"internship_offer": {"title": ""}}, headers=headers, timeout=10)
    assert missing.status_code == 400
    assert set(missing.json()["error"]) == set(sample("create/bad_request.json")["error"])
    no_root = requests.post(offers, json={"offer": {}}, headers=headers, timeout=10)
    assert (no_root.status_code, no_root.json()) == (422, sample("create/unprocessable_entity_bad_payload.json"))

    index = requests.get(offers, headers=headers, timeout=10)
    assert index.status_code == 200
    own = {**index.json(), "internshipOffers": [national(offer) for offer in index.json()["internshipOffers"]]}
    same_shape(own, sample("index/success.json"))
    assert index.json()["pagination"]["totalInternshipOffers"] == 2

    updated = requests.patch(
        f"{offers}/offre-1", json={"internship_offer": {"title": "hellow"}}, headers=headers, timeout=10
    )
    assert updated.status_code == 200
    same_shape(national(updated.json()), sample("update/ok.json"))
    assert updated.json()["title"] == "hellow"

    found = searched(f"{offers}/search", {"keyword": "hellow"}, headers, total=1)
    assert found.status_code == 200
    same_shape(found.json(), sample("search/success.json"))
    assert [o["remote_id"] for o in found.json()["internshipOffers"]] == ["offre-1"]

    hidden = requests.patch(
        f"{offers}/offre-1", json={"internship_offer": {"published_at": None}}, headers=headers, timeout=10
    )
    assert hidden.json()["published_at"] is None
    after = searched(f"{offers}/search", {"keyword": "hellow"}, headers, total=0).json()
    assert after["pagination"]["totalInternshipOffers"] == 0

    destroyed = requests.delete(f"{offers}/offre-1", headers=headers, timeout=10)
    assert destroyed.status_code == 200
    same_shape(national(destroyed.json()), sample("destroy/ok.json"))
    again = requests.delete(f"{offers}/offre-1", headers=headers, timeout=10)
    assert (again.status_code, again.json()) == (409, sample("destroy/conflict.json"))
    unknown = requests.delete(f"{offers}/jamais-vue", headers=headers, timeout=10)
    assert (unknown.status_code, unknown.json()) == (404, sample("destroy/not_found.json"))


def test_an_operator_cannot_touch_another_operators_offers(stack):
    sample("update/forbidden.json")
    owner = {"Authorization": f"Bearer {operator_token(stack, 'Premier')}"}
    other = {"Authorization": f"Bearer {operator_token(stack, 'Second')}"}
    offers = f"{stack.url}/api/v2/internship_offers"
    payload = partner_payload(remote_id="chez-moi")
    assert requests.post(offers, json={"internship_offer": payload}, headers=owner, timeout=10).status_code == 201
    patch = requests.patch(f"{offers}/chez-moi", json={"internship_offer": {"title": "x"}}, headers=other, timeout=10)
    assert (patch.status_code, patch.json()) == (403, sample("update/forbidden.json"))
    delete = requests.delete(f"{offers}/chez-moi", headers=other, timeout=10)
    assert (delete.status_code, delete.json()) == (403, sample("destroy/forbidden.json"))
    assert requests.get(offers, headers=other, timeout=10).json()["pagination"]["totalInternshipOffers"] == 0
    anonymous = requests.get(offers, timeout=10)
    assert (anonymous.status_code, anonymous.json()) == (401, sample("index/unauthorized.json"))
