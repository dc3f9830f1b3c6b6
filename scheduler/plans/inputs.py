"""The input a plan is solved on: today's fleet document for its scope, its fingerprint, and site
policy applied (drained hosts take nothing; what a deny entry covers does not move)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlmodel import Session

from policies.explain import covers
from scheduler.core.fleet import fleet_document
from scheduler.core.messages import msg
from scheduler.core.policy import get_policy


def fleet_host(h: dict[str, Any]) -> dict[str, Any]:
    """A host of the fleet document as the fleet has it: without the watts the policy's power model
    gives it (a change of policy, like a change of objective, is no change of the fleet)."""
    return {k: v for k, v in h.items() if k != "power"}


def fingerprint(doc: dict[str, Any]) -> str:
    """What the plan depends on: hosts, placements and failed clouds, not the objective, the policy or the clock."""
    hosts = [fleet_host(h) for h in doc["hosts"]]
    body = json.dumps([hosts, doc["workloads"], doc["failed_clouds"]], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def snapshot(session: Session, plan_scope: str) -> dict[str, Any]:
    return fleet_document(session, scope=None if plan_scope == "all" else plan_scope)


def plan_input(session: Session, scope: str, drain_hosts: list[str] | None) -> tuple[dict[str, Any], str, list[str]]:
    """The fleet document a plan is solved on, its fingerprint, and notes on what site policy held back.

    The optimizer knows the contract's rules; a site's `placement.deny` entries are enforced here: a
    workload a deny entry covers is never moved by a plan (it is pinned where it runs, or held back if
    it waits for a host), so no plan can put it on a denied cloud.
    """
    doc = snapshot(session, scope)
    fp = fingerprint(doc)
    drained = set(drain_hosts or [])
    for h in doc["hosts"]:
        if h["id"] in drained:
            h["schedulable"] = False
    deny = get_policy().placement.deny
    notes: list[str] = []
    if deny:
        kept = []
        for w in doc["workloads"]:
            hits = [d for d in deny if d.department in (None, w["department"]) and d.workload in (None, w["id"])]
            if not hits:
                kept.append(w)
            elif w["host"] is None:
                notes.append(msg("note.plan.held_back", workload=w["id"], deny=covers(hits[0]), reason=hits[0].reason).text)
            else:
                w["pinned"] = True
                kept.append(w)
                notes.append(msg("note.plan.stays", workload=w["id"], host=w["host"], deny=covers(hits[0]),
                                 reason=hits[0].reason).text)
        doc["workloads"] = kept
    return doc, fp, notes
