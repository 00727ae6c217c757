"""The convention PDF (weasyprint) and the platform's PAdES seal on it (pyhanko).

The suite runs eventlet-monkey-patched (tests/conftest.py), as the conventions service does,
so sealing here also proves that pyhanko's event loops get along with green threads.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import eventlet
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image, ImageDraw, ImageFile
from pypdf import PdfReader, PdfWriter

from services.conventions import seal
from services.conventions.document import (
    SignatureMark,
    daily_hours_rows,
    render_convention_html,
    render_convention_pdf,
)
from services.conventions.seal import (
    SealConfigurationError,
    load_seal_identity,
    seal_pdf,
    verify_seal,
)

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
TITLE = "Convention relative à l'organisation de la séquence d'observation en milieu professionnel"
ROLES = ("employer", "school_manager", "student", "legal_representative")


def a_convention(**overrides: Any) -> dict[str, Any]:
    """A convention as ``ConventionOut`` gives it, filled in by both parts."""
    values: dict[str, Any] = {
        "id": 42,
        "application_id": 7,
        "offer_id": 3,
        "status": "ready_to_sign",
        "team_id": 5,
        "space_id": None,
        "school_uai": "0750680G",
        "school_name": "Collège Jean Moulin",
        "student_id": 11,
        "student_name": "Zoé Martin",
        "grade": "troisieme",
        "offer_title": "Découverte de la boulangerie",
        "employer_name": "Boulangerie Dupont & fils",
        "employer_siret": "73282932000074",
        "place": "12 rue de la Paix, 75002 Paris",
        "weeks": ["2027-W03"],
        "start_date": "2027-01-18",
        "end_date": "2027-01-22",
        "tutor_name": "Paul Dupont",
        "tutor_role": "Chef boulanger",
        "tutor_email": "paul@dupont.example",
        "tutor_phone": "+33612345678",
        "activities": "Observer le pétrissage et la cuisson.\nAccueillir les clients avec le vendeur.",
        "daily_hours": {
            "lundi": ["09:00", "12:00", "13:30", "17:00"],
            "mardi": ["09:00", "12:00", "13:30", "17:00"],
            "mercredi": ["09:00", "12:00"],
            "jeudi": ["08:30", "12:00", "13:00", "16:00"],
            "vendredi": ["09:00", "12:00", "13:30", "17:00"],
        },
        "lunch_break": "Déjeuner de 12 h à 13 h 30 dans la salle de pause.",
        "school_manager_name": "Claire Principale",
        "referent_teacher_name": "Marc Référent",
        "referent_teacher_email": "marc.referent@ac-paris.example",
        "student_class": "3e B",
        "student_birth_date": "2012-03-01",
        "legal_representative_name": "Anne Martin",
        "legal_representative_email": "anne.martin@example.fr",
        "legal_representative_phone": "+33698765432",
        "completed_by_employer_at": "2027-01-04T10:00:00Z",
        "validated_by_school_at": "2027-01-05T10:00:00Z",
        "signatures": [],
        "awaiting_signatures": list(ROLES),
        "pdf_ready": False,
        "created_at": "2027-01-03T10:00:00Z",
        "updated_at": "2027-01-05T10:00:00Z",
        "offer_description": "Une boulangerie de quartier qui fait son pain sur place.",
        "objectives": "Comprendre l'organisation d'un commerce de bouche.",
    }
    return {**values, **overrides}


SCHOOL = {"uai": "0750680G", "name": "Collège Jean Moulin", "city": "Paris", "zipcode": "75002"}


def drawn_signature(image_format: str, flourish: int = 0) -> bytes:
    image = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(image).line([(10, 80), (80, 20 + flourish), (150, 85), (290, 30)], fill="navy", width=4)
    buffer = io.BytesIO()
    image.save(buffer, image_format)
    return buffer.getvalue()


def a_mark(role: str, signed_at: datetime, image_format: str = "PNG") -> SignatureMark:
    image = drawn_signature(image_format, flourish=ROLES.index(role) * 10)
    return SignatureMark(
        role=role,
        signer_name=f"Signataire {role}",
        signed_at=signed_at,
        image=image,
        image_mime="image/png" if image_format == "PNG" else "image/jpeg",
        masked_phone="+33 6 ** ** ** 78",
        image_sha256=hashlib.sha256(image).hexdigest(),
        content_sha256=hashlib.sha256(f"convention 42 {role}".encode()).hexdigest(),
        ip="203.0.113.7",
    )


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def draft_pdf() -> bytes:
    """The convention filled in by both parts, before anyone signed."""
    return render_convention_pdf(a_convention(), SCHOOL, [], final=False)


@pytest.fixture(scope="module")
def signed_pdf() -> bytes:
    """The final convention, signed by the four parties on a January morning (UTC)."""
    morning = datetime(2027, 1, 12, 8, 5, tzinfo=UTC)
    marks = [
        a_mark(role, morning + timedelta(minutes=index), "PNG" if index % 2 == 0 else "JPEG")
        for index, role in enumerate(ROLES)
    ]
    return render_convention_pdf(a_convention(status="signed_by_all"), SCHOOL, marks, final=True)


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="module")
def identity(state_dir: Path) -> seal.SealIdentity:
    return load_seal_identity(state_dir)


# -- the document -----------------------------------------------------------------------------


def test_draft_says_projet_and_holds_the_parties_articles_and_annexes(draft_pdf: bytes) -> None:
    text = text_of(draft_pdf)

    flat = " ".join(text.split())
    assert draft_pdf.startswith(b"%PDF-")
    assert "PROJET — document non signé par toutes les parties" in text
    assert TITLE in flat
    assert "Boulangerie Dupont & fils" in text
    assert "SIRET : 73282932000074" in text
    assert "12 rue de la Paix, 75002 Paris" in text
    assert "Collège Jean Moulin" in text
    assert "UAI : 0750680G" in text
    assert "Claire Principale" in text
    for keyword in (
        "Objet",
        "Organisation",
        "statut scolaire",
        "gratification",
        "travail productif",
        "Travaux interdits aux mineurs",
        "plan d'accueil",
        "responsabilité civile",
        "accident du travail",
        "dans les 24 heures",
        "harcèlement",
        "discrimination",
        "Durée",
    ):
        assert keyword in flat, keyword
    assert "Annexe pédagogique" in text
    assert "Annexe financière" in text
    assert "Hébergement" in text
    assert "Transport" in text
    assert "Déjeuner de 12 h à 13 h 30 dans la salle de pause." in text


def test_annexe_prints_pupil_people_french_dates_and_hours_monday_to_saturday(draft_pdf: bytes) -> None:
    text = text_of(draft_pdf)

    assert "du lundi 18 janvier 2027 au vendredi 22 janvier 2027" in text
    assert "Semaine 3 de 2027" in text
    assert "1er mars 2012" in text  # birth date
    assert "3e B" in text
    assert "Anne Martin" in text
    assert "+33 6 98 76 54 32" in text
    assert "Paul Dupont" in text
    assert "Chef boulanger" in text
    assert "paul@dupont.example" in text
    assert "+33 6 12 34 56 78" in text
    assert "Marc Référent" in text
    lines = text.splitlines()
    assert "Lundi 09:00 12:00 – 13:30 17:00 6 h 30" in lines
    assert "Mercredi 09:00 sans pause 12:00 3 h" in lines
    assert "Jeudi 08:30 12:00 – 13:00 16:00 6 h 30" in lines
    assert "Samedi — — — —" in lines
    assert "Total de la semaine 29 h" in lines
    for day in ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi"):
        assert any(line.startswith(f"{day} ") for line in lines), day
    flat = " ".join(text.split())
    assert "7 heures par jour" in flat
    assert "35 heures par semaine" in flat
    assert "entre 20 heures et 6 heures" in flat
    assert "30 minutes" in flat
    assert "4 h 30" in flat
    assert "Observer le pétrissage et la cuisson." in text
    assert "Comprendre l'organisation d'un commerce de bouche." in text


@pytest.mark.parametrize(
    ("grade", "label"),
    [("quatrieme", "élève de 4e"), ("troisieme", "élève de 3e"), ("seconde", "élève de 2de générale et technologique")],
)
def test_grade_is_written_the_french_way(grade: str, label: str) -> None:
    html = render_convention_html(a_convention(grade=grade), SCHOOL, [], final=False)

    assert label in html


def test_missing_values_of_a_draft_print_a_visible_blank_never_none() -> None:
    draft = a_convention(
        status="draft",
        tutor_name=None,
        tutor_role=None,
        tutor_email=None,
        tutor_phone=None,
        activities=None,
        daily_hours=None,
        lunch_break=None,
        school_manager_name=None,
        referent_teacher_name=None,
        referent_teacher_email=None,
        student_class=None,
        student_birth_date=None,
        legal_representative_name=None,
        legal_representative_email=None,
        legal_representative_phone=None,
        employer_siret=None,
        grade=None,
        objectives=None,
    )
    del draft["offer_description"]

    text = text_of(render_convention_pdf(draft, None, [], final=False))

    assert "None" not in text
    assert text.count("à compléter") >= 15
    assert "SIRET : à compléter" in text
    assert "UAI : 0750680G" in text  # from the convention when the school's entry is missing
    assert "Lundi — — — —" in text.splitlines()
    assert "Objectifs" in text


def test_the_hosts_trade_name_ministry_and_contact_phone_are_printed_when_given() -> None:
    convention = a_convention(
        employer_trade_name="Au Pain Doré",
        employer_ministry="Ministère des Armées",
        contact_phone="+33123456789",
    )

    text = " ".join(text_of(render_convention_pdf(convention, SCHOOL, [], final=False)).split())

    assert "Boulangerie Dupont & fils — Enseigne : Au Pain Doré SIRET" in text
    assert "Ministère de tutelle : Ministère des Armées" in text
    assert "Téléphone de contact : 01 23 45 67 89" in text


def test_without_trade_name_ministry_nor_contact_phone_nothing_is_printed_for_them(draft_pdf: bytes) -> None:
    # ``draft_pdf``'s convention has none of them, as a convention made before they were copied
    same_name = a_convention(employer_trade_name="Boulangerie Dupont & fils", employer_ministry="", contact_phone=None)

    for text in (text_of(draft_pdf), text_of(render_convention_pdf(same_name, SCHOOL, [], final=False))):
        assert "Boulangerie Dupont & fils" in text
        assert "Enseigne" not in text
        assert "Ministère de tutelle" not in text
        assert "Téléphone de contact" not in text
        assert text.count("à compléter") == text_of(draft_pdf).count("à compléter")


def test_values_with_html_special_characters_are_escaped_and_printed_literally() -> None:
    convention = a_convention(
        tutor_name="<script>alert('x')</script>",
        employer_name='Dupont & "Fils" <b>SA</b>',
        place='<img src="http://example.com/x.png"> 1 rue Haute',
    )

    html = render_convention_html(convention, SCHOOL, [], final=False)
    text = text_of(render_convention_pdf(convention, SCHOOL, [], final=False))

    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert '<img src="http://example.com' not in html
    assert "<script>alert('x')</script>" in text
    assert 'Dupont & "Fils" <b>SA</b>' in text
    assert '<img src="http://example.com/x.png"> 1 rue Haute' in text


def test_metadata_names_the_convention_and_the_platform(draft_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(draft_pdf))

    assert reader.metadata is not None
    assert reader.metadata.title == "Convention d'observation n° 42 – Zoé Martin"
    assert reader.metadata.author == "1 élève 1 stage"


def test_final_has_no_projet_and_four_signatures_in_paris_time(signed_pdf: bytes) -> None:
    text = text_of(signed_pdf)
    flat = " ".join(text.split())

    assert "PROJET" not in text
    assert flat.count("a signé électroniquement le") == 4
    # 08:05 UTC in January is 09:05 in Paris (UTC+1)
    assert "Signataire employer a signé électroniquement le 12 janvier 2027 à 09:05 (heure de Paris)" in flat
    assert "Signataire legal_representative a signé électroniquement le 12 janvier 2027 à 09:08" in flat
    for label in (
        "Le représentant de l'organisme d'accueil",
        "Le chef d'établissement",
        "L'élève",
        "Le représentant légal",
    ):
        assert label in text
    assert "En attente de signature" not in text
    assert "+33 6 ** ** ** 78" in text
    assert hashlib.sha256(drawn_signature("PNG")).hexdigest() in flat
    assert "203.0.113.7" in text
    images = {image.name for page in PdfReader(io.BytesIO(signed_pdf)).pages for image in page.images}
    assert len(images) == 4
    assert {Path(name).suffix for name in images} == {".png", ".jpg"}


def test_summer_signature_is_two_hours_ahead_and_unsigned_roles_wait() -> None:
    june = a_mark("employer", datetime(2027, 6, 1, 8, 5, tzinfo=UTC))

    text = text_of(render_convention_pdf(a_convention(), SCHOOL, [june], final=False))

    assert "a signé électroniquement le 1er juin 2027 à 10:05 (heure de Paris)" in " ".join(text.split())
    assert text.count("En attente de signature") == 3
    assert "PROJET" in text


def test_a_signature_image_of_another_type_is_refused() -> None:
    mark = a_mark("student", datetime(2027, 1, 12, 8, 5, tzinfo=UTC))
    svg = SignatureMark(**{**mark.__dict__, "image_mime": "image/svg+xml"})

    with pytest.raises(ValueError, match="image/svg"):
        render_convention_pdf(a_convention(), SCHOOL, [svg], final=True)


def test_pillow_still_refuses_truncated_images_once_weasyprint_is_loaded() -> None:
    # weasyprint's import sets LOAD_TRUNCATED_IMAGES for the whole process; the signature
    # image checks of the same service depend on it staying off.
    truncated = drawn_signature("PNG")[:200]

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    with pytest.raises(OSError), Image.open(io.BytesIO(truncated)) as image:
        image.load()


def test_daily_hours_rows_leave_the_pause_out_and_sum_the_week() -> None:
    rows, total = daily_hours_rows({"lundi": ["09:00", "12:00", "13:30", "17:00"], "samedi": ["08:00", "11:45"]})

    assert [row.day for row in rows] == ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"]
    assert rows[0].duration == "6 h 30"
    assert rows[0].pause == "12:00 – 13:30"
    assert rows[1].arrival == "—"
    assert rows[5].duration == "3 h 45"
    assert total == "10 h 15"
    assert daily_hours_rows(None)[1] is None


# -- the seal ---------------------------------------------------------------------------------


def test_sealed_pdf_validates_intact_trusted_and_whole(
    signed_pdf: bytes, identity: seal.SealIdentity, state_dir: Path
) -> None:
    sealed = seal_pdf(signed_pdf, identity)

    check = verify_seal(sealed, identity)

    assert sealed.startswith(signed_pdf)  # an incremental update: the signed bytes are untouched
    assert check == seal.SealCheck(
        intact=True,
        trusted=True,
        covers_whole_file=True,
        signer_cn="1 élève 1 stage — cachet local (non qualifié)",
    )
    assert check.ok
    assert verify_seal(sealed, identity.cert).ok
    assert verify_seal(sealed, (state_dir / "conventions" / "seal-cert.pem").read_bytes()).ok


def test_a_flipped_byte_in_the_sealed_content_breaks_the_seal(signed_pdf: bytes, identity: seal.SealIdentity) -> None:
    sealed = seal_pdf(signed_pdf, identity)
    # A byte inside the first page's compressed content stream, well inside the signed range.
    position = sealed.index(b"stream", 1000) + 100
    tampered = bytearray(sealed)
    tampered[position] ^= 0x01

    check = verify_seal(bytes(tampered), identity)

    assert not check.intact
    assert not check.ok


def test_text_appended_after_the_seal_is_detected(signed_pdf: bytes, identity: seal.SealIdentity) -> None:
    sealed = seal_pdf(signed_pdf, identity)
    overlay = render_convention_pdf(a_convention(employer_name="Société Usurpatrice"), SCHOOL, [], final=True)
    writer = PdfWriter(io.BytesIO(sealed), incremental=True)
    writer.pages[0].merge_page(PdfReader(io.BytesIO(overlay)).pages[0])
    output = io.BytesIO()
    writer.write(output)
    tampered = output.getvalue()
    assert tampered.startswith(sealed)
    assert "Société Usurpatrice" in text_of(tampered)

    check = verify_seal(tampered, identity)

    assert check.intact  # the sealed revision itself is unchanged...
    assert not check.covers_whole_file  # ...but something was added after it
    assert not check.ok


def test_a_seal_from_another_key_or_no_seal_is_not_trusted(
    signed_pdf: bytes, identity: seal.SealIdentity, tmp_path: Path
) -> None:
    stranger = load_seal_identity(tmp_path)

    assert not verify_seal(seal_pdf(signed_pdf, stranger), identity).trusted
    assert verify_seal(signed_pdf, identity) == seal.SealCheck(False, False, False, "")
    assert verify_seal(b"not a pdf at all", identity) == seal.SealCheck(False, False, False, "")


def test_green_threads_seal_at_the_same_time(signed_pdf: bytes, identity: seal.SealIdentity) -> None:
    # pyhanko runs each operation in asyncio.run, whose loop yields to the eventlet hub:
    # without the module's lock, the second green thread finds the first one's loop running.
    pool = eventlet.GreenPool(4)

    checks = list(pool.imap(lambda _: verify_seal(seal_pdf(signed_pdf, identity), identity), range(4)))

    assert all(check.ok for check in checks)


# -- the seal's identity ----------------------------------------------------------------------

_PRINT_CERT = """
import hashlib, sys, time
from pathlib import Path
from services.conventions.seal import load_seal_identity
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
print(hashlib.sha256(load_seal_identity(Path(sys.argv[1])).cert.dump()).hexdigest())
"""


def test_two_processes_starting_together_share_one_local_certificate(tmp_path: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SEAL_")}
    environment["PYTHONPATH"] = str(REPO)
    start = f"{time.time() + 1.2:.3f}"  # both interpreters are up by then, and race
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _PRINT_CERT, str(tmp_path), start],
            cwd=REPO,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=60) for process in processes]

    assert [process.returncode for process in processes] == [0, 0], outputs
    fingerprints = {stdout.strip() for stdout, _ in outputs}
    assert len(fingerprints) == 1
    folder = tmp_path / "conventions"
    certificate = x509.load_pem_x509_certificate((folder / "seal-cert.pem").read_bytes())
    assert hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest() in fingerprints
    assert sorted(path.name for path in folder.iterdir()) == ["seal-cert.pem", "seal-key.pem", "seal.lock"]
    assert (folder / "seal-key.pem").stat().st_mode & 0o777 == 0o600


def test_local_certificate_says_what_it_is(identity: seal.SealIdentity) -> None:
    certificate = x509.load_der_x509_certificate(identity.cert.dump())

    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "1 élève 1 stage — cachet local (non qualifié)"
    )
    assert certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "1 élève 1 stage"
    assert certificate.issuer == certificate.subject
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.content_commitment  # nonRepudiation
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert timedelta(days=3650) <= lifetime <= timedelta(days=3660)


def test_configured_key_and_certificate_files_are_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signed_pdf: bytes
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Cachet configuré de test")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"phrase secrete"),
        )
    )
    monkeypatch.setenv("SEAL_CERT_FILE", str(cert_file))
    monkeypatch.setenv("SEAL_KEY_FILE", str(key_file))
    monkeypatch.setenv("SEAL_KEY_PASSPHRASE", "phrase secrete")
    state = tmp_path / "state"

    configured = load_seal_identity(state)

    assert configured.cert.dump() == certificate.public_bytes(serialization.Encoding.DER)
    assert not (state / "conventions").exists()
    check = verify_seal(seal_pdf(signed_pdf, configured), certificate)
    assert check.ok
    assert check.signer_cn == "Cachet configuré de test"


def test_half_a_configuration_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEAL_CERT_FILE", str(tmp_path / "cert.pem"))
    monkeypatch.delenv("SEAL_KEY_FILE", raising=False)

    with pytest.raises(SealConfigurationError, match="SEAL_KEY_FILE"):
        load_seal_identity(tmp_path)
