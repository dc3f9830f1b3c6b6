"""The caller's language for everything the service says in this request.

`?lang=zh-CN|en` wins, else `Accept-Language` (q-values honoured), else Chinese. The choice is set
for the request (scheduler.core.messages), so reasons, explanations and refusals render in it, and
the answer says which it used (`Content-Language`; `Vary: Accept-Language` for caches).
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scheduler.core import messages

QUERY = "lang"  # taken by every route, beside its own parameters


def of_request(request: Request) -> str:
    return messages.negotiate(request.headers.get("accept-language"), request.query_params.get(QUERY))


class Language:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"accept-language"), None)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(QUERY, [None])[0]
        lang = messages.negotiate(accept, query)

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [(b"content-language", lang.encode()),
                                                                 (b"vary", b"Accept-Language")]
            await send(message)

        with messages.speaking(lang):
            await self.app(scope, receive, send_with_language)
