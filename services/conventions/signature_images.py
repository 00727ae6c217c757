"""The drawn signature: a PNG or JPEG data URL, checked before it reaches a PDF.

Checked by its declared type, its magic bytes, its size (2 MB at most) and by decoding it
completely with Pillow, so a file that only looks like an image is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFile, UnidentifiedImageError

from services.common.errors import validation_error

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4000
FIELD = "signature_image"

# weasyprint, imported in the same process, lets Pillow accept truncated images: a truncated
# drawing must stay refused whatever was imported first.
ImageFile.LOAD_TRUNCATED_IMAGES = False

_DATA_URL = re.compile(r"^data:(image/(?:png|jpeg|jpg));base64,([A-Za-z0-9+/=\s]+)$", re.DOTALL)
_MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
_PIL_FORMAT = {"image/png": "PNG", "image/jpeg": "JPEG"}


@dataclass(frozen=True)
class DrawnSignature:
    mime: str
    data: bytes
    sha256: str


def _refuse(message: str) -> Exception:
    return validation_error({FIELD: [message]})


def parse_signature_image(data_url: str) -> DrawnSignature:
    """The image of a ``data:image/png;base64,...`` URL; 422 naming the field otherwise."""
    # The size limit is checked on the text first: no decoding of a 50 MB string.
    if len(data_url) > MAX_BYTES * 4 // 3 + 100:
        raise _refuse("La signature dépasse 2 Mo.")
    match = _DATA_URL.match(data_url.strip())
    if match is None:
        raise _refuse("La signature doit être une image PNG ou JPEG (data:image/png;base64,...).")
    mime = "image/jpeg" if match.group(1) in ("image/jpeg", "image/jpg") else "image/png"
    try:
        data = base64.b64decode(match.group(2), validate=False)
    except (binascii.Error, ValueError):
        raise _refuse("La signature n'est pas un base64 valide.") from None
    if len(data) > MAX_BYTES:
        raise _refuse("La signature dépasse 2 Mo.")
    if not data.startswith(_MAGIC[mime]):
        raise _refuse("Le contenu de la signature ne correspond pas à une image PNG ou JPEG.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != _PIL_FORMAT[mime]:
                    raise _refuse("Le contenu de la signature ne correspond pas à son type.")
                width, height = image.size
                if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
                    raise _refuse("Les dimensions de la signature sont invalides.")
                image.load()  # decodes every pixel: a truncated or forged file fails here
                if _is_blank(image):
                    raise _refuse("La signature est vide : dessinez-la avant de valider.")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning):
        raise _refuse("L'image de la signature est illisible.") from None
    return DrawnSignature(mime, data, hashlib.sha256(data).hexdigest())


def _is_blank(image: Image.Image) -> bool:
    """A drawing with a single colour everywhere (an untouched canvas)."""
    extrema = image.convert("RGBA").getextrema()
    return all(low == high for low, high in extrema)
