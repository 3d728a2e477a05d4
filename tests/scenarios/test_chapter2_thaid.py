"""Manual chapter 2 step 2 through a real OpenID Connect provider shaped like ThaID:
panva/oidc-provider (an OpenID certified implementation) under Node on 127.0.0.1, its
login and consent pages walked by an HTTP user agent (httpx), the library finishing
the code flow at the portal's callback. Then every refusal the adapter owes: a replayed
or injected code, an expired code, a wrong nonce, an ID token for another audience,
another issuer, another person, an unknown assurance level, the person cancelling, the
provider down, and a key rotation at the provider. A refusal leaves the registration as
it was and records the reason in the audit log."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import attrs
import pytest

from softtoken import AuthenticationError, StateError
from softtoken.accounts._identifiers import CitizenId
from softtoken.errors import ProviderUnavailable, SoftTokenError
from softtoken.lifecycle.registration.machine import RegistrationState
from softtoken.policy import Policy
from softtoken.proofing import AssuranceLevel, ProofingStatus
from softtoken.proofing.oidc import HttpClient, HttpResponse, HttpxClient, OidcProvider
from softtoken.proofing.oidc._tokens import pkce_pair
from softtoken.storage.memory import MemoryStorage
from softtoken.storage.sql import SqlStorage
from softtoken.testing import Harness

from ..helpers.oidc import (
    CLIENT_SECRET,
    OTHER_CLIENT_ID,
    TestProvider,
    query,
    sign_in,
    signing_key,
    skip_reason,
    thaid_harness,
)
from ..helpers.registration import CITIZEN, FIRST, LAST, USER, make_account, to_proofing
from ..helpers.storage import new_records

S = RegistrationState


@pytest.fixture(scope="session")
def thaid_provider() -> Iterator[TestProvider]:
    """One provider for the session (its keys never change)."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    provider = TestProvider(keys=[signing_key("thaid-2026-1")])
    yield provider
    provider.stop()


@pytest.fixture
def own_provider() -> Iterator[TestProvider]:
    """A provider of the test's own, to stop, restart or rotate."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    provider = TestProvider(keys=[signing_key("own-1")], code_ttl=1)
    yield provider
    provider.stop()


@pytest.fixture
def http() -> Iterator[HttpxClient]:
    """The portal's HTTP client to the provider, closed after the test."""
    client = HttpxClient()
    yield client
    client.close()


def at_step_2(harness: Harness) -> str:
    """The account at step 2 with the ThaID authorization URL shown; returns the URL."""
    make_account(harness)
    to_proofing(harness)
    challenge = harness.softtoken.registration.begin_proofing(USER, provider="thaid")
    assert challenge.qr_payload is not None
    return challenge.qr_payload


def refused(harness: Harness, params: object, code: str) -> SoftTokenError:
    """The callback is refused with ``code``; the registration is as it was and the
    audit log says why."""
    soft = harness.softtoken
    before = soft.registration.current(USER)
    records = soft.audit.records()
    with pytest.raises(SoftTokenError) as caught:
        soft.proofing.callback("thaid", params)
    assert caught.value.code == code
    assert soft.registration.current(USER) == before
    (written,) = new_records(harness, records)
    last = written.entry
    assert (last.action, last.outcome, last.details["reason"]) == (
        "proofing.complete",
        "failure",
        code,
    )
    return caught.value


def test_walk_chapter2_step2_with_thaid(
    thaid_provider: TestProvider, http: HttpxClient, storage: MemoryStorage | SqlStorage
) -> None:
    counting = CountingHttp(http)
    harness, _ = thaid_harness(thaid_provider, http=counting, storage=storage)
    soft = harness.softtoken
    url = at_step_2(harness)
    parts = dict(parse_qsl(urlsplit(url).query))
    assert url.startswith(f"{thaid_provider.issuer}/auth?")
    assert parts["code_challenge_method"] == "S256"
    assert parts["response_type"] == "code"
    assert "pid" in parts["scope"].split()
    # The person's browser goes to ThaID, signs in, allows disclosure, and comes back to
    # the portal's callback with code and state; the portal hands those to the library.
    callback = sign_in(url)
    record = soft.proofing.callback("thaid", query(callback))
    assert record.status is ProofingStatus.VERIFIED
    assert record.result is not None
    assert (record.result.first_name, record.result.last_name) == (FIRST, LAST)
    assert (record.result.first_name_en, record.result.last_name_en) == ("Somchai", "Jaidee")
    assert record.result.assurance_level is AssuranceLevel.IAL2
    assert record.result.citizen_id.value == CITIZEN
    # This provider keeps scope claims out of the ID token: they came from userinfo.
    assert counting.userinfo_calls == 1
    # Nothing secret is kept: the state's and nonce's hashes only, no verifier (and whose
    # registration it is, which counts the documents a proofing may carry: issue 12 L2).
    assert set(record.state) == {"nonce_sha256", "owner"}
    assert parts["state"] not in str(record.lookup)
    # "Check status": step 3 opens.
    reg = soft.registration.check_status(USER)
    assert (reg.state, reg.step) == (S.CONFIRM_DATA, 3)


