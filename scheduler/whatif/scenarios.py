"""Scenarios stored and scoped like plans: created pending, evaluated in the background on the leader,
read, listed and compared side by side. A scenario never acts: it reads today's fleet and the
optimizer answers on a changed copy of it.

A scenario's evaluation may take the optimizer's whole time limit on a large fleet, so a request
never waits for it: `create` stores the question and the leader's runner (scheduler.core.background)
answers it once the request has committed; the loop's watchdog resumes one a restart interrupted.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy import ColumnElement, false, func, true, update
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from scheduler.core import access, audit, messages
from scheduler.core.access import authorize, may
from scheduler.core.accounts import Actor
from scheduler.core.background import Runner, after_commit
from scheduler.core.db import session_scope, utcnow
from scheduler.core.models import Cloud
from scheduler.core.policy import get_policy
from scheduler.core.messages import Msg, msg
from scheduler.core.refusal import Refusal
from scheduler.plans.inputs import plan_input
from scheduler.whatif import changes as changes_mod
from scheduler.whatif import evaluate
from scheduler.whatif.models import Scenario

log = logging.getLogger(__name__)
STATES = ("pending", "done", "failed")
MAX_NAME = 200


def may_create(actor: Actor, scope: str) -> bool:
    return authorize(actor, "scenarios.create", scope).allowed


def visible_to(s: Scenario, actor: Actor) -> bool:
    """A province-wide reader sees every scenario; a city or industry operator those of its own cloud."""
    if may(actor, "scenarios.read_all"):
        return True
    return may(actor, "scenarios.read") and s.scope == actor.scope


def load(session: Session, actor: Actor, scenario_id: int, field: str = "scenario_id") -> Scenario:
    s = session.get(Scenario, scenario_id)
    if s is None or not visible_to(s, actor):
        raise Refusal(404, field, msg("whatif.no_scenario", scenario=scenario_id))  # out of scope is as if it did not exist
    return s


def _drill_clouds(session: Session, raw: Any, scope: str, lost: tuple[str, ...]) -> list[str]:
    """The clouds the scenario's tabletop drill fails: those given, else the clouds it loses."""
    if raw is None:
        return list(lost)
    if not isinstance(raw, list):
        raise Refusal(422, "drill_clouds", msg("whatif.cloud_ids"))
    clouds = {c.id: c for c in session.exec(select(Cloud))}
    out: list[str] = []
    for i, cid in enumerate(raw):
        where = f"drill_clouds[{i}]"
        if not isinstance(cid, str) or cid not in clouds:
            raise Refusal(422, where, msg("whatif.unknown_cloud", got=repr(cid), known=sorted(clouds)))
        if clouds[cid].kind == "backup":
            raise Refusal(422, where, msg("whatif.backup_not_drilled", cloud=cid))
        if scope != "all":
            raise Refusal(422, where, msg("whatif.drill_needs_all"))
        if cid not in out:
            out.append(cid)
    return out


def check(session: Session, actor: Actor, name: Any, scope: Any, raw_changes: Any,
          drill_clouds: Any = None) -> tuple[str, str, changes_mod.Changes, list[str]]:
    """Everything a scenario is made of, checked; a refusal names the field and nothing is stored."""
    if not isinstance(name, str) or not name.strip():
        raise Refusal(422, "name", msg("whatif.non_empty_string"))
    if len(name) > MAX_NAME:
        raise Refusal(422, "name", msg("invalid.length_at_most", hi=MAX_NAME, n=len(name)))
    if not isinstance(scope, str) or (scope != "all" and session.get(Cloud, scope) is None):
        raise Refusal(422, "scope", msg("whatif.scope", got=repr(scope)))
    decision = authorize(actor, "scenarios.create", scope)
    if not decision.allowed:
        raise access.refusal(actor, "scenarios.create", scope, decision)
    parsed = changes_mod.parse(session, raw_changes, scope, get_policy())
    return name.strip(), scope, parsed, _drill_clouds(session, drill_clouds, scope, parsed.lose_clouds)


