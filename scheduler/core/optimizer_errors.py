"""The optimizer's refusals (FleetError, JobSetError) in the reader's language.

The optimizer stays language-free: a refused document is one English line, `field: sentence`
(optimizer/fleet.py, jobs.py, psplib.py). The catalogs hold each sentence's template under `input.`,
so the sentence is read back as its message (messages.parse) and rendered in the reader's language,
while the field keeps the name the optimizer gave it. A sentence no template knows is shown as written.
"""

from __future__ import annotations

from scheduler.core.messages import Msg, msg, parse
from scheduler.core.refusal import Refusal

PREFIX = "input."
LISTS = ("allowed", "resources")  # "a, b, c" in the English: a list, joined in the reader's way


def _read(sentence: str) -> Msg | str:
    m = parse(sentence, PREFIX)
    if m is None:
        return sentence
    return Msg(m.code, {k: v.split(", ") if k in LISTS and isinstance(v, str) else v for k, v in m.params.items()})


def split(exc: BaseException) -> tuple[str | None, Msg | str]:
    """(field, what is wrong): the sentence as a message if the catalogs know it, else its English."""
    text = str(exc)
    field, sep, sentence = text.partition(": ")
    if not sep:
        return None, _read(text)
    return field, _read(sentence)


def said(exc: BaseException) -> Msg | str:
    """The whole line, `field: sentence`, as one message (what the command line prints)."""
    field, what = split(exc)
    if not isinstance(what, Msg):
        return str(exc)
    return msg("refusal.field", field=field, message=what) if field else what


def refusal(exc: BaseException, status: int = 422, prefix: str = "") -> Refusal:
    """An API refusal naming the optimizer's field (under `prefix`, e.g. a scenario's `changes.add_hosts`)."""
    field, what = split(exc)
    return Refusal(status, prefix + field if field else (prefix.rstrip(".") or None), what)
