"""Issue 17 items 1 and 2 on every storage adapter: personal columns rest sealed under the
current key with their row's identity as associated data; a rotation keeps old values
opening and old codes verifying; a reseal moves everything, after which the old key can
be retired, and not before."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from softtoken import Keyring, Policy, StateError, TamperingDetected
from softtoken.accounts import citizen_id_check_digit
from softtoken.authenticator import Device, KdfParams
from softtoken.maintenance._rekey import check_retirable, key_usage, reseal
from softtoken.ports import Row, Storage
from softtoken.testing import Harness, Person, approve_registration, in_memory, soft_token_user

K0, K1, K2 = b"0" * 32, b"1" * 32, b"2" * 32
# k0 is never used (a ring may hold a key nothing uses); personal data and audit records
# are written under k1, then k2.
RING = Keyring({"k0": K0, "k1": K1}, current="k1")
WHO = Person()
OTHER_USER, OTHER_CID = "T05005000000202", "3100600123450"


def _raw(storage: Storage, table: str, **where: object) -> list[Row]:
    tx = storage.begin()
    try:
        return tx.select(table, [(k, "=", v) for k, v in where.items()])
    finally:
        tx.rollback()


def _raw_update(storage: Storage, table: str, key: dict[str, object], **values: object) -> None:
    tx = storage.begin()
    tx.update(table, [(k, "=", v) for k, v in key.items()], values)
    tx.commit()


def _issue_code(harness: Harness, subject: str) -> str:
    harness.softtoken.otp.issue("demo", subject, email="code.test@example.go.th")
    harness.deliver_mail()
    found = re.search(r"\b(\d{6})\b", harness.mailbox.to("code.test@example.go.th")[-1].text)
    assert found is not None
    return found.group(1)


def test_rotation_round_trip(storage: Storage) -> None:
    before = in_memory(storage=storage, keyring=RING)
    soft_token_user(before, WHO)
    code = _issue_code(before, "subject-1")
    [row] = _raw(storage, "st_accounts", user_id=WHO.user_id)
    assert str(row["citizen_id"]).startswith("st1:k1:")
    assert str(row["citizen_index"]).startswith("k1:")
    assert WHO.first_name not in str(row["first_name"])

    ring = RING.rotated(key_id="k2", secret=K2)
    after = in_memory(storage=storage, keyring=ring, clock=before.clock)
    soft = after.softtoken
    # Old values open, and the citizen-ID lookups find rows indexed under k1.
    held = soft.privacy.export(WHO.user_id)
    assert held["account"][0]["citizen_id"] == WHO.citizen_id
    assert held["account"][0]["first_name"] == WHO.first_name
    assert {b["citizen_id"] for b in held["email_bindings"]} == {WHO.citizen_id}
    # A code issued before the rotation still verifies after it.
    assert soft.otp.verify("demo", "subject-1", code).subject == "subject-1"
    # New values are written under k2.
    soft.accounts.create(
        user_id=OTHER_USER, first_name="มาลี", last_name="สุขใจ", citizen_id=OTHER_CID
    )
    [new] = _raw(storage, "st_accounts", user_id=OTHER_USER)
    assert str(new["citizen_id"]).startswith("st1:k2:")
    assert str(new["citizen_index"]).startswith("k2:")

    usage = key_usage(soft.context)
    assert usage.sealed["k1"] > 0
    assert usage.sealed["k2"] > 0
    with pytest.raises(StateError) as in_use:
        check_retirable(soft.context, "k1")
    assert in_use.value.code == "key_in_use"

    moved = reseal(soft.context, batch_size=2)  # several batches per table
    assert moved > 0
    assert reseal(soft.context) == 0  # nothing left: a second reseal changes nothing
    usage = key_usage(soft.context)
    assert "k1" not in usage.sealed
    assert "k1" not in usage.macs
    assert usage.audit["k1"] > 0  # never moved; no bar to retiring (Keyring.without)
    assert usage.retirable() == ("k0", "k1")
    with pytest.raises(StateError) as current:
        check_retirable(soft.context, "k2")
    assert current.value.code == "key_is_current"
    check_retirable(soft.context, "k1")

    retired = in_memory(storage=storage, keyring=ring.without("k1"), clock=before.clock)
    again = retired.softtoken.privacy.export(WHO.user_id)
    assert again["account"][0]["citizen_id"] == WHO.citizen_id
    assert again["documents"] == held["documents"]
    # The records k1 wrote verify with what the ring kept of it; nothing else of k1 is left.
    assert retired.softtoken.audit.verify() == len(retired.softtoken.audit.records())
    assert "k1" not in ring.without("k1")
    resealed = [
        r.entry for r in retired.softtoken.audit.records() if r.entry.action == "keys.reseal"
    ]
    assert resealed
    assert all(set(e.details) == {"resealed"} for e in resealed)


def test_retire_is_refused_while_a_live_code_uses_the_key(storage: Storage) -> None:
    before = in_memory(storage=storage, keyring=RING)
    _issue_code(before, "subject-2")
    ring = RING.rotated(key_id="k2", secret=K2)
    after = in_memory(storage=storage, keyring=ring, clock=before.clock)
    reseal(after.softtoken.context)
    with pytest.raises(StateError) as in_use:
        check_retirable(after.softtoken.context, "k1")
    assert in_use.value.code == "key_in_use"
    assert key_usage(after.softtoken.context).macs == {"k1": 1}
    after.clock.advance(minutes=11)  # the code has expired: its MAC verifies nothing now
    check_retirable(after.softtoken.context, "k1")


def test_a_sealed_value_moved_to_another_row_or_column_does_not_open(storage: Storage) -> None:
    harness = in_memory(storage=storage, keyring=RING)
    soft = harness.softtoken
    soft.accounts.create(user_id=WHO.user_id, first_name="สมชาย", last_name="ใจดี",
                         citizen_id=WHO.citizen_id)  # fmt: skip
    soft.accounts.create(user_id=OTHER_USER, first_name="มาลี", last_name="สุขใจ",
                         citizen_id=OTHER_CID)  # fmt: skip
    [mine] = _raw(storage, "st_accounts", user_id=WHO.user_id)
    _raw_update(storage, "st_accounts", {"user_id": OTHER_USER}, citizen_id=mine["citizen_id"])
    with pytest.raises(TamperingDetected) as moved:
        soft.accounts.get(OTHER_USER)
    assert moved.value.code == "sealed_value_broken"
    assert "sealed" in moved.value.message("en")
    assert moved.value.message("th")

    _raw_update(storage, "st_accounts", {"user_id": WHO.user_id}, last_name=mine["first_name"])
    with pytest.raises(TamperingDetected) as swapped:
        soft.accounts.get(WHO.user_id)
    assert swapped.value.code == "sealed_value_broken"


def test_names_stay_in_clear_only_when_the_policy_says_so(storage: Storage) -> None:
    policy = Policy.for_tests(names_searchable=True)
    harness = in_memory(storage=storage, keyring=RING, policy=policy)
    harness.softtoken.accounts.create(
        user_id=WHO.user_id, first_name="สมชาย", last_name="ใจดี", citizen_id=WHO.citizen_id
    )
    [row] = _raw(storage, "st_accounts", user_id=WHO.user_id)
    assert (row["first_name"], row["last_name"]) == ("สมชาย", "ใจดี")
    assert str(row["citizen_id"]).startswith("st1:k1:")
    # A deployment that turns the policy off later still reads the clear names, and a
    # reseal seals them.
    sealed = in_memory(storage=storage, keyring=RING)
    assert sealed.softtoken.accounts.get(WHO.user_id).first_name == "สมชาย"


def test_an_activation_qr_code_shown_before_a_rotation_completes_after_it(
    storage: Storage,
) -> None:
    before = in_memory(storage=storage, keyring=RING)
    approve_registration(before, WHO)
    start = before.softtoken.activation.begin(WHO.user_id)
    [pending] = _raw(storage, "st_activations", user_id=WHO.user_id)
    assert str(pending["secret_mac"]).startswith("k1:")

    ring = RING.rotated(key_id="k2", secret=K2)
    after = in_memory(storage=storage, keyring=ring, clock=before.clock)
    assert key_usage(after.softtoken.context).macs == {"k1": 1}  # a live QR code
    phone = Device.create(
        pin=WHO.pin, confirm_pin=WHO.pin, kdf=KdfParams.for_tests(), clock=after.clock
    )
    # The QR code's secret, MAC'd under k1, is checked under k1 (the harness's CA is a
    # new one, so the phone is not asked to install the answer).
    enrolled = after.softtoken.activation.enroll(
        phone.enroll(phone.scan(start.qr_payload), pin=WHO.pin)
    )
    assert enrolled.answer["aid"] == start.activation_id
    assert key_usage(after.softtoken.context).macs == {}  # used: it verifies nothing now


@pytest.mark.parametrize("resealers", [3])
def test_several_resealers_at_once_move_each_value_once(
    sql_storage: Storage, resealers: int
) -> None:
    before = in_memory(storage=sql_storage, keyring=RING)
    for n in range(12):
        first12 = f"11017002{n:04d}"
        before.softtoken.accounts.create(
            user_id=f"T05005000001{n:03d}", first_name="มาลี", last_name="สุขใจ",
            citizen_id=first12 + str(citizen_id_check_digit(first12)),
        )  # fmt: skip
    ring = RING.rotated(key_id="k2", secret=K2)
    harnesses = [in_memory(storage=sql_storage, keyring=ring) for _ in range(resealers)]
    with ThreadPoolExecutor(resealers) as pool:
        moved = list(pool.map(lambda h: reseal(h.softtoken.context, batch_size=5), harnesses))
    assert sum(moved) == 12  # each account moved once, by whichever resealer got it
    usage = key_usage(harnesses[0].softtoken.context)
    assert "k1" not in usage.sealed
    assert usage.sealed["k2"] == 12 * 4
    counted = [
        r.entry.details["resealed"]
        for r in harnesses[0].softtoken.audit.records()
        if r.entry.action == "keys.reseal"
    ]
    assert sum(c for c in counted if isinstance(c, int)) == 12
    assert harnesses[0].softtoken.audit.verify() > 0
