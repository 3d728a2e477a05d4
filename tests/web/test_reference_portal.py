"""The reference portal (apps/portal) without a browser: CSRF on every form, the session
cookie's flags and its new ID at sign-in, and the one command of the README's quick start
serving a development deployment that the command-line wallet reaches over HTTP."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from softtoken.testing import Person, in_memory, soft_token_user
from softtoken_portal import create_app

from ..helpers.http import serve_asgi

WHO = Person()
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _csrf(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found is not None, page.text
    return found.group(1)


def _portal(*, secure: bool) -> tuple[object, Person]:
    """A portal with a soft token user and a password-only officer account."""
    harness = in_memory()
    soft = harness.softtoken
    soft_token_user(harness, WHO)
    soft.accounts.create(user_id=OFFICER.user_id, first_name="a", last_name="b")
    temporary = soft.accounts.issue_temporary_password(OFFICER.user_id)
    soft.accounts.change_password(OFFICER.user_id, current_password=temporary,
                                  new_password=OFFICER.password,
                                  confirm_password=OFFICER.password)  # fmt: skip
    return create_app(soft, deliver_mail_every=None, secure_cookies=secure), OFFICER


OFFICER = Person(user_id="T09000000000001", password="an officer's passphrase")


def test_a_form_without_the_sessions_csrf_token_is_refused() -> None:
    app, _ = _portal(secure=False)
    with serve_asgi(app) as url, httpx.Client(base_url=url, timeout=15) as client:
        login = client.get("/login")
        form = {"user_id": WHO.user_id, "password": WHO.password}
        assert client.post("/login", data=form).status_code == 403
        assert client.post("/login", data={**form, "csrf": "x" * 43}).status_code == 403
        accepted = client.post("/login", data={**form, "csrf": _csrf(login)})
        assert accepted.status_code == 303
        assert accepted.headers["location"] == "/login/wait"


@pytest.mark.parametrize(
    ("method", "path", "start"),
    [
        ("GET", "/login/wait", "/login"),
        ("POST", "/login/finish", "/login"),
        ("GET", "/password/change", "/login"),
        ("GET", "/password/forgot/code", "/password/forgot"),
        ("POST", "/password/forgot/code", "/password/forgot"),
        ("GET", "/renewal/wait", "/login"),
        ("POST", "/renewal/check", "/login"),
    ],
)
def test_a_step_page_without_its_earlier_step_leads_to_where_the_flow_starts(
    method: str, path: str, start: str
) -> None:
    """A stale tab or a bookmarked step: a redirect to the flow's first page, never an
    error page; and the first step, done, does lead on to that step page."""
    app, _ = _portal(secure=False)
    with serve_asgi(app) as url, httpx.Client(base_url=url, timeout=15) as client:
        csrf = _csrf(client.get("/login"))
        answer = (client.get(path) if method == "GET"
                  else client.post(path, data={"csrf": csrf}))  # fmt: skip
        assert answer.status_code == 303
        assert answer.headers["location"] == start
        form = {"user_id": WHO.user_id, "password": WHO.password, "csrf": csrf}
        assert client.post("/login", data=form).headers["location"] == "/login/wait"
        waiting = client.get("/login/wait")
        assert waiting.status_code == 200
        assert _csrf(waiting)


def _sid(response: httpx.Response) -> str:
    found = re.match(r"portal_sid=([^;]+);", response.headers["set-cookie"])
    assert found is not None
    return found.group(1)


def test_the_cookie_is_http_only_strict_secure_and_new_at_sign_in() -> None:
    app, officer = _portal(secure=True)
    with serve_asgi(app) as url, httpx.Client(base_url=url, timeout=15) as client:
        login = client.get("/login")
        cookie = login.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        assert "Secure" in cookie
        before = _sid(login)
        form = {"user_id": officer.user_id, "password": officer.password, "csrf": _csrf(login)}
        signed = client.post("/login", data=form, headers={"cookie": f"portal_sid={before}"})
        assert signed.headers["location"] == "/home"
        after = _sid(signed)
        assert after != before  # a new session ID: no session fixation
        home = client.get("/home", headers={"cookie": f"portal_sid={after}"})
        assert home.status_code == 200
        # The pre-login ID opens nothing: whoever planted it is not signed in.
        old = client.get("/home", headers={"cookie": f"portal_sid={before}"})
        assert old.headers["location"] == "/login"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_the_one_command_serves_a_development_portal(tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    folder = tmp_path / "portal-dev"
    command = [sys.executable, "-m", "softtoken_portal", "--dir", str(folder)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(  # noqa: S603 - our own command
        [*command, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        with httpx.Client(base_url=url, timeout=30, follow_redirects=True) as browser:
            deadline = time.monotonic() + 60
            while True:
                try:
                    login = browser.get("/login")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the portal did not start"
                    time.sleep(0.2)
            assert login.status_code == 200
            assert "เข้าสู่ระบบ" in login.text
            accounts = (folder / "accounts.txt").read_text("utf-8").split("\n")
            user_id, password = accounts[0].split()[:2]
            form = {"user_id": user_id, "password": password, "csrf": _csrf(login)}
            change = browser.post("/login", data=form)
            assert "/password/change" in str(change.url)
            new = "a long passphrase for the walk"
            form = {"current_password": password, "new_password": new,
                    "confirm_password": new, "csrf": _csrf(change)}  # fmt: skip
            again = browser.post("/password/change", data=form)
            form = {"user_id": user_id, "password": new, "csrf": _csrf(again)}
            home = browser.post("/login", data=form)
            assert str(home.url).endswith("/home")
            step_1 = browser.get("/registration")
            form = {"citizen_id": "1101700207536", "consent": "yes", "consent_version": "1",
                    "csrf": _csrf(step_1)}  # fmt: skip
            step_2 = browser.post("/registration/identify", data=form)
            qr = re.search(r'<code id="qr-text">([^<]+)</code>', step_2.text)
            assert qr is not None
            # The wallet on the command line scans it and posts to the portal.
            payload = qr.group(1).replace("&amp;", "&")
            wallet = subprocess.run(  # noqa: S603 - our own command
                [*command, "--url", url, "wallet", payload],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert wallet.returncode == 0, wallet.stdout + wallet.stderr
            assert "confirmed in the app" in wallet.stdout
            step_3 = browser.post("/registration/proofing", data={"csrf": _csrf(step_2)})
            assert "completed identity proofing" in step_3.text
    finally:
        server.terminate()
        server.wait(10)
        assert server.stdout is not None
        server.stdout.close()