class WatchedStorage(MemoryStorage):
    """Memory storage that knows how many transactions are open."""

    def __init__(self) -> None:
        super().__init__()
        self.open = 0

    def begin(self, *, read_only: bool = False):  # type: ignore[no-untyped-def]
        tx = super().begin(read_only=read_only)
        self.open += 1
        for name in ("commit", "rollback"):
            done = getattr(tx, name)

            def end(done=done) -> None:  # type: ignore[no-untyped-def]
                self.open -= 1
                done()

            setattr(tx, name, end)
        return tx


class WatchingHttp:
    """The real transport, noting for each request whether a transaction was open."""

    def __init__(self, inner: HttpClient, storage: WatchedStorage) -> None:
        self.inner = inner
        self.storage = storage
        self.seen: list[tuple[str, int]] = []

    def get(self, url: str, *, headers: Mapping[str, str]) -> HttpResponse:
        self.seen.append((url, self.storage.open))
        return self.inner.get(url, headers=headers)

    def post_form(
        self, url: str, form: Mapping[str, str], *, headers: Mapping[str, str]
    ) -> HttpResponse:
        self.seen.append((url, self.storage.open))
        return self.inner.post_form(url, form, headers=headers)


def test_the_callback_talks_to_the_provider_outside_the_unit_of_work(
    thaid_provider: TestProvider, http: HttpxClient
) -> None:
    storage = WatchedStorage()
    watching = WatchingHttp(http, storage)
    harness, _ = thaid_harness(thaid_provider, http=watching, storage=storage)
    callback = query(sign_in(at_step_2(harness)))
    watching.seen.clear()
    harness.softtoken.proofing.callback("thaid", callback)
    paths = [urlsplit(url).path for url, _ in watching.seen]
    assert paths == ["/token", "/jwks", "/me"]
    assert all(open_transactions == 0 for _, open_transactions in watching.seen)
    # The same when the portal completes a proofing it knows by ID.
    started = harness.softtoken.proofing.begin("thaid", citizen_id=CITIZEN, subject="by-id")
    assert started.qr_payload is not None
    answer = query(sign_in(started.qr_payload))
    watching.seen.clear()
    identity = harness.softtoken.proofing.complete(
        started.proofing_id, answer, expected_citizen_id=CITIZEN
    )
    assert identity.provider == "thaid"
    assert [urlsplit(url).path for url, _ in watching.seen] == ["/token", "/me"]  # keys cached
    assert all(open_transactions == 0 for _, open_transactions in watching.seen)


def test_forged_replayed_or_late_callbacks_cost_no_request(
    thaid_provider: TestProvider, http: HttpxClient
) -> None:
    storage = WatchedStorage()
    watching = WatchingHttp(http, storage)
    harness, _ = thaid_harness(thaid_provider, http=watching, storage=storage)
    soft = harness.softtoken
    callback = query(sign_in(at_step_2(harness)))
    soft.proofing.callback("thaid", callback)
    watching.seen.clear()
    for forged in (callback, {"code": "x", "state": "not-ours"}, "not even a callback"):
        with pytest.raises(SoftTokenError):
            soft.proofing.callback("thaid", forged)
    assert watching.seen == []
    late = harness.softtoken.proofing.begin("thaid", citizen_id=CITIZEN, subject="late")
    assert late.qr_payload is not None
    late_callback = query(sign_in(late.qr_payload))
    harness.clock.advance(soft.policy.proofing_request_lifetime)
    watching.seen.clear()
    with pytest.raises(AuthenticationError) as caught:
        soft.proofing.callback("thaid", late_callback)
    assert caught.value.code == "proofing_expired"
    assert watching.seen == []


