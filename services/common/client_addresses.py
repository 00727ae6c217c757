"""Client addresses as the rate limits see them (the gateway passes the address it believes,
see ``gateway/client_address.py``)."""

from __future__ import annotations

import ipaddress


def counts_address(address: str | None) -> bool:
    """Whether limits by client address apply: not to an unknown address, nor to a loopback
    one, which is a process on the platform's own machine (tests, benchmarks, an operator's
    script); clients behind the platform's proxies are known by ``X-Forwarded-For``."""
    if not address:
        return False
    try:
        return not ipaddress.ip_address(address).is_loopback
    except ValueError:
        return True
