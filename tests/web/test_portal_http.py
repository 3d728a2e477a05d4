"""A portal built only on softtoken.web passes the whole sign-in through real HTTP, on
ASGI (uvicorn, with the waiting page's event stream) and on WSGI (waitress): the
browser and the phone are two httpx clients."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import httpx
import pytest

from softtoken.testing import Person, in_memory, soft_token_user

from ..helpers.http import HttpPhone, serve_asgi, serve_wsgi
from ..helpers.portal import portal_asgi, portal_wsgi

WHO = Person()


def _events(url: str, cookies: httpx.Cookies, out: list[str]) -> None:
    with (
        httpx.Client(base_url=url, cookies=cookies, timeout=15) as page,
        page.stream("GET", "/login/events") as stream,
    ):
        assert stream.headers["content-type"].startswith("text/event-stream")
        out.extend(line for line in stream.iter_lines() if line.startswith(("event:", "data:")))


@pytest.mark.parametrize("kind", ["asgi", "wsgi"])
def test_the_whole_sign_in_through_a_portal_over_http(kind: str) -> None:
    harness = in_memory()
    soft = harness.softtoken
    device = soft_token_user(harness)
    app = portal_asgi(soft) if kind == "asgi" else portal_wsgi(soft)
    with serve_asgi(app) if kind == "asgi" else serve_wsgi(app) as url:
        browser = httpx.Client(base_url=url, timeout=15)
        phone = HttpPhone(httpx.Client(base_url=url, timeout=15), device, WHO.pin)
        assert browser.get("/me").status_code == 401
        wrong = browser.post("/login", json={"user_id": WHO.user_id, "password": "not it at all"})
        assert wrong.status_code == 403
        assert wrong.json()["error"] == "login_failed"
        started = browser.post("/login", json={"user_id": WHO.user_id, "password": WHO.password})
        assert started.status_code == 200, started.text
        shown = started.json()
        assert shown["kind"] == "second_factor_required"
        finished: dict[str, Any] = {}
        events: list[str] = []
        waiting = [threading.Thread(target=lambda: finished.update(
            browser.post("/login/finish").json()))]  # fmt: skip
        if kind == "asgi":
            waiting.append(threading.Thread(target=_events, args=(url, browser.cookies, events)))
        for thread in waiting:
            thread.start()
        [item] = phone.poll()
        assert phone.approve(item, shown["code"]).status_code == 200
        for thread in waiting:
            thread.join(15)
        assert finished["kind"] == "authenticated"
        me = browser.get("/me")
        assert me.json() == {"user_id": WHO.user_id, "aal": 2,
                             "factors": ["password", "soft_token"]}  # fmt: skip
        if kind == "asgi":
            assert events[:2] == ["event: waiting", "data: {}"]
            # Approved, or already completed by the finish request that the answer woke.
            assert events[-2] == "event: answered"
            assert events[-1] in {'data: {"state":"approved"}', 'data: {"state":"completed"}'}
        # Idle for 30 minutes (AAL2): the session ends; the person signs in again.
        harness.clock.advance(timedelta(minutes=30))
        assert browser.get("/me").status_code == 401
        browser.close()
        phone.client.close()
