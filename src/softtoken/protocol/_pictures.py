"""The pictures of picture matching (manual chapter 3): the computer shows one, the
authenticator app shows one (``confirm``) or several (``select``), and the person checks
that they match.

Thirty pictures, six shapes in five colours, each with a stable ID, Thai and English
labels and an SVG a portal can serve as is. They are chosen to be told apart at a glance
and named unambiguously aloud, in both languages.
"""

from __future__ import annotations

import math
import secrets

import attrs

from softtoken.errors import ValidationError

__all__ = ["PICTURES", "Picture", "choose_pictures", "picture"]

_COLOURS = (
    ("red", "แดง", "#d62828"),
    ("blue", "น้ำเงิน", "#1d4ed8"),
    ("green", "เขียว", "#15803d"),
    ("orange", "ส้ม", "#ea580c"),
    ("purple", "ม่วง", "#7e22ce"),
)
_SHAPES = (
    ("circle", "วงกลม"),
    ("square", "สี่เหลี่ยม"),
    ("triangle", "สามเหลี่ยม"),
    ("star", "ดาว"),
    ("diamond", "ข้าวหลามตัด"),
    ("hexagon", "หกเหลี่ยม"),
)


def _polygon(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def _regular(sides: int, radius: float, rotate: float = -90.0) -> list[tuple[float, float]]:
    return [
        (
            50 + radius * math.cos(math.radians(rotate + 360 * i / sides)),
            50 + radius * math.sin(math.radians(rotate + 360 * i / sides)),
        )
        for i in range(sides)
    ]


def _star() -> list[tuple[float, float]]:
    outer, inner = _regular(5, 44), _regular(5, 18, rotate=-54)
    return [p for pair in zip(outer, inner, strict=True) for p in pair]


def _shape_svg(shape: str, fill: str) -> str:
    if shape == "circle":
        return f'<circle cx="50" cy="50" r="40" fill="{fill}"/>'
    if shape == "square":
        return f'<rect x="14" y="14" width="72" height="72" rx="4" fill="{fill}"/>'
    shapes: dict[str, list[tuple[float, float]]] = {
        "triangle": _regular(3, 46, rotate=-90),
        "star": _star(),
        "diamond": [(50.0, 6.0), (90.0, 50.0), (50.0, 94.0), (10.0, 50.0)],
        "hexagon": _regular(6, 44, rotate=0),
    }
    points = shapes[shape]
    return f'<polygon points="{_polygon(points)}" fill="{fill}"/>'


@attrs.frozen(kw_only=True)
class Picture:
    id: str
    label_th: str
    label_en: str
    colour: str
    shape: str

    def svg(self) -> str:
        """A 100x100 SVG image, with its labels as title for screen readers."""
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" role="img" '
            f'aria-label="{self.label_en}"><title>{self.label_th} / {self.label_en}</title>'
            f"{_shape_svg(self.shape, self.colour)}</svg>"
        )


PICTURES: tuple[Picture, ...] = tuple(
    Picture(
        id=f"{colour}-{shape}",
        label_th=f"{shape_th}สี{colour_th}",
        label_en=f"{colour} {shape}",
        colour=hex_colour,
        shape=shape,
    )
    for colour, colour_th, hex_colour in _COLOURS
    for shape, shape_th in _SHAPES
)
_BY_ID = {p.id: p for p in PICTURES}


def picture(picture_id: object) -> Picture:
    """The picture with this ID; ``ValidationError`` for an unknown one."""
    found = _BY_ID.get(picture_id) if isinstance(picture_id, str) else None
    if found is None:
        raise ValidationError("invalid_value", field="picture")
    return found


def choose_pictures(count: int) -> tuple[Picture, ...]:
    """``count`` different pictures drawn with ``secrets``; the first is the one the
    computer shows, the rest are decoys (shuffle before showing them on the phone)."""
    if not 1 <= count <= len(PICTURES):
        raise ValidationError("invalid_value", field="count")
    pool = list(PICTURES)
    return tuple(pool.pop(secrets.randbelow(len(pool))) for _ in range(count))