def test_callback_given_as_the_whole_url(thaid_provider: TestProvider, http: HttpxClient) -> None:
    harness, _ = thaid_harness(thaid_provider, http=http)
    callback = sign_in(at_step_2(harness))
    record = harness.softtoken.proofing.callback("thaid", callback)  # the URL as it came
    assert record.status is ProofingStatus.VERIFIED


def test_claims_in_the_id_token_need_no_userinfo(http: HttpxClient) -> None:
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    provider = TestProvider(keys=[signing_key("claims-1")], id_token_claims=True)
    try:
        counting = CountingHttp(http)
        harness, _ = thaid_harness(provider, http=counting)
        callback = query(sign_in(at_step_2(harness)))
        record = harness.softtoken.proofing.callback("thaid", callback)
        assert record.result is not None
        assert record.result.first_name_en == "Somchai"
        assert counting.userinfo_calls == 0
    finally:
        provider.stop()


def test_replayed_callback_is_refused(
    thaid_provider: TestProvider, http: HttpxClient, storage: MemoryStorage | SqlStorage
) -> None:
    harness, _ = thaid_harness(thaid_provider, http=http, storage=storage)
    callback = query(sign_in(at_step_2(harness)))
    harness.softtoken.proofing.callback("thaid", callback)
    reg = harness.softtoken.registration.check_status(USER)
    assert reg.step == 3
    refused(harness, callback, "proofing_replayed")


def test_code_injected_into_another_proofing_is_refused(
    thaid_provider: TestProvider, http: HttpxClient
) -> None:
    # The attacker's own code, sent with the victim's state: the provider refuses it,
    # because the PKCE verifier the portal derives from the victim's state is not the one
    # the attacker's code was issued for.
    harness, _ = thaid_harness(thaid_provider, http=http)
    victim_url = at_step_2(harness)
    attacker = thaid_harness(thaid_provider, http=http)[0]
    attacker_code = query(sign_in(at_step_2(attacker)))["code"]
    victim_state = dict(parse_qsl(urlsplit(victim_url).query))["state"]
    forged = {"code": attacker_code, "state": victim_state, "iss": thaid_provider.issuer}
    refused(harness, forged, "proofing_code_rejected")
    # The victim's own answer still counts.
    record = harness.softtoken.proofing.callback("thaid", query(sign_in(victim_url)))
    assert record.status is ProofingStatus.VERIFIED


def test_expired_code_is_refused(own_provider: TestProvider, http: HttpxClient) -> None:
    harness, _ = thaid_harness(own_provider, http=http)  # codes live 1 second at this provider
    callback = query(sign_in(at_step_2(harness)))
    time.sleep(2.1)
    refused(harness, callback, "proofing_code_rejected")


def _with_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query))
    params[name] = value
    return urlunsplit(parts._replace(query=urlencode(params)))


def test_wrong_nonce_is_refused(
    thaid_provider: TestProvider, http: HttpxClient, storage: MemoryStorage | SqlStorage
) -> None:
    harness, _ = thaid_harness(thaid_provider, http=http, storage=storage)
    url = _with_param(at_step_2(harness), "nonce", "a-nonce-of-someone-else")
    refused(harness, query(sign_in(url)), "proofing_nonce_mismatch")
    proofing_id = harness.softtoken.registration.current(USER).proofing_id  # type: ignore[union-attr]
    assert proofing_id is not None
    assert harness.softtoken.proofing.get(proofing_id).status is ProofingStatus.PENDING


class SwapIdToken:
    """The real transport, except that once ``id_token`` is set the token endpoint's ID
    token is replaced by it (one the same provider issued to another client)."""

    def __init__(self, inner: HttpClient) -> None:
        self.inner = inner
        self.id_token: str | None = None

    def get(self, url: str, *, headers: Mapping[str, str]) -> HttpResponse:
        return self.inner.get(url, headers=headers)

    def post_form(
        self, url: str, form: Mapping[str, str], *, headers: Mapping[str, str]
    ) -> HttpResponse:
        answer = self.inner.post_form(url, form, headers=headers)
        if self.id_token is None:
            return answer
        body = {**answer.json(), "id_token": self.id_token}
        return attrs.evolve(answer, body=json.dumps(body).encode())


