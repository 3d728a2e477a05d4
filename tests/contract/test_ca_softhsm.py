"""The issuing key in an HSM: SoftHSM2 through PKCS#11. The CA signs certificates, CRLs
and OCSP responses with a key that never leaves the token, on every storage adapter,
and openssl accepts what it signs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest

from softtoken._clock import FakeClock
from softtoken.ca import CaConfig, PemSigner, create_authority
from softtoken.ca.keys._pkcs11 import Pkcs11Signer
from softtoken.errors import ConfigurationError
from softtoken.ports import Storage
from softtoken.testing import in_memory

from ..helpers.ca import OPENSSL, make_csr, openssl_ocsp, openssl_verify

LIBRARY = os.environ.get("SOFTTOKEN_TEST_SOFTHSM_LIBRARY", "/usr/lib/softhsm/libsofthsm2.so")
UTIL = shutil.which("softhsm2-util")
PIN = "246810"

pytestmark = [
    pytest.mark.skipif(
        not Path(LIBRARY).exists() or UTIL is None,
        reason=f"needs SoftHSM2 ({LIBRARY} and softhsm2-util; Debian package softhsm2)",
    ),
    pytest.mark.skipif(OPENSSL is None, reason="needs the openssl command (not found)"),
]
pkcs11 = pytest.importorskip("pkcs11", reason="needs python-pkcs11 (pip install softtoken[hsm])")
ALICE = "T05005000000201"


@attrs.frozen
class Token:
    label: str
    pin: str


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Token]:
    """A fresh SoftHSM2 token in a private directory (SOFTHSM2_CONF points at it)."""
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n"
        "log.level = ERROR\n"
    )
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    assert UTIL is not None
    subprocess.run(  # noqa: S603 - the fixed softhsm2-util, arguments from the test
        [
            UTIL,
            "--init-token",
            "--free",
            "--label",
            "softtoken-ca",
            "--pin",
            PIN,
            "--so-pin",
            "13572468",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield Token(label="softtoken-ca", pin=PIN)
    finally:
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous


def _signer(token: Token, label: str, key_type: str = "ec-p256") -> Pkcs11Signer:

    return Pkcs11Signer.generate(
        library=LIBRARY, token_label=token.label, pin=token.pin, key_label=label, key_type=key_type
    )


@pytest.mark.parametrize("key_type", ["ec-p256", "ec-p384"])
def test_ca_signs_in_the_token(
    token: Token, storage: Storage, tmp_path: Path, key_type: str
) -> None:
    now = datetime.now(UTC)
    label = f"issuing-{key_type}-{os.urandom(3).hex()}"
    hsm = _signer(token, label, key_type)
    assert hsm.description.startswith(f"pkcs11:softtoken-ca/{label}")
    authority = create_authority(
        name="HSM test",
        now=now,
        root_key=PemSigner.generate(),
        issuing_key=hsm,
        crl_url="http://localhost/crl",
    )
    h = in_memory(storage=storage, clock=FakeClock(now), authority=authority)
    ca = h.softtoken.ca
    rec = ca.issue(user_id=ALICE, csr=make_csr())
    rec.certificate.verify_directly_issued_by(authority.issuing)  # raises if not
    ok = openssl_verify(
        tmp_path, root=authority.root, issuing=authority.issuing, leaf=rec.certificate, crl=ca.crl()
    )
    assert ok.returncode == 0, ok.stderr
    ca.revoke(rec.serial, reason="lost_phone")
    revoked = openssl_verify(
        tmp_path, root=authority.root, issuing=authority.issuing, leaf=rec.certificate, crl=ca.crl()
    )
    assert "certificate revoked" in revoked.stdout + revoked.stderr
    answer = openssl_ocsp(
        tmp_path,
        ca.ocsp_response,
        root=authority.root,
        issuing=authority.issuing,
        leaf=rec.certificate,
    )
    assert answer.returncode == 0
    assert "Response verify OK" in answer.stderr + answer.stdout
    assert "Cert Status: revoked" in answer.stdout


def test_the_key_never_leaves_the_token(token: Token) -> None:
    label = f"sealed-{os.urandom(3).hex()}"
    _signer(token, label)
    # This process is logged in already (PKCS#11 logins are per application).
    with pkcs11.lib(LIBRARY).get_token(token_label=token.label).open() as session:
        key = session.get_key(object_class=pkcs11.ObjectClass.PRIVATE_KEY, label=label)
        assert key[pkcs11.Attribute.SENSITIVE] is True
        assert key[pkcs11.Attribute.EXTRACTABLE] is False
        with pytest.raises(pkcs11.exceptions.AttributeSensitive):
            key[pkcs11.Attribute.VALUE]


def test_config_loads_an_hsm_authority(token: Token, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    label = f"configured-{os.urandom(3).hex()}"
    authority = create_authority(
        name="HSM", now=now, root_key=PemSigner.generate(), issuing_key=_signer(token, label)
    )
    from ..helpers.ca import pem

    (tmp_path / "root.pem").write_bytes(pem(authority.root))
    (tmp_path / "issuing.pem").write_bytes(pem(authority.issuing))
    config = CaConfig(
        root_certificate=str(tmp_path / "root.pem"),
        issuing_certificate=str(tmp_path / "issuing.pem"),
        key_backend="pkcs11",
        pkcs11_library=LIBRARY,
        pkcs11_token_label=token.label,
        pkcs11_pin=token.pin,
        pkcs11_key_label=label,
    )
    loaded = config.load()
    h = in_memory(clock=FakeClock(now), authority=loaded)
    rec = h.softtoken.ca.issue(user_id=ALICE, csr=make_csr())
    h.softtoken.ca.verify(rec.pem, user_id=ALICE)
    with pytest.raises(ConfigurationError) as missing:
        attrs.evolve(config, pkcs11_key_label="no-such-key").load()
    assert missing.value.code == "ca_key_unavailable"
    other = _signer(token, f"other-{os.urandom(3).hex()}")
    with pytest.raises(ConfigurationError) as mismatch:
        attrs.evolve(loaded, key=other)
    assert mismatch.value.code == "ca_key_mismatch"


def _load_in_new_process(config_args: str) -> subprocess.CompletedProcess[str]:
    # PKCS#11 shares one login between the sessions of a process, so a PIN is only
    # really checked by a process that has not logged in yet.
    code = (
        "from softtoken.ca import CaConfig\n"
        "from softtoken.errors import ConfigurationError\n"
        f"config = CaConfig({config_args})\n"
        "try:\n    config.load()\nexcept ConfigurationError as e:\n    print(e.code)\n"
        "else:\n    print('loaded')\n"
    )
    return subprocess.run(  # noqa: S603 - this Python, code from the test
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_the_pin_guards_the_key_in_another_process(token: Token, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    label = f"persisted-{os.urandom(3).hex()}"
    authority = create_authority(
        name="HSM", now=now, root_key=PemSigner.generate(), issuing_key=_signer(token, label)
    )
    from ..helpers.ca import pem

    (tmp_path / "root.pem").write_bytes(pem(authority.root))
    (tmp_path / "issuing.pem").write_bytes(pem(authority.issuing))
    args = (
        f"root_certificate={str(tmp_path / 'root.pem')!r}, "
        f"issuing_certificate={str(tmp_path / 'issuing.pem')!r}, key_backend='pkcs11', "
        f"pkcs11_library={LIBRARY!r}, pkcs11_token_label={token.label!r}, "
        f"pkcs11_key_label={label!r}, "
    )
    right = _load_in_new_process(args + f"pkcs11_pin={token.pin!r}")
    assert right.stdout.strip() == "loaded", right.stderr
    wrong = _load_in_new_process(args + "pkcs11_pin='999999'")
    assert wrong.stdout.strip() == "ca_key_unavailable", wrong.stderr
