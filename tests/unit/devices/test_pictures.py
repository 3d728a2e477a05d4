from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from softtoken import ValidationError
from softtoken.protocol import PICTURES, choose_pictures, picture


def test_thirty_pictures_with_unique_ids_and_labels() -> None:
    assert len(PICTURES) == 30
    assert len({p.id for p in PICTURES}) == 30
    assert len({p.label_th for p in PICTURES}) == 30
    assert len({p.label_en for p in PICTURES}) == 30
    assert picture("red-star").label_th == "ดาวสีแดง"
    assert picture("blue-circle").label_en == "blue circle"


def test_every_picture_is_well_formed_svg() -> None:
    for item in PICTURES:
        root = ET.fromstring(item.svg())  # noqa: S314 - our own generated text
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert item.colour in item.svg()


def test_choices_are_distinct_and_bounded() -> None:
    chosen = choose_pictures(6)
    assert len({p.id for p in chosen}) == 6
    with pytest.raises(ValidationError):
        choose_pictures(31)
    with pytest.raises(ValidationError):
        picture("no-such-picture")
