"""Issue 16 item 5: hostile input to every public entry point raises only softtoken errors.

The entry points are found by introspection: every public method of every service the
facade holds (``soft.accounts``, ``soft.login``, ``soft.sign_in``, ...), so a call added
tomorrow is fuzzed without anyone listing it here. Each parameter in turn gets a hostile
value (a lone surrogate, NUL, a control character, a huge string, a wrong type) while
the others get plausible ones; the call must answer or raise a ``SoftTokenError``.
Methods taking an open unit of work (``*_in``) are the extension seam for lifecycle
modules, called with values a service already checked, so they are left out.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from softtoken import Officer
from softtoken.errors import SoftTokenError
from softtoken.storage.memory import MemoryStorage
from softtoken.storage.sql import SqlStorage
from softtoken.testing import Harness, in_memory, sample_pdf

from ..conftest import make_storage
from ..helpers.registration import make_account, to_awaiting_approval, to_proofing

USER = "T05005000000201"
OTHER = "T05005000000202"
OTHER_CITIZEN = "3100600123450"
REVIEWED = "T05005000000203"
REVIEWED_CITIZEN = "1101700207536"
CITIZEN = "1101700203450"
PASSWORD = "correct horse battery staple"

#: Attributes of the facade that are not services.
NOT_SERVICES = {"storage", "policy", "clock", "context"}

#: A plausible value for a parameter, by name (what the portal would pass).
PLAUSIBLE: dict[str, object] = {
    "user_id": USER,
    "password": PASSWORD,
    "current_password": PASSWORD,
    "new_password": "an entirely new pass phrase",
    "confirm_password": "an entirely new pass phrase",
    "first_name": "Somchai",
    "last_name": "Jaidee",
    "email": "somchai@example.go.th",
    "citizen_id": CITIZEN,
    "expected_citizen_id": CITIZEN,
    "disbursement_unit": "0123456789",
    "officer": Officer.parse("O00000000000001"),
    "actor": "system",
    "purpose": "registration",
    "subject": USER,
    "code": "123456",
    "serial": "01",
    "certificate_serial": "01",
    "reason": "lost phone",
    "limit": 10,
    "after": None,
    "after_seq": 0,
    "provider": "paotang",
    "proofing_id": "proofing-1",
    "registration_id": "registration-1",
    "request_id": "request-1",
    "activation_id": "activation-1",
    "renewal_id": "renewal-1",
    "challenge_id": "challenge-1",
    "handle": "handle-1",
    "kind": "id_card_copy",
    "message": "e30.e30.e30",
    "template": "otp_code",
    "timeout": 0.0,
    "client": "203.0.113.9",
    "client_key": "203.0.113.9",
    "consent_version": "1",
    "accept_consent": True,
    "note": "checked",
    "lang": "en",
    "key": "signal-key",
}

#: The fixed hostile values every parameter gets (then hypothesis draws more).
HOSTILE: list[object] = [
    "\ud800",
    "T0500500000020\udfff",
    "a\x00b",
    "\x00",
    "a\x1bb",
    "line\nbreak",
    "x" * 100_000,
    "",
    0,
    -1,
    10**100,
    1.5,
    float("nan"),
    True,
    b"bytes",
    None,
    [],
    ["x"],
    {},
    {"a": "\ud800"},
    object(),
]

hostile_text = st.text(
    alphabet=st.characters(codec=None, categories=["Cs", "Cc", "Cf", "Lo", "Nd", "Zs"]),
    max_size=40,
)
hostile_values = st.one_of(
    st.sampled_from(HOSTILE),
    hostile_text,
    st.text(min_size=1, max_size=20).map(lambda s: s + "\ud800"),
    st.integers(),
    st.floats(),
    st.binary(max_size=40),
    st.lists(st.text(max_size=3), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
    st.none(),
)


def _services(soft: object) -> Iterator[tuple[str, object]]:
    for name, value in vars(soft).items():
        if not name.startswith("_") and name not in NOT_SERVICES:
            yield name, value


def _takes_unit_of_work(signature: inspect.Signature) -> bool:
    return any(
        "UnitOfWork" in str(p.annotation) or name == "uow"
        for name, p in signature.parameters.items()
    )


def entry_points(soft: object) -> list[tuple[str, str, str]]:
    """(service, method, parameter) for every parameter of every public service call."""
    found: list[tuple[str, str, str]] = []
    for service_name, service in _services(soft):
        # Methods of the class: a callback stored on the instance is plumbing, not a call.
        for method_name, _function in inspect.getmembers(type(service), inspect.isfunction):
            if method_name.startswith("_"):
                continue
            signature = inspect.signature(getattr(service, method_name))
            if _takes_unit_of_work(signature):
                continue
            found.extend(
                (service_name, method_name, parameter) for parameter in signature.parameters
            )
    return sorted(found)


def _plausible(parameter: inspect.Parameter, seeded: dict[str, object]) -> object:
    if parameter.name in seeded:
        return seeded[parameter.name]
    if parameter.name in PLAUSIBLE:
        return PLAUSIBLE[parameter.name]
    if parameter.default is not inspect.Parameter.empty:
        default = parameter.default
        return default.value if isinstance(default, enum.Enum) else default
    return "plausible"


def _call(
    method: Callable[..., Any], hostile_parameter: str, value: object, seeded: dict[str, object]
) -> object:
    args: list[object] = []
    kwargs: dict[str, object] = {}
    for parameter in inspect.signature(method).parameters.values():
        given_value = (
            value if parameter.name == hostile_parameter else _plausible(parameter, seeded)
        )
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            kwargs[parameter.name] = given_value
        else:
            args.append(given_value)
    return method(*args, **kwargs)


#: The records each harness was seeded with (by ``id`` of its facade): real IDs, so a
#: call on a registration, a proofing or a service request gets past the lookup.
SEEDED: dict[int, dict[str, object]] = {}


def _seed(harness: Harness) -> None:
    """An account with a password, so password paths reach the hash; a registration
    awaiting approval; a document review with both documents."""
    soft = harness.softtoken
    soft.accounts.create(
        user_id=USER,
        first_name="Somchai",
        last_name="Jaidee",
        email=PLAUSIBLE["email"],
        citizen_id=CITIZEN,
    )
    temporary = soft.accounts.issue_temporary_password(USER)
    soft.login.change_password(
        USER, current_password=temporary, new_password=PASSWORD, confirm_password=PASSWORD
    )
    make_account(harness, OTHER)
    awaiting = to_awaiting_approval(harness, OTHER, citizen=OTHER_CITIZEN)
    make_account(harness, REVIEWED)
    to_proofing(harness, REVIEWED, citizen=REVIEWED_CITIZEN)
    review = soft.registration.begin_proofing(REVIEWED, provider="document_review")
    soft.proofing.submit_documents(
        review.proofing_id,
        id_card_copy=sample_pdf(title="ID card"),
        signed_letter=sample_pdf(title="Letter"),
    )
    SEEDED[id(soft)] = {
        "registration_id": awaiting.registration_id,
        "proofing_id": review.proofing_id,
    }


def _harness(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Harness:
    storage: MemoryStorage | SqlStorage = make_storage(kind, request, tmp_path)
    made = in_memory(storage=storage)
    _seed(made)
    return made


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def fuzzed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Harness:
    return _harness(request.param, tmp_path_factory.mktemp("hostile"), request)


ENTRY_POINTS = entry_points(in_memory().softtoken)


def _escaped(harness: Harness, where: tuple[str, str, str], value: object) -> str | None:
    """What escaped the call other than a softtoken error, described; None if nothing."""
    service, method_name, parameter = where
    method = getattr(getattr(harness.softtoken, service), method_name)
    harness.clock.advance(timedelta(minutes=10))  # no throttle left over from the last call
    try:
        _call(method, parameter, value, SEEDED.get(id(harness.softtoken), {}))
    except SoftTokenError:
        return None
    except Exception as error:
        return (
            f"{service}.{method_name}({parameter}={value!r:.40}) raised "
            f"{type(error).__name__}: {error!s:.120}"
        )
    return None


def _assert_only_softtoken_errors(
    harness: Harness, where: tuple[str, str, str], values: list[object]
) -> None:
    escaped = [e for e in (_escaped(harness, where, v) for v in values) if e is not None]
    assert not escaped, "\n".join(escaped)


def test_introspection_finds_the_entry_points() -> None:
    """The fuzzer covers the calls a portal makes, not an empty list."""
    calls = {f"{s}.{m}" for s, m, _ in ENTRY_POINTS}
    assert {"accounts.create", "login.password", "sign_in.begin", "otp.verify"} <= calls
    assert len(calls) > 80


@pytest.mark.parametrize("where", ENTRY_POINTS, ids=".".join)
def test_fixed_hostile_values(fuzzed: Harness, where: tuple[str, str, str]) -> None:
    _assert_only_softtoken_errors(fuzzed, where, HOSTILE)


@pytest.mark.parametrize("where", ENTRY_POINTS, ids=".".join)
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(value=hostile_values)
def test_drawn_hostile_values(fuzzed: Harness, where: tuple[str, str, str], value: object) -> None:
    _assert_only_softtoken_errors(fuzzed, where, [value])


@pytest.fixture(scope="module")
def postgres_fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Harness:
    return _harness("postgres", tmp_path_factory.mktemp("hostile-pg"), request)


@pytest.mark.parametrize("where", ENTRY_POINTS, ids=".".join)
def test_nul_on_postgres(postgres_fuzzed: Harness, where: tuple[str, str, str]) -> None:
    """PostgreSQL refuses NUL in text columns (``DataError``); the boundary must first."""
    _assert_only_softtoken_errors(postgres_fuzzed, where, ["a\x00b", "\x00", f"{USER[:-1]}\x00"])
