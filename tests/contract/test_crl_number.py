"""Issue 12: the CRL number (RFC 5280 5.2.3) increases strictly with every CRL, from a
counter row in storage, even when the clock repeats or goes back and when several
processes make CRLs at once."""

from __future__ import annotations

import threading
from datetime import timedelta

from cryptography import x509

from softtoken.storage.sql import SqlStorage
from softtoken.testing import Harness, in_memory

from ..helpers.ca import make_csr

ALICE = "T05005000000201"


def _number(crl: x509.CertificateRevocationList) -> int:
    return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number


def test_crl_number_increases_when_the_clock_stands_still_or_goes_back(
    harness: Harness,
) -> None:
    ca = harness.softtoken.ca
    ca.revoke(ca.issue(user_id=ALICE, csr=make_csr()).serial, reason="lost_phone")
    first = ca.crl()
    second = ca.crl()  # the same instant
    harness.clock.set(harness.clock.now() - timedelta(hours=2))  # a clock set back
    third = ca.crl()
    numbers = [_number(c) for c in (first, second, third)]
    assert numbers[0] < numbers[1] < numbers[2]
    # Still a full, valid CRL each time.
    assert all(len(list(c)) == 1 for c in (first, second, third))
    assert all(c.is_signature_valid(ca.authority.issuing.public_key()) for c in (first, third))  # type: ignore[arg-type]


def test_crl_number_has_no_duplicates_under_concurrent_generation(
    pg_storage: SqlStorage,
) -> None:
    harness = in_memory(storage=pg_storage)
    ca = harness.softtoken.ca
    ca.crl()  # the counter row exists; the race below is on its update
    numbers: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def make() -> None:
        start.wait()
        for _ in range(5):
            try:
                crl = ca.crl()
            except BaseException as error:
                errors.append(error)
                continue
            with lock:
                numbers.append(_number(crl))

    threads = [threading.Thread(target=make) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(numbers) == 20
    assert len(set(numbers)) == 20
