"""Reading, exporting, verifying, checkpointing and resealing the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from softtoken._log import logger
from softtoken.accounts import _boundary
from softtoken.accounts._officer import Officer
from softtoken.audit._chain import GENESIS, AuditEntry, AuditRecord, DetailValue, verify_chain
from softtoken.audit._seal import WIPED, AuditCheckpoint, make_checkpoint
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
    count, head = done
    uow.audit.append(
        AuditEntry(
            at=at,
            actor="system",
            action="audit.convert",
            subject="audit",
            details={"records": count, "v1_head_seq": head.seq, "v1_head_hash": head.hash},
        )
    )
    return count


class AuditLog:
    def __init__(self, unit_of_work: Callable[[], StorageUnitOfWork], *, clock: Clock) -> None:
        self._uow = unit_of_work
        self._clock = clock

    def records(self, *, after_seq: int = 0, limit: int | None = None) -> list[AuditRecord]:
        after_seq = _boundary.count(after_seq, "after_seq", minimum=0)
        if limit is not None:
            limit = _boundary.count(limit, "limit")
        with self._uow() as uow:
            return uow.audit.records(after_seq=after_seq, limit=limit)

    def verify(self, *, checkpoint: AuditCheckpoint | None = None) -> int:
        """Check the whole chain; returns how many records verified.

        Args:
            checkpoint: one that :meth:`checkpoint` made earlier and that was kept
                outside the database; the log must reach it and extend it.

        Raises:
            TamperingDetected: ``audit_chain_broken``, naming the first bad record, a
                head that is not sealed with the audit key, a log shorter than the
                checkpoint or not extending it, or an empty log beside accounts;
                ``audit_checkpoint_invalid`` for a checkpoint that is not authentic.
        """
        if checkpoint is not None:
            checkpoint = _boundary.instance(checkpoint, AuditCheckpoint, "checkpoint")
        return self._verify(checkpoint)[0]

    def _verify(self, checkpoint: AuditCheckpoint | None) -> tuple[int, str]:
        # Concurrent writers commit records and the head together, and the head only
        # moves forward. So read the head first and check the records up to it: every
        # one of them is committed, whatever the isolation level; records past it
        # belong to writers that committed since (issue 16: READ COMMITTED on
        # PostgreSQL). Accounts are read before the head for the same reason: an
        # account seen means its creation's record is committed too.
        with self._uow() as uow:
            has_accounts = uow.audit.has_accounts()
            head = uow.audit.head()
            end = 0 if head is None else head.seq
            records = uow.audit.records(up_to_seq=end)
            count = verify_chain(uow.keys, records, head=head, checkpoint=checkpoint)
            # A record past the head must be a newer writer's, whose commit moved the
            # head past it; one left behind a head put back (or a head deleted) is not.
            # One more read of the head tells them apart.
            later = uow.audit.records(after_seq=end, limit=1)
            if later:
                now_head = uow.audit.head()
                if now_head is None or now_head.seq < later[0].seq:
                    raise TamperingDetected(
                        detail=f"record {later[0].seq} lies past the head at {end}"
                    )
            if head is None and has_accounts:
                raise TamperingDetected(detail=WIPED)
        return count, GENESIS if not records else records[-1].hash

    def checkpoint(self, *, previous: AuditCheckpoint | None = None) -> AuditCheckpoint:
        """Verify the log (against ``previous`` if given) and seal where it ends now.

        Keep the result outside the database (``to_json()``), where someone who can
        write to the database cannot reach it, and pass it to :meth:`verify` later.

        Raises:
            TamperingDetected: as :meth:`verify`; a broken log gets no checkpoint.
        """
        if previous is not None:
            previous = _boundary.instance(previous, AuditCheckpoint, "previous")
        seq, last = self._verify(previous)
        with self._uow() as uow:
            keys = uow.keys
        return make_checkpoint(
            keys.audit, seq=seq, hash=last, at=self._clock.now(), key_id=keys.key_id
        )

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
                "head_was": None if before is None else before.seq,
                "records_kept": kept,
            }
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
