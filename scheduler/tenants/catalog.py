"""The public data catalog (公共数据目录"一本账"): entries, their changes and the ten-working-day rule.

Every write checks the actor's authority and every input field before anything is stored, so a
refused request changes nothing; every change is an audit event. The compliance scan is what the
catalog tenant's daily data-zone job runs.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from scheduler.core import audit
from scheduler.core.access import may
from scheduler.core.accounts import Actor
from scheduler.core.db import as_utc, utcnow
from scheduler.core.messages import msg
from scheduler.core.models import Department
from scheduler.core.refusal import Refusal
from scheduler.core.visibility import department_ids
from scheduler.tenants import sensitivity, workdays
from scheduler.tenants.models import CatalogChange, CatalogEntry, CatalogObjection, ComplianceScan

REFLECT_WITHIN_WORKDAYS = 10
CATEGORIES = ("base", "theme", "department")
GRADES = ("general", "important", "core")
FREQUENCIES = ("realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular")
SHARE = ("unconditional", "conditional", "none")
OPEN = ("open", "conditional", "closed")
FIELD_TYPES = ("string", "integer", "decimal", "date", "datetime", "boolean", "binary")
SENSITIVITY = sensitivity.LEVELS
LICENCES = ("CC-BY-4.0", "CC0-1.0", "ODC-BY-1.0")  # the terms an opened data set is offered under
DATA_FORMATS = ("csv", "json", "xlsx", "xml")  # the file format its records are offered in
EDITABLE = ("name", "description", "system", "fields", "category", "grade", "update_frequency", "share_attribute",
            "share_condition", "open_attribute", "return_flow", "licence", "data_format")
FIELD_KEYS = ("name", "type", "description", "sensitivity")
_FIELD_NAME = re.compile(r"^[A-Za-z_\u4e00-\u9fff][A-Za-z0-9_\u4e00-\u9fff]{0,63}$")




# --- who may do what --------------------------------------------------------------------------------


def departments_of(session: Session, actor: Actor) -> set[str] | None:
    """The departments an actor speaks for (None: the data authority speaks for all)."""
    if may(actor, "catalog.maintain_any"):
        return None
    if may(actor, "catalog.maintain_own"):
        return department_ids(session, actor.scope_obj()) or set()
    return set()


def may_maintain(session: Session, actor: Actor, department: str) -> bool:
    """Owner's department admin or the data authority: create, edit, report changes, publish."""
    mine = departments_of(session, actor)
    return mine is None or department in mine


def require_maintainer(session: Session, actor: Actor, department: str, what: str) -> None:
    """`what` names the action: a `catalog.action.*` message (add, edit, report, publish, unpublish)."""
    if not may_maintain(session, actor, department):
        raise Refusal(403, "owner_department", msg("catalog.not_maintainer", role=actor.role, username=actor.username,
                                                   action=msg(f"catalog.action.{what}"), department=department))


# --- reading and validating input -------------------------------------------------------------------


def _text(body: dict[str, Any], key: str, required: bool, limit: int, default: str = "") -> str:
    v = body.get(key, None)
    if v is None:
        if required:
            raise Refusal(422, key, msg("invalid.required"))
        return default
    if not isinstance(v, str):
        raise Refusal(422, key, msg("catalog.not_text", got=type(v).__name__))
    v = v.strip()
    if required and not v:
        raise Refusal(422, key, msg("invalid.empty"))
    if len(v) > limit:
        raise Refusal(422, key, msg("invalid.length_at_most", hi=limit, n=len(v)))
    return v


