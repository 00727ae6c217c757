"""Signature codes, their rate limit and the drawn image's checks (no broker, no database)."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image, ImageDraw

from gateway.error_statuses import status_of
from services.common.errors import DomainError
from services.conventions import signature_codes as codes
from services.conventions.signature_images import parse_signature_image

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def test_codes_are_six_digits_and_kept_only_as_a_keyed_hash():
    drawn = {codes.new_code() for _ in range(200)}
    assert all(len(code) == 6 and code.isdigit() for code in drawn)
    assert len(drawn) > 150
    stored = codes.code_hash("secret", "req-1", "042917")
    assert "042917" not in stored
    assert codes.code_matches("secret", "req-1", "042917", stored)
    assert not codes.code_matches("secret", "req-1", "042918", stored)
    assert not codes.code_matches("secret", "req-2", "042917", stored)  # bound to its request
    assert not codes.code_matches("other", "req-1", "042917", stored)  # and to the platform's key


def test_the_sms_says_code_and_shows_the_digits():
    text = codes.sms_text("042917", 12)
    assert "code" in text and "042 917" in text and "12 conventions" in text


def test_three_codes_per_quarter_of_an_hour():
    assert codes.throttle([NOW - timedelta(minutes=1)] * 2, NOW).allowed
    sent = [NOW - timedelta(minutes=14), NOW - timedelta(minutes=5), NOW - timedelta(minutes=1)]
    refused = codes.throttle(sent, NOW)
    assert not refused.allowed and 55 <= refused.retry_after <= 61
    assert codes.throttle([NOW - timedelta(minutes=16)] * 3, NOW).allowed


def drawing(kind: str = "PNG") -> bytes:
    image = Image.new("RGB" if kind == "JPEG" else "RGBA", (300, 120), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(10, 100), (150, 20), (290, 90)], fill=(0, 0, 145, 255), width=4)
    out = io.BytesIO()
    image.save(out, kind)
    return out.getvalue()


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def refused(value: str) -> str:
    with pytest.raises(DomainError) as error:
        parse_signature_image(value)
    assert status_of(error.value) == 422
    return error.value.fields["signature_image"][0]


def test_png_and_jpeg_drawings_are_accepted():
    png = parse_signature_image(data_url(drawing()))
    jpeg = parse_signature_image(data_url(drawing("JPEG"), "image/jpeg"))
    assert (png.mime, jpeg.mime) == ("image/png", "image/jpeg")
    assert len(png.sha256) == 64


def test_what_is_not_a_drawing_is_refused():
    assert "PNG ou JPEG" in refused("data:image/gif;base64,R0lGODlhAQABAAAAACw=")
    assert "PNG ou JPEG" in refused("https://example.org/signature.png")
    assert "ne correspond pas" in refused(data_url(drawing("JPEG"), "image/png"))  # magic bytes
    assert "illisible" in refused(data_url(drawing()[:200]))  # truncated: decoding fails
    blank = io.BytesIO()
    Image.new("RGBA", (300, 120), (0, 0, 0, 0)).save(blank, "PNG")
    assert "vide" in refused(data_url(blank.getvalue()))


def test_more_than_two_megabytes_is_refused_before_decoding():
    assert "2 Mo" in refused("data:image/png;base64," + "A" * (3 * 1024 * 1024))
