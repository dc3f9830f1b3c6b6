"""Security headers on every answer (等保 入侵防范): no sniffing, no framing, no referrer, a strict
Content-Security-Policy on the console (its own scripts only, nothing loaded from outside), no caching
of API answers, and HSTS once the service is reached over TLS.

The console sets element widths through style attributes, so styles allow inline; scripts never do.
FastAPI's /docs and /redoc load Swagger UI and ReDoc from their CDN and so carry no CSP.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
ALWAYS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
          (b"referrer-policy", b"no-referrer"), (b"cross-origin-opener-policy", b"same-origin"),
          (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()")]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
OPEN_DOCS = ("/docs", "/redoc")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        extra = list(ALWAYS)
        if not path.startswith(OPEN_DOCS):
            extra.append((b"content-security-policy", CSP.encode()))
        if path.startswith("/api/"):
            extra.append((b"cache-control", b"no-store"))
        if scope.get("scheme") == "https":
            extra.append(HSTS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *((k, v) for k, v in extra if k not in have)]
            await send(message)

        await self.app(scope, receive, send_with_headers)
