"""Building a :class:`SoftToken` from a :class:`Config`: the one place where adapters
are chosen and connected (the composition root)."""

from __future__ import annotations

import os
from collections.abc import Mapping

import attrs

from softtoken._clock import SystemClock
from softtoken._context import ServiceContext
from softtoken._facade import SoftToken
from softtoken._keys import Keyring, ServerKeys, keyring_from_env
from softtoken._registration_settings import RegistrationSettings
from softtoken.accounts._passwords import PasswordHasher
from softtoken.ca._authority import CertificateAuthority
from softtoken.ca._config import CaConfig
from softtoken.errors import ConfigurationError
from softtoken.mail.memory import MemoryMailbox
from softtoken.mail.smtp import SmtpSender
from softtoken.policy import Policy
from softtoken.ports import Clock, EmailSender, PushNotifier, Storage
from softtoken.protocol.attestation import AttestationSettings
from softtoken.storage import open_storage
from softtoken.storage._unit_of_work import StorageUnitOfWork
from softtoken.storage.sql._audit_upgrade import adds_audit_head_seal, adds_audit_pseudonyms
from softtoken.storage.sql.migrations import sealing_keys

__all__ = ["Config", "build", "server_keys"]


@attrs.frozen(kw_only=True)
class Config:
    """A deployment's settings.

    Args:
        secret_key: at least 32 random bytes; keys for the outbox, the audit chain,
            one-time codes and sealed personal data are derived from it. Keep it in a
            secret store. It is the keyring of one key ``k0`` (docs/privacy.md).
        keyring: instead of ``secret_key``, several keys with one current
            (:class:`~softtoken.Keyring`), so keys can be rotated.
        storage_url: ``sqlite:///path.db`` (default), ``postgresql+psycopg://...``,
            ``mysql+pymysql://...`` or ``memory://``.
        smtp: how to send email; None keeps mail in a :class:`MemoryMailbox`.
        policy: the security numbers; the manual's by default.
        portal_name: shown in emails and refused inside passwords.
        create_schema: create missing tables on start (turn off when migrations own them).
        ca: the certificate authority (certificates, key backend, CRL/OCSP URLs); None
            leaves ``soft.ca`` unconfigured (its calls raise ``ca_not_configured``).
        device_api_url: where authenticator apps reach the portal's device endpoints;
            written into every activation QR code (``docs/protocol.md``).
        registration: identity proofing providers (Pao Tang's issuer, audience, keys,
            callback URL), the consent version, the assignment-order and approval rules.
        attestation: the device attestation verifiers: Google's and Apple's roots, Google's
            status list file, the Android package and the Apple App ID
            (``docs/device.md``, "Platform attestation").
    """

    secret_key: bytes | None = attrs.field(default=None, repr=False)
    keyring: Keyring | None = attrs.field(default=None, repr=False)
    storage_url: str = "sqlite:///softtoken.db"
    smtp: SmtpSender | None = None
    policy: Policy = attrs.field(factory=Policy)
    portal_name: str = "New GFMIS Thai"
    create_schema: bool = True
    ca: CaConfig | None = None
    device_api_url: str = "https://localhost/softtoken/device"
    registration: RegistrationSettings = attrs.field(factory=RegistrationSettings)
    attestation: AttestationSettings = attrs.field(factory=AttestationSettings)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Read ``SOFTTOKEN_KEYRING_FILE`` or ``SOFTTOKEN_SECRET_KEY`` (base64),
        ``SOFTTOKEN_STORAGE_URL`` and
        ``SOFTTOKEN_SMTP_HOST``/``_PORT``/``_SENDER``/``_SECURITY``/``_USERNAME``/``_PASSWORD``,
        the CA's variables and ``SOFTTOKEN_ATTESTATION_*`` (:class:`AttestationSettings`)."""
        env = os.environ if environ is None else environ
        keyring = keyring_from_env(env)
        smtp = None
        if env.get("SOFTTOKEN_SMTP_HOST"):
            security = env.get("SOFTTOKEN_SMTP_SECURITY", "starttls")
            if security not in {"starttls", "ssl", "none"}:
                raise ConfigurationError(detail="SOFTTOKEN_SMTP_SECURITY: starttls, ssl or none")
            smtp = SmtpSender(
                host=env["SOFTTOKEN_SMTP_HOST"],
                port=int(env.get("SOFTTOKEN_SMTP_PORT", "587")),
                sender=env.get("SOFTTOKEN_SMTP_SENDER", "softtoken@localhost"),
                security=security,  # type: ignore[arg-type]
                username=env.get("SOFTTOKEN_SMTP_USERNAME"),
                password=env.get("SOFTTOKEN_SMTP_PASSWORD"),
            )
        return cls(
            keyring=keyring,
            storage_url=env.get("SOFTTOKEN_STORAGE_URL", "sqlite:///softtoken.db"),
            smtp=smtp,
            ca=CaConfig.from_env(env),
            attestation=AttestationSettings.from_env(env),
        )


