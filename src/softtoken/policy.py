"""The security policy: every number of the manual and of the standards, in one place.

Each field's default is the manual's value, or the standard's where the manual is
silent; the comment beside it names the source. A deployment overrides fields with
``Policy(...)`` or ``policy.evolve(...)``; the constructor refuses values that break a
standard's hard limit (for example email codes valid longer than 10 minutes), so a
policy object that exists is a policy the library can defend.

``Policy.for_tests()`` is the default but for cheap password hashing, which no production
profile may have (it is ``insecure_for_tests``; :func:`softtoken.build` refuses it
unless the caller asks for a test instance).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Literal, NoReturn

import attrs

from softtoken.errors import ConfigurationError

__all__ = ["HardwareAttestation", "MatchingMode", "Policy"]

MatchingMode = Literal["confirm", "select", "enter"]
HardwareAttestation = Literal["required", "preferred", "optional"]

_MIN = timedelta(minutes=1)


def _minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


@attrs.frozen(kw_only=True)
class Policy:
    # --- identifiers (manual: numbers and rules) -------------------------------------
    #: The user ID: 15 characters, one letter and 14 digits in every example.
    user_id_pattern: str = r"[A-Z][0-9]{14}"
    user_id_length: int = 15
    phone_digits: int = 10  # chapter 7, part 2
    disbursement_unit_digits: int = 10  # chapter 7, part 1
    #: The longest free text a public call takes (a name, a reason, a note, an actor, an
    #: issuer), in code points. ASVS 5.0.0 2.2.1: input is validated against expected
    #: lengths; a thousand characters is past every field of the manual's forms.
    text_max_length: int = 1000

    # --- passwords (standards: NIST SP 800-63B-4 3.1.1.2, ASVS 6.2) ---------------------
    password_min_length: int = 8  # inside multi-factor use
    password_min_length_single_factor: int = 15  # when the password is the only factor
    password_max_length: int = 128  # ASVS 6.2.9: at least 64 must be allowed
    password_check_blocklist: bool = True  # ASVS 6.2.4
    password_check_context_words: bool = True  # ASVS 6.2.11
    password_context_word_min_length: int = 4
    #: Composition rules are off (B4 SHALL NOT); a deployment may ask for N of the four
    #: kinds (lower, upper, digit, other).
    password_min_character_kinds: int = 0
    #: argon2id parameters (ASVS 11.4.2 / appendix C): t=2 needs m >= 19,456 KiB.
    argon2_time_cost: int = 2
    argon2_memory_cost_kib: int = 19_456
    argon2_parallelism: int = 1
    argon2_hash_len: int = 32
    argon2_salt_len: int = 16  # bytes; the standard asks for at least 32 bits
    #: Initial and reset passwords: random, single purpose, and they expire (ASVS 6.4.1).
    temporary_password_length: int = 16
    temporary_password_lifetime: timedelta = timedelta(hours=24)

    # --- password login lockout (standards: r3 5.2.2, B4 3.2.2) ---------------------
    login_max_failures: int = 5
    login_lockout: timedelta = _minutes(5)
    #: Consecutive failures that never reset by time; past it an officer must re-enable.
    login_hard_limit: int = 100

    # --- one-time codes by email (manual ch. 4; ASVS 6.5; B4 3.1.3.2) -----------------
    otp_digits: int = 6
    otp_lifetime: timedelta = _minutes(10)  # at most 10 minutes
    otp_resend_interval: timedelta = timedelta(seconds=90)  # manual chapter 4 step 4
    otp_max_attempts: int = 5  # manual chapter 4 step 3
    otp_lockout: timedelta = _minutes(5)  # manual chapter 4 step 3
    otp_hard_limit: int = 100  # never resets by time; an officer re-enables

    # --- forgot password form (manual chapter 4) -----------------------------------------
    reset_max_mismatches: int = 5
    reset_lockout: timedelta = _minutes(5)
    reset_requires_completed_registration: bool = True

    # --- TOTP offline fallback (RFC 6238) -------------------------------------------
    totp_period_seconds: int = 30
    totp_digits: int = 6
    totp_algorithm: Literal["SHA1", "SHA256", "SHA512"] = "SHA1"
    totp_window_steps: int = 1
    totp_offline_fallback: bool = False

    # --- push approval (r3 5.1.3.2; B4 3.1.3.2; ASVS 6.6, 11.5.1) ----------------------
    challenge_lifetime: timedelta = _minutes(2)  # at most 10 minutes
    challenge_nonce_bytes: int = 16  # at least 128 bits
    #: ``enter`` (a 6-digit code typed on the phone, about 20 bits) meets B4; the manual's
    #: ``confirm`` (same picture, approve) does not and is offered for compatibility.
    matching_mode: MatchingMode = "enter"
    matching_code_digits: int = 6
    matching_select_choices: int = 6
    pushes_since_last_login: int = 5
    #: How far a push approval's ``iat`` may be from the server's clock, either way: an
    #: approval signed long ago (or "in the future") is refused (issue 12; the same
    #: 5 minutes as the JWT clock skew most libraries allow, RFC 7519 4.1.6).
    approval_max_clock_skew: timedelta = _minutes(5)

    # --- device messages and callbacks (issue 12, L1; ASVS 1.5 / 2.2 input limits) ------
    #: The largest device message (compact JWS) or provider callback read at all; a CSR
    #: and a chain of three certificates fit in 8 KiB.
    message_max_bytes: int = 64 * 1024
    #: The deepest JSON nesting read (objects and arrays); the protocol's deepest is 3.
    #: Checked before parsing, so hostile nesting never reaches the JSON parser.
    json_max_depth: int = 16

    # --- the device (B4 draft 3.2.10; manual ch. 2 step 5) ------------------------------
    device_pin_digits: int = 6
    device_max_wrong_pins: int = 10

    # --- activation and certificates (B4 draft 4.1.2.2; RFC 5280; manual ch. 6) --------
    activation_secret_bits: int = 128  # at least 112
    activation_lifetime: timedelta = _minutes(10)  # at most 10 minutes
    certificate_validity: timedelta = timedelta(days=730)  # 2 years
    certificate_serial_bits: int = 159  # RFC 5280 caps serials at 20 octets; >= 64 random
    renewal_notice_days: int = 30  # notice when 1 to 30 days remain
    renewal_grace_period: timedelta = timedelta(days=30)
    renewal_new_key: bool = False
    crl_next_update: timedelta = timedelta(days=1)
    #: RFC 8954 2.1: an OCSP nonce is 1 to 32 octets; a longer one is malformedRequest.
    ocsp_nonce_max_bytes: int = 32
    device_key_types: tuple[str, ...] = ("ec-p256", "ec-p384", "ed25519")
    allow_rsa_device_keys: bool = False
    rsa_min_bits: int = 3072
    #: Device attestation (NIST SP 800-63B r3 5.2.4, B4 3.2.4: the verifier decides
    #: whether and how it uses an authenticator's attestation): ``required`` enrolls
    #: only keys a platform attests in a TEE, StrongBox or Secure Enclave; ``preferred``
    #: checks every hardware attestation sent and accepts software keys (the manual's
    #: app); ``optional`` lets a failed hardware attestation enroll as a software key.
    attestation_hardware: HardwareAttestation = "preferred"

    # --- registration (manual chapter 2) --------------------------------------------------
    assignment_order_max_bytes: int = 10 * 1024 * 1024  # 10 MB
    proofing_request_lifetime: timedelta = _minutes(10)
    registration_abandoned_after: timedelta = timedelta(days=30)
    #: Uploaded documents one account keeps at once (assignment orders, ID card copies,
    #: signed service request forms); a replaced upload is deleted, not counted. ASVS
    #: 5.0.0 5.2.4: a maximum number of files per user, so nobody fills the storage.
    documents_per_user_max: int = 20

    # --- OpenID Connect proofing: ThaID and others (OpenID Connect Core 1.0 3.1.3.7) ----
    #: Clock skew allowed on an ID token's ``exp`` and ``iat`` (Core 3.1.3.7 items 9-10
    #: leave it to the client; one minute, as for the Pao Tang assertions). At most 5 min.
    oidc_clock_skew: timedelta = timedelta(seconds=60)
    #: An ID token issued longer ago is refused (Core 3.1.3.7 item 10): the portal redeems
    #: the code as soon as the browser comes back, so an older token is a replay.
    oidc_id_token_max_age: timedelta = _minutes(10)
    #: How long the discovery document and the provider's JWKS are cached (Core 10.1.1:
    #: a provider publishes a new key before signing with it). At most a day.
    oidc_metadata_lifetime: timedelta = timedelta(hours=1)
    #: A token signed with a key ID not in the cached JWKS refetches it (a rotation), at
    #: most this often, so forged key IDs cannot make the portal hammer the provider.
    oidc_jwks_refetch_interval: timedelta = timedelta(seconds=30)

    # --- service requests (manual chapter 7) ---------------------------------------------
    service_request_answer_within: timedelta = timedelta(hours=1)
    service_request_form_max_bytes: int = 10 * 1024 * 1024
    service_request_dual_control: bool = True

    # --- sessions after sign-in (NIST SP 800-63B r3 4.1.3, 4.2.3) ------------------------
    #: AAL2 (password + soft token): reauthenticate at least every 12 hours, and after
    #: 30 minutes without activity (r3 4.2.3). A deployment may shorten them.
    session_absolute_timeout_aal2: timedelta = timedelta(hours=12)
    session_idle_timeout_aal2: timedelta = _minutes(30)
    #: AAL1 (a password alone): reauthenticate at least every 30 days (r3 4.1.3); AAL1
    #: sets no idle limit, so the portal's own idle timeout applies.
    session_absolute_timeout_aal1: timedelta = timedelta(days=30)

    # --- sign-in throttling by client (soft.sign_in) ----------------------------------
    #: Failed sign-ins from one client (the portal's client key), across accounts:
    #: every 20th locks that client for 5 minutes, against password spraying and
    #: credential stuffing (ASVS 5.0 6.3.1), which per-account limits do not see.
    client_max_failures: int = 20
    client_lockout: timedelta = _minutes(5)  # soft.push_login counts in the same count

    # --- throttling by client of code sends and proofing starts -------------------------
    #: NIST SP 800-63B 3.2.2 and ASVS 5.0 6.3.1 (limits per client as well as per account):
    #: one client sends at most 10 email codes (``soft.otp.issue``, registration's code,
    #: the forgot-password form) an hour across accounts, so it cannot mail-bomb users or
    #: burn the mail quota; the 10th send locks that client for an hour.
    client_max_code_sends: int = 10
    client_code_send_window: timedelta = timedelta(hours=1)
    #: Identity-proofing starts from one client across accounts: at most 10 per hour
    #: (each start costs a request to the provider, e.g. Pao Tang).
    client_max_proofing_starts: int = 10
    client_proofing_window: timedelta = timedelta(hours=1)

    # --- the device HTTP API (softtoken.web) ----------------------------------------
    #: The largest body the device endpoints read (a JWS with a three-certificate chain
    #: is ~6 KB), checked before anything is parsed: a huge body costs nothing.
    device_request_max_bytes: int = 64 * 1024

    # --- retention (Thai PDPA s. 37(3); ASVS 5.0 14.2.7: keep no longer than needed) ----
    # How long a row outlives its use before ``soft.maintenance.purge``: docs/privacy.md.
    retention_one_time_codes: timedelta = timedelta(days=1)
    retention_attempt_counters: timedelta = timedelta(days=1)
    retention_challenges: timedelta = timedelta(days=30)
    retention_activations: timedelta = timedelta(days=30)
    retention_renewal_requests: timedelta = timedelta(days=90)
    retention_delivered_mail: timedelta = timedelta(days=7)
    retention_undeliverable_mail: timedelta = timedelta(days=90)
    retention_closed_registrations: timedelta = timedelta(days=365)
    retention_proofings: timedelta = timedelta(days=30)
    retention_closed_service_requests: timedelta = timedelta(days=730)
    #: Closing to erasure: as long as closed service requests are kept (docs/privacy.md).
    retention_closed_accounts: timedelta = timedelta(days=730)
    purge_batch_size: int = 500  # rows per purge transaction: short beside live traffic
    #: Share of wall time a purge works, resting between batches (bench_retention.py).
    purge_duty_cycle: float = 0.25

    # --- personal data at rest (issue 17; the trade-off is in docs/privacy.md) ----------
    names_searchable: bool = False  # names in clear so officers can search by them
    reseal_batch_size: int = 200  # rows per ``softtoken keys reseal`` transaction
    #: Audit hash chains, picked by a keyed hash of the subject, so commits about
    #: different subjects lock different heads (issue 15; docs/audit.md).
    audit_chains: int = 16

    # --- retries of a unit of work that lost a race (issue 16 item 7) -------------------
    #: Attempts before the call gives up with ``Busy`` (``busy_try_again``). Each lost
    #: attempt means another call committed, so N attempts let N callers racing on one
    #: record all get through. The library's choice: no standard names a number.
    transaction_attempts: int = 8
    #: Pause before the first retry; it doubles after each lost attempt up to the
    #: maximum, and each pause is drawn at random below that bound ("full jitter", AWS
    #: Architecture Blog, "Exponential Backoff and Jitter", 2015), so losers do not
    #: come back together and collide again.
    transaction_backoff_first: timedelta = timedelta(milliseconds=5)
    transaction_backoff_max: timedelta = timedelta(milliseconds=200)

    #: Set only by :meth:`for_tests`; lifts the argon2 minimums so tests run fast.
    insecure_for_tests: bool = False

    def __attrs_post_init__(self) -> None:
        _check(self)

    @classmethod
    def for_tests(cls, **overrides: Any) -> Policy:
        """The default policy with cheap password hashing, for test suites only."""
        fields = {
            "argon2_time_cost": 1,
            "argon2_memory_cost_kib": 64,
            "insecure_for_tests": True,
            **overrides,
        }
        return cls(**fields)

    def evolve(self, **changes: Any) -> Policy:
        """A copy with ``changes`` applied and checked again."""
        return attrs.evolve(self, **changes)

    def as_dict(self) -> dict[str, object]:
        """Every field, durations in seconds: for docs, logs and ``softtoken policy``."""
        out: dict[str, object] = {}
        for field in attrs.fields(Policy):
            value = getattr(self, field.name)
            out[field.name] = value.total_seconds() if isinstance(value, timedelta) else value
        return out


# argon2id minimums of ASVS 5.0 appendix C (p=1): time cost -> memory in KiB.
_ARGON2_MINIMUMS = ((1, 47_104), (2, 19_456), (3, 12_288))


def _argon2_minimum_memory(time_cost: int) -> int:
    fitting = (m for t, m in reversed(_ARGON2_MINIMUMS) if time_cost >= t)
    return next(fitting, _ARGON2_MINIMUMS[0][1])


_TEN_MINUTES = _minutes(10)
_NAMED_KEY_TYPES = frozenset({"ec-p256", "ec-p384", "ed25519"})

# (field, holds for a valid policy, why): each row is a hard limit of a standard.
_LIMITS: tuple[tuple[str, Callable[[Policy], bool], str], ...] = (
    ("password_min_length", lambda p: p.password_min_length >= 8,
     "at least 8 (NIST SP 800-63B-4 3.1.1.2)"),
    ("password_min_length_single_factor", lambda p: p.password_min_length_single_factor >= 15,
     "at least 15 (NIST SP 800-63B-4 3.1.1.2)"),
    ("password_max_length", lambda p: p.password_max_length >= 64,
     "at least 64 must be allowed (ASVS 6.2.9)"),
    ("password_min_character_kinds", lambda p: 0 <= p.password_min_character_kinds <= 4,
     "between 0 and 4"),
    ("argon2_salt_len", lambda p: p.argon2_salt_len >= 4, "at least 4 bytes (32 bits)"),
    ("argon2_hash_len", lambda p: p.argon2_hash_len >= 16, "at least 16 bytes"),
    ("argon2_memory_cost_kib",
     lambda p: p.insecure_for_tests
     or p.argon2_memory_cost_kib >= _argon2_minimum_memory(p.argon2_time_cost),
     ("below the ASVS 11.4.2 minimum for this time cost (t=1: 47,104; t=2: 19,456; "
      "t>=3: 12,288 KiB)")),
    ("temporary_password_length", lambda p: p.temporary_password_length >= p.password_min_length,
     "shorter than the minimum password length"),
    ("login_hard_limit", lambda p: p.login_max_failures <= p.login_hard_limit <= 100,
     "between login_max_failures and 100 (NIST SP 800-63B 5.2.2)"),
    ("otp_digits", lambda p: p.otp_digits >= 6, "at least 6 digits (ASVS 6.5.4)"),
    ("otp_lifetime", lambda p: _MIN <= p.otp_lifetime <= _TEN_MINUTES,
     "between 1 and 10 minutes (ASVS 6.5)"),
    ("otp_resend_interval", lambda p: p.otp_resend_interval >= timedelta(0),
     "must not be negative"),
    ("otp_hard_limit", lambda p: p.otp_max_attempts <= p.otp_hard_limit <= 100,
     "between otp_max_attempts and 100 (NIST SP 800-63B 5.2.2)"),
    ("totp_digits", lambda p: p.totp_digits in (6, 7, 8), "6, 7 or 8"),
    ("totp_window_steps", lambda p: p.totp_window_steps in (0, 1), "0 or 1"),
    ("challenge_lifetime",
     lambda p: timedelta(seconds=10) <= p.challenge_lifetime <= _TEN_MINUTES,
     "between 10 seconds and 10 minutes (NIST SP 800-63B 5.1.3.2)"),
    ("challenge_nonce_bytes", lambda p: p.challenge_nonce_bytes >= 16,
     "at least 16 bytes (128 bits, ASVS 11.5.1)"),
    ("matching_code_digits", lambda p: p.matching_code_digits >= 6,
     "at least 6 digits (about 20 bits, NIST SP 800-63B-4)"),
    ("matching_select_choices", lambda p: p.matching_select_choices >= 2,
     "at least 2 pictures to choose from"),
    ("approval_max_clock_skew",
     lambda p: timedelta(0) < p.approval_max_clock_skew <= _TEN_MINUTES,
     "between 0 and 10 minutes (a push is valid at most 10 minutes, NIST SP 800-63B 5.1.3.2)"),
    ("message_max_bytes", lambda p: 8 * 1024 <= p.message_max_bytes <= 1024 * 1024,
     "between 8 KiB (a CSR and its chain) and 1 MiB"),
    ("json_max_depth", lambda p: 4 <= p.json_max_depth <= 64,
     "between 4 (the protocol's own nesting) and 64"),
    ("ocsp_nonce_max_bytes", lambda p: 16 <= p.ocsp_nonce_max_bytes <= 32,
     "between 16 and 32 octets (RFC 8954 2.1)"),
    ("device_pin_digits", lambda p: p.device_pin_digits >= 6, "at least 6 digits"),
    ("device_max_wrong_pins", lambda p: 1 <= p.device_max_wrong_pins <= 10, "between 1 and 10"),
    ("activation_secret_bits", lambda p: p.activation_secret_bits >= 112,
     "at least 112 bits (NIST SP 800-63B-4 draft 4.1.2.2)"),
    ("activation_lifetime", lambda p: _MIN <= p.activation_lifetime <= _TEN_MINUTES,
     "between 1 and 10 minutes (NIST SP 800-63B-4 draft 4.1.2.2)"),
    ("certificate_serial_bits", lambda p: 64 <= p.certificate_serial_bits <= 159,
     "between 64 and 159 bits (RFC 5280 4.1.2.2)"),
    ("certificate_validity",
     lambda p: p.certificate_validity > timedelta(days=p.renewal_notice_days),
     "must be longer than the renewal notice window"),
    ("oidc_clock_skew", lambda p: timedelta(0) <= p.oidc_clock_skew <= _minutes(5),
     "between 0 and 5 minutes"),
    ("oidc_id_token_max_age", lambda p: _MIN <= p.oidc_id_token_max_age <= _TEN_MINUTES,
     "between 1 and 10 minutes (OpenID Connect Core 3.1.3.7)"),
    ("oidc_metadata_lifetime",
     lambda p: timedelta(0) < p.oidc_metadata_lifetime <= timedelta(days=1),
     "positive, at most a day"),
    ("oidc_jwks_refetch_interval",
     lambda p: timedelta(0) < p.oidc_jwks_refetch_interval <= p.oidc_metadata_lifetime,
     "positive, at most oidc_metadata_lifetime"),
    ("rsa_min_bits", lambda p: p.rsa_min_bits >= 3072, "at least 3072 (ASVS 11.2.3)"),
    ("transaction_attempts", lambda p: 1 <= p.transaction_attempts <= 100, "between 1 and 100"),
    ("transaction_backoff_max",
     lambda p: p.transaction_backoff_first <= p.transaction_backoff_max <= timedelta(seconds=5),
     "between transaction_backoff_first and 5 seconds (a call must not hang)"),
    ("attestation_hardware",
     lambda p: p.attestation_hardware in ("required", "preferred", "optional"),
     "required, preferred or optional"),
    ("device_key_types",
     lambda p: bool(p.device_key_types) and set(p.device_key_types) <= _NAMED_KEY_TYPES,
     "a non-empty subset of ec-p256, ec-p384, ed25519"),
    ("purge_duty_cycle", lambda p: 0 < p.purge_duty_cycle <= 1, "above 0, at most 1"),
    ("reseal_batch_size", lambda p: p.reseal_batch_size <= 10_000, "at most 10,000 rows"),
    ("audit_chains", lambda p: 1 <= p.audit_chains <= 256, "between 1 and 256"),
)  # fmt: skip

#: Durations and counts that may be zero (each has its own row above); every other
#: duration must be positive and every other count at least 1.
_MAY_BE_ZERO = frozenset(
    {"otp_resend_interval", "oidc_clock_skew", "password_min_character_kinds", "totp_window_steps"}
)


def _check(p: Policy) -> None:
    """Refuse a policy that breaks a hard limit of the standards."""

    def fail(field: str, why: str) -> NoReturn:
        raise ConfigurationError("invalid_policy", detail=f"{field}: {why}")

    try:
        re.compile(p.user_id_pattern)
    except re.error:
        fail("user_id_pattern", "not a regular expression")
    for field in attrs.fields(Policy):
        value = getattr(p, field.name)
        if field.name in _MAY_BE_ZERO:
            continue
        if isinstance(value, timedelta) and value <= timedelta(0):
            fail(field.name, "must be positive")
        if type(value) is int and value < 1:
            fail(field.name, "must be at least 1")
    for name, holds, why in _LIMITS:
        if not holds(p):
            fail(name, why)
