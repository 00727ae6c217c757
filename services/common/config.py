"""Configuration, read only from environment variables, with defaults that work locally."""

from __future__ import annotations

import functools
import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

SERVICES = ("identity", "offers", "matching", "conventions", "notifications")
PROCESSES = (*SERVICES, "gateway")

DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"


def state_dir() -> Path:
    """The one folder that holds every local file (databases, mail outbox, PDFs, logs)."""
    path = Path(os.environ.get("STATE_DIR", "./var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def amqp_uri() -> str:
    """The broker URI; a vhost in it isolates one stack from another on the same broker."""
    return os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)


def database_url(service: str) -> str:
    """``DATABASE_URL_<SERVICE>``, else a SQLite file of that service under ``STATE_DIR``."""
    url = os.environ.get(f"DATABASE_URL_{service.upper()}")
    if url:
        return url
    return f"sqlite:///{state_dir() / f'{service}.db'}"


# Values shipped in the repository's examples and manifests, refused in production.
PLACEHOLDER_SECRETS = frozenset(
    {"replace-me-with-a-long-random-value", "test-secret-key-not-for-production-0123456789", "changeme", "secret"}
)
MIN_SECRET_LENGTH = 32


class ConfigurationError(RuntimeError):
    """A setting that forbids the process to start."""


def production() -> bool:
    """Whether the platform runs in production (``E1S_ENV=production``): secrets must then be
    given by the environment, never defaulted."""
    return os.environ.get("E1S_ENV", "").strip().lower() == "production"


def secret_problem(key: str | None) -> str | None:
    """Why ``key`` cannot sign production sessions, or None when it can."""
    if not key:
        return "SECRET_KEY is not set: production needs a secret from the environment"
    if key.strip().lower() in PLACEHOLDER_SECRETS:
        return "SECRET_KEY is a placeholder value of the repository"
    if len(key) < MIN_SECRET_LENGTH:
        return f"SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters"
    return None


def password_hashing() -> str:
    """``PASSWORD_HASHING``: ``standard`` (argon2-cffi's defaults, the default) or ``fast``
    (the test suite's lightest Argon2id, never in production)."""
    return os.environ.get("PASSWORD_HASHING", "standard").strip().lower() or "standard"


def check_production_settings() -> None:
    """Raise ``ConfigurationError`` when production runs with a default or placeholder secret,
    or with the test suite's password hashing."""
    if not production():
        return
    problem = secret_problem(os.environ.get("SECRET_KEY"))
    if problem is None and password_hashing() != "standard":
        problem = "PASSWORD_HASHING must be standard (fast is for the test suite only)"
    if problem is not None:
        raise ConfigurationError(f"refusing to start in production (E1S_ENV=production): {problem}")


def secret_key() -> str:
    """Key signing session tokens, shared by identity and the gateway.

    Locally it is generated once and kept in ``STATE_DIR`` so that every process of one
    stack agrees on it; in production (``E1S_ENV=production``) it comes from ``SECRET_KEY``
    only, and a missing or placeholder key is an error.
    """
    key = os.environ.get("SECRET_KEY")
    if production():
        check_production_settings()
        assert key is not None
        return key
    if key:
        return key
    path = state_dir() / "secret_key"
    if not path.exists():
        candidate = path.with_suffix(f".{os.getpid()}.tmp")
        candidate.write_text(secrets.token_urlsafe(48))
        try:
            # link() fails if another process won the race: everyone reads the winner's key
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_text().strip()


# Loopback only: a proxy on the platform's own machine; containers name theirs (deploy/).
DEFAULT_TRUSTED_PROXIES = "127.0.0.1/8,::1/128"


@functools.cache
def trusted_proxies() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The networks (``TRUSTED_PROXIES``, comma-separated CIDRs; empty: none) whose
    ``X-Forwarded-For`` the gateway believes; any other peer is the client itself."""
    setting = os.environ.get("TRUSTED_PROXIES", DEFAULT_TRUSTED_PROXIES)
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in setting.split(",") if part.strip())


def env_float(name: str, default: float) -> float:
    """A float setting, falling back to ``default`` when unset."""
    value = os.environ.get(name)
    return float(value) if value else default


@dataclass(frozen=True)
class Settings:
    """The settings a process needs, read once at start-up."""

    amqp_uri: str
    public_url: str
    gateway_port: int
    rpc_timeout: float
    smtp_url: str | None
    sms_provider_url: str | None
    sms_provider_token: str | None
    mail_from: str
    log_level: str

    @classmethod
    def from_env(cls) -> Settings:
        port = int(os.environ.get("GATEWAY_PORT", "8000"))
        return cls(
            amqp_uri=amqp_uri(),
            public_url=os.environ.get("PUBLIC_URL", f"http://localhost:{port}").rstrip("/"),
            gateway_port=port,
            rpc_timeout=env_float("RPC_TIMEOUT", 10.0),
            smtp_url=os.environ.get("SMTP_URL") or None,
            sms_provider_url=os.environ.get("SMS_PROVIDER_URL") or None,
            sms_provider_token=os.environ.get("SMS_PROVIDER_TOKEN") or None,
            mail_from=os.environ.get("MAIL_FROM", "1 élève 1 stage <ne-pas-repondre@1eleve1stage.fr>"),
            log_level=os.environ.get("LOG_LEVEL", "INFO"),
        )


def nameko_config(process: str) -> dict:
    """The nameko configuration dict of one process, built from the environment."""
    settings = Settings.from_env()
    config: dict = {
        "AMQP_URI": settings.amqp_uri,
        # Workers per container: enough for concurrent requests without starving the DB.
        "max_workers": int(os.environ.get("MAX_WORKERS", "20")),
        "parent_calls_tracked": 10,
        # Read by ``TimedRpcProxy``: how long a caller (the gateway above all) waits for a service.
        "RPC_TIMEOUT": settings.rpc_timeout,
    }
    if process == "gateway":
        config["WEB_SERVER_ADDRESS"] = f"{os.environ.get('GATEWAY_HOST', '0.0.0.0')}:{settings.gateway_port}"  # noqa: S104 - a container listens on all its interfaces
    return config
