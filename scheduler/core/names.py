"""Ids as people know them: a cloud or a department by its display name, with the id beside.

Installed into scheduler.core.messages (set_namer) by the API and the command line, so a sentence
that names `gy` reads "贵阳政务云（gy）" in Chinese and "Guiyang Government Cloud (gy)" in English.
Both tables are read whole at most once a minute (names change only with a sync), never per
message: a page of thousands of moves costs dictionary lookups. A failed read keeps the names it
had and is tried again after RETRY_S, not on the next message.
"""

from __future__ import annotations

import threading
import time

from sqlmodel import Session, select

from scheduler.core import messages
from scheduler.core.db import get_engine
from scheduler.core.models import Cloud, Department

TTL_S = 60.0
RETRY_S = 5.0  # after a failed read (no database yet, pool exhausted): ids stay ids until then
_names: dict[str, tuple[str, str]] = {}  # "cloud:gy" -> (name, name_en); replaced whole, never edited
_due = 0.0  # monotonic time of the next read
_reading = threading.Lock()


def _read() -> dict[str, tuple[str, str]]:
    with Session(get_engine()) as session:
        fresh = {f"cloud:{c.id}": (c.name, c.name_en) for c in session.exec(select(Cloud))}
        fresh.update({f"department:{d.id}": (d.name, d.name_en) for d in session.exec(select(Department))})
    return fresh


def _current() -> dict[str, tuple[str, str]]:
    """The names, read again when due by one thread; the others meanwhile use what there is (or, before
    the first read, wait for it)."""
    global _names, _due
    if time.monotonic() < _due or not _reading.acquire(blocking=not _names):
        return _names
    try:
        if time.monotonic() >= _due:
            try:
                _names = _read()
                _due = time.monotonic() + TTL_S
            except Exception:  # noqa: BLE001 (no database yet, or none to spare): try again later
                _due = time.monotonic() + RETRY_S
    finally:
        _reading.release()
    return _names


def name_of(kind: str, id_: str, lang: str | None = None) -> str:
    """The display name alone in `lang` (the request's by default); the id if there is none."""
    lang = lang or messages.current()
    names = _current().get(f"{kind}:{id_}")
    if names is None:  # the service's own accounts (system:data-platform) are named in the catalogs
        return messages.catalog(lang).get(f"value.{kind}.{id_}") or id_
    zh, en = names
    return (zh if lang == "zh-CN" else en) or id_


def display(kind: str, id_: str, lang: str) -> str:
    if kind == "scope":  # a scope: a cloud or a department ("province" and "all" are in the catalogs)
        shown = display("cloud", id_, lang)
        return shown if shown != id_ else display("department", id_, lang)
    name = name_of(kind, id_, lang)
    if name == id_:
        return id_
    return f"{name}（{id_}）" if lang == "zh-CN" else f"{name} ({id_})"


def install() -> None:
    messages.set_namer(display)


def forget() -> None:
    """Tests that swap databases: read the names again."""
    global _names, _due
    _names, _due = {}, 0.0
