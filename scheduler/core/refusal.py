"""One refusal for every capability: the HTTP status, the field at fault, what is wrong.

The scheduler says no in one way and the API answers it in one way (api/errors.py), so a client
reads every refusal with the same schema: `{"detail": str, "field": str | null, ...extra}`.
"""

from __future__ import annotations

from typing import Any


class Refusal(Exception):
    """A refused request. `extra` adds named facts to the answer (the numbers of a quota refusal);
    `headers` are sent with it (`Retry-After` on a rate limit, `WWW-Authenticate` on a login)."""

    def __init__(self, status: int, field: str | None, message: str, extra: dict[str, Any] | None = None, *,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.status, self.field, self.message = status, field, message
        self.extra: dict[str, Any] = extra or {}
        self.headers = headers

    @property
    def detail(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail, "field": self.field, **self.extra}
