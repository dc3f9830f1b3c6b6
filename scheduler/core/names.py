"""Ids as people know them: a cloud or a department by its display name, with the id beside.

Installed into scheduler.core.messages (set_namer) by the API and the command line, so a sentence
that names `gy` reads "贵阳政务云（gy）" in Chinese and "Guiyang Government Cloud (gy)" in English.
Read from the tables at most once a minute (names change only with a sync).
"""

from __future__ import annotations

import time

from sqlmodel import Session, select

from scheduler.core import messages
from scheduler.core.db import get_engine
from scheduler.core.models import Cloud, Department

TTL_S = 60.0
_cache: dict[str, tuple[str, str]] = {}
_loaded_at = -TTL_S


def _load() -> None:
    global _loaded_at
    with Session(get_engine()) as session:
        fresh = {f"cloud:{c.id}": (c.name, c.name_en) for c in session.exec(select(Cloud))}
        fresh.update({f"department:{d.id}": (d.name, d.name_en) for d in session.exec(select(Department))})
    _cache.clear()
    _cache.update(fresh)
    _loaded_at = time.monotonic()


def name_of(kind: str, id_: str, lang: str | None = None) -> str:
    """The display name alone in `lang` (the request's by default); the id if there is none."""
    if time.monotonic() - _loaded_at > TTL_S:
        try:
            _load()
        except Exception:  # no database (yet): ids stay ids
            return id_
    names = _cache.get(f"{kind}:{id_}")
    if names is None:  # the service's own accounts (system:data-platform) are named in the catalogs
        said = messages.catalog(lang or messages.current()).get(f"value.{kind}.{id_}")
        return said or id_
    zh, en = names
    return (zh if (lang or messages.current()) == "zh-CN" else en) or id_


def display(kind: str, id_: str, lang: str) -> str | None:
    name = name_of(kind, id_, lang)
    if name == id_:
        return id_
    return f"{name}（{id_}）" if lang == "zh-CN" else f"{name} ({id_})"


def install() -> None:
    messages.set_namer(display)


def forget() -> None:
    """Tests that swap databases: read the names again."""
    global _loaded_at
    _loaded_at = -TTL_S
