"""Helpers for CA tests: device keys and CSRs, and openssl as an independent client."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

DeviceKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey

OPENSSL = shutil.which("openssl")


def device_key(kind: str = "ec-p256") -> DeviceKey:
    if kind == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "ec-p384":
        return ec.generate_private_key(ec.SECP384R1())
    if kind == "ec-p521":
        return ec.generate_private_key(ec.SECP521R1())
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if kind.startswith("rsa-"):
        return rsa.generate_private_key(65537, int(kind[4:]))
    raise ValueError(kind)


def make_csr(
    key: DeviceKey | None = None,
    *,
    common_name: str = "device",
    extensions: list[x509.ExtensionType] | None = None,
    pem: bool = True,
) -> bytes:
    key = key or device_key()
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    )
    for extension in extensions or []:
        builder = builder.add_extension(extension, critical=False)
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    csr = builder.sign(key, algorithm)
    return csr.public_bytes(serialization.Encoding.PEM if pem else serialization.Encoding.DER)


def pem(obj: x509.Certificate | x509.CertificateRevocationList) -> bytes:
    return obj.public_bytes(serialization.Encoding.PEM)


def openssl(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    assert OPENSSL is not None
    return subprocess.run(  # noqa: S603 - fixed program, arguments from the test
        [OPENSSL, *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=60,
    )


def openssl_verify(
    tmp: Path,
    *,
    root: x509.Certificate,
    issuing: x509.Certificate,
    leaf: x509.Certificate,
    crl: x509.CertificateRevocationList | None = None,
    at: datetime | None = None,
) -> subprocess.CompletedProcess[str]:
    """``openssl verify`` of ``leaf`` against root + issuing, with ``-crl_check``."""
    (tmp / "root.pem").write_bytes(pem(root))
    (tmp / "issuing.pem").write_bytes(pem(issuing))
    (tmp / "leaf.pem").write_bytes(pem(leaf))
    args: list[str | Path] = [
        "verify",
        "-x509_strict",
        "-CAfile",
        tmp / "root.pem",
        "-untrusted",
        tmp / "issuing.pem",
        "-purpose",
        "sslclient",
    ]
    if crl is not None:
        (tmp / "crl.pem").write_bytes(pem(crl))
        args += ["-crl_check", "-CRLfile", tmp / "crl.pem"]
    if at is not None:
        args += ["-attime", str(int(at.timestamp()))]
    return openssl(*args, tmp / "leaf.pem")


def openssl_ocsp(
    tmp: Path,
    answer: Callable[[bytes], bytes],
    *,
    root: x509.Certificate,
    issuing: x509.Certificate,
    leaf: x509.Certificate,
) -> subprocess.CompletedProcess[str]:
    """openssl makes an OCSP request (with a nonce) for ``leaf``; ``answer`` (the
    library) responds; openssl then checks the response's signature, nonce and status."""
    (tmp / "root.pem").write_bytes(pem(root))
    (tmp / "issuing.pem").write_bytes(pem(issuing))
    (tmp / "leaf.pem").write_bytes(pem(leaf))
    made = openssl(
        "ocsp",
        "-issuer",
        tmp / "issuing.pem",
        "-cert",
        tmp / "leaf.pem",
        "-reqout",
        tmp / "req.der",
    )
    assert made.returncode == 0, made.stderr
    (tmp / "resp.der").write_bytes(answer((tmp / "req.der").read_bytes()))
    (tmp / "chain.pem").write_bytes(pem(root) + pem(issuing))
    # No -cert/-issuer here: with them openssl makes a fresh request (and a fresh nonce);
    # -verify_other gives it the issuer, which a client that asked always has.
    return openssl(
        "ocsp",
        "-reqin",
        tmp / "req.der",
        "-respin",
        tmp / "resp.der",
        "-CAfile",
        tmp / "chain.pem",
        "-verify_other",
        tmp / "issuing.pem",
        "-resp_text",
    )
