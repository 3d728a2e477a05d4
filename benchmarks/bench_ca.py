"""The CA: issuing from a CSR through ``soft.ca`` vs the raw cryptography build+sign
path (target >= 0.7); a full CRL of 10k / 100k revoked entries (1k / 10k in quick mode)
from storage vs a raw CertificateRevocationListBuilder (target <= 2x the time); and a
login's certificate verification vs one raw signature check.

The raw paths do what any correct issuer must do and nothing more: issuing loads the
CSR, checks its signature, builds the same profile and signs; the raw CRL gets its
entries handed in a ready list (through the builder's constructor, as ours does: adding
entries one at a time is quadratic); the raw verification checks the issuing CA's
signature over the certificate and nothing else (no chain policy, no register).
"""

from __future__ import annotations

import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _common import Ratio, rate
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from softtoken.ca import CertificateRecord, CertificateStatus, CertificateTable, RevocationReason
from softtoken.ca._profile import device_certificate_builder, random_serial
from softtoken.storage.sql import SqlStorage
from softtoken.testing import Harness, in_memory

USER = "T05005000000201"
ROUND = 200


def _csr() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "device")])
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM)


def _issue(seconds: float) -> Ratio:
    """The memory adapter scans a table for each query (it has no indexes), so ours is
    timed in rounds of ``ROUND`` issues on a fresh store: the cost of issuing, not of a
    growing scan. ``_issue_sqlite`` shows an indexed store of any size."""
    h = in_memory()
    authority = h.softtoken.ca.authority
    issuing_key = authority.key._key  # type: ignore[attr-defined]  # noqa: SLF001 - the raw baseline
    csrs = [_csr() for _ in range(ROUND)]
    policy = h.softtoken.policy

    def raw() -> None:
        for csr_pem in csrs:
            csr = x509.load_pem_x509_csr(csr_pem)
            if not csr.is_signature_valid:
                raise AssertionError
            builder = device_certificate_builder(
                user_id=USER,
                public_key=csr.public_key(),
                issuer=authority.issuing,
                serial=random_serial(policy.certificate_serial_bits),
                now=h.clock.now(),
                validity=policy.certificate_validity,
                crl_url=authority.crl_url,
                ocsp_url=authority.ocsp_url,
            )
            builder.sign(issuing_key, hashes.SHA256())

    def ours_round() -> float:
        fresh = in_memory(authority=authority)
        start = time.perf_counter()
        for csr_pem in csrs:
            fresh.softtoken.ca.issue(user_id=USER, csr=csr_pem)
        return time.perf_counter() - start

    raw_rate = rate(raw, seconds=seconds) * ROUND
    spent, rounds = 0.0, 0
    while spent < seconds or rounds < 3:
        spent += ours_round()
        rounds += 1
    return Ratio(
        name="issue from CSR: soft.ca.issue (memory) vs load+check+build+sign",
        ours=rounds * ROUND / spent,
        raw=raw_rate,
        target=">= 0.70",
    )


def _issue_sqlite(seconds: float) -> Ratio:
    """The same on SQLite (a file in a temporary directory, indexed, one commit each)."""
    with tempfile.TemporaryDirectory() as folder:
        storage = SqlStorage(f"sqlite:///{Path(folder) / 'bench.db'}")
        storage.create_schema()
        h = in_memory(storage=storage)
        csrs = [_csr() for _ in range(ROUND)]
        authority = h.softtoken.ca.authority
        issuing_key = authority.key._key  # type: ignore[attr-defined]  # noqa: SLF001
        count = [0]

        def ours() -> None:
            count[0] += 1
            h.softtoken.ca.issue(user_id=USER, csr=csrs[count[0] % ROUND])

        def raw() -> None:
            csr = x509.load_pem_x509_csr(csrs[0])
            if not csr.is_signature_valid:
                raise AssertionError
            device_certificate_builder(
                user_id=USER,
                public_key=csr.public_key(),
                issuer=authority.issuing,
                serial=random_serial(159),
                now=h.clock.now(),
                validity=timedelta(days=730),
                crl_url=authority.crl_url,
                ocsp_url=authority.ocsp_url,
            ).sign(issuing_key, hashes.SHA256())

        result = Ratio(
            name="issue from CSR: soft.ca.issue (SQLite file) vs raw",
            ours=rate(ours, seconds=seconds),
            raw=rate(raw, seconds=seconds),
        )
        storage.close()
        return result


