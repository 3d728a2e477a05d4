"""The reference portal in headless Chromium (Debian's /usr/bin/chromium through
Playwright; never ``playwright install``): the portal under uvicorn on a loopback port,
the phone and the wallet reaching it over HTTP only, QR codes read back from the page's
pixels with zbar, axe-core checking every screen, and a screenshot of each screen in
``tests/browser/artifacts/<test>/`` (a failing test saves one of where it stopped)."""

from __future__ import annotations

import re
import shutil
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import uvicorn

from softtoken import Policy, RegistrationSettings
from softtoken.accounts import Officer
from softtoken.authenticator import Device
from softtoken.mail import EmailMessage
from softtoken.testing import FakeClock, Harness, PaoTangWallet, Person, in_memory

from ..helpers.qr import decode_png

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = HERE / "artifacts"
OFFICER_A = Person(user_id="T09000000000001", first_name="เจ้าหน้าที่", last_name="บันทึก",
                   password="records desk passphrase 1", email="records@cgd.example.go.th",
                   citizen_id="3100600123450")  # fmt: skip
OFFICER_B = Person(user_id="T09000000000002", first_name="เจ้าหน้าที่", last_name="ตรวจสอบ",
                   password="reviewer passphrase 22", email="reviewer@cgd.example.go.th",
                   citizen_id="3100600123468")  # fmt: skip
OFFICERS = {
    OFFICER_A.user_id: Officer(officer_id="cgd.records", display_name="CGD records desk"),
    OFFICER_B.user_id: Officer(officer_id="cgd.reviewer", display_name="CGD reviewer"),
}


def _playwright() -> Any:
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed: /usr/bin/chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        pytest.skip(f"chromium tests need playwright (pip install playwright): {error}")
    if not AXE.exists():
        pytest.skip(f"chromium tests need axe-core: (cd {HERE} && npm ci)")
    return sync_playwright


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    # Package scope: Playwright's sync API runs an event loop on this thread while it is
    # open, so it must close before later tests call asyncio.run.
    with _playwright()() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