def create(session: Session, actor: Actor, name: Any, scope: Any, raw_changes: Any, drill_clouds: Any = None,
           background: bool = True) -> Scenario:
    """Store a scenario, pending; with `background` the leader's runner answers it once this commits."""
    name, scope, parsed, drill = check(session, actor, name, scope, raw_changes, drill_clouds)
    s = Scenario(name=name, scope=scope, changes=parsed.to_json(), drill_clouds=drill, creator=actor.username)
    session.add(s)
    session.flush()
    audit.record(session, actor.username, "scenario.created", "scenario", str(s.id), None,
                 {"name": name, "scope": scope, "changes": s.changes, "drill_clouds": drill})
    if background:
        after_commit(session, RUNNER, s.id)  # type: ignore[arg-type]
    return s


def evaluate_in(session: Session, s: Scenario) -> dict[str, Any]:
    """The scenario's answer on today's fleet (read now, not when it was created)."""
    policy = get_policy()
    parsed = changes_mod.parse(session, _as_raw(s.changes), s.scope, policy)
    base, _fp, notes = plan_input(session, s.scope, None)
    ch = changes_mod.apply(session, base, parsed, policy)
    result = evaluate.answer(session, base, ch, s.scope, list(s.drill_clouds or []))
    result["policy_notes"] = notes
    return result


def _as_raw(stored: dict[str, Any]) -> dict[str, Any]:
    """The stored changes as `parse` reads them (empty parts left out)."""
    return {k: v for k, v in (stored or {}).items() if v not in (None, [], {})}


REFUSALS = ("whatif.", "invalid.", "input.", "department.")  # what evaluating a scenario may refuse with


def _refusal(english: str) -> Msg | None:
    for prefix in REFUSALS:
        m = messages.parse(english, prefix)
        if m is not None and not m.code.startswith(("whatif.failed.", "whatif.cli.", "whatif.drill_note.")):
            return m
    return None


def failure(reason: str) -> Msg | None:
    """A failed scenario's stored English reason back as its message (None if no template made it):
    the fleet changed under it (a refusal, with its field) or the evaluation broke."""
    m = messages.parse(reason, "whatif.failed.")
    if m is not None and isinstance(m.params.get("refusal"), str):
        inner = _refusal(m.params["refusal"])
        if inner is not None:
            return Msg(m.code, {**m.params, "refusal": inner})
        return m
    return m or _refusal(reason)


def reason_words(reason: str, lang: str | None = None) -> str:
    """A scenario's state reason in `lang` (as stored if no template made it)."""
    m = failure(reason) if reason else None
    return m.render(lang) if m is not None else reason


def drill_note_words(note: str | None, lang: str | None = None) -> str | None:
    """Why a scenario has no drill, in `lang`."""
    return messages.words(note, "whatif.drill_note.", lang) if note else note


def in_words(result: dict[str, Any], lang: str | None = None) -> dict[str, Any]:
    """A stored answer with its sentences rendered in `lang`: each applied change as {"code", "params",
    "text"}, the policy notes and why there is no drill (stored in English) as words."""
    out = {**result, "applied": [m.said(lang) if (m := messages.of(x)) is not None else {"text": str(x)}
                                 for x in result.get("applied") or []],
           "policy_notes": [messages.words(n, "note.plan.", lang) for n in result.get("policy_notes") or []]}
    if result.get("drill_note"):
        out["drill_note_text"] = drill_note_words(result["drill_note"], lang)
    return out


def _finish(session: Session, s: Scenario, state: str, reason: str, result: dict[str, Any] | None,
            seconds: float) -> bool:
    """Compare-and-set from pending: of two runners, one writes the answer."""
    done = session.execute(update(Scenario).where(col(Scenario.id) == s.id, col(Scenario.version) == s.version,
                                                  col(Scenario.state) == "pending")
                           .values(state=state, state_reason=reason, result=result, seconds=round(seconds, 3),
                                   version=s.version + 1, updated_at=utcnow()))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return False
    audit.record(session, "system:whatif", f"scenario.{state}", "scenario", str(s.id), {"state": "pending"},
                 {"state": state, "reason": reason, "seconds": round(seconds, 3)})
    return True


