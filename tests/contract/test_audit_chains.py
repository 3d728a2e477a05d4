"""Issue 15 item 1: the audit log in several chains, each with its own sealed head.

Someone with write access to the database but not the key edits, deletes, reorders,
truncates, rolls back a head, moves records across chains and changes the chain count;
each is found by ``verify()`` on every adapter **while writer threads keep appending**
to other chains, and appends refuse to extend a forged head.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from softtoken import ConfigurationError, Policy, TamperingDetected
from softtoken.audit._chains import chain_for
from softtoken.errors import Busy, ConcurrencyError
from softtoken.ports import Predicate, Row, Transaction
from softtoken.storage import StorageUnitOfWork
from softtoken.storage.memory import MemoryStorage
from softtoken.storage.sql import SqlStorage
from softtoken.testing import Harness, in_memory

USER = "T05005000000201"
CHAINS = 16


def _route(harness: Harness, subject: str, chains: int = CHAINS) -> int:
    return chain_for(harness.softtoken.context.keys.audit, subject, chains)


def _of(chain: int) -> str:
    return "" if chain == 1 else f" of chain {chain}"


def _write(harness: Harness, subject: str) -> None:
    ctx = harness.softtoken.context

    def work(uow: StorageUnitOfWork) -> None:
        ctx.audit(uow, actor="system", action="test.write", subject=subject)

    ctx.transact(work)


def _history(harness: Harness, extra: int = 3) -> int:
    """An account and ``extra`` more audited changes to it: records 1..1+extra of its
    chain, whose number is returned."""
    soft = harness.softtoken
    soft.accounts.create(user_id=USER, first_name="Somchai", last_name="Jaidee")
    for _ in range(extra):
        soft.accounts.issue_temporary_password(USER)
    return _route(harness, USER)


@contextmanager
def _writers(harness: Harness, avoid: set[int]) -> Iterator[Callable[[], int]]:
    """Two threads appending records about subjects of chains outside ``avoid`` until
    the block ends; yields how many they wrote so far."""
    subjects = [f"writer-{n}" for n in range(200) if _route(harness, f"writer-{n}") not in avoid]
    stop = threading.Event()
    written = [0]

    def loop(n: int) -> None:
        k = 0
        while not stop.is_set():
            try:
                _write(harness, subjects[(n * 7 + k) % len(subjects)])
                written[0] += 1
            except (Busy, ConcurrencyError, TamperingDetected):  # chains tampered with refuse
                pass
            k += 1

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(loop, n) for n in range(2)]
        try:
            while written[0] < 4:  # the writers are under way before the tamper
                threading.Event().wait(0.01)
            yield lambda: written[0]
        finally:
            stop.set()
            for future in futures:
                future.result()
            sys.setswitchinterval(interval)


def _tamper(harness: Harness, work: Callable[[Transaction], object]) -> None:
    # The attacker's write races the writers like any other: on the memory adapter a
    # commit that lost the race (a head moved meanwhile) is tried again.
    for _ in range(50):
        tx = harness.softtoken.storage.begin()
        try:
            work(tx)
            tx.commit()
        except ConcurrencyError:
            tx.rollback()
            continue
        return
    raise AssertionError("the tamper never committed")


def _rows(harness: Harness, table: str, where: list[Predicate]) -> list[Row]:
    tx = harness.softtoken.storage.begin(read_only=True)
    try:
        return tx.select(table, where, order_by=[c for c, _, _ in where] or ())
    finally:
        tx.rollback()


def _broken(harness: Harness) -> str:
    with pytest.raises(TamperingDetected) as caught:
        harness.softtoken.audit.verify()
    assert caught.value.code == "audit_chain_broken"
    return caught.value.detail or ""


def _event(chain: int, seq: int) -> list[Predicate]:
    return [("chain", "=", chain), ("seq", "=", seq)]


def test_records_spread_over_chains_and_verify_together(harness: Harness) -> None:
    for n in range(40):
        _write(harness, f"subject-{n}")
    records = harness.softtoken.audit.records()
    assert len({r.chain for r in records}) > 8  # 40 subjects over 16 chains
    assert harness.softtoken.audit.verify() == 40
    assert set(range(1, CHAINS + 1)) == {r["id"] for r in _rows(harness, "st_audit_head", [])}


@pytest.mark.parametrize("where", ["edit", "delete", "reorder", "truncate", "forge"])
def test_tampering_with_one_chain_is_found_while_others_write(harness: Harness, where: str) -> None:
    chain = _history(harness)
    w = _of(chain)
    with _writers(harness, avoid={chain}) as written:
        if where == "edit":
            _tamper(
                harness,
                lambda tx: tx.update("st_audit_events", _event(chain, 2), {"outcome": "failure"}),
            )
            expected = f"record 2{w} was altered"
        elif where == "delete":
            _tamper(harness, lambda tx: tx.delete("st_audit_events", _event(chain, 2)))
            expected = f"record 2{w} is missing"
        elif where == "reorder":
            two, three = (_rows(harness, "st_audit_events", _event(chain, s))[0] for s in (2, 3))
            keep = {"chain", "seq"}

            def swap(tx: Transaction) -> None:
                tx.update(
                    "st_audit_events",
                    _event(chain, 2),
                    {k: v for k, v in three.items() if k not in keep},
                )
                tx.update(
                    "st_audit_events",
                    _event(chain, 3),
                    {k: v for k, v in two.items() if k not in keep},
                )

            _tamper(harness, swap)
            expected = f"record 2{w} was altered"
        elif where == "truncate":
            _tamper(
                harness,
                lambda tx: tx.delete("st_audit_events", [("chain", "=", chain), ("seq", ">", 2)]),
            )
            expected = f"the log{w} ends at 2 but its head says 4"
        else:  # cut the tail and copy record 2 into the head
            (second,) = _rows(harness, "st_audit_events", _event(chain, 2))

            def forge(tx: Transaction) -> None:
                tx.delete("st_audit_events", [("chain", "=", chain), ("seq", ">", 2)])
                tx.update("st_audit_head", [("id", "=", chain)], {"seq": 2, "hash": second["hash"]})

            _tamper(harness, forge)
            expected = "is not authentic"
        before = written()
        for _ in range(3):
            assert expected in _broken(harness)
        if where == "forge":  # the next write to that chain refuses to seal the cut
            with pytest.raises(TamperingDetected):
                harness.softtoken.accounts.issue_temporary_password(USER)
    assert written() >= before  # the writers went on; only the chain tampered with fails


def test_a_head_rolled_back_is_found_by_the_records_past_it_or_a_checkpoint(
    harness: Harness,
) -> None:
    chain = _history(harness, extra=1)
    (earlier,) = _rows(harness, "st_audit_head", [("id", "=", chain)])
    harness.softtoken.accounts.issue_temporary_password(USER)
    checkpoint = harness.softtoken.audit.checkpoint()
    harness.softtoken.accounts.issue_temporary_password(USER)
    restore = {k: v for k, v in earlier.items() if k != "id"}
    with _writers(harness, avoid={chain}):
        _tamper(harness, lambda tx: tx.update("st_audit_head", [("id", "=", chain)], restore))
        assert f"record 3{_of(chain)} lies past the head" in _broken(harness)
        _tamper(
            harness,
            lambda tx: tx.delete("st_audit_events", [("chain", "=", chain), ("seq", ">", 2)]),
        )
        assert harness.softtoken.audit.verify() > 0  # nothing inside tells it from a shorter log
        with pytest.raises(TamperingDetected) as caught:
            harness.softtoken.audit.verify(checkpoint=checkpoint)
        assert "shorter than the checkpoint at 3" in (caught.value.detail or "")


def _move(harness: Harness, rows: list[Row], **changes: object) -> None:
    """Rewrite ``rows`` under another key (the memory adapter updates no primary key)."""

    def work(tx: Transaction) -> None:
        for row in rows:
            tx.delete("st_audit_events", _event(row["chain"], row["seq"]))  # type: ignore[arg-type]
        for row in rows:
            tx.insert("st_audit_events", {**row, **changes})

    _tamper(harness, work)


def test_records_moved_across_chains_do_not_link(harness: Harness) -> None:
    chain = _history(harness)
    empty = next(c for c in range(1, CHAINS + 1) if c != chain)
    with _writers(harness, avoid={chain, empty}):
        # One record moved to another chain, as the first there.
        fourth = _rows(harness, "st_audit_events", _event(chain, 4))
        _move(harness, fourth, chain=empty, seq=1)
        detail = _broken(harness)  # verify names the first chain it finds broken
        if empty < chain:
            assert f"record 1{_of(empty)} was altered" in detail  # not its genesis
        else:  # chain 1, checked first, lost its fourth record
            assert detail == "the log ends at 3 but its head says 4"
        _move(harness, _rows(harness, "st_audit_events", _event(empty, 1)), chain=chain, seq=4)
        assert harness.softtoken.audit.verify() > 0  # put back: intact again
        # The whole chain moved, its head's values copied along.
        (head,) = _rows(harness, "st_audit_head", [("id", "=", chain)])
        values = {k: v for k, v in head.items() if k != "id"}
        _move(harness, _rows(harness, "st_audit_events", [("chain", "=", chain)]), chain=empty)
        _tamper(harness, lambda tx: tx.update("st_audit_head", [("id", "=", empty)], values))
        assert "not authentic" in _broken(harness)  # the head's MAC names its chain


def test_a_chain_deleted_whole_or_a_changed_count_is_found(harness: Harness) -> None:
    chain = _history(harness)
    last = CHAINS if chain != CHAINS else CHAINS - 1
    with _writers(harness, avoid={chain, last}):
        (head,) = _rows(harness, "st_audit_head", [("id", "=", last)])

        def drop(tx: Transaction) -> None:
            tx.delete("st_audit_events", [("chain", "=", last)])
            tx.delete("st_audit_head", [("id", "=", last)])

        _tamper(harness, drop)
        assert f"the head of chain {last} of {CHAINS} is missing" in _broken(harness)
        _tamper(harness, lambda tx: tx.insert("st_audit_head", head))
        # Every head claims 8 chains and the heads past 8 go: the seals do not hold.
        _tamper(harness, lambda tx: tx.update("st_audit_head", [], {"chains": 8}))
        assert "not authentic" in _broken(harness)


def test_the_chain_count_changes_only_by_a_reseal_and_only_upward(
    storage: MemoryStorage | SqlStorage,
) -> None:
    secret = b"s" * 32
    harness = in_memory(storage=storage, secret_key=secret)
    for n in range(40):
        _write(harness, f"subject-{n}")
    before = harness.softtoken.audit.checkpoint()
    fewer = in_memory(storage=storage, secret_key=secret, policy=Policy.for_tests(audit_chains=8))
    with pytest.raises(ConfigurationError):
        fewer.softtoken.audit.verify()
    with pytest.raises(ConfigurationError):  # appends refuse too: no silent re-routing
        _write(fewer, "subject-1")
    with pytest.raises(ConfigurationError):  # chains 9..16 hold records
        fewer.softtoken.audit.reseal(officer="somsri")
    more = in_memory(storage=storage, secret_key=secret, policy=Policy.for_tests(audit_chains=32))
    more.softtoken.audit.reseal(officer="somsri")
    assert more.softtoken.audit.verify(checkpoint=before) == 41  # the reseal is recorded
    for n in range(40):
        _write(more, f"later-{n}")
    assert more.softtoken.audit.verify(checkpoint=before) == 81
    with pytest.raises(ConfigurationError):
        harness.softtoken.audit.verify()  # the old count is no longer the sealed one


def test_the_single_chain_from_before_chains_stays_chain_1(memory_harness: Harness) -> None:
    """A log written before chains (one v1 head) verifies as chain 1, with its v1
    checkpoint, and the first write seals it again as chain 1 of 16."""
    from softtoken.audit._chain import chain_hash
    from softtoken.audit._seal import seal_head

    harness = memory_harness
    soft = harness.softtoken
    soft.accounts.create(user_id=USER, first_name="Somchai", last_name="Jaidee")
    key = soft.context.keys.audit
    records = soft.audit.records()

    def legacy(tx: Transaction) -> None:  # the same records as one chain, as 0.1 to 0.x wrote
        tx.delete("st_audit_events", [])
        tx.delete("st_audit_head", [])
        seq, last = 0, "0" * 64
        for record in records:  # format 1: the hash covers the clear values
            seq, entry = seq + 1, record.entry
            digest = chain_hash(key, seq, last, entry)
            tx.insert("st_audit_events", {
                "chain": 1, "seq": seq, "at": entry.at, "actor": entry.actor,
                "action": entry.action, "subject": entry.subject, "outcome": entry.outcome,
                "details": dict(entry.details), "prev_hash": last, "hash": digest,
            })  # fmt: skip
            last = digest
        tx.insert(
            "st_audit_head",
            {"id": 1, "seq": seq, "hash": last, "mac": seal_head(key, seq=seq, hash=last)},
        )

    _tamper(harness, legacy)
    checkpoint = soft.audit.checkpoint()
    assert checkpoint.heads == ()  # a v1 checkpoint
    assert checkpoint.chain == "1"
    for _ in range(3):
        soft.accounts.issue_temporary_password(USER)
    heads = _rows(harness, "st_audit_head", [])
    assert [h["chains"] for h in heads] == [CHAINS] * CHAINS
    assert soft.audit.verify(checkpoint=checkpoint) == len(records) + 3


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    subjects=st.lists(st.integers(0, 30), min_size=2, max_size=30),
    victim=st.integers(0, 1000),
    field=st.sampled_from(["actor", "subject", "outcome", "prev_hash", "hash", "delete"]),
)
def test_any_edit_or_deletion_is_found(subjects: list[int], victim: int, field: str) -> None:
    harness = in_memory()
    for n in subjects:
        _write(harness, f"s{n}")
    records = harness.softtoken.audit.records()
    target = records[victim % len(records)]
    where = _event(target.chain, target.seq)
    if field == "delete":
        _tamper(harness, lambda tx: tx.delete("st_audit_events", where))
    else:
        _tamper(harness, lambda tx: tx.update("st_audit_events", where, {field: "f" * 64}))
    assert _broken(harness)
