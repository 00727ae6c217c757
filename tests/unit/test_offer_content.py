"""One model of an offer's content: its new fields' checks, and the one mapping to the table
from which the body, the pupils' preview and the flat contracts derive."""

from datetime import date

import pytest

from services.common.contracts.offers import OfferBody, OfferForApplication, OfferSnapshot
from services.common.errors import DomainError
from services.common.ministries import MINISTRIES
from services.common.validation import parse
from services.offers import offer_mapping
from services.offers.catalogue import preview_of, snapshot
from services.offers.models import Offer
from tests.support.offers import offer_body

pytestmark = pytest.mark.unit

TODAY = date(2026, 11, 29)
PUBLIC = {**offer_body(today=TODAY)["employer"], "is_public": True}


def fields_of(data):
    with pytest.raises(DomainError) as caught:
        parse(OfferBody, data)
    return caught.value.fields


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("01 23 45 67 89", "+33123456789"),
        ("06.12.34.56.78", "+33612345678"),
        ("+33 4 78 00 00 00", "+33478000000"),
        ("0692 12 34 56", "+262692123456"),  # La Réunion, written nationally
        ("", None),
    ],
)
def test_the_contact_phone_is_a_french_number_by_default_stored_in_e164(typed, stored):
    assert parse(OfferBody, offer_body(today=TODAY, contact_phone=typed)).contact_phone == stored


@pytest.mark.parametrize("typed", ["12345", "01 23 45", "téléphone", "+1 202"])
def test_a_wrong_contact_phone_is_refused_naming_the_field(typed):
    messages = fields_of(offer_body(today=TODAY, contact_phone=typed))["contact_phone"]
    assert messages == [
        "Téléphone de contact pour l'établissement invalide : indiquez un numéro français (01 23 45 67 89)."
    ]


def test_a_public_body_may_name_a_ministry_of_the_closed_list_only():
    assert (
        parse(OfferBody, offer_body(today=TODAY, employer={**PUBLIC, "ministry": MINISTRIES[3]})).employer.ministry
        == MINISTRIES[3]
    )
    assert parse(OfferBody, offer_body(today=TODAY, employer=PUBLIC)).employer.ministry is None
    unknown = fields_of(offer_body(today=TODAY, employer={**PUBLIC, "ministry": "Ministère de la Magie"}))
    assert unknown["employer.ministry"] == ["Ministère de tutelle inconnu : choisissez-le dans la liste."]


def test_a_private_body_names_no_ministry():
    private = {**PUBLIC, "is_public": False, "ministry": MINISTRIES[0]}
    assert fields_of(offer_body(today=TODAY, employer=private))["employer.ministry"] == [
        "Le ministère de tutelle ne s'indique que pour un organisme du secteur public."
    ]


def test_the_trade_name_is_optional_and_a_blank_one_is_none():
    assert (
        parse(OfferBody, offer_body(today=TODAY, employer={**PUBLIC, "trade_name": "  "})).employer.trade_name is None
    )
    named = parse(OfferBody, offer_body(today=TODAY, employer={**PUBLIC, "trade_name": " Au Bon Pain "}))
    assert named.employer.trade_name == "Au Bon Pain"
    assert "employer.trade_name" in fields_of(offer_body(today=TODAY, employer={**PUBLIC, "trade_name": "x" * 151}))


def stored(**changes) -> Offer:
    """An offer row as ``apply`` fills it (not in a database: the mapping is plain Python)."""
    offer = Offer(id=7, version=3, status="published", team_id=1, approved_count=0)
    offer_mapping.apply(offer, parse(OfferBody, offer_body(today=TODAY, **changes)))
    return offer


def test_the_row_gives_back_the_body_it_stored_field_for_field():
    body = parse(
        OfferBody,
        offer_body(
            today=TODAY,
            space_id=4,
            contact_phone="01 23 45 67 89",
            employer={**PUBLIC, "trade_name": "Au Bon Pain", "ministry": MINISTRIES[1]},
            reserved_for={"rep": True, "qpv": False, "school_uais": ["0131260Z", "0752694W"]},
        ),
    )
    offer = Offer()
    offer_mapping.apply(offer, body)
    assert (offer.employer_trade_name, offer.employer_ministry, offer.contact_phone) == (
        "Au Bon Pain",
        MINISTRIES[1],
        "+33123456789",
    )
    assert offer_mapping.body_of(offer) == body.model_dump(mode="json")
    assert list(offer_mapping.body_of(offer)) == list(OfferBody.model_fields)


def test_pupils_see_the_trade_name_but_neither_the_contact_phone_nor_the_siret():
    offer = stored(contact_phone="0123456789", employer={**PUBLIC, "trade_name": "Au Bon Pain"})
    preview = preview_of(offer, TODAY)
    assert preview["employer"]["trade_name"] == "Au Bon Pain"
    assert "contact_phone" not in preview
    assert "siret" not in preview["employer"]
    assert "max_candidates" not in preview


def test_the_flat_contracts_take_the_columns_of_their_names():
    offer = stored(contact_phone="0123456789", employer={**PUBLIC, "trade_name": "Au Bon Pain"})
    values = offer_mapping.flat_values(offer, OfferForApplication)
    assert (values["contact_phone"], values["employer_trade_name"]) == ("+33123456789", "Au Bon Pain")
    assert values["employer_siret"] == PUBLIC["siret"]
    event = snapshot(offer, TODAY)
    assert isinstance(event, OfferSnapshot)
    assert (event.offer_id, event.version, event.employer_name) == (7, 3, PUBLIC["name"])
    assert "contact_phone" not in event.model_dump()  # matching does not need it
