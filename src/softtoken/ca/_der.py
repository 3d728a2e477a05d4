"""Just enough DER to swap the signature of a signed structure (RFC 5280 certificate and
CRL, RFC 6960 BasicOCSPResponse): ``SEQUENCE { tbs, algorithm, BIT STRING signature, ... }``.

Only what cryptography itself produced goes through here, so single-byte tags and
definite lengths are all there is to handle.
"""

from __future__ import annotations

__all__ = ["replace_ocsp_signature", "replace_signature"]

_SEQUENCE = 0x30
_BIT_STRING = 0x03
_OCTET_STRING = 0x04
_CONTEXT_0 = 0xA0
_LONG_FORM = 0x80


def _length(data: bytes, at: int) -> tuple[int, int]:
    """(length, offset of the content) for the length octets at ``at``."""
    first = data[at]
    if first < _LONG_FORM:
        return first, at + 1
    count = first & 0x7F
    return int.from_bytes(data[at + 1 : at + 1 + count], "big"), at + 1 + count


def _elements(data: bytes) -> list[tuple[int, bytes, bytes]]:
    """The (tag, whole element, content) triples that make up ``data``."""
    out = []
    at = 0
    while at < len(data):
        tag = data[at]
        size, start = _length(data, at + 1)
        out.append((tag, data[at : start + size], data[start : start + size]))
        at = start + size
    return out


def _encode(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < _LONG_FORM:
        return bytes([tag, size]) + content
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, _LONG_FORM | len(octets)]) + octets + content


def _unwrap(data: bytes, tag: int) -> bytes:
    (found, _, content), *rest = _elements(data)
    if found != tag or rest:
        msg = f"unexpected DER: tag {found:#x}, wanted {tag:#x}"
        raise ValueError(msg)
    return content


def replace_signature(der: bytes, signature: bytes) -> bytes:
    """``der`` (a signed SEQUENCE) with its BIT STRING signature replaced."""
    parts = _elements(_unwrap(der, _SEQUENCE))
    if len(parts) < 3 or parts[2][0] != _BIT_STRING:  # noqa: PLR2004 - tbs, alg, signature
        msg = "not a signed structure"
        raise ValueError(msg)
    new_signature = _encode(_BIT_STRING, b"\x00" + signature)
    body = parts[0][1] + parts[1][1] + new_signature + b"".join(p[1] for p in parts[3:])
    return _encode(_SEQUENCE, body)


def replace_ocsp_signature(der: bytes, signature: bytes) -> bytes:
    """An OCSPResponse with the signature of its BasicOCSPResponse replaced."""
    status, response_bytes = _elements(_unwrap(der, _SEQUENCE))
    oid, octets = _elements(_unwrap(_unwrap(response_bytes[1], _CONTEXT_0), _SEQUENCE))
    if octets[0] != _OCTET_STRING:
        msg = "not a basic OCSP response"
        raise ValueError(msg)
    basic = replace_signature(octets[2], signature)
    inner = _encode(_SEQUENCE, oid[1] + _encode(_OCTET_STRING, basic))
    return _encode(_SEQUENCE, status[1] + _encode(_CONTEXT_0, inner))