def _fill(h: Harness, count: int) -> None:
    """``count`` revoked certificate records, written straight to storage."""
    now = h.clock.now()
    reasons = list(RevocationReason)
    batch = 1000  # the memory adapter checks each insert against the pending ones
    for start in range(0, count, batch):
        with h.softtoken.unit_of_work() as uow:
            table = uow.repository(CertificateTable)
            for i in range(start, min(start + batch, count)):
                table.add(
                    CertificateRecord(
                        serial=format(random_serial(159), "x"),
                        user_id=USER,
                        key_fingerprint=f"{i:064x}",
                        key_type="ec-p256",
                        not_before=now,
                        not_after=now + timedelta(days=730),
                        status=CertificateStatus.REVOKED,
                        issued_at=now,
                        revoked_at=now,
                        revocation_reason=reasons[i % len(reasons)],
                        der=b"\x30\x00",
                    )
                )
            uow.commit()


def _crl(count: int) -> Ratio:
    h = in_memory()
    _fill(h, count)
    ca = h.softtoken.ca
    authority = ca.authority
    issuing_key = authority.key._key  # type: ignore[attr-defined]  # noqa: SLF001 - the raw baseline
    now = h.clock.now()
    with h.softtoken.unit_of_work() as uow:
        entries = uow.repository(CertificateTable).crl_entries(now=now)
    plain = [(e.serial, e.revoked_at.replace(tzinfo=None), e.reason.crl_reason) for e in entries]

    def raw() -> None:
        revoked = [
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(when)
            .add_extension(x509.CRLReason(reason), critical=False)
            .build()
            for serial, when, reason in plain
        ]
        builder = x509.CertificateRevocationListBuilder(
            issuer_name=authority.issuing.subject,
            last_update=now.replace(tzinfo=None),
            next_update=(now + timedelta(days=1)).replace(tzinfo=None),
            revoked_certificates=revoked,
        ).add_extension(x509.CRLNumber(1), critical=False)
        builder.sign(issuing_key, hashes.SHA256())

    def timed(call: object) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            call()  # type: ignore[operator]
            best = min(best, time.perf_counter() - start)
        return best

    raw_s = timed(raw)
    ours_s = timed(ca.crl_der)
    if len(x509.load_der_x509_crl(ca.crl_der())) != count:
        raise AssertionError("the CRL lost entries")
    return Ratio(
        name=f"CRL of {count:,} entries: soft.ca.crl_der vs raw builder",
        ours=ours_s,
        raw=raw_s,
        unit="s",
        target="<= 2.00",
        lower_is_better=True,
    )


def _verify(h: Harness, seconds: float) -> Ratio:
    ca = h.softtoken.ca
    cert = ca.issue(user_id=USER, csr=_csr()).certificate
    issuer_key = ca.authority.issuing.public_key()
    if not isinstance(issuer_key, ec.EllipticCurvePublicKey):
        raise TypeError("the test CA is EC P-256")

    def raw() -> None:
        issuer_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))

    def ours() -> None:
        ca.verify(cert, user_id=USER)

    return Ratio(
        name="login certificate check: soft.ca.verify vs one signature verify",
        ours=rate(ours, seconds=seconds),
        raw=rate(raw, seconds=seconds),
    )


def run(quick: bool) -> list[Ratio]:
    seconds = 0.5 if quick else 2.0
    sizes = (1_000, 10_000) if quick else (10_000, 100_000)
    results = [_issue(seconds), _issue_sqlite(seconds)]
    results += [_crl(n) for n in sizes]
    results.append(_verify(in_memory(), seconds))
    return results
