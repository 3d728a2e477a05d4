"""The facade a portal holds: one object with a service per flow of the manual."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from softtoken._context import ServiceContext
from softtoken._log import Metrics
from softtoken._registration_settings import RegistrationSettings
from softtoken.audit._service import AuditLog
from softtoken.ca._authority import CertificateAuthority
from softtoken.ca._service import CaService
from softtoken.lifecycle.activation._service import ActivationService
from softtoken.lifecycle.login._accounts import AccountService
from softtoken.lifecycle.login._initial_credentials import InitialCredentialsService
from softtoken.lifecycle.login._password import LoginService
from softtoken.lifecycle.login._push import PushLoginService
from softtoken.lifecycle.password_reset._service import PasswordResetService
from softtoken.lifecycle.registration._service import RegistrationService
from softtoken.lifecycle.renewal._service import RenewalService
from softtoken.lifecycle.revocation._service import RevocationService
from softtoken.lifecycle.service_requests._service import ServiceRequestService
from softtoken.lifecycle.sign_in import AnswerSignal, LocalSignal, SignInService
from softtoken.mail._outbox import MailDispatcher
from softtoken.maintenance import MaintenanceService
from softtoken.otp._service import OtpService
from softtoken.otp._totp import TotpService
from softtoken.policy import Policy
from softtoken.ports import Clock, EmailSender, PushNotifier, Storage
from softtoken.privacy import PrivacyService
from softtoken.proofing._service import ProofingService
from softtoken.protocol.attestation import NexusAttestation
from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["SoftToken"]


def _answer_signal_for(storage: Storage) -> AnswerSignal:
    """How a waiting sign-in learns that the phone answered: PostgreSQL's ``NOTIFY``
    across processes; in one process a local signal, with a short re-read on SQLite,
    whose file other processes may share, and a long one in memory, which they cannot."""
    dialect = getattr(storage, "dialect", None)
    if dialect == "postgresql":
        from softtoken.storage.sql import PostgresSignal, SqlStorage  # noqa: PLC0415

        assert isinstance(storage, SqlStorage)  # noqa: S101 - only it has a dialect
        return PostgresSignal(storage)
    if dialect is not None:
        return LocalSignal(poll_slice=timedelta(milliseconds=250))
    return LocalSignal(poll_slice=timedelta(seconds=1))


class SoftToken:
    """Everything the library does, for one deployment. Build it with
    :func:`softtoken.build`; it is safe to share between threads.

    Attributes:
        accounts: portal accounts and passwords.
        otp: email one-time codes for a purpose and a subject (issue, verify).
        totp: TOTP offline fallback codes (enroll, verify).
        login: password login and the forced password change (manual chapter 3).
        password_reset: forgot password, self-service (manual chapter 4).
        initial_credentials: step 0 for GFMIS Token Key users (manual chapter 2).
        mail: the outbox; call ``mail.deliver_pending()`` after calls that send email.
        audit: the hash-chained audit log.
        ca: the certificate authority: device certificates, revocation, CRL, OCSP.
        proofing: identity proofing (Pao Tang, document review, plug-ins).
        registration: the registration wizard (manual chapter 2 steps 1 to 4), approval,
            and the hand-over to activation.
        activation: the soft token's activation ceremony (manual chapter 2 step 5).
        push_login: "Login by Soft Token": password, then the phone's approval with
            picture matching (manual chapter 3).
        sign_in: the login page's one entry point: password, the phone (waiting for it
            without busy polling), the offline code, forced renewal; the session's AAL
            and re-authentication deadlines.
        renewal: the certificate's renewal, notice and forced renewal (manual chapter 6).
        revocation: self-revocation (manual chapter 5) and the authenticator history.
        service_requests: the service request form and its processing by officers
            (manual chapter 7): submit, review, approve or reject, overdue requests.
    """

    def __init__(
        self,
        *,
        context: ServiceContext,
        storage: Storage,
        email_sender: EmailSender,
        authority: CertificateAuthority | None = None,
        device_api_url: str = "https://localhost/softtoken/device",
        push_notifier: PushNotifier | None = None,
        registration: RegistrationSettings | None = None,
        attestation: NexusAttestation | None = None,
        answer_signal: AnswerSignal | None = None,
    ) -> None:
        self._context = context
        self.storage = storage
        #: Per-process counters (refusals by code); see docs/reliability.md.
        self.metrics = Metrics()
        self.accounts = AccountService(context)
        self.otp = OtpService(context)
        self.totp = TotpService(context)
        self.login = LoginService(context, self.accounts)
        self.password_reset = PasswordResetService(context, self.otp)
        self.initial_credentials = InitialCredentialsService(context)
        self.mail = MailDispatcher(context.unit_of_work, email_sender, context.clock)
        self.audit = AuditLog(context.unit_of_work, clock=context.clock)
        self.ca = CaService(context, authority)
        settings = registration or RegistrationSettings()
        self.proofing = ProofingService(context, settings.registry(), settings.document_store)
        self.registration = RegistrationService(context, self.proofing, self.otp, settings)
        self.activation = ActivationService(
            context,
            ca=self.ca,
            totp=self.totp,
            registration=self.registration,
            attestation=attestation,
            server_url=device_api_url,
        )
        self.push_login = PushLoginService(
            context, login=self.login, ca=self.ca, totp=self.totp, notifier=push_notifier
        )
        self.renewal = RenewalService(context, ca=self.ca, login=self.login)
        self.sign_in = SignInService(
            context,
            login=self.login,
            push=self.push_login,
            renewal=self.renewal,
            totp=self.totp,
            signal=answer_signal or _answer_signal_for(storage),
        )
        self.revocation = RevocationService(context, ca=self.ca)
        self.service_requests = ServiceRequestService(
            context, ca=self.ca, documents=settings.document_store
        )
        self.maintenance = MaintenanceService(context, documents=settings.document_store)
        self.privacy = PrivacyService(context, documents=settings.document_store, ca=self.ca)

    @property
    def policy(self) -> Policy:
        return self._context.policy

    @property
    def clock(self) -> Clock:
        return self._context.clock

    @property
    def context(self) -> ServiceContext:
        """What the services share; for lifecycle modules and extensions."""
        return self._context

    def device_poll(self, certificate_serial: object) -> list[dict[str, Any]]:
        """Everything waiting for the device with this certificate, in one list: login
        challenges, "Update Profile" renewal requests, and a revocation notice
        (``docs/protocol.md``). What the portal's poll endpoint returns to the app."""
        return [
            *self.revocation.status_for_device(certificate_serial),
            *self.push_login.pending_for_device(certificate_serial),
            *self.renewal.pending_for_device(certificate_serial),
        ]

    def unit_of_work(self) -> StorageUnitOfWork:
        return self._context.unit_of_work()

    def close(self) -> None:
        close_signal = getattr(self.sign_in.signal, "close", None)
        if close_signal is not None:
            close_signal()
        self.storage.close()
