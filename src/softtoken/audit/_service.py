"""Reading, exporting, verifying, checkpointing and resealing the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from softtoken._log import logger
from softtoken.accounts import _boundary
from softtoken.accounts._officer import Officer
from softtoken.audit._chain import AuditEntry, AuditRecord, DetailValue
from softtoken.audit._chains import check_chain_count, genesis, verify_chains
from softtoken.audit._seal import WIPED, AuditCheckpoint, AuditHead, make_checkpoint
from softtoken.errors import TamperingDetected

if TYPE_CHECKING:
    from softtoken.ports import Clock
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["AuditLog", "convert_in"]


def convert_in(uow: StorageUnitOfWork, at: datetime) -> int | None:
    """Convert format 1 records in ``uow`` and audit it with the head they ended at, so
    the log itself proves the format 2 chain continues the old one. Returns how many
    records were converted, or None when none were format 1.

    Raises:
        TamperingDetected: the chain does not verify as it stands (nothing converted).
    """
    done = uow.audit.convert()
    if done is None:
        return None
    details: dict[str, DetailValue] = {"records": done.records, "chains": len(done.chains)}
    old = done.heads_before.get(1)
    if 1 in done.chains and old is not None:  # the single chain from before chains
        details.update(v1_head_seq=old.seq, v1_head_hash=old.hash)
    uow.audit.append(
        AuditEntry(at=at, actor="system", action="audit.convert", subject="audit", details=details)
    )
    return done.records


class AuditLog:
    def __init__(self, unit_of_work: Callable[[], StorageUnitOfWork], *, clock: Clock) -> None:
        self._uow = unit_of_work
        self._clock = clock

    def records(
        self, *, after_seq: int = 0, limit: int | None = None, chain: int | None = None
    ) -> list[AuditRecord]:
        """Records ordered by chain, then sequence; ``after_seq`` counts within each
        chain, ``chain`` (1..Policy.audit_chains) keeps one."""
        after_seq = _boundary.count(after_seq, "after_seq", minimum=0)
        if limit is not None:
            limit = _boundary.count(limit, "limit")
        if chain is not None:
            chain = _boundary.count(chain, "chain")
        with self._uow().reading() as uow:
            return uow.audit.records(after_seq=after_seq, limit=limit, chain=chain)

    def verify(self, *, checkpoint: AuditCheckpoint | None = None) -> int:
        """Check every chain, read in one snapshot that holds up no writer; returns how
        many records verified.

        Args:
            checkpoint: one that :meth:`checkpoint` made earlier and that was kept
                outside the database; the log must reach it and extend it.

        Raises:
            TamperingDetected: ``audit_chain_broken``, naming the first bad record, a
                head that is not sealed with the audit key, a log shorter than the
                checkpoint or not extending it, or an empty log beside accounts;
                ``audit_checkpoint_invalid`` for a checkpoint that is not authentic.
            ConfigurationError: the log is sealed for another chain count than
                ``Policy.audit_chains`` (an officer's reseal changes it).
        """
        if checkpoint is not None:
            checkpoint = _boundary.instance(checkpoint, AuditCheckpoint, "checkpoint")
        return self._verify(checkpoint)[0]

    def _verify(self, checkpoint: AuditCheckpoint | None) -> tuple[int, dict[int, AuditHead], int]:
        # One snapshot (a reading unit of work on every backend): the accounts, every
        # head and every record agree with each other, so a record past its head is
        # one left behind a head put back, never a writer's commit half seen; and no
        # writer waits for the verify.
        with self._uow().reading() as uow:
            has_accounts = uow.audit.has_accounts()
            heads = uow.audit.heads()
            records = uow.audit.records()
            configured = uow.audit.chains
            keys = uow.keys
        count = verify_chains(keys, heads, records, checkpoint=checkpoint)
        if not heads and has_accounts:
            raise TamperingDetected(detail=WIPED)
        if heads and heads[min(heads)].chains is not None:
            check_chain_count(len(heads), configured)
        return count, heads, configured

    def checkpoint(self, *, previous: AuditCheckpoint | None = None) -> AuditCheckpoint:
        """Verify the log (against ``previous`` if given) and seal where every chain
        ends now.

        Keep the result outside the database (``to_json()``), where someone who can
        write to the database cannot reach it, and pass it to :meth:`verify` later.

        Raises:
            TamperingDetected: as :meth:`verify`; a broken log gets no checkpoint.
        """
        if previous is not None:
            previous = _boundary.instance(previous, AuditCheckpoint, "previous")
        _, heads, configured = self._verify(previous)
        keys = self._uow().keys  # the key only: no transaction to open
        now = self._clock.now()
        if list(heads) == [1] and heads[1].chains is None:  # the single chain, before chains
            return make_checkpoint(keys.audit, seq=heads[1].seq, hash=heads[1].hash, at=now,
                                   key_id=keys.key_id)  # fmt: skip
        ends = tuple(
            (heads[c].seq, heads[c].hash) if c in heads else (0, genesis(c))
            for c in range(1, (len(heads) or configured) + 1)
        )
        return make_checkpoint(keys.audit, heads=ends, at=now, key_id=keys.key_id)

    def reseal(self, *, officer: Officer | str) -> int:
        """Seal the head again at the end of the records as they stand; returns how
        many records it covers. For an officer after an incident (a head forged, cut
        back or wiped, so that every audited call fails) or after upgrading a database
        whose head predates sealing. Every link must still verify; the reseal itself is
        the next record (``audit.reseal``, with the head it replaced), and a checkpoint
        taken before still shows any records the reseal left out.

        Raises:
            ValidationError: ``officer_required`` on ``officer``.
            TamperingDetected: a record was altered or is missing: restore a backup.
            ConcurrencyError: another call started the chain at the same moment; retry.
        """
        kept = self._reseal(Officer.parse(officer).actor, only_unsealed=False)
        assert kept is not None  # noqa: S101 - None only with only_unsealed
        return kept

    def seal_upgraded_head(self) -> int | None:
        """Seal a head written before heads were sealed; ``build()`` calls this when its
        own start added the seal column (schema revision 0002). Returns how many records
        the seal covers, or None when there was no unsealed head. A chain whose links
        do not verify is left unsealed (``verify`` reports it) and logged."""
        try:
            return self._reseal("system", only_unsealed=True, reason="schema_upgrade")
        except TamperingDetected as error:
            logger.warning(
                "audit head left unsealed after the schema upgrade: %s", error.detail,
                extra={"softtoken_action": "audit.reseal", "softtoken_code": error.code},
            )  # fmt: skip
            return None

    def _reseal(self, actor: str, *, only_unsealed: bool, reason: str | None = None) -> int | None:
        with self._uow() as uow:
            done = uow.audit.reseal(only_unsealed=only_unsealed)
            if done is None:
                return None
            before, kept = done
            details: dict[str, DetailValue] = {
                "head_was": sum(h.seq for h in before.values()) if before else None,
                "records_kept": kept,
            }
            was = max(before, default=0)
            if was and was != uow.audit.chains:  # a deliberate change of the chain count
                details.update(chains_were=was, chains=uow.audit.chains)
            if reason is not None:
                details["reason"] = reason
            uow.audit.append(
                AuditEntry(
                    at=self._clock.now(),
                    actor=actor,
                    action="audit.reseal",
                    subject="audit",
                    details=details,
                )
            )
            uow.commit()
        return kept

    def convert(self) -> int | None:
        """Re-chain records written before schema revision 0007 (format 1, whose hash
        covers clear names) as format 2 (pseudonyms), so erasure can blank names
        without breaking the chain. ``build()`` calls this when its own start added the
        columns; after an upgrade by hand an officer runs it (``softtoken officer audit
        convert``), and the first erasure does. Every converted record keeps the hash
        it had, so checkpoints taken before still verify; the conversion is itself a
        record (``audit.convert``, with the old head). Returns how many records were
        converted, or None when there were none.

        Raises:
            TamperingDetected: the chain does not verify: nothing is converted.
        """
        with self._uow() as uow:
            count = convert_in(uow, self._clock.now())
            uow.commit()
        return count

    def convert_upgraded_records(self) -> int | None:
        """:meth:`convert` at a start that added the columns; a chain that does not
        verify is left as it is (``verify`` reports it) and logged."""
        try:
            return self.convert()
        except TamperingDetected as error:
            logger.warning(
                "audit records left in format 1 after the schema upgrade: %s", error.detail,
                extra={"softtoken_action": "audit.convert", "softtoken_code": error.code},
            )  # fmt: skip
            return None

    def export(self) -> list[dict[str, object]]:
        """Every record as JSON-ready dicts, with the chain hashes for outside checks."""
        return [
            {
                "chain": r.chain,
                "seq": r.seq,
                "at": r.entry.at.isoformat(),
                "actor": r.entry.actor,
                "action": r.entry.action,
                "subject": r.entry.subject,
                "outcome": r.entry.outcome,
                "details": dict(r.entry.details),
                "prev_hash": r.prev_hash,
                "hash": r.hash,
            }
            for r in self.records()
        ]
