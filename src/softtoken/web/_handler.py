"""The device HTTP API without I/O: method, path, headers and body in; status, headers
and body out (the shape of h11: the caller owns the socket). The ASGI and WSGI adapters
in this package are thin wrappers; a portal on any other framework calls
:meth:`DeviceApi.handle` itself.

Paths are relative to where the portal mounts the API (``/softtoken`` by default, so
``Config.device_api_url`` is ``https://<host>/softtoken/device`` and the CA's CRL and
OCSP URLs ``https://<host>/softtoken/ca/crl`` and ``.../ca/ocsp``)::

    POST /device/enroll     application/jose   -> 200 JSON enrollment answer
    GET  /device/poll?serial=<hex>             -> 200 JSON list of waiting items
    POST /device/answer     application/jose   -> 200 JSON {"v", "cid", "decision"}
    POST /device/renewal    application/jose   -> 200 JSON renewal answer
    GET  /device/pictures                      -> 200 JSON the pictures, labels and SVG
    GET  /ca/crl                               -> 200 application/pkix-crl
    GET  /ca/ocsp/<base64 of DER, URL-encoded> -> 200 application/ocsp-response
    POST /ca/ocsp           application/ocsp-request -> 200 application/ocsp-response

Size and content type are checked before the body is read (:meth:`DeviceApi.precheck`),
so a refused request costs nothing; every library error becomes one status and a JSON
body (``_errors``).
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

from softtoken.errors import SoftTokenError, ValidationError
from softtoken.protocol._messages import PROTOCOL_VERSION
from softtoken.protocol._pictures import PICTURES
from softtoken.web._errors import HttpRefusal, Response, error_response, json_response

if TYPE_CHECKING:
    from softtoken._facade import SoftToken

__all__ = ["JOSE", "OCSP_REQUEST", "DeviceApi", "Headers", "pictures_document"]

_log = logging.getLogger("softtoken.web")

#: RFC 7515 9.2.1: the media type of a JWS in compact serialization.
JOSE = "application/jose"
#: RFC 6960 appendix A.1 and C.1.
OCSP_REQUEST = "application/ocsp-request"
OCSP_RESPONSE = "application/ocsp-response"
#: RFC 5280 4.2.1.13 / RFC 2585: a DER CRL.
PKIX_CRL = "application/pkix-crl"

Headers = Mapping[str, str] | Iterable[tuple[str, str]]

#: path -> (method -> the content type its body must have, or None for no body)
_ROUTES: dict[str, dict[str, str | None]] = {
    "/device/enroll": {"POST": JOSE},
    "/device/poll": {"GET": None},
    "/device/answer": {"POST": JOSE},
    "/device/renewal": {"POST": JOSE},
    "/device/pictures": {"GET": None},
    "/ca/crl": {"GET": None},
    "/ca/ocsp": {"POST": OCSP_REQUEST},
    "/proofing/paotang": {"POST": JOSE},
}
_OCSP_GET = "/ca/ocsp/"


def _lower(headers: Headers) -> dict[str, str]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {k.lower(): v for k, v in items}


def _media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


class DeviceApi:
    """The device endpoints of ``docs/protocol.md`` over one :class:`SoftToken`.

    Args:
        soft: the facade the endpoints call.
        max_body_bytes: the largest body read; ``policy.device_request_max_bytes`` by
            default.
    """

    def __init__(self, soft: SoftToken, *, max_body_bytes: int | None = None) -> None:
        self.soft = soft
        self.max_body_bytes = max_body_bytes or soft.policy.device_request_max_bytes

    # --- before the body -----------------------------------------------------------

    def _route(self, method: str, path: str) -> str | None:
        """The content type the body must have; raises for an unknown path or method."""
        if path.startswith(_OCSP_GET) and len(path) > len(_OCSP_GET):
            methods: dict[str, str | None] = {"GET": None}
        else:
            found = _ROUTES.get(path)
            if found is None:
                raise HttpRefusal("endpoint_not_found", status=404)
            methods = found
        if method.upper() not in methods:
            raise HttpRefusal("method_not_allowed", status=405, allow=tuple(methods))
        return methods[method.upper()]

    def precheck(
        self, method: str, path: str, headers: Headers, content_length: int | None
    ) -> Response | None:
        """Refuse a request from its head alone (path, method, content type, declared
        length), before its body is read. None: read the body (at most
        :attr:`max_body_bytes`) and call :meth:`handle`."""
        try:
            wanted = self._route(method, path)
        except HttpRefusal as refusal:
            return error_response(refusal)
        if content_length is not None and content_length > self.max_body_bytes:
            return error_response(HttpRefusal("request_too_large", status=413))
        if wanted is not None and _media_type(_lower(headers).get("content-type")) != wanted:
            return error_response(HttpRefusal("unsupported_media_type", status=415))
        return None

    # --- the request -------------------------------------------------------------------

    def handle(
        self, method: str, path: str, *, query: str = "", headers: Headers = (), body: bytes = b""
    ) -> Response:
        """Answer one request. Never raises: every error is a response."""
        refused = self.precheck(method, path, headers, len(body))
        if refused is not None:
            return refused
        try:
            return self._dispatch(method.upper(), path, query, body)
        except SoftTokenError as error:
            return error_response(error)
        except Exception:  # noqa: BLE001 - the last guard: a response, never a trace
            # A bug or an outage the library did not type: logged with its trace here,
            # answered without it (the trace may name internals).
            _log.exception("device API %s %s failed", method, path)
            return error_response(HttpRefusal("internal_error", status=500))

    def _dispatch(self, method: str, path: str, query: str, body: bytes) -> Response:
        soft = self.soft
        if path.startswith(_OCSP_GET):
            return self._ocsp(_ocsp_from_path(path[len(_OCSP_GET) :]))
        routes: dict[tuple[str, str], Callable[[], Response]] = {
            ("POST", "/device/enroll"): lambda: json_response(
                200, soft.activation.enroll(_text(body)).answer
            ),
            ("GET", "/device/poll"): lambda: json_response(
                200, soft.device_poll(_serial_from(query))
            ),
            ("POST", "/device/answer"): lambda: self._answer(body),
            ("POST", "/device/renewal"): lambda: json_response(
                200, soft.renewal.complete(_text(body)).answer
            ),
            ("GET", "/device/pictures"): lambda: json_response(
                200, pictures_document(), cache="max-age=86400"
            ),
            ("GET", "/ca/crl"): lambda: Response(
                status=200,
                headers=(("content-type", PKIX_CRL), ("cache-control", "no-cache")),
                body=soft.ca.crl_der(),
            ),
            ("POST", "/ca/ocsp"): lambda: self._ocsp(body),
            ("POST", "/proofing/paotang"): lambda: self._proofing("paotang", body),
        }
        return routes[method, path]()

    def _answer(self, body: bytes) -> Response:
        answer = self.soft.push_login.respond(_text(body))
        return json_response(
            200, {"v": PROTOCOL_VERSION, "cid": answer.challenge_id, "decision": answer.decision}
        )

    def _proofing(self, provider: str, body: bytes) -> Response:
        """The wallet's callback: its signed assertion completes the proofing it names.
        Nothing of the person goes back, only that it arrived."""
        record = self.soft.proofing.callback(provider, _text(body))
        return json_response(200, {"v": PROTOCOL_VERSION, "status": record.status.value})

    def _ocsp(self, request: bytes) -> Response:
        # RFC 6960: a bad request is answered with an OCSP error status, in a 200.
        return Response(
            status=200,
            headers=(("content-type", OCSP_RESPONSE), ("cache-control", "no-cache")),
            body=self.soft.ca.ocsp_response(request),
        )


def pictures_document() -> dict[str, Any]:
    """Every picture of picture matching as data, so an app in any language draws the
    same one: ID, Thai and English labels, colour, shape and a 100x100 SVG."""
    return {
        "v": PROTOCOL_VERSION,
        "pictures": [
            {"id": p.id, "label": {"th": p.label_th, "en": p.label_en}, "colour": p.colour,
             "shape": p.shape, "svg": p.svg()}
            for p in PICTURES
        ],
    }  # fmt: skip


def _text(body: bytes) -> str:
    """A compact JWS is ASCII; anything else is malformed before any parsing."""
    try:
        return body.decode("ascii").strip()
    except UnicodeDecodeError:
        raise ValidationError("device_message_malformed", field="message") from None


def _serial_from(query: str) -> str:
    values = parse_qs(query, keep_blank_values=True).get("serial", [])
    if len(values) != 1 or not values[0]:
        raise ValidationError("required", field="serial")
    return values[0]


def _ocsp_from_path(encoded: str) -> bytes:
    """RFC 6960 A.1: GET {url}/{url-encoding of base64 of the DER OCSPRequest}. A path
    that is not base64 becomes an empty request, which the responder answers
    ``malformedRequest``."""
    try:
        return base64.b64decode(unquote(encoded), validate=True)
    except (binascii.Error, ValueError):
        return b""
