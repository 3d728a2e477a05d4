"""QR codes for the screens of the manual: a payload URI in, a PNG, an SVG or a block of
terminal text out. The portal draws the page; this module only draws the code.

Rendering uses the ``qrcode`` package (PNG through Pillow). Error correction is level M
(15 %): phones read it from a screen at a glance and the payloads are short.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
import qrcode.image.pil
import qrcode.image.svg

__all__ = ["qr_matrix", "qr_png", "qr_svg", "qr_terminal"]

_BORDER = 4  # the quiet zone the QR standard asks for, in modules


def _code(payload: str, border: int) -> qrcode.QRCode:
    if not payload:
        msg = "a QR code needs a payload"
        raise ValueError(msg)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    code.add_data(payload)
    code.make(fit=True)
    return code


def qr_matrix(payload: str, *, border: int = _BORDER) -> list[list[bool]]:
    """The modules of the code, dark as True, quiet zone included."""
    return [list(map(bool, row)) for row in _code(payload, border).get_matrix()]


def qr_png(payload: str, *, box_size: int = 8, border: int = _BORDER) -> bytes:
    """The code as PNG bytes (``box_size`` pixels per module)."""
    code = _code(payload, border)
    code.box_size = box_size
    image = code.make_image(image_factory=qrcode.image.pil.PilImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def qr_svg(payload: str, *, border: int = _BORDER) -> str:
    """The code as a standalone SVG document (one path; scales to any size)."""
    image = _code(payload, border).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode("utf-8")


# Two rows of modules per line of text: upper half, lower half, both, neither.
_HALF_BLOCKS = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}


def qr_terminal(payload: str, *, border: int = _BORDER, invert: bool = True) -> str:
    """The code as text with half-block characters, for a terminal.

    ``invert`` (the default) draws light modules as blocks, which reads correctly on the
    usual dark terminal background; pass False for a light background.
    """
    matrix = qr_matrix(payload, border=border)
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    lines = []
    for top, bottom in zip(matrix[0::2], matrix[1::2], strict=True):
        cells = (((not a), (not b)) if invert else (a, b) for a, b in zip(top, bottom, strict=True))
        lines.append("".join(_HALF_BLOCKS[cell] for cell in cells))
    return "\n".join(lines)
