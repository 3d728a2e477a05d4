"""QR codes decoded back with zbar (PNG with pyzbar and zbarimg, SVG and terminal text
redrawn as images), the PDF check and both document stores."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softtoken import NotFound, TamperingDetected, ValidationError
from softtoken._qr import qr_png, qr_svg, qr_terminal
from softtoken.proofing import FileSystemDocumentStore, check_pdf, check_scan
from softtoken.testing import Harness, sample_pdf

from ...helpers.qr import decode_png, matrix_to_png, svg_to_matrix, terminal_to_matrix, zbarimg

PAYLOAD = (
    "paotang://proofing?v=1&client_id=new-gfmis-thai&nonce=abcDEF123_-xyz"
    "&callback=https%3A%2F%2Fportal.example%2Fcb&exp=1767579601&service=New+GFMIS+Thai"
)
MB = 1024 * 1024


def test_png_decodes_to_the_payload() -> None:
    assert decode_png(qr_png(PAYLOAD)) == [PAYLOAD]


def test_png_decodes_with_zbarimg(tmp_path: Path) -> None:
    path = tmp_path / "qr.png"
    path.write_bytes(qr_png(PAYLOAD))
    out = subprocess.run(  # noqa: S603 - our own file, a fixed tool
        [zbarimg(), "--quiet", "--raw", str(path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == PAYLOAD


def test_svg_decodes_to_the_payload() -> None:
    svg = qr_svg(PAYLOAD)
    assert svg.lstrip().startswith("<?xml")
    assert decode_png(matrix_to_png(svg_to_matrix(svg))) == [PAYLOAD]


def test_terminal_text_decodes_to_the_payload() -> None:
    text = qr_terminal(PAYLOAD)
    assert set(text) <= {"█", "▀", "▄", " ", "\n"}
    assert decode_png(matrix_to_png(terminal_to_matrix(text))) == [PAYLOAD]
    light = qr_terminal(PAYLOAD, invert=False)
    assert decode_png(matrix_to_png(terminal_to_matrix(light, inverted=False))) == [PAYLOAD]


# Payloads are URIs: ASCII, anything else percent-encoded (zbar guesses the charset
# of other bytes, which is the decoder's business, not ours).
@settings(max_examples=15, deadline=None)
@given(
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=300)
)
def test_any_uri_text_round_trips(payload: str) -> None:
    assert decode_png(qr_png(payload)) == [payload]


def test_an_empty_payload_is_refused() -> None:
    with pytest.raises(ValueError, match="payload"):
        qr_png("")


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "document_empty"),
        (qr_png("not a pdf"), "document_not_pdf"),  # a PNG named order.pdf
        (b"%PDF-1.7\nno end of file marker", "document_not_pdf"),
        (b"hello world" * 100, "document_not_pdf"),
        ("text, not bytes", "document_not_pdf"),
    ],
)
def test_what_is_not_a_pdf(content: object, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_pdf(content, max_bytes=10 * MB, field="assignment_order")
    assert (refused.value.code, refused.value.field) == (code, "assignment_order")


def test_the_size_limit_is_10_mb() -> None:
    assert check_pdf(sample_pdf(size=10 * MB), max_bytes=10 * MB, field="f")
    with pytest.raises(ValidationError) as large:
        check_pdf(sample_pdf(size=11 * MB), max_bytes=10 * MB, field="f")
    assert large.value.code == "document_too_large"
    with pytest.raises(ValidationError):
        check_pdf(sample_pdf(size=10 * MB + 1), max_bytes=10 * MB, field="f")


def test_scans_may_be_images() -> None:
    png = qr_png("scan")
    assert check_scan(png, max_bytes=MB, field="f") == (png, "image/png")
    assert check_scan(sample_pdf(), max_bytes=MB, field="f")[1] == "application/pdf"
    with pytest.raises(ValidationError):
        check_scan(b"GIF89a...", max_bytes=MB, field="f")


def test_database_store_round_trip(harness: Harness) -> None:
    store = harness.softtoken.registration.settings.document_store
    pdf = sample_pdf()
    with harness.softtoken.unit_of_work() as uow:
        doc = store.put(
            uow,
            kind="assignment_order",
            media_type="application/pdf",
            content=pdf,
            now=harness.clock.now(),
        )
        uow.commit()
    with harness.softtoken.unit_of_work() as uow:
        assert store.get(uow, doc.document_id) == pdf
        with pytest.raises(NotFound):
            store.get(uow, "0" * 32)
    assert doc.size == len(pdf)


def test_filesystem_store_round_trip_and_tampering(tmp_path: Path, harness: Harness) -> None:
    store = FileSystemDocumentStore(tmp_path / "docs")
    pdf = sample_pdf()
    with harness.softtoken.unit_of_work() as uow:
        doc = store.put(
            uow, kind="k", media_type="application/pdf", content=pdf, now=harness.clock.now()
        )
        assert store.get(uow, doc.document_id) == pdf
        (tmp_path / "docs" / doc.document_id).write_bytes(pdf + b" ")
        with pytest.raises(TamperingDetected):
            store.get(uow, doc.document_id)
        with pytest.raises(NotFound):
            store.get(uow, "../../etc/passwd")
