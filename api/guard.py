"""Input that no handler should ever see: bodies over the size limit (413) and NUL characters (422).

PostgreSQL cannot store a NUL in text and SQLite stores it where nothing else expects it, so a NUL in
the path, the query, a form or a JSON body is refused here, with the field that holds it, before any
route runs. The body limit keeps an unauthenticated client from making the service parse 100 MB.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scheduler.core.settings import get_settings


def _nul_in(value: Any, path: str) -> str | None:
    """The dotted path of the first string (or key) holding a NUL, or None."""
    if isinstance(value, str):
        return path or "body" if "\x00" in value else None
    if isinstance(value, dict):
        for k, v in value.items():
            where = f"{path}.{k}" if path else str(k)
            if "\x00" in str(k):
                return where
            found = _nul_in(v, where)
            if found:
                return found
    if isinstance(value, list):
        for i, v in enumerate(value):
            found = _nul_in(v, f"{path}.{i}" if path else str(i))
            if found:
                return found
    return None


class InputGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope.get("path", "") or "%00" in scope.get("raw_path", b"").decode("latin-1"):
            await _refuse(send, 422, "path", "path: NUL characters are not allowed")
            return
        for key, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
            if "\x00" in key or "\x00" in value:
                await _refuse(send, 422, key.replace("\x00", ""), f"{key.replace(chr(0), '')}: NUL characters are not allowed")
                return
        limit = get_settings().max_body_bytes
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(send, 413, "body", f"body: at most {limit} bytes")
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(send, 413, "body", f"body: at most {limit} bytes")
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        field = _body_nul(body, headers.get(b"content-type", b"").decode("latin-1"))
        if field:
            await _refuse(send, 422, field, f"{field}: NUL characters are not allowed")
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _body_nul(body: bytes, content_type: str) -> str | None:
    if not body:
        return None
    if "application/x-www-form-urlencoded" in content_type:
        for key, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
            if "\x00" in key or "\x00" in value:
                return key.replace("\x00", "") or "body"
        return None
    if b"\x00" in body:
        return "body"
    if b"\\u0000" in body:  # JSON spells a NUL as an escape
        try:
            return _nul_in(json.loads(body), "")
        except ValueError:
            return None  # not JSON: the route's own validation says so
    return None


async def _refuse(send: Send, status: int, field: str, detail: str) -> None:
    payload = json.dumps({"detail": detail, "field": field}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})
