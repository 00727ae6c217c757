import pytest

from gateway.error_statuses import status_of
from services.common.contracts.identity import SignupRequest
from services.common.errors import DomainError
from services.common.validation import parse

pytestmark = pytest.mark.unit

GOOD = {"email": "a@b.fr", "password": "douze-caracteres", "first_name": "A", "last_name": "B", "role": "employer"}


def errors_of(data):
    with pytest.raises(DomainError) as caught:
        parse(SignupRequest, data)
    assert status_of(caught.value) == 422
    assert caught.value.code == "VALIDATION_ERROR"
    return caught.value.fields


def test_a_valid_employer_signup_parses():
    assert parse(SignupRequest, GOOD).role == "employer"


def test_missing_and_short_fields_are_named_in_french():
    fields = errors_of({"email": "pas-un-email", "password": "court", "role": "employer"})
    assert fields["password"] == ["Doit contenir au moins 12 caractère(s)."]
    assert fields["first_name"] == ["Ce champ est obligatoire."]
    assert "email" in fields


def test_student_needs_school_and_grade():
    fields = errors_of({**GOOD, "role": "student"})
    assert fields == {
        "school_uai": ["Indiquez l'établissement (code UAI)."],
        "grade": ["Indiquez la classe : quatrieme, troisieme ou seconde."],
    }


def test_uai_checksum_and_phone_are_checked():
    fields = errors_of({**GOOD, "role": "teacher", "school_uai": "0752694X", "phone": "123"})
    assert fields["school_uai"] == ["Code UAI invalide (7 chiffres et une lettre de contrôle)."]
    assert fields["phone"] == ["Numéro de téléphone invalide."]


def test_unknown_role_lists_the_allowed_values():
    fields = errors_of({**GOOD, "role": "admin"})
    assert "employer" in fields["role"][0]


def test_unknown_fields_are_refused():
    assert errors_of({**GOOD, "is_admin": True}) == {"is_admin": ["Champ inconnu."]}


def test_a_body_that_is_not_an_object_is_a_bad_request():
    with pytest.raises(DomainError) as caught:
        parse(SignupRequest, [1, 2])
    assert status_of(caught.value) == 400


def test_a_domain_error_survives_nameko_serialisation():
    from nameko.exceptions import deserialize, serialize

    from services.common.errors import rate_limited, validation_error

    for error in (validation_error({"email": ["Adresse invalide."]}), rate_limited(42, "Trop de tentatives.")):
        rebuilt = deserialize(serialize(error))
        assert type(rebuilt) is DomainError
        assert (rebuilt.code, rebuilt.message, rebuilt.fields, rebuilt.retry_after) == (
            error.code,
            error.message,
            error.fields,
            error.retry_after,
        )


def test_cross_field_errors_are_reported_with_the_other_field_errors():
    fields = errors_of({"email": "x", "password": "court", "first_name": "A", "last_name": "B", "role": "student"})
    assert {"email", "password", "school_uai", "grade"} == set(fields)


def test_a_malformed_email_address_is_refused_in_french():
    with pytest.raises(DomainError) as refused:
        parse(
            SignupRequest,
            {"email": "pas-une-adresse", "password": "x" * 12, "first_name": "A", "last_name": "B", "role": "employer"},
        )
    assert refused.value.fields == {"email": ["Adresse électronique invalide (format attendu : nom@domaine.fr)."]}