def _choice(body: dict[str, Any], key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
    v = body.get(key)
    if v is None and default is not None:
        return default
    if v is None:
        raise Refusal(422, key, msg("catalog.required_one_of", allowed=list(allowed)))
    if v not in allowed:
        raise Refusal(422, key, msg("invalid.not_allowed", got=repr(v), allowed=list(allowed)))
    return str(v)


def _fields(raw: Any) -> list[dict[str, str]]:
    """The fields, each with its sensitivity: as given, or the level its name suggests."""
    if not isinstance(raw, list) or not raw:
        raise Refusal(422, "fields", msg("catalog.fields_required"))
    out, seen = [], set()
    for i, f in enumerate(raw):
        where = f"fields[{i}]"
        if not isinstance(f, dict):
            raise Refusal(422, where, msg("catalog.field_not_object"))
        unknown = set(f) - set(FIELD_KEYS)
        if unknown:
            raise Refusal(422, f"{where}.{sorted(unknown)[0]}", msg("catalog.unknown_key", allowed=list(FIELD_KEYS)))
        name = f.get("name")
        if not isinstance(name, str) or not _FIELD_NAME.match(name):
            raise Refusal(422, f"{where}.name", msg("catalog.field_name", got=repr(name)))
        if name in seen:
            raise Refusal(422, f"{where}.name", msg("catalog.given_twice", got=repr(name)))
        seen.add(name)
        if f.get("type") not in FIELD_TYPES:
            raise Refusal(422, f"{where}.type", msg("invalid.not_allowed", got=repr(f.get("type")), allowed=list(FIELD_TYPES)))
        desc = f.get("description", "")
        if not isinstance(desc, str) or len(desc) > 500:
            raise Refusal(422, f"{where}.description", msg("catalog.text_at_most", hi=500))
        level = f.get("sensitivity")
        if level is None:
            level = sensitivity.detect(name)
        elif level not in SENSITIVITY:
            raise Refusal(422, f"{where}.sensitivity", msg("invalid.not_allowed", got=repr(level), allowed=list(SENSITIVITY)))
        out.append({"name": name, "type": f["type"], "description": desc, "sensitivity": level})
    return out


def _attributes(values: dict[str, Any]) -> dict[str, Any]:
    """Check every attribute and the rules between them; return the clean values."""
    out: dict[str, Any] = {
        "name": _text(values, "name", True, 200),
        "description": _text(values, "description", False, 4000),
        "system": _text(values, "system", True, 200),
        "fields": _fields(values.get("fields")),
        "category": _choice(values, "category", CATEGORIES),
        "grade": _choice(values, "grade", GRADES),
        "update_frequency": _choice(values, "update_frequency", FREQUENCIES),
        "share_attribute": _choice(values, "share_attribute", SHARE),
        "share_condition": _text(values, "share_condition", False, 1000),
        "open_attribute": _choice(values, "open_attribute", OPEN),
        "licence": _choice(values, "licence", LICENCES, LICENCES[0]),
        "data_format": _choice(values, "data_format", DATA_FORMATS, DATA_FORMATS[0]),
    }
    rf = values.get("return_flow", False)
    if not isinstance(rf, bool):
        raise Refusal(422, "return_flow", msg("invalid.bool", got=repr(rf)))
    out["return_flow"] = rf
    if out["share_attribute"] != "unconditional" and not out["share_condition"]:
        raise Refusal(422, "share_condition", msg("catalog.share_condition_required", share=out["share_attribute"]))
    if out["grade"] == "core" and out["share_attribute"] == "unconditional":
        raise Refusal(422, "share_attribute", msg("catalog.core_not_shared"))
    if out["grade"] == "core" and out["open_attribute"] != "closed":
        raise Refusal(422, "open_attribute", msg("catalog.core_not_opened"))
    sensitivity.refuse_unconditional_opening(out["fields"], out["open_attribute"], 422, msg("sensitivity.the_data_set"))
    return out


def _department(session: Session, raw: Any, field: str = "owner_department") -> Department:
    if raw is None or raw == "":
        raise Refusal(422, field, msg("catalog.owner_required"))
    if not isinstance(raw, str):
        raise Refusal(422, field, msg("catalog.not_department_id", got=type(raw).__name__))
    dept = session.get(Department, raw)
    if dept is None:
        raise Refusal(422, field, msg("department.unknown", department=raw))
    return dept


# --- entries ------------------------------------------------------------------------------------------


def _next_code(session: Session, dept: str) -> str:
    n = session.exec(select(func.count()).select_from(CatalogEntry)).one() + 1
    while session.exec(select(CatalogEntry.id).where(CatalogEntry.code == f"GZ-{dept}-{n:05d}")).first():
        n += 1
    return f"GZ-{dept}-{n:05d}"


def create(session: Session, actor: Actor, body: Any) -> CatalogEntry:
    if not isinstance(body, dict):
        raise Refusal(422, None, msg("catalog.body_entry"))
    unknown = set(body) - set(EDITABLE) - {"owner_department"}
    if unknown:
        raise Refusal(422, sorted(unknown)[0], msg("invalid.unknown_field_allowed", allowed=["owner_department", *EDITABLE]))
    dept = _department(session, body.get("owner_department"))
    require_maintainer(session, actor, dept.id, "add")
    values = _attributes(body)
    code = _next_code(session, dept.id)
    entry = CatalogEntry(code=code, owner_department_id=dept.id, search_text=search_text(code, values), **values)
    session.add(entry)
    session.flush()
    audit.record(session, actor.username, "catalog.create", "catalog_entry", str(entry.id), None,
                 {"code": entry.code, **values, "owner_department": dept.id})
    return entry


def search_text(code: str, values: dict[str, Any]) -> str:
    words = [code, values["name"], values.get("description", ""), values["system"],
             *(f["name"] for f in values["fields"])]
    return " ".join(w for w in words if w).lower()


def get(session: Session, entry_id: int) -> CatalogEntry:
    entry = session.get(CatalogEntry, entry_id)
    if entry is None:
        raise Refusal(404, "entry_id", msg("catalog.no_entry", entry=entry_id))
    return entry


def update(session: Session, actor: Actor, entry_id: int, body: Any) -> CatalogEntry:
    """Change attributes (compare-and-set on `version`); the update reflects every pending change."""
    entry = get(session, entry_id)
    require_maintainer(session, actor, entry.owner_department_id, "edit")
    if not isinstance(body, dict):
        raise Refusal(422, None, msg("catalog.body_object"))
    unknown = set(body) - set(EDITABLE) - {"version", "state"}
    if unknown:
        raise Refusal(422, sorted(unknown)[0], msg("catalog.unknown_or_read_only", editable=[*EDITABLE, "state"]))
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise Refusal(422, "version", msg("catalog.version_required"))
    before = {k: getattr(entry, k) for k in (*EDITABLE, "state")}
    values = _attributes({**before, **{k: v for k, v in body.items() if k in EDITABLE}})
    state = body.get("state", entry.state)
    if state not in ("active", "retired"):
        raise Refusal(422, "state", msg("invalid.not_allowed", got=repr(state), allowed=["active", "retired"]))
    if entry.published_at is not None and values["open_attribute"] == "closed":
        raise Refusal(409, "open_attribute", msg("catalog.published_not_closed", entry=entry.code))
    if version != entry.version:
        raise Refusal(409, "version", msg("catalog.version_conflict", entry=entry.code, version=entry.version, sent=version))
    changed = {k: v for k, v in {**values, "state": state}.items() if before[k] != v}
    now = utcnow()
    reflected = [c for c in session.exec(select(CatalogChange).where(CatalogChange.entry_id == entry.id,
                                                                     col(CatalogChange.reflected_at).is_(None)))]
    for k, v in changed.items():
        setattr(entry, k, v)
    entry.search_text = search_text(entry.code, values)
    for c in reflected:
        c.reflected_at = now
        session.add(c)
    entry.version += 1
    entry.updated_at = now
    session.add(entry)
    audit.record(session, actor.username, "catalog.update", "catalog_entry", str(entry.id),
                 {k: before[k] for k in changed}, {**changed, "reflects_changes": [c.id for c in reflected]})
    return entry


def search(session: Session, q: str | None = None, department: str | None = None, category: str | None = None,
           share: str | None = None, open_: str | None = None, state: str | None = None,
           published_only: bool = False) -> Any:
    """A select of entries matching the filters (words of name, description, code, system, field names)."""
    stmt = select(CatalogEntry)
    for key, value, allowed in (("category", category, CATEGORIES), ("share", share, SHARE), ("open", open_, OPEN),
                                ("state", state, ("active", "retired"))):
        if value is not None and value not in allowed:
            raise Refusal(422, key, msg("invalid.not_allowed", got=repr(value), allowed=list(allowed)))
    if department:
        stmt = stmt.where(CatalogEntry.owner_department_id == department)
    if category:
        stmt = stmt.where(CatalogEntry.category == category)
    if share:
        stmt = stmt.where(CatalogEntry.share_attribute == share)
    if open_:
        stmt = stmt.where(CatalogEntry.open_attribute == open_)
    if state:
        stmt = stmt.where(CatalogEntry.state == state)
    if published_only:
        stmt = stmt.where(col(CatalogEntry.published_at).is_not(None), CatalogEntry.state == "active")
    if q:
        if len(q) > 200:
            raise Refusal(422, "q", msg("catalog.at_most", hi=200))
        for word in q.split():
            like = f"%{word.lower()}%"
            stmt = stmt.where(or_(col(CatalogEntry.search_text).like(like),
                                  col(CatalogEntry.owner_department_id).in_(
                                      select(Department.id).where(or_(col(Department.name).contains(word),
                                                                      func.lower(Department.name_en).like(like))))))
    return stmt.order_by(CatalogEntry.id)


# --- changes and the ten-working-day rule -------------------------------------------------------------


def change_state(c: CatalogChange, today: date) -> str:
    if c.reflected_at is not None:
        return "reflected"
    return "overdue" if today > c.due_on else "pending"


def report_change(session: Session, actor: Actor, entry_id: int, body: Any, today: date | None = None) -> CatalogChange:
    entry = get(session, entry_id)
    require_maintainer(session, actor, entry.owner_department_id, "report")
    if not isinstance(body, dict):
        raise Refusal(422, None, msg("catalog.body_change"))
    raw = body.get("changed_on")
    if not isinstance(raw, str):
        raise Refusal(422, "changed_on", msg("catalog.changed_on_required"))
    try:
        changed_on = date.fromisoformat(raw)
    except ValueError as exc:
        raise Refusal(422, "changed_on", msg("catalog.not_a_date", got=repr(raw))) from exc
    today = today or local_today()
    if changed_on > today:
        raise Refusal(422, "changed_on", msg("catalog.in_the_future", day=changed_on.isoformat(), today=today.isoformat()))
    summary = _text(body, "summary", True, 1000)
    change = CatalogChange(entry_id=entry.id, changed_on=changed_on, summary=summary,  # type: ignore[arg-type]
                           due_on=workdays.add_workdays(changed_on, REFLECT_WITHIN_WORKDAYS), reported_by=actor.username)
    session.add(change)
    session.flush()
    audit.record(session, actor.username, "catalog.change", "catalog_entry", str(entry.id), None,
                 {"change": change.id, "changed_on": changed_on.isoformat(), "due_on": change.due_on.isoformat(),
                  "summary": summary})
    return change


def local_today() -> date:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def scan(session: Session, actor: str, today: date | None = None) -> ComplianceScan:
    """Mark every unreflected change past its due day overdue; record the scan and what it found."""
    today = today or local_today()
    open_changes = session.exec(select(CatalogChange).where(col(CatalogChange.reflected_at).is_(None))).all()
    entries = {e.id: e for e in session.exec(select(CatalogEntry).where(
        col(CatalogEntry.id).in_({c.entry_id for c in open_changes})))}
    by_dept: dict[str, int] = {}
    newly = 0
    for c in open_changes:
        if today > c.due_on:
            if not c.overdue:
                c.overdue = True
                newly += 1
                session.add(c)
            dept = entries[c.entry_id].owner_department_id
            by_dept[dept] = by_dept.get(dept, 0) + 1
    row = ComplianceScan(today=today, overdue=sum(by_dept.values()), newly_overdue=newly, by_department=by_dept,
                         actor=actor)
    session.add(row)
    session.flush()
    audit.record(session, actor, "catalog.compliance_scan", "compliance_scan", str(row.id), None,
                 {"today": today.isoformat(), "overdue": row.overdue, "newly_overdue": newly, "by_department": by_dept})
    return row


def compliance(session: Session, actor: Actor, today: date | None = None) -> dict[str, Any]:
    """Pending and overdue changes per department, within what the actor may see."""
    if not may(actor, "catalog.compliance"):
        raise Refusal(403, "role", msg("catalog.no_compliance_access", role=actor.role))
    today = today or local_today()
    mine = None if may(actor, "catalog.read_all") else departments_of(session, actor)
    rows = session.exec(select(CatalogChange, CatalogEntry).join(CatalogEntry, CatalogEntry.id == CatalogChange.entry_id)
                        .where(col(CatalogChange.reflected_at).is_(None)).order_by(CatalogChange.due_on)).all()
    names = {d.id: d.name for d in session.exec(select(Department))}
    depts: dict[str, dict[str, Any]] = {}
    for c, e in rows:
        if mine is not None and e.owner_department_id not in mine:
            continue
        d = depts.setdefault(e.owner_department_id, {"department": e.owner_department_id,
                                                     "name": names.get(e.owner_department_id, ""), "pending": 0,
                                                     "overdue": 0, "items": []})
        state = change_state(c, today)
        d[state] += 1
        d["items"].append({"entry_id": e.id, "code": e.code, "name": e.name, "change_id": c.id,
                           "changed_on": c.changed_on, "due_on": c.due_on, "state": state,
                           "working_days_late": workdays.workdays_between(c.due_on, today) if state == "overdue" else 0})
    last = session.exec(select(ComplianceScan).order_by(col(ComplianceScan.id).desc())).first()
    dates = [today] + [c.due_on for c, _ in rows]
    return {"today": today, "rule": f"a change is reflected within {REFLECT_WITHIN_WORKDAYS} working days",
            "calendar": workdays.basis(*dates),
            "last_scan": None if last is None else {"at": as_utc(last.at), "overdue": last.overdue},
            "departments": sorted(depts.values(), key=lambda d: (-d["overdue"], -d["pending"], d["department"]))}


# --- how entries, changes and objections look in answers ------------------------------------------------


def change_out(c: CatalogChange, today: date | None = None) -> dict[str, Any]:
    today = today or local_today()
    late = c.overdue or (c.reflected_at is not None and c.reflected_at.date() > c.due_on)
    return {"id": c.id, "entry_id": c.entry_id, "changed_on": c.changed_on, "summary": c.summary, "due_on": c.due_on,
            "reflected_at": as_utc(c.reflected_at), "state": change_state(c, today), "late": late, "reported_by": c.reported_by}


def entry_out(session: Session, e: CatalogEntry, counts: dict[int, tuple[int, int]] | None = None,
              names: dict[str, str] | None = None) -> dict[str, Any]:
    if counts is None:
        counts = change_counts(session, [e.id])  # type: ignore[list-item]
    if names is None:
        d = session.get(Department, e.owner_department_id)
        names = {e.owner_department_id: d.name if d else ""}
    pending, overdue = counts.get(e.id or 0, (0, 0))
    return {"id": e.id, "code": e.code, "name": e.name, "description": e.description,
            "owner_department": e.owner_department_id, "owner_department_name": names.get(e.owner_department_id, ""),
            "system": e.system, "fields": fields_out(e.fields), "category": e.category, "grade": e.grade,
            "update_frequency": e.update_frequency, "share_attribute": e.share_attribute,
            "share_condition": e.share_condition, "open_attribute": e.open_attribute, "return_flow": e.return_flow,
            "licence": e.licence, "data_format": e.data_format,
            "state": e.state, "published": e.published_at is not None, "published_at": as_utc(e.published_at),
            "version": e.version, "created_at": as_utc(e.created_at), "updated_at": as_utc(e.updated_at),
            "pending_changes": pending, "overdue_changes": overdue}


def fields_out(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored fields as answers give them: each with its sensitivity (detected for one stored without)."""
    return [{**f, "sensitivity": sensitivity.level(f)} for f in fields or []]


def change_counts(session: Session, entry_ids: list[int], today: date | None = None) -> dict[int, tuple[int, int]]:
    """(pending, overdue) unreflected changes per entry."""
    today = today or local_today()
    out: dict[int, tuple[int, int]] = {}
    if not entry_ids:
        return out
    for c in session.exec(select(CatalogChange).where(col(CatalogChange.entry_id).in_(entry_ids),
                                                      col(CatalogChange.reflected_at).is_(None))):
        p, o = out.get(c.entry_id, (0, 0))
        out[c.entry_id] = (p, o + 1) if today > c.due_on else (p + 1, o)
    return out


def objection_out(o: CatalogObjection, e: CatalogEntry | None) -> dict[str, Any]:
    return {"id": o.id, "entry_id": o.entry_id, "entry_code": e.code if e else None, "entry_name": e.name if e else None,
            "source": o.source, "raised_by": o.raised_by, "field": o.field, "text": o.text, "state": o.state,
            "answer": o.answer, "answered_by": o.answered_by, "answered_at": as_utc(o.answered_at),
            "resolution": o.resolution, "note": o.note, "closed_by": o.closed_by, "closed_at": as_utc(o.closed_at),
            "created_at": as_utc(o.created_at)}
