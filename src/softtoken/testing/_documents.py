"""Small, valid PDF files for tests and the demo (an assignment order), of any size."""

from __future__ import annotations

__all__ = ["sample_pdf"]


def sample_pdf(*, size: int | None = None, title: str = "Assignment order") -> bytes:
    """A one-page PDF whose cross-reference table is right; ``size`` pads a stream so
    the file has exactly that many bytes (for the 10 MB limit)."""

    def build(padding: int) -> bytes:
        text = title.encode("latin-1", "replace")
        content = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET\n" + b"%" * padding
        objects = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            (
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                b"/Resources << /Font << /F1 5 0 R >> >> >>"
            ),
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        for offset in offsets:
            out += b"%010d 00000 n \n" % offset
        out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
        out += b"startxref\n%d\n%%%%EOF\n" % xref
        return bytes(out)

    plain = build(0)
    if size is None:
        return plain
    if size < len(plain):
        msg = f"a valid PDF needs at least {len(plain)} bytes"
        raise ValueError(msg)
    # Padding changes the digit count of offsets slightly: adjust until exact.
    padding = size - len(plain)
    for _ in range(10):
        made = build(padding)
        if len(made) == size:
            return made
        padding += size - len(made)
    msg = "could not reach the requested size"
    raise ValueError(msg)
