"""The RabbitMQ side of start-up: reachability, the vhost named in ``AMQP_URI``, and the type
of the services' durable queues (``AMQP_QUEUE_TYPE``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any
from urllib.parse import quote, unquote, urlparse, urlunparse

import requests
from kombu import Connection, Queue

from services.common.config import ConfigurationError

DEFAULT_TEST_BROKER = "amqp://guest:guest@localhost:5672/"

QUEUE_TYPES = ("classic", "quorum")

UNLIMITED_DELIVERIES = 1_000_000
"""``x-delivery-limit`` of a quorum queue whose messages may come back any number of times:
RabbitMQ 4 drops a message after 20 returns by default (3.x has no default); a large number
means the same to both."""


def queue_type() -> str:
    """``AMQP_QUEUE_TYPE``: ``classic`` (the default, one broker node) or ``quorum`` (replicated
    on a cluster: production). Other queues (RPC replies, broadcast) stay classic: they are
    exclusive or auto-delete, which a quorum queue cannot be."""
    value = os.environ.get("AMQP_QUEUE_TYPE", "").strip().lower() or "classic"
    if value not in QUEUE_TYPES:
        raise ConfigurationError(f"AMQP_QUEUE_TYPE={value!r}: expected one of {', '.join(QUEUE_TYPES)}")
    return value


def durable_queue_arguments(delivery_limit: int = UNLIMITED_DELIVERIES) -> dict[str, Any]:
    """The ``queue_arguments`` of a durable queue of the services under ``AMQP_QUEUE_TYPE``: none
    for a classic queue; for a quorum queue its type and ``delivery_limit``, the returns after
    which the broker drops a message. Both are fixed when the queue is first declared: the broker
    refuses a declaration that differs (README, Capacity plan)."""
    if queue_type() == "classic":
        return {}
    return {"x-queue-type": "quorum", "x-delivery-limit": delivery_limit}


def with_queue_type(queue: Queue, delivery_limit: int = UNLIMITED_DELIVERIES) -> Queue:
    """``queue`` (changed in place, before it is declared) with ``durable_queue_arguments``, when it
    is durable and neither exclusive nor auto-delete: the others stay classic whatever the setting."""
    if queue.durable and not queue.exclusive and not queue.auto_delete:
        queue.queue_arguments = {**(queue.queue_arguments or {}), **durable_queue_arguments(delivery_limit)}
    return queue


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


def queue_types(uri: str, management_url: str = "http://localhost:15672") -> dict[str, str]:
    """``{queue name: type}`` of every queue of the URI's vhost (``classic``, ``quorum``, ...): what
    to look at before moving a platform to quorum queues (README, Capacity plan).

    Uses the management API when it answers, else ``rabbitmqctl`` on a local broker.
    """
    vhost = vhost_of(uri)
    parsed = urlparse(uri)
    auth = (unquote(parsed.username or "guest"), unquote(parsed.password or "guest"))
    try:
        response = requests.get(
            f"{management_url}/api/queues/{requests.utils.quote(vhost, safe='')}",
            params={"columns": "name,type"},
            auth=auth,
            timeout=3,
        )
        if response.status_code == 200:
            return {queue["name"]: queue["type"] for queue in response.json()}
    except requests.RequestException:
        pass
    if not shutil.which("rabbitmqctl"):
        raise RuntimeError("neither the management API nor rabbitmqctl answered")
    listed = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", vhost, "--no-table-headers", "name", "type"],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(line.rsplit("\t", 1) for line in listed.stdout.splitlines() if "\t" in line)
