"""Uploaded documents (the assignment order, ID card copies): the PDF check and the
document-store port with two adapters.

* :class:`DatabaseDocumentStore` (the default) keeps the bytes in ``st_documents``, in
  the same transaction as the record that refers to them, on every storage adapter.
* :class:`FileSystemDocumentStore` keeps them as files under a directory. A file is
  written before the transaction commits; if the transaction then fails, the file is an
  orphan nobody refers to (named by a random ID, never served), which is harmless.

Services store uploads through :func:`keep_document` and drop the ones an upload
replaces through :func:`drop_documents` (issue 12, L2: every repeated upload used to keep
another document of up to 10 MB). Who owns each document is a small row of
``st_document_owners`` in the same transaction, whichever store keeps the bytes, and
``policy.documents_per_user_max`` caps how many one owner keeps.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import attrs

from softtoken.errors import Conflict, NotFound, TamperingDetected, ValidationError
from softtoken.storage._sealed import KeyedSealer

if TYPE_CHECKING:
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = [
    "PDF_MEDIA_TYPE",
    "DatabaseDocumentStore",
    "DocumentStore",
    "FileSystemDocumentStore",
    "StoredDocument",
    "check_pdf",
    "check_scan",
    "drop_documents",
    "keep_document",
]

PDF_MEDIA_TYPE = "application/pdf"
_PDF_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")
_TAIL = 2048  # %%EOF must be near the end; writers may append a few bytes after it


def check_pdf(content: object, *, max_bytes: int, field: str) -> bytes:
    """``content`` if it is a PDF of at most ``max_bytes``; the bytes decide, not a file
    name. A PDF starts with ``%PDF-1.x``/``%PDF-2.x`` (within the first 1024 bytes, as
    readers allow), and ends with ``startxref`` and ``%%EOF``.

    Raises:
        ValidationError: ``document_empty``, ``document_too_large``, ``document_not_pdf``.
    """
    if isinstance(content, bytearray | memoryview):
        content = bytes(content)
    if not isinstance(content, bytes):
        raise ValidationError("document_not_pdf", field=field)
    if not content:
        raise ValidationError("document_empty", field=field)
    if len(content) > max_bytes:
        raise ValidationError("document_too_large", field=field, detail=f"{len(content)} bytes")
    head, tail = content[:1024], content[-_TAIL:]
    if (
        not _PDF_HEADER.search(head)
        or b"%%EOF" not in tail
        or b"startxref" not in content[-_TAIL * 4 :]
    ):
        raise ValidationError("document_not_pdf", field=field)
    return content


_SCANS = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


def check_scan(content: object, *, max_bytes: int, field: str) -> tuple[bytes, str]:
    """A scanned document (document review): a PDF, PNG or JPEG by its first bytes.
    Returns the bytes and their media type. Raises like :func:`check_pdf`."""
    if isinstance(content, bytes | bytearray | memoryview):
        data = bytes(content)
        for magic, media_type in _SCANS:
            if data.startswith(magic) and 0 < len(data) <= max_bytes:
                return data, media_type
    return check_pdf(content, max_bytes=max_bytes, field=field), PDF_MEDIA_TYPE


@attrs.frozen(kw_only=True)
class StoredDocument:
    document_id: str
    kind: str
    media_type: str
    size: int
    sha256: str


class DocumentStore(Protocol):
    """Where uploaded documents live. ``uow`` is the caller's unit of work, for stores
    that write in the same transaction; other stores may ignore it."""

    def put(
        self, uow: StorageUnitOfWork, *, kind: str, media_type: str, content: bytes, now: datetime
    ) -> StoredDocument: ...

    def get(self, uow: StorageUnitOfWork, document_id: str) -> bytes:
        """The bytes; NotFound when missing, TamperingDetected when they changed."""
        ...

    def delete(self, uow: StorageUnitOfWork, document_id: str) -> None:
        """Forget a document nothing refers to any more (a missing one is no error)."""
        ...


_OWNERS = "st_document_owners"


def keep_document(
    uow: StorageUnitOfWork,
    store: DocumentStore,
    *,
    owner: str,
    limit: int,
    kind: str,
    media_type: str,
    content: bytes,
    now: datetime,
    replaces: tuple[str, ...] = (),
) -> StoredDocument:
    """Store an upload for ``owner`` (a user ID, or a proofing's subject), at most
    ``limit`` documents per owner, counting the ``replaces`` ones as gone (the caller
    drops them with :func:`drop_documents` once its transition succeeded).

    Raises:
        Conflict: ``document_limit_reached``.
    """
    held = uow.transaction.select(_OWNERS, [("owner", "=", owner)])
    leaving = sum(1 for row in held if row["document_id"] in replaces)
    if len(held) - leaving >= limit:
        raise Conflict("document_limit_reached", detail=f"{len(held)} documents")
    doc = store.put(uow, kind=kind, media_type=media_type, content=content, now=now)
    uow.transaction.insert(
        _OWNERS,
        {"document_id": doc.document_id, "owner": owner, "kind": kind, "created_at": now},
    )
    return doc


def drop_documents(
    uow: StorageUnitOfWork, store: DocumentStore, document_ids: Iterable[str | None]
) -> None:
    """Delete replaced documents, in the caller's transaction (the database store; a
    file store unlinks at once, so call it after the step that could still fail)."""
    for document_id in document_ids:
        if document_id is not None:
            store.delete(uow, document_id)
            uow.transaction.delete(_OWNERS, [("document_id", "=", document_id)])


def _file_context(document_id: str) -> bytes:
    return f"document-file/{document_id}".encode()


def _describe(kind: str, media_type: str, content: bytes) -> StoredDocument:
    return StoredDocument(
        document_id=secrets.token_hex(16),
        kind=kind,
        media_type=media_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


class DatabaseDocumentStore:
    """Documents in the ``st_documents`` table (the default)."""

    table = "st_documents"

    def put(
        self, uow: StorageUnitOfWork, *, kind: str, media_type: str, content: bytes, now: datetime
    ) -> StoredDocument:
        doc = _describe(kind, media_type, content)
        uow.transaction.insert(
            self.table, {**attrs.asdict(doc), "content": content, "created_at": now}
        )
        return doc

    def get(self, uow: StorageUnitOfWork, document_id: str) -> bytes:
        rows = uow.transaction.select(self.table, [("document_id", "=", document_id)])
        if not rows:
            raise NotFound(detail=f"document {document_id}")
        raw = rows[0]["content"]
        assert isinstance(raw, bytes | bytearray | memoryview)  # noqa: S101 - the schema's type
        content = bytes(raw)
        if hashlib.sha256(content).hexdigest() != rows[0]["sha256"]:
            raise TamperingDetected(detail=f"document {document_id} changed")
        return content

    def delete(self, uow: StorageUnitOfWork, document_id: str) -> None:
        uow.transaction.delete(self.table, [("document_id", "=", document_id)])


def _file_sealer(uow: StorageUnitOfWork) -> KeyedSealer:
    # The database store's documents are sealed by the storage layer; files the same way,
    # under the same purpose's key, with the document ID as associated data.
    return KeyedSealer(uow.keys, lambda k: k.derived("seal/document"), code="sealed_value_broken")


class FileSystemDocumentStore:
    """Documents as files ``<directory>/<document_id>`` (mode 0600), sealed with
    AES-256-GCM under the deployment's current key (``st1:<kid>:`` then the sealed bytes),
    with a side file holding the SHA-256 of the clear bytes that ``get`` checks. Files
    written before sealing (no ``st1:`` in front) are read as they are."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self._dir = Path(directory)
        self._dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _path(self, document_id: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{32}", document_id):
            raise NotFound(detail=f"document {document_id!r}")
        return self._dir / document_id

    def put(
        self,
        uow: StorageUnitOfWork,
        *,
        kind: str,
        media_type: str,
        content: bytes,
        now: datetime,  # noqa: ARG002 - the port's signature
    ) -> StoredDocument:
        doc = _describe(kind, media_type, content)
        target = self._path(doc.document_id)
        fd, tmp = tempfile.mkstemp(dir=self._dir, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(_file_sealer(uow).seal(content, context=_file_context(doc.document_id)))
            Path(tmp).replace(target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        target.with_suffix(".sha256").write_text(doc.sha256, encoding="ascii")
        return doc

    def get(self, uow: StorageUnitOfWork, document_id: str) -> bytes:
        path = self._path(document_id)
        try:
            content = path.read_bytes()
            if content.startswith(b"st1:"):
                content = _file_sealer(uow).open(content, context=_file_context(document_id))
            expected = path.with_suffix(".sha256").read_text(encoding="ascii")
        except FileNotFoundError:
            raise NotFound(detail=f"document {document_id}") from None
        if hashlib.sha256(content).hexdigest() != expected:
            raise TamperingDetected(detail=f"document {document_id} changed")
        return content

    def delete(self, uow: StorageUnitOfWork, document_id: str) -> None:  # noqa: ARG002
        path = self._path(document_id)
        path.unlink(missing_ok=True)
        path.with_suffix(".sha256").unlink(missing_ok=True)
