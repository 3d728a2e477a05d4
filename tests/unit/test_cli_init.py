"""``softtoken init``: a development deployment in one command (issue 13 item 7). The
printed exports, evaluated by a shell as a developer would, make a working SoftToken."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from softtoken import Config, build
from softtoken.cli import main
from softtoken.storage.sql import SqlStorage, migrations

_DUMP = "import json, os; print(json.dumps({k: v for k, v in os.environ.items()}))"


def _exports(printed: str) -> dict[str, str]:
    """What ``eval "$(softtoken init)"`` leaves in a POSIX shell's environment."""
    shell = shutil.which("sh")
    assert shell is not None
    script = f"{printed}\nexec {sys.executable} -c '{_DUMP}'\n"
    done = subprocess.run([shell, "-c", script], capture_output=True, text=True, check=True, env={})  # noqa: S603
    return {k: v for k, v in json.loads(done.stdout).items() if k.startswith("SOFTTOKEN_")}


def _csr() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "device")])
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM)


def test_g7_init_makes_a_development_deployment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "dev"
    assert main(["init", "--dir", str(folder)]) == 0
    printed = capsys.readouterr().out
    env = _exports(printed)
    assert set(env) >= {
        "SOFTTOKEN_SECRET_KEY",
        "SOFTTOKEN_STORAGE_URL",
        "SOFTTOKEN_CA_ROOT_CERT",
        "SOFTTOKEN_CA_ISSUING_CERT",
        "SOFTTOKEN_CA_KEY_FILE",
        "SOFTTOKEN_CA_KEY_PASSPHRASE",
    }
    assert env["SOFTTOKEN_SECRET_KEY"] not in printed  # the secrets stay in their files
    assert env["SOFTTOKEN_CA_KEY_PASSPHRASE"] not in printed
    for secret in ("secret.key", "ca/passphrase", "ca/issuing-key.pem", "ca/root-key.pem"):
        assert stat.S_IMODE((folder / secret).stat().st_mode) == 0o600, secret
    assert b"ENCRYPTED" in (folder / "ca/issuing-key.pem").read_bytes()

    storage = SqlStorage(env["SOFTTOKEN_STORAGE_URL"])
    try:  # the database is at this version's schema, ready without ``softtoken db init``
        assert migrations.current_revision(storage.engine) == migrations.head_revision()
    finally:
        storage.close()

    soft = build(Config.from_env(env))
    try:
        soft.accounts.create(user_id="T05005000000201", first_name="Somchai", last_name="Jaidee")
        record = soft.ca.issue(user_id="T05005000000201", csr=_csr())
        issued = x509.load_der_x509_certificate(record.der)
        issuing = x509.load_pem_x509_certificate((folder / "ca/issuing.pem").read_bytes())
        issued.verify_directly_issued_by(issuing)
        assert soft.accounts.get("T05005000000201").user_id.value == "T05005000000201"
    finally:
        soft.close()


def test_g7_init_refuses_to_overwrite_a_deployment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "dev"
    assert main(["init", "--dir", str(folder)]) == 0
    capsys.readouterr()
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert main(["init", "--dir", str(folder)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
