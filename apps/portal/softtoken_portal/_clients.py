"""The phone and the wallet as a person holds them, speaking to the portal over HTTP
only: the reference authenticator (:class:`softtoken.authenticator.Device`) and the
Pao Tang simulator (:class:`softtoken.testing.PaoTangWallet`). The command line and the
browser tests both use these."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from softtoken.authenticator import Device
from softtoken.testing import WalletApp
from softtoken.web import JOSE

__all__ = ["HttpPhone", "send_assertion"]

DEVICE = "/softtoken/device"


class HttpPhone:
    """The reference device with its network: every message goes over HTTP."""

    def __init__(self, client: httpx.Client, device: Device, pin: str) -> None:
        self.client, self.device, self.pin = client, device, pin

    def _post(self, endpoint: str, message: str) -> httpx.Response:
        response = self.client.post(f"{DEVICE}/{endpoint}", content=message,
                                    headers={"content-type": JOSE})  # fmt: skip
        response.raise_for_status()
        return response

    def activate(self, qr_payload: str) -> str:
        """ "Scan QR code", "Activate": the certificate's serial."""
        answer = self._post("enroll", self.device.enroll(self.device.scan(qr_payload),
                                                         pin=self.pin))  # fmt: skip
        self.device.install(answer.json(), pin=self.pin)
        return self.device.certificate_serial

    def poll(self) -> list[dict[str, Any]]:
        response = self.client.get(f"{DEVICE}/poll",
                                   params={"serial": self.device.certificate_serial})  # fmt: skip
        response.raise_for_status()
        items: list[dict[str, Any]] = response.json()
        return items

    def waiting(self, kind: str) -> dict[str, Any] | None:
        return next((item for item in self.poll() if item.get("type") == kind), None)

    def approve(self, item: Mapping[str, Any], answer: str | None) -> None:
        self._post("answer", self.device.approve(item, answer=answer, pin=self.pin))

    def decline(self, item: Mapping[str, Any]) -> None:
        self._post("answer", self.device.decline(item, pin=self.pin))

    def renew(self, item: Mapping[str, Any]) -> None:
        """ "Update Profile", "Accept"."""
        answer = self._post("renewal", self.device.accept_renewal(item, pin=self.pin))
        self.device.install_renewal(answer.json(), pin=self.pin)


def send_assertion(app: WalletApp, qr_payload: str, *, client: httpx.Client | None = None) -> int:
    """The wallet scans the portal's QR code and posts its signed assertion to the
    callback the QR code names. Returns the HTTP status."""
    token = app.scan(qr_payload, accept_consent=True)
    callback = parse_qs(urlsplit(qr_payload).query)["callback"][0]
    http = client or httpx.Client(timeout=15)
    try:
        return http.post(callback, content=token, headers={"content-type": JOSE}).status_code
    finally:
        if client is None:
            http.close()
