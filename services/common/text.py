"""Text as searches compare it: lower case, without accents or punctuation."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """Lower case, no accents, only letters, digits and single spaces: ``Lycée d'Arsonval`` →
    ``lycee d arsonval``. Both the stored search text and the query go through it."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", bare).split())
