"""Error messages: the device HTTP API (``softtoken.web``) and the sign-in entry point.

code -> (Thai, English). Codes are public API: add, never rename.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # HTTP: refused before the library saw the request
    "endpoint_not_found": ("ไม่พบปลายทางที่เรียก", "No such endpoint."),
    "method_not_allowed": (
        "ปลายทางนี้ไม่รองรับวิธีการเรียกนี้",
        "This endpoint does not accept this method.",
    ),
    "request_too_large": ("ข้อมูลที่ส่งมีขนาดใหญ่เกินไป", "The request body is too large."),
    "unsupported_media_type": (
        "ชนิดของข้อมูลที่ส่งไม่ถูกต้อง",
        "The request's content type is not the one this endpoint takes.",
    ),
    "internal_error": (
        "ระบบขัดข้อง กรุณาลองใหม่ภายหลัง",
        "Something went wrong on the server; try again later.",
    ),
    # sign-in
    "sign_in_handle_invalid": (
        "รายการเข้าสู่ระบบไม่ถูกต้องหรือหมดอายุ กรุณาเข้าสู่ระบบใหม่",
        "This sign-in is not valid or has ended; sign in again.",
    ),
    "client_locked": (
        "มีการเข้าสู่ระบบไม่สำเร็จจากเครื่องนี้หลายครั้ง กรุณารอสักครู่แล้วลองใหม่",
        "Too many failed sign-ins from this client; wait a while and try again.",
    ),
    "client_rate_limited": (
        "มีการขอจากเครื่องนี้หลายครั้งเกินไป กรุณารอสักครู่แล้วลองใหม่",
        "Too many requests from this client; wait a while and try again.",
    ),
    "token_key_sign_in_external": (
        "บัญชีนี้เข้าสู่ระบบด้วย Token Key ซึ่งตรวจสอบโดยระบบงาน",
        "This account signs in with a Token Key, which the portal checks itself.",
    ),
}