def run(scenario_id: int) -> str:
    """Answer one pending scenario (the runner's work; also what the command line calls in-process)."""
    t0 = time.monotonic()
    with session_scope(background=True) as session:
        s = session.get(Scenario, scenario_id)
        if s is None or s.state != "pending":
            return s.state if s is not None else "gone"
        try:
            result = evaluate_in(session, s)
        except Refusal as exc:  # the fleet changed under it (a cloud or host type gone): the reason, not a trace
            session.rollback()
            s = session.get(Scenario, scenario_id)
            assert s is not None
            why = msg("whatif.failed.refused", field=exc.field, refusal=exc.said or exc.message) if exc.field else exc.said
            _finish(session, s, "failed", why.text if why is not None else exc.message, None, time.monotonic() - t0)
            return "failed"
        except Exception as exc:
            log.exception("scenario %s failed", scenario_id)
            session.rollback()
            s = session.get(Scenario, scenario_id)
            assert s is not None
            _finish(session, s, "failed", msg("whatif.failed.error", error=f"{type(exc).__name__}: {exc}").text, None,
                    time.monotonic() - t0)
            return "failed"
        _finish(session, s, "done", "", result, time.monotonic() - t0)
        return "done"


RUNNER = Runner("scenario", run)


def resume_all() -> list[int]:
    """Pending scenarios a restart (or a follower) left: the leader answers them."""
    with session_scope(background=True) as session:
        ids = [s.id for s in session.exec(select(Scenario).where(Scenario.state == "pending"))]
    return RUNNER.resume(i for i in ids if i is not None)


def _visible_condition(actor: Actor) -> ColumnElement[bool]:
    """`visible_to` as a query's condition, so a list reads and counts only the caller's scenarios."""
    if may(actor, "scenarios.read_all"):
        return true()
    if may(actor, "scenarios.read") and actor.scope is not None:
        return col(Scenario.scope) == actor.scope
    return false()


def listing(session: Session, actor: Actor, state: str | None = None, scope: str | None = None,
            offset: int = 0, limit: int | None = None) -> tuple[int, list[Scenario]]:
    """The caller's scenarios, newest first: how many in all, and the page asked for."""
    q = select(Scenario).where(_visible_condition(actor))
    if state is not None:
        q = q.where(Scenario.state == state)
    if scope is not None:
        q = q.where(Scenario.scope == scope)
    total = session.exec(select(func.count()).select_from(q.subquery())).one()
    page = session.exec(q.options(defer(Scenario.changes), defer(Scenario.drill_clouds))  # type: ignore[arg-type]
                        .order_by(col(Scenario.id).desc()).offset(offset).limit(limit)).all()
    return total, list(page)


def headline(s: Scenario) -> dict[str, Any] | None:
    """The few numbers a list and a comparison show: fits, hosts, quota short, drill."""
    r = s.result
    if not r:
        return None
    d = r.get("drill")
    return {"systems": r["fits"]["systems"], "unplaced": r["fits"]["unplaced"],
            "new_systems_unplaced": r["fits"]["new_systems"]["unplaced"],
            "active_hosts": r["hosts"]["total"]["active"], "bound_hosts": r["hosts"]["total"]["bound"],
            "clouds_short": [q["cloud"] for q in r["quota"] if any(v > 0 for v in q["short"].values())],
            "priority1_within_rto": None if d is None else d["priority1"]["within_rto"],
            "priority1_systems": None if d is None else d["priority1"]["systems"],
            "kw_before": r["energy"]["before"]["kw"] if r.get("energy") else None,
            "kw_after": r["energy"]["after"]["kw"] if r.get("energy") else None}


def compare(session: Session, actor: Actor, ids: list[int]) -> dict[str, Any]:
    """Two (or more) scenarios side by side: their headlines, then per cloud hosts and quota headroom."""
    rows = [load(session, actor, i, "ids") for i in ids]
    clouds: dict[str, dict[str, Any]] = {}
    for s in rows:
        r = s.result or {}
        for h in (r.get("hosts") or {}).get("clouds", []):
            clouds.setdefault(h["cloud"], {"cloud": h["cloud"], "scenarios": {}})["scenarios"].setdefault(str(s.id), {}).update(
                {"live": h["live"], "active": h["active"], "bound": h["bound"], "lost": h["lost"]})
        for q in r.get("quota") or []:
            clouds.setdefault(q["cloud"], {"cloud": q["cloud"], "scenarios": {}})["scenarios"].setdefault(str(s.id), {}).update(
                {"grantable": q["grantable"], "short": q["short"]})
    return {"scenarios": [{"id": s.id, "name": s.name, "scope": s.scope, "state": s.state,
                           "state_reason": s.state_reason, "state_text": reason_words(s.state_reason),
                           "headline": headline(s)} for s in rows],
            "clouds": [clouds[c] for c in sorted(clouds)]}