def _id_token_for_other_client(provider: TestProvider, nonce: str, http: HttpClient) -> str:
    """Walk the flow as the other portal (same provider, same nonce) and redeem its code."""
    other = OidcProvider(provider.config(client_id=OTHER_CLIENT_ID), name="other", http=http)
    started = other.start(
        proofing_id="-",
        citizen_id=CitizenId(CITIZEN),
        expires_at=datetime.now(UTC),
        now=datetime.now(UTC),
    )
    assert started.qr_payload is not None
    params = query(sign_in(_with_param(started.qr_payload, "nonce", nonce)))
    verifier, _ = pkce_pair(other.config.pkce_key(), params["state"])
    answer = http.post_form(
        f"{provider.issuer}/token",
        {
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": other.config.redirect_uri,
            "code_verifier": verifier,
            "client_id": OTHER_CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
        headers={},
    )
    token = answer.json()["id_token"]
    assert isinstance(token, str)
    return token


def test_id_token_for_another_audience_is_refused(
    thaid_provider: TestProvider, http: HttpxClient
) -> None:
    swap = SwapIdToken(http)
    harness, _ = thaid_harness(thaid_provider, http=swap)
    url = at_step_2(harness)
    nonce = dict(parse_qsl(urlsplit(url).query))["nonce"]
    swap.id_token = _id_token_for_other_client(thaid_provider, nonce, http)
    refused(harness, query(sign_in(url)), "proofing_wrong_audience")


def test_answer_naming_another_issuer_is_refused(
    thaid_provider: TestProvider, http: HttpxClient
) -> None:
    # RFC 9207: the provider names itself in the callback; a mix-up attack names another.
    harness, _ = thaid_harness(thaid_provider, http=http)
    callback = query(sign_in(at_step_2(harness)))
    refused(harness, {**callback, "iss": "https://evil.example"}, "proofing_wrong_issuer")
    without_iss = {k: v for k, v in callback.items() if k != "iss"}
    refused(harness, without_iss, "proofing_wrong_issuer")


def test_another_person_at_the_provider_is_refused(
    thaid_provider: TestProvider, http: HttpxClient
) -> None:
    harness, _ = thaid_harness(thaid_provider, http=http)
    refused(harness, query(sign_in(at_step_2(harness), login="another")),
            "proofing_citizen_mismatch")  # fmt: skip


def test_unknown_assurance_level_is_refused(
    thaid_provider: TestProvider, http: HttpxClient
) -> None:
    harness, _ = thaid_harness(thaid_provider, http=http)
    refused(harness, query(sign_in(at_step_2(harness), login="weak")),
            "proofing_assurance_unknown")  # fmt: skip


def test_person_cancelling_at_the_provider(
    thaid_provider: TestProvider, http: HttpxClient, storage: MemoryStorage | SqlStorage
) -> None:
    harness, _ = thaid_harness(thaid_provider, http=http, storage=storage)
    callback = query(sign_in(at_step_2(harness), consent=False))
    assert callback["error"] == "access_denied"
    error = refused(harness, callback, "proofing_access_denied")
    assert isinstance(error, StateError)
    assert "consent" in error.message("en")
    # The person starts again: a new authorization URL, this time allowing it.
    url = harness.softtoken.registration.begin_proofing(USER, provider="thaid").qr_payload
    assert url is not None
    harness.softtoken.proofing.callback("thaid", query(sign_in(url)))
    assert harness.softtoken.registration.check_status(USER).step == 3


def test_unknown_state_is_refused(thaid_provider: TestProvider, http: HttpxClient) -> None:
    harness, _ = thaid_harness(thaid_provider, http=http)
    at_step_2(harness)
    with pytest.raises(AuthenticationError) as caught:
        harness.softtoken.proofing.callback("thaid", {"code": "x", "state": "not-ours"})
    assert caught.value.code == "proofing_nonce_mismatch"


def test_provider_down_when_proofing_begins(
    own_provider: TestProvider, http: HttpxClient, storage: MemoryStorage | SqlStorage
) -> None:
    harness, _ = thaid_harness(own_provider, http=http, storage=storage)
    make_account(harness)
    to_proofing(harness)
    before = harness.softtoken.registration.current(USER)
    own_provider.stop()
    with pytest.raises(ProviderUnavailable) as caught:
        harness.softtoken.registration.begin_proofing(USER, provider="thaid")
    assert caught.value.code == "proofing_provider_unavailable"
    assert "try again later" in caught.value.message("en")
    assert harness.softtoken.registration.current(USER) == before


def test_provider_down_at_the_callback(
    own_provider: TestProvider, http: HttpxClient, storage: MemoryStorage | SqlStorage
) -> None:
    harness, _ = thaid_harness(own_provider, http=http, storage=storage)
    callback = query(sign_in(at_step_2(harness)))
    own_provider.stop()
    refused(harness, callback, "proofing_provider_unavailable")
    proofing_id = harness.softtoken.registration.current(USER).proofing_id  # type: ignore[union-attr]
    assert proofing_id is not None
    assert harness.softtoken.proofing.get(proofing_id).status is ProofingStatus.PENDING


class CountingHttp:
    """The real transport, counting the JWKS fetches and the userinfo calls."""

    def __init__(self, inner: HttpClient) -> None:
        self.inner = inner
        self.jwks_fetches = 0
        self.userinfo_calls = 0

    def get(self, url: str, *, headers: Mapping[str, str]) -> HttpResponse:
        self.jwks_fetches += url.endswith("/jwks")
        self.userinfo_calls += url.endswith("/me")
        return self.inner.get(url, headers=headers)

    def post_form(
        self, url: str, form: Mapping[str, str], *, headers: Mapping[str, str]
    ) -> HttpResponse:
        return self.inner.post_form(url, form, headers=headers)


def _prove(harness: Harness, subject: str) -> None:
    soft = harness.softtoken
    url = soft.proofing.begin("thaid", citizen_id=CITIZEN, subject=subject).qr_payload
    assert url is not None
    soft.proofing.callback("thaid", query(sign_in(url)))


def test_key_rotation_at_the_provider_refetches_the_jwks(
    own_provider: TestProvider, http: HttpxClient
) -> None:
    counting = CountingHttp(http)
    # The cache's lifetime is shortened so that the provider's real tokens stay valid on
    # the fake clock when it has passed.
    policy = Policy.for_tests(oidc_metadata_lifetime=timedelta(minutes=2))
    harness, adapter = thaid_harness(own_provider, http=counting, policy=policy)
    _prove(harness, "before-rotation")
    assert counting.jwks_fetches == 1
    _prove(harness, "cached")
    assert counting.jwks_fetches == 1  # the keys are cached
    # The provider publishes a new key and signs with it (the old one stays listed).
    own_provider.stop()
    own_provider.start(keys=[signing_key("own-2"), *own_provider.keys])
    # Within the refetch interval an unknown key ID is refused without asking again ...
    url = harness.softtoken.proofing.begin("thaid", citizen_id=CITIZEN, subject="x").qr_payload
    assert url is not None
    with pytest.raises(AuthenticationError) as caught:
        harness.softtoken.proofing.callback("thaid", query(sign_in(url)))
    assert caught.value.code == "proofing_bad_signature"
    assert counting.jwks_fetches == 1
    # ... and once it has passed, the unknown key ID makes the adapter fetch the JWKS.
    harness.clock.advance(adapter.policy.oidc_jwks_refetch_interval)
    _prove(harness, "after-rotation")
    assert counting.jwks_fetches == 2
    _prove(harness, "after-rotation-cached")
    assert counting.jwks_fetches == 2
    # The cache also expires by age.
    harness.clock.advance(adapter.policy.oidc_metadata_lifetime)
    _prove(harness, "a-while-later")
    assert counting.jwks_fetches == 3


def test_an_expired_proofing_is_refused_before_the_code_is_redeemed(
    thaid_provider: TestProvider,
    http: HttpxClient,
) -> None:
    harness, _ = thaid_harness(thaid_provider, http=http)
    callback = query(sign_in(at_step_2(harness)))
    harness.clock.advance(harness.softtoken.policy.proofing_request_lifetime + timedelta(seconds=1))
    refused(harness, callback, "proofing_expired")
