"""Open data: publishing catalog entries whose open attribute allows it, and counting against the targets.

The public side (listing, one data set, the statistics) needs no login, so it shows only what an
entry publishes: never the share condition, the grade or anything of an entry not published.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from scheduler.core import audit
from scheduler.core.accounts import Actor
from scheduler.core.db import as_utc, utcnow
from scheduler.core.messages import msg
from scheduler.core.models import Department
from scheduler.core.refusal import Refusal
from scheduler.tenants import sensitivity
from scheduler.tenants.catalog import fields_out, get, require_maintainer
from scheduler.tenants.models import CatalogEntry

# The province's targets for data sets open to society (at least this many by the deadline).
TARGETS: tuple[tuple[int, int, date], ...] = ((2024, 20000, date(2024, 12, 31)), (2025, 25000, date(2025, 12, 31)))
PUBLISHABLE = ("open", "conditional")
LICENCE_URLS = {"CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
                "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
                "ODC-BY-1.0": "https://opendatacommons.org/licenses/by/1-0/"}


def _entry_id(body: Any) -> int:
    if not isinstance(body, dict) or not isinstance(body.get("entry_id"), int) or isinstance(body.get("entry_id"), bool):
        raise Refusal(422, "entry_id", msg("catalog.entry_id_required"))
    return int(body["entry_id"])


def publish(session: Session, actor: Actor, body: Any) -> CatalogEntry:
    entry = get(session, _entry_id(body))
    require_maintainer(session, actor, entry.owner_department_id, "publish")
    if entry.open_attribute not in PUBLISHABLE:
        raise Refusal(409, "entry_id", msg("opendata.not_openable", entry=entry.code, open=entry.open_attribute))
    if entry.state != "active":
        raise Refusal(409, "entry_id", msg("catalog.retired", entry=entry.code))
    # an entry written before fields had a sensitivity may still say "open" over personal information
    sensitivity.refuse_unconditional_opening(entry.fields, entry.open_attribute, 409, msg("sensitivity.the_entry", entry=entry.code))
    if entry.published_at is not None:
        return entry  # already published: publishing again changes nothing
    entry.published_at = utcnow()
    entry.version += 1
    session.add(entry)
    audit.record(session, actor.username, "opendata.publish", "catalog_entry", str(entry.id), {"published": False},
                 {"published": True, "code": entry.code, "open_attribute": entry.open_attribute})
    return entry


def unpublish(session: Session, actor: Actor, body: Any) -> CatalogEntry:
    entry = get(session, _entry_id(body))
    require_maintainer(session, actor, entry.owner_department_id, "unpublish")
    if entry.published_at is None:
        return entry
    entry.published_at = None
    entry.version += 1
    session.add(entry)
    audit.record(session, actor.username, "opendata.unpublish", "catalog_entry", str(entry.id), {"published": True},
                 {"published": False, "code": entry.code})
    return entry


def dataset_out(e: CatalogEntry, names: dict[str, str]) -> dict[str, Any]:
    """A published data set as the public reads it. Qianyun keeps the catalog, not the records (they stay
    in the owner's system), so `download` is the data dictionary (the fields, as CSV) and `api` this data
    set's own address; the records' format and licence are the owner's declaration."""
    base = f"/api/v1/opendata/datasets/{e.code}"
    return {"code": e.code, "name": e.name, "description": e.description, "department": e.owner_department_id,
            "department_name": names.get(e.owner_department_id, ""), "category": e.category,
            "update_frequency": e.update_frequency, "fields": fields_out(e.fields), "open_attribute": e.open_attribute,
            "data_format": e.data_format, "licence": e.licence, "licence_url": LICENCE_URLS.get(e.licence),
            "api": base, "download": f"{base}/fields.csv", "published_at": as_utc(e.published_at)}


def dictionary_csv(session: Session, code: str) -> str:
    """The published data set's fields as CSV (name, type, description, sensitivity), UTF-8 with a BOM for
    spreadsheets; a description a spreadsheet would read as a formula is quoted."""
    import csv
    import io

    d = dataset(session, code)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["name", "type", "description", "sensitivity"])
    for f in d["fields"]:
        desc = f.get("description", "")
        w.writerow([f["name"], f["type"], "'" + desc if desc[:1] in ("=", "+", "-", "@") else desc, f["sensitivity"]])
    return "\ufeff" + buf.getvalue()


def dataset(session: Session, code: str) -> dict[str, Any]:
    e = session.exec(select(CatalogEntry).where(CatalogEntry.code == code)).first()
    if e is None or e.published_at is None or e.state != "active":
        raise Refusal(404, "code", msg("opendata.no_dataset", dataset=repr(code)))
    d = session.get(Department, e.owner_department_id)
    return dataset_out(e, {e.owner_department_id: d.name if d else ""})


def stats(session: Session, today: date | None = None) -> dict[str, Any]:
    published = session.exec(select(func.count()).select_from(CatalogEntry).where(
        col(CatalogEntry.published_at).is_not(None), CatalogEntry.state == "active")).one()
    return {"published": published,
            "targets": [{"year": y, "target": t, "deadline": d, "met": published >= t, "short": max(0, t - published)}
                        for y, t, d in TARGETS]}
