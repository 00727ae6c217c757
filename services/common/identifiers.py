"""French identifiers: UAI (school), SIRET (organisation), mobile phone numbers."""

from __future__ import annotations

import re

import phonenumbers

_UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_UAI_PATTERN = re.compile(r"^\d{7}[A-Z]$")
LA_POSTE_SIREN = "356000000"


def normalize_uai(value: str) -> str:
    """Upper-cased, trimmed UAI."""
    return value.strip().upper()


def is_valid_uai(value: str) -> bool:
    """7 digits and the checksum letter ``LETTERS[int(digits) % 23]``."""
    uai = normalize_uai(value)
    if not _UAI_PATTERN.match(uai):
        return False
    return _UAI_LETTERS[int(uai[:7]) % 23] == uai[7]


def is_valid_siret(value: str) -> bool:
    """14 digits with a Luhn check; La Poste's establishments sum their digits to a multiple of 5."""
    siret = re.sub(r"\s", "", value)
    if not re.fullmatch(r"\d{14}", siret):
        return False
    if siret.startswith(LA_POSTE_SIREN):
        return sum(int(digit) for digit in siret) % 5 == 0
    total = 0
    for index, char in enumerate(reversed(siret)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


# Overseas departments and collectivities have their own country codes; their numbers are
# written nationally with a leading 0 like metropolitan ones (0690…, 0692…).
_FRENCH_REGIONS = ("FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF")


def normalize_phone(value: str) -> str | None:
    """E.164 form of a valid French phone number, overseas included; None when invalid."""
    for region in _FRENCH_REGIONS:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if value.strip().startswith(("+", "00")):
            return None  # an international number does not depend on the region tried
    return None


def readable_phone(e164: str) -> str:
    """``+33123456789`` → ``01 23 45 67 89``: a French number as people read it (``+…`` abroad)."""
    try:
        number = phonenumbers.parse(e164, "FR")
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) not in _FRENCH_REGIONS:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def mask_phone(e164: str) -> str:
    """``+33612345678`` → ``+33 6 ** ** ** 78``: enough to recognise, not to reuse."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return "*" * len(e164)
    national = str(number.national_number)
    return f"+{number.country_code} {national[0]} ** ** ** {national[-2:]}"
