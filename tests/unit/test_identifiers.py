import pytest

from services.common.identifiers import is_valid_siret, is_valid_uai, mask_phone, normalize_phone, readable_phone

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("uai", ["0752694W", "0751710B", "0932030B", " 0752694w "])
def test_real_uais_pass_their_checksum(uai):
    assert is_valid_uai(uai)


@pytest.mark.parametrize("uai", ["0752694X", "075269W", "07526940", "ABCDEFGH", ""])
def test_wrong_uais_fail(uai):
    assert not is_valid_uai(uai)


@pytest.mark.parametrize("siret", ["73282932000074", "35600000049837", "356 000 000 49837"])
def test_valid_sirets_including_la_poste(siret):
    assert is_valid_siret(siret)


@pytest.mark.parametrize("siret", ["73282932000075", "1234567890123", "abcdefghijklmn", "35600000049838"])
def test_invalid_sirets(siret):
    assert not is_valid_siret(siret)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("+33612345678", "+33612345678"),
        ("0690 12 34 56", "+590690123456"),
        ("+262 692 12 34 56", "+262692123456"),
    ],
)
def test_french_numbers_including_overseas(raw, e164):
    assert normalize_phone(raw) == e164


def test_invalid_phone_is_refused():
    assert normalize_phone("12") is None
    assert normalize_phone("pas un numéro") is None


def test_mask_phone_keeps_only_the_last_digits():
    assert mask_phone("+33612345678") == "+33 6 ** ** ** 78"


@pytest.mark.parametrize(
    ("e164", "text"),
    [
        ("+33123456789", "01 23 45 67 89"),
        ("+33612345678", "06 12 34 56 78"),
        ("+590690123456", "0690 12 34 56"),
        ("+4915123456789", "+49 1512 3456789"),
        ("pas un numéro", "pas un numéro"),
    ],
)
def test_a_phone_reads_the_french_way_and_abroad_keeps_its_country_code(e164, text):
    assert readable_phone(e164) == text