@attrs.define
class Portal:
    """The portal under test and the handles to its world."""

    url: str
    harness: Harness
    wallet: PaoTangWallet
    clients: list[httpx.Client] = attrs.Factory(list)

    def http(self) -> httpx.Client:
        """A client of the portal (the phone's network), closed after the test."""
        self.clients.append(httpx.Client(base_url=self.url, timeout=15))
        return self.clients[-1]

    @property
    def soft(self) -> Any:
        return self.harness.softtoken

    @property
    def clock(self) -> FakeClock:
        return self.harness.clock

    def mail(self, to: str, template: str, *, after: int = 0) -> EmailMessage:
        """The newest such message to ``to`` (the portal's worker sends the outbox)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = [m for m in self.harness.mailbox.to(to) if m.template == template]
            if len(found) > after:
                return found[-1]
            time.sleep(0.05)
        raise AssertionError(f"no {template} mail to {to}")

    def count(self, to: str, template: str) -> int:
        return len([m for m in self.harness.mailbox.to(to) if m.template == template])

    def account(self, who: Person, **fields: Any) -> None:
        """A password account with ``who.password`` (the first change done)."""
        soft = self.soft
        soft.accounts.create(user_id=who.user_id, first_name=who.first_name,
                             last_name=who.last_name, **fields)  # fmt: skip
        temporary = soft.accounts.issue_temporary_password(who.user_id)
        soft.accounts.change_password(who.user_id, current_password=temporary,
                                      new_password=who.password,
                                      confirm_password=who.password)  # fmt: skip


def _serve(app: Any, sock: socket.socket) -> Iterator[None]:
    config = uvicorn.Config(app, log_level="warning", lifespan="on", ws="none",
                            access_log=False, timeout_graceful_shutdown=1)  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture
def portal() -> Iterator[Portal]:
    _playwright()
    from softtoken_portal import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    clock = FakeClock()
    wallet = PaoTangWallet(clock=clock, callback_url=f"{url}/softtoken/proofing/paotang")
    # No status API: the wallet's answer reaches the portal only through the callback.
    # The deployment offers the app's offline code (a policy choice, off by default).
    harness = in_memory(clock=clock, registration=RegistrationSettings(paotang=wallet.config()),
                        policy=Policy.for_tests(totp_offline_fallback=True))  # fmt: skip
    harness = attrs.evolve(harness, wallet=wallet)
    found = Portal(url=url, harness=harness, wallet=wallet)
    for officer in (OFFICER_A, OFFICER_B):
        found.account(officer)
    app = create_app(harness.softtoken, officers=OFFICERS, secure_cookies=False,
                     deliver_mail_every=0.05)  # fmt: skip
    yield from _with(app, sock, found)


def _with(app: Any, sock: socket.socket, found: Portal) -> Iterator[Portal]:
    for _ in _serve(app, sock):
        yield found
        for client in found.clients:
            client.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


class Screen:
    """One browser tab of one person, at 360 px wide, keeping a screenshot of each screen."""

    def __init__(self, context: Any, folder: Path, who: str) -> None:
        self.context = context
        self.page = context.new_page()
        self.folder = folder
        self.who = who
        self.shots = 0

    def check(self, name: str) -> None:
        """Screenshot, no horizontal scroll at 360 px, no serious axe-core violation."""
        self.shots += 1
        path = self.folder / f"{self.shots:02d}-{self.who}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        width = self.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{name}: horizontal scroll at 360 px ({width})"
        self.page.add_script_tag(path=str(AXE))
        found = self.page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
                .filter(v => ["serious", "critical"].includes(v.impact))
                .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "))"""
        )
        assert found == [], f"{name}: axe-core {found}"
        lang = self.page.evaluate("document.documentElement.lang")
        text = self.page.inner_text("main")
        assert lang == "th", name
        assert re.search("[\u0e00-\u0e7f]", text), f"{name}: no Thai"
        assert re.search("[A-Za-z]", text), f"{name}: no English"

    def qr(self) -> str:
        """The QR code read back from the page's pixels."""
        [payload] = decode_png(self.page.locator("#qr").screenshot())
        return payload

    def fill(self, fields: dict[str, str]) -> None:
        for name, value in fields.items():
            self.page.fill(f"#f-{name}", value)

    def click(self, text: str) -> None:
        self.page.get_by_role("button", name=re.compile(re.escape(text))).first.click()

    def alert(self) -> str:
        return str(self.page.locator("[role=alert]").first.inner_text())

    def error_of(self, field: str) -> str:
        """The message next to a field, which the field names in aria-describedby."""
        described = self.page.get_attribute(f"#f-{field}", "aria-describedby") or ""
        assert f"e-{field}" in described.split(), described
        return str(self.page.inner_text(f"#e-{field}"))


Screens = Callable[[str], Screen]


@pytest.fixture
def screens(chromium: Any, portal: Portal, request: pytest.FixtureRequest) -> Iterator[Any]:
    """``screens("person")``: a new browser (its own cookies) for one person."""
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    opened: list[Screen] = []

    def new(who: str) -> Screen:
        context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="th-TH",
                                       base_url=portal.url)  # fmt: skip
        context.set_default_timeout(15_000)
        opened.append(Screen(context, folder, who))
        return opened[-1]

    yield new
    if request.node.stash.get(_FAILED, False):
        for screen in opened:
            screen.page.screenshot(path=str(folder / f"FAILED-{screen.who}.png"), full_page=True)
        sys.stderr.write(f"\nscreenshots of the failing walk: {folder}\n")
    for screen in opened:
        screen.context.close()


def sign_in(screen: Screen, who: Person, password: str | None = None) -> None:
    screen.page.goto("/login")
    screen.fill({"user_id": who.user_id, "password": password or who.password})
    screen.click("Log in")


def new_phone(portal: Portal, who: Person) -> Device:
    from softtoken.authenticator import KdfParams

    return Device.create(pin=who.pin, confirm_pin=who.pin, kdf=KdfParams.for_tests(),
                         clock=portal.clock)  # fmt: skip


def sign_in_with_phone(
    screen: Screen, who: Person, phone: Any, password: str | None = None
) -> None:
    """Chapter 3 as every later chapter starts: password, the code typed on the phone."""
    sign_in(screen, who, password)
    screen.page.wait_for_url("**/login/wait")
    code = screen.page.inner_text("#code")
    [item] = [i for i in phone.poll() if i["type"] == "login"]
    phone.approve(item, code)
    screen.page.wait_for_url(re.compile(r".*/(home|renewal/notice)$"))
