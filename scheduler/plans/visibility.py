"""Which plans an actor may see, as a SQL condition: the list pages in the database, not in Python.

The same rule as `lifecycle.visible_to` for one plan: the plan's own scope, or a scope whose
approval it needs. `required_approvals` is JSON, stored as text on both databases; an approval key
appears there as a quoted JSON string ("city:gy"), and inside any other string its quotes would be
escaped, so matching the quoted key finds exactly the plans that need it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, false, or_, true
from sqlmodel import col

from scheduler.core.access import may
from scheduler.core.accounts import ROLES, Actor
from scheduler.plans.models import Plan


def _quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f'%"{escaped}"%'


def plans_condition(actor: Actor) -> Any:
    if may(actor, "plans.read_all"):
        return true()
    if not may(actor, "plans.read") or actor.scope is None:
        return false()
    key = f"{ROLES.get(actor.role)}:{actor.scope}"
    return or_(col(Plan.scope) == actor.scope,
               cast(col(Plan.required_approvals), String).like(_quoted(key), escape="\\"))
