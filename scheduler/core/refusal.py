"""One refusal for every capability: the HTTP status, the field at fault, what is wrong.

The scheduler says no in one way and the API answers it in one way (api/errors.py), so a client
reads every refusal with the same schema: `{"detail": str, "field": str | null, ...extra}`.
The message is a code with parameters (scheduler.core.messages.msg): `detail` is rendered in the
caller's language, `code` and `params` are sent beside it. A plain string is still taken (shown
as written, in every language) for refusals not yet given a code.
"""

from __future__ import annotations

from typing import Any

from scheduler.core.messages import Msg, current, text


class Refusal(Exception):
    """A refused request. `extra` adds named facts to the answer (the numbers of a quota refusal);
    `headers` are sent with it (`Retry-After` on a rate limit, `WWW-Authenticate` on a login)."""

    def __init__(self, status: int, field: str | None, message: str | Msg, extra: dict[str, Any] | None = None, *,
                 headers: dict[str, str] | None = None) -> None:
        self.said = message if isinstance(message, Msg) else None
        english = message.text if isinstance(message, Msg) else message
        super().__init__(f"{field}: {english}" if field else english)
        self.status, self.field, self.message = status, field, english
        self.extra: dict[str, Any] = extra or {}
        self.headers = headers

    def render(self, lang: str | None = None) -> str:
        """The message in `lang` (the current language by default); `message` is the English."""
        return self.said.render(lang) if self.said is not None else self.message

    @property
    def detail(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def detail_in(self, lang: str | None = None) -> str:
        said = self.render(lang)
        if not self.field:
            return said
        return text("refusal.field", {"field": self.field, "message": said}, lang or current())

    def body(self, lang: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"detail": self.detail_in(lang), "field": self.field, **self.extra}
        if self.said is not None:
            out.update(code=self.said.code, params=_plain(self.said.to_json()["params"]))
        return out


def _plain(v: Any) -> Any:
    """Parameters as JSON has them: an exception or an enum member becomes its text."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set)):
        return [_plain(x) for x in v]
    if v is None or isinstance(v, (bool, int, float)) or type(v) is str:
        return v
    return str(v)