def server_keys(config: Config) -> ServerKeys:
    """The current key's :class:`ServerKeys` of ``config``'s keyring or secret key."""
    if config.keyring is not None and config.secret_key is not None:
        raise ConfigurationError(detail="give secret_key or keyring, not both")
    if config.keyring is not None:
        if not isinstance(config.keyring, Keyring):
            raise ConfigurationError(detail="keyring must be a softtoken.Keyring")
        return ServerKeys.from_keyring(config.keyring)
    if config.secret_key is None:
        raise ConfigurationError(detail="Config needs secret_key or keyring")
    return ServerKeys.from_secret(config.secret_key)


def build(
    config: Config,
    *,
    clock: Clock | None = None,
    storage: Storage | None = None,
    email_sender: EmailSender | None = None,
    allow_test_policy: bool = False,
    authority: CertificateAuthority | None = None,
    push_notifier: PushNotifier | None = None,
) -> SoftToken:
    """Connect the adapters ``config`` names and return the facade.

    ``clock``, ``storage`` and ``email_sender`` replace the configured ones (tests,
    or a host that brings its own engine). A policy made by ``Policy.for_tests()`` is
    refused unless ``allow_test_policy`` is true, so cheap hashing never ships by mistake.
    ``authority`` replaces the CA that ``config.ca`` would load (tests, in-memory CAs).
    ``push_notifier`` wakes authenticator apps; without it they poll.
    """
    if config.policy.insecure_for_tests and not allow_test_policy:
        raise ConfigurationError("invalid_policy", detail="Policy.for_tests() in a real deployment")
    keys = server_keys(config)
    store = storage if storage is not None else open_storage(config.storage_url)
    # A start that adds the audit head's seal column seals the head with the key,
    # which only this process holds (docs/audit.md: upgrading).
    seal_head = config.create_schema and adds_audit_head_seal(store)
    # Likewise one that adds the pseudonym columns converts the records (revision 0007).
    convert_records = config.create_schema and adds_audit_pseudonyms(store)
    if config.create_schema:
        with sealing_keys(keys):  # an upgrade seals clear rows of older versions
            store.create_schema()
    sender: EmailSender
    if email_sender is not None:
        sender = email_sender
    elif config.smtp is not None:
        sender = config.smtp
    else:
        sender = MemoryMailbox()

    def unit_of_work() -> StorageUnitOfWork:
        return StorageUnitOfWork(
            store,
            keys,
            names_searchable=config.policy.names_searchable,
            audit_chains=config.policy.audit_chains,
        )

    context = ServiceContext(
        policy=config.policy,
        clock=clock or SystemClock(),
        keys=keys,
        hasher=PasswordHasher(config.policy),
        portal_name=config.portal_name,
        unit_of_work=unit_of_work,
    )
    if authority is None and config.ca is not None:
        authority = config.ca.load()
    soft = SoftToken(
        context=context,
        storage=store,
        email_sender=sender,
        authority=authority,
        device_api_url=config.device_api_url,
        push_notifier=push_notifier,
        registration=config.registration,
        attestation=config.attestation.build(),
    )
    if seal_head:
        soft.audit.seal_upgraded_head()
    if convert_records:
        soft.audit.convert_upgraded_records()
    return soft
