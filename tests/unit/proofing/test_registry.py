"""Providers by name; third-party providers through the ``softtoken.proofing``
entry-point group, loaded only when the deployment names them."""

# ruff: noqa: ARG002 - a plug-in implements the whole protocol, using what it needs
from __future__ import annotations

from datetime import datetime
from importlib.metadata import EntryPoint

import pytest

from softtoken import ConfigurationError, NotFound
from softtoken.accounts import CitizenId
from softtoken.proofing import (
    ENTRY_POINT_GROUP,
    DocumentReviewProvider,
    ProofingRecord,
    ProofingRegistry,
    Started,
    VerifiedIdentity,
    discover_providers,
)


class BankProvider:
    """A third party's provider, as a plug-in would ship it."""

    def __init__(self, *, bank: str) -> None:
        self.bank = bank

    @property
    def name(self) -> str:
        return f"bank_{self.bank}"

    def start(
        self, *, proofing_id: str, citizen_id: CitizenId, expires_at: datetime, now: datetime
    ) -> Started:
        return Started(qr_payload=f"bank://{self.bank}/{proofing_id}")

    def lookup(self, evidence: object) -> str | None:
        return None

    def verify(
        self, record: ProofingRecord, evidence: object, *, now: datetime
    ) -> VerifiedIdentity:
        raise NotFound

    def poll(self, record: ProofingRecord, *, now: datetime) -> object | None:
        return None


def make_bank(**kwargs: str) -> BankProvider:
    return BankProvider(**kwargs)


def not_a_provider(**_: str) -> object:
    return object()


def entry_points() -> list[EntryPoint]:
    here = __name__
    return [
        EntryPoint(name="bank", value=f"{here}:make_bank", group=ENTRY_POINT_GROUP),
        EntryPoint(name="broken", value=f"{here}:not_a_provider", group=ENTRY_POINT_GROUP),
        EntryPoint(name="other", value=f"{here}:make_bank", group="another.group"),
    ]


def test_named_entry_points_are_loaded_with_their_settings() -> None:
    [provider] = discover_providers({"bank": {"bank": "ktb"}}, entry_points=entry_points)
    assert provider.name == "bank_ktb"
    registry = ProofingRegistry([provider, DocumentReviewProvider()])
    assert registry.names() == ("bank_ktb", "document_review")
    assert registry.get("bank_ktb") is provider
    assert discover_providers({}, entry_points=entry_points) == []


def test_unknown_or_wrong_entry_points_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError):
        discover_providers({"other": {}}, entry_points=entry_points)  # another group
    with pytest.raises(ConfigurationError):
        discover_providers({"missing": {}}, entry_points=entry_points)
    with pytest.raises(ConfigurationError):
        discover_providers({"broken": {}}, entry_points=entry_points)


def test_names_are_unique_and_well_formed() -> None:
    registry = ProofingRegistry([DocumentReviewProvider()])
    with pytest.raises(ConfigurationError):
        registry.register(DocumentReviewProvider())
    with pytest.raises(ConfigurationError):
        registry.register(DocumentReviewProvider(name="Bad Name"))
    with pytest.raises(NotFound) as unknown:
        registry.get("paotang")
    assert unknown.value.code == "proofing_provider_unknown"


def test_the_installed_group_is_read_when_nothing_is_named() -> None:
    assert discover_providers({}) == []
