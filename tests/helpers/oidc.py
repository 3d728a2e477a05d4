"""A real OpenID Connect provider for tests (panva/oidc-provider under Node, from
``tests/oidc_provider``), shaped like ThaID, and a browser that walks its pages.

The provider runs as a child process on 127.0.0.1; it can be stopped (an outage) and
started again on the same port with other keys (a key rotation). When Node or the npm
package is missing the tests skip, saying so (``.ci/run`` installs them).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx
import pytest
from joserfc.jwk import RSAKey

from softtoken import RegistrationSettings
from softtoken.policy import Policy
from softtoken.ports import Storage
from softtoken.proofing import AssuranceLevel
from softtoken.proofing.oidc import HttpClient, OidcConfig, OidcProvider, thaid
from softtoken.testing import FakeClock, Harness, in_memory

from .registration import CITIZEN, FIRST, LAST, OTHER_CITIZEN

PROVIDER_DIR = Path(__file__).resolve().parent.parent / "oidc_provider"
CLIENT_ID = "new-gfmis-thai"
CLIENT_SECRET = "a-test-client-secret-of-the-portal-0123456789"
OTHER_CLIENT_ID = "other-portal"
REDIRECT_URI = "http://127.0.0.1:9/softtoken/proofing/thaid/callback"
PASSWORD = "correct horse battery"
ACR_IAL2 = "urn:thaid:ial2.3"
ACR_IAL1 = "urn:thaid:ial1.1"
ACR_LEVELS = {ACR_IAL1: AssuranceLevel.IAL1, ACR_IAL2: AssuranceLevel.IAL2}
ACCOUNTS = {
    "somchai": {
        "password": PASSWORD,
        "acr": ACR_IAL2,
        "claims": {
            "pid": CITIZEN,
            "given_name": FIRST,
            "family_name": LAST,
            "given_name_en": "Somchai",
            "family_name_en": "Jaidee",
        },
    },
    "another": {
        "password": PASSWORD,
        "acr": ACR_IAL2,
        "claims": {"pid": OTHER_CITIZEN, "given_name": "สมหญิง", "family_name": "รักดี"},
    },
    "weak": {
        "password": PASSWORD,
        "acr": "urn:example:unknown-level",
        "claims": {"pid": CITIZEN, "given_name": FIRST, "family_name": LAST},
    },
}


def _client(client_id: str) -> dict[str, object]:
    return {
        "client_id": client_id,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
    }


def signing_key(kid: str) -> dict[str, object]:
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})
    return dict(key.as_dict(private=True))


def skip_reason() -> str | None:
    """Why the oidc-provider tests cannot run here, or None. Installs the npm package
    (``npm ci``) when Node and npm are present but ``node_modules`` is not."""
    if shutil.which("node") is None:
        return "oidc-provider tests need Node.js (node) on PATH"
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            return "oidc-provider tests need npm to install tests/oidc_provider"
        done = subprocess.run(  # noqa: S603 - a fixed command
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=PROVIDER_DIR,
            capture_output=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            return f"oidc-provider tests: npm ci failed: {done.stderr.decode()[-300:]}"
    return None


class TestProvider:
    """One oidc-provider process. ``issuer`` stays the same across restarts."""

    __test__ = False  # not a test class

    def __init__(
        self,
        *,
        keys: Sequence[dict[str, object]],
        code_ttl: int = 60,
        id_token_claims: bool = False,
    ) -> None:
        self.keys = list(keys)
        self.code_ttl = code_ttl
        self.id_token_claims = id_token_claims
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, keys: Sequence[dict[str, object]] | None = None) -> None:
        if keys is not None:
            self.keys = list(keys)
        settings = {
            "port": self.port,
            "keys": self.keys,
            "clients": [_client(CLIENT_ID), _client(OTHER_CLIENT_ID)],
            "accounts": ACCOUNTS,
            "acrValues": [ACR_IAL1, ACR_IAL2, "urn:example:unknown-level"],
            "codeTtl": self.code_ttl,
            "idTokenClaims": self.id_token_claims,
        }
        node = shutil.which("node")
        assert node is not None
        # The provider's log goes to a file: a pipe nobody reads would fill and stall it.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        process = subprocess.Popen(  # noqa: S603 - node runs the provider script
            [node, "--no-warnings", "provider.js"],
            cwd=PROVIDER_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
        )
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(json.dumps(settings).encode())
        process.stdin.close()
        line = process.stdout.readline().decode()
        if not line.startswith("listening "):
            process.kill()
            process.wait()
            self._log.seek(0)
            error = self._log.read().decode(errors="replace")
            pytest.fail(f"oidc-provider did not start: {line!r} {error[-500:]}")
        self.port = int(line.split()[1])
        self._process = process

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
            self._log.close()

    def config(self, **changes: object) -> OidcConfig:
        fields: dict[str, object] = {
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uri": REDIRECT_URI,
            "acr_levels": ACR_LEVELS,
            "acr_values": (ACR_IAL2,),
            "scopes": ("openid", "pid", "given_name", "family_name", "given_name_en",
                       "family_name_en"),
        }  # fmt: skip
        fields.update(changes)
        return thaid(**fields)  # type: ignore[arg-type]


def thaid_harness(
    provider: TestProvider,
    *,
    http: HttpClient,
    storage: Storage | None = None,
    policy: Policy | None = None,
    **changes: object,
) -> tuple[Harness, OidcProvider]:
    """A SoftToken whose proofing providers include ``thaid`` at ``provider``; its fake
    clock starts at the real time, which the provider's tokens carry."""
    policy = policy or Policy.for_tests()
    adapter = OidcProvider(provider.config(**changes), name="thaid", policy=policy, http=http)
    harness = in_memory(
        policy=policy,
        storage=storage,
        clock=FakeClock(datetime.now(UTC)),
        registration=RegistrationSettings(providers=[adapter]),
    )
    return harness, adapter


_FORM = re.compile(r'<form method="post" action="([^"]+)"')


def sign_in(
    authorization_url: str,
    *,
    login: str = "somchai",
    password: str = PASSWORD,
    consent: bool = True,
    redirect_uri: str = REDIRECT_URI,
) -> str:
    """Walk the provider's pages as a browser would: follow the redirects, sign in on the
    login form, allow (or cancel) on the consent form, until the provider sends the
    browser to ``redirect_uri``. Returns that callback URL (never fetched)."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        response = browser.get(authorization_url)
        for _ in range(20):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if location.startswith(redirect_uri):
                    return location
                response = browser.get(location)
                continue
            assert response.status_code == 200, response.text
            actions = _FORM.findall(response.text)
            base = str(response.url)
            if any(a.endswith("/login") for a in actions):
                target = next(a for a in actions if a.endswith("/login"))
                response = browser.post(
                    urljoin(base, target), data={"login": login, "password": password}
                )
            else:
                wanted = "/confirm" if consent else "/abort"
                target = next(a for a in actions if a.endswith(wanted))
                response = browser.post(urljoin(base, target))
        msg = "the provider never sent the browser back"
        raise AssertionError(msg)


def query(url: str) -> dict[str, str]:
    """The callback URL's parameters, as a portal's framework hands them over."""
    return dict(parse_qsl(urlsplit(url).query))
