"""The client's address, kept with a session and as signature evidence.

``X-Forwarded-For`` is believed only from the proxies of ``TRUSTED_PROXIES``: a client
talking to the gateway directly could write anything in it. Behind trusted proxies, the
client is the right-most address of the header that is not itself a trusted proxy (each
proxy appends the peer it saw; what a client wrote stays on the left).
"""

from __future__ import annotations

import ipaddress

from werkzeug.wrappers import Request

from services.common.config import trusted_proxies


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted_proxies())


def client_address(request: Request) -> str | None:
    """The address of the client: the peer, or what trusted proxies say they saw."""
    peer = request.remote_addr
    forwarded = request.headers.get("X-Forwarded-For")
    if not peer or not forwarded or not _trusted(peer):
        return peer
    address = peer
    for hop in reversed([part.strip() for part in forwarded.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            # Not an address: the proxy before it is the last one whose word holds.
            return address
        address = hop
        if not _trusted(hop):
            return hop
    return address
