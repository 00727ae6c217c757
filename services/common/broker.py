"""The RabbitMQ side of start-up: reachability and the vhost named in ``AMQP_URI``."""

from __future__ import annotations

import shutil
import subprocess
from urllib.parse import quote, unquote, urlparse, urlunparse

import requests
from kombu import Connection

DEFAULT_TEST_BROKER = "amqp://guest:guest@localhost:5672/"


def vhost_of(uri: str) -> str:
    """The vhost of an AMQP URI (``/`` when none is given)."""
    path = urlparse(uri).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def with_vhost(uri: str, vhost: str) -> str:
    """The same broker and credentials as ``uri``, on another vhost."""
    return urlunparse(urlparse(uri)._replace(path="/" + quote(vhost, safe="")))


def is_reachable(uri: str, timeout: float = 3.0) -> bool:
    """True when the broker accepts a connection on ``uri``."""
    try:
        with Connection(uri, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:
        return False


def ensure_vhost(uri: str, management_url: str = "http://localhost:15672") -> str:
    """Create the URI's vhost if it is missing and grant its user every right on it.

    Uses the management API when it answers, else ``rabbitmqctl`` on a local broker.
    Returns how it was done (or why not), for the start-up message.
    """
    vhost = vhost_of(uri)
    if vhost == "/":
        return "vhost / (default)"
    parsed = urlparse(uri)
    user, password = unquote(parsed.username or "guest"), unquote(parsed.password or "guest")
    quoted = requests.utils.quote(vhost, safe="")
    try:
        auth = (user, password)
        response = requests.put(f"{management_url}/api/vhosts/{quoted}", auth=auth, timeout=3)
        if response.status_code in (201, 204):
            requests.put(
                f"{management_url}/api/permissions/{quoted}/{requests.utils.quote(user, safe='')}",
                json={"configure": ".*", "write": ".*", "read": ".*"},
                auth=auth,
                timeout=3,
            ).raise_for_status()
            return f"vhost {vhost} ready (management API)"
    except requests.RequestException:
        pass
    if shutil.which("rabbitmqctl"):
        subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], capture_output=True, check=False)
        done = subprocess.run(
            ["rabbitmqctl", "-q", "set_permissions", "-p", vhost, user, ".*", ".*", ".*"],
            capture_output=True,
            check=False,
        )
        if done.returncode == 0:
            return f"vhost {vhost} ready (rabbitmqctl)"
    return f"vhost {vhost} not created: neither the management API nor rabbitmqctl answered"


def delete_vhost(uri: str, management_url: str = "http://localhost:15672") -> None:
    """Remove the URI's vhost (tests clean up after themselves)."""
    vhost = vhost_of(uri)
    if vhost == "/":
        return
    parsed = urlparse(uri)
    try:
        response = requests.delete(
            f"{management_url}/api/vhosts/{requests.utils.quote(vhost, safe='')}",
            auth=(unquote(parsed.username or "guest"), unquote(parsed.password or "guest")),
            timeout=3,
        )
        if response.status_code in (204, 404):
            return
    except requests.RequestException:
        pass
    if shutil.which("rabbitmqctl"):
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True, check=False)
