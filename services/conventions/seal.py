"""The platform's seal on a signed convention: a PAdES signature over the whole PDF (pyhanko).

In production the seal's key and certificate come from ``SEAL_KEY_FILE`` and
``SEAL_CERT_FILE`` (PEM; the certificate file may hold the issuing chain after the
certificate; ``SEAL_KEY_PASSPHRASE`` if the key is encrypted). Locally, a self-signed
certificate, clearly named as not qualified, is created once under
``STATE_DIR/conventions`` and shared by every process of the stack.

pyhanko's synchronous API runs each operation in its own ``asyncio.run``. In an
eventlet-monkey-patched process every green thread shares one OS thread, hence one "running
loop" slot, and a loop yields to the eventlet hub inside its green ``select``: a second green
thread sealing meanwhile gets "asyncio.run() cannot be called from a running event loop".
pyhanko needs a loop (it schedules tasks even when nothing waits on I/O), so sealing and
verifying take turns on a process-wide lock; each takes milliseconds.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

FIELD_NAME = "CachetPlateforme"
LOCAL_COMMON_NAME = "1 élève 1 stage — cachet local (non qualifié)"
ORGANISATION = "1 élève 1 stage"
LOCAL_VALIDITY = timedelta(days=3652)
KEY_FILE_NAME = "seal-key.pem"
CERT_FILE_NAME = "seal-cert.pem"
LOCK_FILE_NAME = "seal.lock"

logger = logging.getLogger(__name__)


class SealConfigurationError(RuntimeError):
    """The configured seal key or certificate cannot be used."""


@dataclass(frozen=True)
class SealIdentity:
    """The key that seals, its certificate and the certificates that issued it (leaf first)."""

    key: asn1_keys.PrivateKeyInfo
    cert: asn1_x509.Certificate
    chain: tuple[asn1_x509.Certificate, ...] = ()

    @property
    def trust_root(self) -> asn1_x509.Certificate:
        """The certificate a verifier trusts: the top of the chain, or the certificate itself."""
        return self.chain[-1] if self.chain else self.cert


@dataclass(frozen=True)
class SealCheck:
    """What a verification found.

    ``intact``: the signed bytes are unchanged and the signature value is correct;
    ``trusted``: the certificate chains up to the given root; ``covers_whole_file``: nothing
    was appended after the seal (an incremental update would not break ``intact``).
    """

    intact: bool
    trusted: bool
    covers_whole_file: bool
    signer_cn: str

    @property
    def ok(self) -> bool:
        """The document is exactly what the platform sealed."""
        return self.intact and self.trusted and self.covers_whole_file


# -- identity ---------------------------------------------------------------------------------

_cache: dict[tuple[str, ...], SealIdentity] = {}
# Nothing under this lock yields to eventlet (file I/O and flock block): it may be a real lock.
_cache_lock = threading.Lock()


def load_seal_identity(state_dir: Path) -> SealIdentity:
    """The seal's key and certificate: configured files, else the local self-signed pair.

    Loaded once per process for a given configuration. The local pair is created under an
    exclusive file lock, so processes starting together end up with the same one.
    """
    cert_file = os.environ.get("SEAL_CERT_FILE") or None
    key_file = os.environ.get("SEAL_KEY_FILE") or None
    passphrase = os.environ.get("SEAL_KEY_PASSPHRASE") or None
    if (cert_file is None) != (key_file is None):
        missing = "SEAL_KEY_FILE" if key_file is None else "SEAL_CERT_FILE"
        raise SealConfigurationError(f"{missing} must be set together with the other seal file")
    cache_key = (
        ("configured", cert_file, key_file, passphrase or "")
        if cert_file and key_file
        else ("local", str(Path(state_dir).resolve()))
    )
    with _cache_lock:
        identity = _cache.get(cache_key)
        if identity is None:
            if cert_file and key_file:
                identity = _read_identity(Path(cert_file), Path(key_file), passphrase)
            else:
                identity = _local_identity(Path(state_dir) / "conventions")
            _cache[cache_key] = identity
    return identity


def _read_identity(cert_file: Path, key_file: Path, passphrase: str | None) -> SealIdentity:
    try:
        certificates = x509.load_pem_x509_certificates(cert_file.read_bytes())
        key = serialization.load_pem_private_key(
            key_file.read_bytes(), password=passphrase.encode() if passphrase else None
        )
    except (OSError, ValueError, TypeError) as error:
        raise SealConfigurationError(f"cannot read the seal's key or certificate: {error}") from error
    leaf, *chain = certificates
    if leaf.public_key().public_bytes(*_SPKI) != key.public_key().public_bytes(*_SPKI):
        raise SealConfigurationError(f"the seal key in {key_file} does not match the certificate in {cert_file}")
    return SealIdentity(
        key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert=_to_asn1(leaf),
        chain=tuple(_to_asn1(certificate) for certificate in chain),
    )


_SPKI = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _to_asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _local_identity(folder: Path) -> SealIdentity:
    folder.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = folder / KEY_FILE_NAME, folder / CERT_FILE_NAME
    with _exclusive_lock(folder / LOCK_FILE_NAME):
        # Both files or neither: a pair half written by a process that died is made again.
        if not (key_path.exists() and cert_path.exists()):
            key_pem, cert_pem = _self_signed_pair()
            _write_atomically(key_path, key_pem, mode=0o600)
            _write_atomically(cert_path, cert_pem, mode=0o644)
        return _read_identity(cert_path, key_path, None)


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    # flock blocks the whole process, eventlet or not: it is held for the few milliseconds
    # of a key generation, once per process.
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)


def _write_atomically(path: Path, content: bytes, *, mode: int) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _self_signed_pair() -> tuple[bytes, bytes]:
    """A P-256 key and a 10-year self-signed certificate naming itself as not qualified."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, LOCAL_COMMON_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        ]
    )
    now = datetime.now(UTC)
    public_key = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))  # tolerate a verifier's clock slightly behind
        .not_valid_after(now + LOCAL_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


# -- sealing and verifying --------------------------------------------------------------------


def seal_pdf(
    pdf: bytes,
    identity: SealIdentity,
    *,
    reason: str = "Convention signée par toutes les parties",
    location: str = "France",
) -> bytes:
    """``pdf`` with the platform's PAdES seal appended as an incremental update."""
    signer = signers.SimpleSigner(
        signing_cert=identity.cert,
        signing_key=identity.key,
        cert_registry=SimpleCertificateStore.from_certs([identity.cert, *identity.chain]),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
        name=ORGANISATION,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    with _one_pyhanko_loop_at_a_time():
        output = signers.sign_pdf(writer, metadata, signer=signer)
    return output.getvalue()


def verify_seal(
    pdf: bytes, identity_or_cert: SealIdentity | asn1_x509.Certificate | x509.Certificate | bytes
) -> SealCheck:
    """Check the platform's seal on ``pdf``, trusting the given identity's root or certificate.

    A file that cannot be read or has no seal gives a check where everything is False.
    """
    root = _trust_root(identity_or_cert)
    failed = SealCheck(intact=False, trusted=False, covers_whole_file=False, signer_cn="")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        seals = [signature for signature in reader.embedded_signatures if signature.field_name == FIELD_NAME]
    except Exception as error:  # a damaged file is an unsealed file, whatever the parser's complaint
        logger.info("seal check: unreadable PDF (%s)", error)
        return failed
    if not seals:
        return failed
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    try:
        with _one_pyhanko_loop_at_a_time():
            status = validate_pdf_signature(seals[-1], signer_validation_context=context)
    except Exception as error:  # a signature pyhanko cannot even parse does not hold
        logger.info("seal check: signature not validated (%s)", error)
        return failed
    return SealCheck(
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer_cn=_common_name(status.signing_cert),
    )


def _trust_root(
    value: SealIdentity | asn1_x509.Certificate | x509.Certificate | bytes,
) -> asn1_x509.Certificate:
    if isinstance(value, SealIdentity):
        return value.trust_root
    if isinstance(value, asn1_x509.Certificate):
        return value
    if isinstance(value, x509.Certificate):
        return _to_asn1(value)
    if value.lstrip().startswith(b"-----BEGIN"):
        return _to_asn1(x509.load_pem_x509_certificate(value))
    return asn1_x509.Certificate.load(value)


def _common_name(certificate: asn1_x509.Certificate) -> str:
    return str(certificate.subject.native.get("common_name", ""))


_pyhanko_lock: threading.Lock | None = None


def _one_pyhanko_loop_at_a_time() -> threading.Lock:
    # Created on first use, not at import: by then eventlet has patched threading (the
    # runner patches before anything else), so this is a green lock that yields while
    # held. A real lock taken at import could block the only OS thread for good.
    global _pyhanko_lock
    if _pyhanko_lock is None:
        _pyhanko_lock = threading.Lock()
    return _pyhanko_lock
