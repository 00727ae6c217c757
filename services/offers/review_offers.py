"""``python -m services.offers.review_offers``: one review pass now, on the running platform (the
offers service's ``review_offers`` RPC), without waiting for its timer.

Prints how many offers the pass marked « à mettre à jour » as JSON (``{"marked": …}``); safe to
run at any time, beside the timers of every replica: an offer is marked (and its host told) once.
"""

from __future__ import annotations

import sys

from services.common.pass_command import run_pass


def main(argv: list[str]) -> int:
    """Run the pass; 2 on a usage error."""
    return run_pass(argv, "offers", "review_offers", "services.offers.review_offers")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
