"""Decode QR codes with a real decoder (zbar), to check what the library draws.

The pyzbar binding and the ``zbarimg`` command come from Debian's ``zbar-tools`` and
``libzbar0``; tests that need them skip, naming zbar, when they are absent."""

from __future__ import annotations

import io
import re
import shutil
from typing import Any

import pytest
from PIL import Image


def _pyzbar_decode() -> Any:
    try:
        from pyzbar.pyzbar import ZBarSymbol, decode
    except (ImportError, OSError) as error:  # OSError: the zbar shared library is missing
        pytest.skip(f"zbar is not installed (pyzbar/libzbar0: {error}); install zbar-tools")

    # QR codes only: left to try every symbology, zbar now and then also reads a linear
    # barcode (DataBar) into the QR code's random-looking modules, and a check for
    # "exactly one code" fails on a drawing that is right.
    def qr_only(image: Image.Image) -> Any:
        return decode(image, symbols=[ZBarSymbol.QRCODE])

    return qr_only


def zbarimg() -> str:
    path = shutil.which("zbarimg")
    if path is None:
        pytest.skip("zbar is not installed: zbarimg (Debian package zbar-tools) is missing")
    return path


def decode_png(png: bytes) -> list[str]:
    decode = _pyzbar_decode()
    return [symbol.data.decode("utf-8") for symbol in decode(Image.open(io.BytesIO(png)))]


def matrix_to_png(matrix: list[list[bool]], *, scale: int = 6) -> bytes:
    size = len(matrix)
    image = Image.new("L", (size * scale, size * scale), 255)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                image.paste(0, (x * scale, y * scale, (x + 1) * scale, (y + 1) * scale))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def svg_to_matrix(svg: str) -> list[list[bool]]:
    """qrcode's path SVG: one ``M x,y H.. V.. H.. z`` square per dark module."""
    size = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))  # type: ignore[union-attr]
    matrix = [[False] * size for _ in range(size)]
    for x, y in re.findall(r"M(\d+),(\d+)H", svg):
        matrix[int(y)][int(x)] = True
    return matrix


def terminal_to_matrix(text: str, *, inverted: bool = True) -> list[list[bool]]:
    """Back from half blocks to modules (``inverted``: blocks are light modules)."""
    halves = {"█": (True, True), "▀": (True, False), "▄": (False, True), " ": (False, False)}
    rows: list[list[bool]] = []
    for line in text.split("\n"):
        cells = [halves[c] for c in line]
        top = [a != inverted for a, _ in cells]
        bottom = [b != inverted for _, b in cells]
        rows += [top, bottom]
    return rows
