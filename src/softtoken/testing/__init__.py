"""Ready-made pieces for tests: an in-memory SoftToken with a fake clock and captured
mail, for this library's tests and for portals that test against it."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from softtoken._clock import FakeClock
from softtoken._keys import Keyring
from softtoken._registration_settings import RegistrationSettings
from softtoken._wiring import Config, build
from softtoken.ca._authority import CertificateAuthority, create_authority
from softtoken.ca.keys import PemSigner
from softtoken.mail.memory import MemoryMailbox
from softtoken.policy import Policy
from softtoken.ports import EmailSender, Storage
from softtoken.storage.memory import MemoryStorage
from softtoken.testing._documents import sample_pdf
from softtoken.testing._forms import service_request_form
from softtoken.testing._harness import Harness
from softtoken.testing._people import (
    TEST_OFFICER,
    Person,
    activate_soft_token,
    approve_registration,
    soft_token_user,
)
from softtoken.testing._wallet import (
    CONFIRMED_IN_APP,
    ConsentRequired,
    PaoTangWallet,
    WalletApp,
    WalletError,
)

__all__ = [
    "CONFIRMED_IN_APP",
    "TEST_OFFICER",
    "ConsentRequired",
    "FakeClock",
    "Harness",
    "MemoryMailbox",
    "PaoTangWallet",
    "Person",
    "WalletApp",
    "WalletError",
    "activate_soft_token",
    "approve_registration",
    "in_memory",
    "make_test_authority",
    "sample_pdf",
    "service_request_form",
    "soft_token_user",
]


def make_test_authority(
    *,
    now: datetime,
    name: str = "softtoken test",
    crl_url: str | None = "http://localhost/softtoken/ca/crl",
    ocsp_url: str | None = "http://localhost/softtoken/ca/ocsp",
) -> CertificateAuthority:
    """A root and an issuing CA made in memory (EC P-256), valid from a day before
    ``now``: what :func:`in_memory` gives ``soft.ca`` so tests issue certificates with no
    setup. (Not named ``test_*``, so pytest does not collect it.)"""
    return create_authority(
        name=name,
        now=now - timedelta(days=1),
        root_key=PemSigner.generate("ec-p256"),
        issuing_key=PemSigner.generate("ec-p256"),
        organization=name,
        crl_url=crl_url,
        ocsp_url=ocsp_url,
    )


def in_memory(
    *,
    policy: Policy | None = None,
    storage: Storage | None = None,
    clock: FakeClock | None = None,
    email_sender: EmailSender | None = None,
    portal_name: str = "New GFMIS Thai",
    authority: CertificateAuthority | None = None,
    registration: RegistrationSettings | None = None,
    secret_key: bytes | None = None,
    keyring: Keyring | None = None,
) -> Harness:
    """A SoftToken on the memory adapter (or ``storage``), a fake clock, captured mail,
    and the cheap test policy unless ``policy`` is given. ``soft.proofing`` trusts the
    Pao Tang simulator ``harness.wallet`` unless ``registration`` says otherwise.
    ``secret_key`` (random by default): give two harnesses on one ``storage`` the same
    key to play two processes of one deployment (its audit chain, codes and seals);
    or a ``keyring`` (:class:`~softtoken.Keyring`) instead, to test key rotation."""
    mailbox = MemoryMailbox()
    fake = clock or FakeClock()
    wallet = PaoTangWallet(clock=fake)
    settings = registration or RegistrationSettings(
        paotang=wallet.config(), paotang_status_api=wallet.status_api
    )
    config = Config(
        secret_key=secrets.token_bytes(32)
        if secret_key is None and keyring is None
        else secret_key,
        keyring=keyring,
        storage_url="memory://",
        policy=policy or Policy.for_tests(),
        portal_name=portal_name,
        registration=settings,
    )
    soft = build(
        config,
        clock=fake,
        storage=storage or MemoryStorage(),
        email_sender=email_sender or mailbox,
        allow_test_policy=True,
        authority=authority or make_test_authority(now=fake.now()),
    )
    return Harness(softtoken=soft, clock=fake, mailbox=mailbox, wallet=wallet)
