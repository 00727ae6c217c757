"""The partner API v2 payload as the v1 offer command, and v1's errors as the national API's."""

from __future__ import annotations

import json

import pytest

from services.common.errors import DomainError
from services.common.school_calendar import SchoolYear, Week
from services.offers.partner_payload import PartnerOfferBody, command_of
from services.offers.partner_translation import V1_PATH, V2_FIELD, v2_field, v2_fields, v2_messages
from tests.support.partner import partner_payload, seconde_weeks
from tests.support.school_weeks import FIXED_TODAY

pytestmark = pytest.mark.unit

SAMPLES = "api-v2-samples/internship_offers"
TODAY = FIXED_TODAY


def refused(payload, stored=None, approved=0) -> DomainError:
    with pytest.raises(DomainError) as caught:
        command_of(payload, stored, TODAY, approved)
    return caught.value


def v2_answer(error: DomainError) -> str:
    """The answer's body as the gateway writes it on a v2 route: ``error`` is the fields of a
    validation error, the message otherwise."""
    return json.dumps({"code": error.code, "error": error.fields or error.message}, ensure_ascii=False, indent=2)


def sample(shared_data, name: str) -> str:
    return (shared_data / SAMPLES / name).read_text(encoding="utf-8").strip()


def stored() -> dict:
    """A partner's offer as the update starts from it (``partner._stored``)."""
    return command_of(partner_payload(today=TODAY), None, TODAY).body.model_dump(mode="json", exclude={"published_at"})


def test_every_v2_field_lands_on_a_field_of_the_v1_command():
    for name, path in V1_PATH.items():
        model = PartnerOfferBody
        for key in path[:-1]:
            model = model.model_fields[key].annotation
        assert path[-1] in model.model_fields, name
    # and back: each error of a v1 field is told under the v2 field of the same name
    assert all(v2_field(".".join(path)) in (name, "sector") for name, path in V1_PATH.items())
    assert v2_field("daily_hours.lundi") == "daily_hours"
    assert v2_field("place.latitude") == v2_field("place.longitude") == "coordinates"
    assert v2_field("college_weeks") == v2_field("seconde_period") == "weeks"
    assert set(V2_FIELD.values()) - set(V1_PATH) == {"sector", "coordinates", "grades", "weeks"}


def test_the_samples_messages_and_v1_french_for_the_rest():
    assert v2_messages("title", "missing", "Ce champ est obligatoire.") == ("Missing title",)
    assert v2_messages("zipcode", "missing", "…") == ("Missing zipcode", "is invalid")
    assert v2_messages("employer_description", "missing", "…") == ("doit être rempli(e)",)
    assert v2_messages("coordinates", "less_than_equal", "…") == ("Missing coordinates",)
    too_long = v2_messages("employer_name", "string_too_long", "…", {"max_length": 150})
    assert too_long == ("Employer name too long, allowed up to 150 chars",)
    assert v2_messages("max_candidates", "less_than_equal", "Doit être inférieur ou égal à 6000.") == (
        "Doit être inférieur ou égal à 6000.",
    )
    rules = {"college_weeks": ["La semaine 2026-W01 est passée."], "reserved_for.qpv": ["QPV…"], "title": ["x"]}
    assert list(v2_fields(rules).items()) == [("title", ["x"]), ("weeks", rules["college_weeks"]), ("qpv", ["QPV…"])]


def test_a_payload_becomes_the_v1_command():
    command = command_of(partner_payload(today=TODAY, employer_website="http://google.fr"), None, TODAY)
    body = command.body
    assert (body.employer.name, body.employer.siret, body.employer.website) == ("Octo", None, "http://google.fr")
    assert (body.place.zipcode, body.place.latitude, body.sector) == ("75001", 48.866667, "s31")
    assert body.daily_hours["lundi"] == ["09:00", "17:00"]  # v1's hours, "9:00" accepted as v2 says
    assert (body.grades, body.seconde_period, body.lunch_break) == (["troisieme"], None, None)
    assert body.college_weeks == [str(Week.parse(week)) for week in partner_payload(today=TODAY)["weeks"]]
    assert (body.max_candidates, body.remote_id, command.says_publication) == (2, "offre-1", False)
    seconde = command_of(partner_payload(today=TODAY, grades=["seconde"], weeks=seconde_weeks(TODAY)), None, TODAY).body
    assert (seconde.seconde_period, seconde.college_weeks) == ("two_weeks", None)


def test_the_create_bad_request_sample_replays_byte_for_byte(shared_data):
    assert v2_answer(refused({"title": ""})) == sample(shared_data, "create/bad_request.json")


def test_the_update_samples_replay_byte_for_byte(shared_data):
    long = refused({"description": "x" * 1501}, stored())
    assert v2_answer(long) == sample(shared_data, "update/bad_request.json")
    bad_week = refused({"weeks": ["2020-Wsem9-23"]}, stored())
    assert v2_answer(bad_week) == sample(shared_data, "update/unprocessable_entity_bad_data.json")


def test_the_wrong_params_samples_replay_byte_for_byte(shared_data):
    mixed = refused(partner_payload(today=TODAY, grades=["troisieme", "seconde"]))
    assert v2_answer(mixed) == sample(shared_data, "create/unprocessable_entity_mixed_grades.json")
    one_week = refused(partner_payload(today=TODAY, grades=["seconde"], weeks=seconde_weeks(TODAY)[:1]))
    assert v2_answer(one_week) == sample(shared_data, "create/unprocessable_entity_missing_mandatory_weeks.json")
    assert refused([]).code == refused({}).code == "BAD_PAYLOAD"
    assert refused(partner_payload(today=TODAY, weeks=[])).fields == {"weeks": ["Missing weeks"]}


def test_v1_rules_apply_to_partners_under_v2_fields():
    year = SchoolYear.current(TODAY)
    first = year.first_college_week
    past = [first.unpadded()] if first.friday < TODAY else None
    rep_seconde = refused(partner_payload(today=TODAY, grades=["seconde"], weeks=seconde_weeks(TODAY), rep=True))
    assert (rep_seconde.code, list(rep_seconde.fields)) == ("VALIDATION_ERROR", ["rep"])
    assert "collèges" in rep_seconde.fields["rep"][0]  # v1's French message
    short = refused(partner_payload(today=TODAY, description="court", max_candidates=0))
    assert short.fields == {
        "description": ["Doit contenir au moins 10 caractère(s)."],
        "max_candidates": ["Doit être supérieur ou égal à 1."],
    }
    if past is not None:
        assert list(refused(partner_payload(today=TODAY, weeks=past)).fields) == ["weeks"]
    fewer = refused({"max_candidates": 1}, stored(), approved=2)
    assert list(fewer.fields) == ["max_candidates"]


def test_an_update_changes_only_what_it_gives():
    command = command_of({"title": "hellow", "published_at": None}, stored(), TODAY)
    assert (command.body.title, command.body.employer.description) == ("hellow", "Cabinet de conseil en informatique.")
    assert command.says_publication and command.body.published_at is None
    assert command.body.college_weeks == stored()["college_weeks"]
    assert refused({"title": "  "}, stored()).fields == {"title": ["Missing title"]}
    # weeks alone keep the offer's grades
    only_weeks = command_of({"weeks": partner_payload(today=TODAY)["weeks"][:1]}, stored(), TODAY).body
    assert (only_weeks.grades, len(only_weeks.college_weeks)) == (["troisieme"], 1)
