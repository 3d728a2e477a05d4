"""The identity-proofing provider protocol and the registry of providers by name.

A provider is a small, pure object: ``start`` says what to show and what to keep,
``verify`` checks the provider's answer against what was kept and returns a
:class:`VerifiedIdentity` or raises. The service (``_service.py``) does the storing.

Third-party providers plug in through the entry-point group ``softtoken.proofing``::

    [project.entry-points."softtoken.proofing"]
    mybank = "mybank_proofing:make_provider"

The entry point names a factory; :func:`discover_providers` calls it with the settings
the deployment gives for that name. A provider installed but not named in the settings
is never loaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from importlib import metadata
from typing import Protocol, runtime_checkable

import attrs

from softtoken.accounts import _boundary
from softtoken.accounts._identifiers import CitizenId
from softtoken.errors import ConfigurationError, NotFound, ValidationError
from softtoken.proofing._result import ProofingRecord, VerifiedIdentity

__all__ = [
    "ENTRY_POINT_GROUP",
    "ProofingProvider",
    "ProofingRegistry",
    "Started",
    "discover_providers",
]

ENTRY_POINT_GROUP = "softtoken.proofing"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")


@attrs.frozen(kw_only=True)
class Started:
    """What a provider's ``start`` returns.

    Args:
        qr_payload: the URI the portal shows as a QR code, or None.
        lookup: a key that finds this proofing from the provider's answer (unique;
            e.g. a hash of a nonce), or None when answers name the proofing ID.
        state: what ``verify`` needs later; stored as JSON. No secrets in clear.
        expires_at: when the pending proofing lapses, when the provider needs longer
            than ``policy.proofing_request_lifetime`` (an officer's review takes days).
    """

    qr_payload: str | None
    lookup: str | None = None
    state: Mapping[str, str] = attrs.field(factory=dict)
    expires_at: datetime | None = None


@runtime_checkable
class ProofingProvider(Protocol):
    """An identity-proofing provider (Pao Tang, a bank's app, document review, ...)."""

    @property
    def name(self) -> str:
        """A short lower-case name, unique in a deployment (``paotang``)."""
        ...

    def start(
        self, *, proofing_id: str, citizen_id: CitizenId, expires_at: datetime, now: datetime
    ) -> Started:
        """Begin proving ``citizen_id``: what to show and what to keep. Pure."""
        ...

    def lookup(self, evidence: object) -> str | None:
        """The ``lookup`` key an answer refers to, read without trusting it (the
        signature is checked by ``verify``); None when it cannot tell.

        Raises:
            ValidationError: ``proofing_malformed``.
        """
        ...

    def verify(
        self, record: ProofingRecord, evidence: object, *, now: datetime
    ) -> VerifiedIdentity:
        """Check the provider's answer against the pending ``record``. Pure.

        Raises:
            SoftTokenError: a ``proofing_*`` code saying what was wrong.
        """
        ...

    def poll(self, record: ProofingRecord, *, now: datetime) -> object | None:
        """Ask the provider for an answer ("check status"); None while there is none."""
        ...


class ProofingRegistry:
    """Providers by name."""

    def __init__(self, providers: Iterable[ProofingProvider] = ()) -> None:
        self._providers: dict[str, ProofingProvider] = {}
        for provider in providers:
            self.register(provider)

    def register(self, provider: ProofingProvider) -> None:
        """Add ``provider``. Raises ConfigurationError for a bad or duplicate name."""
        name = provider.name
        if not _NAME.fullmatch(name):
            raise ConfigurationError(detail=f"proofing provider name {name!r} is not valid")
        if name in self._providers:
            raise ConfigurationError(detail=f"proofing provider {name!r} is registered twice")
        self._providers[name] = provider

    def get(self, name: str) -> ProofingProvider:
        """The provider called ``name``; NotFound ``proofing_provider_unknown`` otherwise."""
        try:
            return self._providers[_boundary.identifier(name, "provider")]
        except (KeyError, ValidationError):
            raise NotFound("proofing_provider_unknown", detail=repr(name)) from None

    def names(self) -> tuple[str, ...]:
        return tuple(self._providers)

    def __contains__(self, name: object) -> bool:
        return name in self._providers

    def __iter__(self) -> Iterator[ProofingProvider]:
        return iter(self._providers.values())


def discover_providers(
    settings: Mapping[str, Mapping[str, object]],
    *,
    entry_points: Callable[[], Iterable[metadata.EntryPoint]] | None = None,
) -> list[ProofingProvider]:
    """Load the entry-point providers named in ``settings`` (name -> keyword arguments
    for the factory). A name in ``settings`` without an installed entry point is a
    configuration error; installed providers not named are ignored."""
    found = {
        ep.name: ep
        for ep in (
            entry_points() if entry_points else metadata.entry_points(group=ENTRY_POINT_GROUP)
        )
        if ep.group == ENTRY_POINT_GROUP
    }
    made: list[ProofingProvider] = []
    for name, kwargs in settings.items():
        if name not in found:
            raise ConfigurationError(
                detail=f"no {ENTRY_POINT_GROUP!r} entry point called {name!r} is installed"
            )
        factory = found[name].load()
        provider = factory(**kwargs)
        if not isinstance(provider, ProofingProvider):
            raise ConfigurationError(detail=f"entry point {name!r} did not make a provider")
        made.append(provider)
    return made
