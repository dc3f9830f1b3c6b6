"""The energy of a plan: power before and after it (kW), energy per year (MWh) and its cost (yuan), by
the policy's host power model (policies/power.py).

Before: every host of the fleet document on, loaded by where each system runs now. After: the hosts
of failed clouds are down; a host the plan disables is off; every other host is on, loaded by the
plan's assignments. A host left empty that the plan does not disable is counted idle, still powered:
a plan saves energy only for what it really switches off. `if_empty_hosts_off` says what switching
those off too would save.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from policies.power import HostState, Power, fleet_kw, host_watts, yearly

IDLE_NOTE = "idle, still powered"
DISABLE_KEY = "disable_hosts"  # the plan document's list of hosts it disables (scheduler.plans.freed.KEY)


def disabled_hosts(plan_doc: dict[str, Any]) -> set[str]:
    """Hosts the plan disables: its `disable_hosts` list, which the executor turns into disable-host steps
    after the last move (scheduler.plans.freed); a host merely left empty is not one of them."""
    return {x["host"] for x in plan_doc.get(DISABLE_KEY) or []}


def _vcpu(w: dict[str, Any]) -> float:
    return float((w.get("demand") or {}).get("vcpu", 0))


def host_states(doc: dict[str, Any], placement: dict[str, str | None], models: dict[str, str],
                off: set[str]) -> list[HostState]:
    """Every host of `doc` with the vCPUs `placement` (workload -> host) allots on it, and whether it is on."""
    allotted: dict[str, float] = {}
    by_w = {w["id"]: w for w in doc["workloads"]}
    for wid, host in placement.items():
        if host is not None and wid in by_w:
            allotted[host] = allotted.get(host, 0.0) + _vcpu(by_w[wid])
    return [HostState(h["id"], models.get(h["id"]), float(h["capacity"].get("vcpu", 0)), allotted.get(h["id"], 0.0),
                      h["id"] not in off) for h in doc["hosts"]]


def _figures(power: Power, kw: Fraction, hosts_on: int) -> dict[str, Any]:
    return {**yearly(power, kw), "hosts_on": hosts_on}


def energy(power: Power, before_doc: dict[str, Any], after_doc: dict[str, Any], plan_doc: dict[str, Any],
           models: dict[str, str]) -> dict[str, Any]:
    """Power before and after a plan, per year and in yuan; `before_doc` is the fleet as it runs now,
    `after_doc` the fleet the plan was made for (the same document for a plan; the changed one for a scenario)."""
    before = host_states(before_doc, {w["id"]: w["host"] for w in before_doc["workloads"]}, models, set())
    failed = set(after_doc.get("failed_clouds") or [])
    down = {h["id"] for h in after_doc["hosts"] if h["cloud"] in failed}
    disabled = disabled_hosts(plan_doc) - down
    after = host_states(after_doc, dict(plan_doc.get("assignments") or {}), models, down | disabled)
    occupied = set((plan_doc.get("assignments") or {}).values())
    empty = [h for h in after if h.on and h.id not in occupied]
    kw_before, kw_after = fleet_kw(power, before), fleet_kw(power, after)
    idle_kw = sum((host_watts(power, h) for h in empty), Fraction(0)) / 1000
    held_before = {w["host"] for w in before_doc["workloads"] if w["host"]}
    freed = [h for h in empty if h.id in held_before] + [h for h in after if h.id in disabled and h.id in held_before]
    saving = kw_before - kw_after
    return {
        "before": _figures(power, kw_before, sum(1 for h in before if h.on)),
        "after": _figures(power, kw_after, sum(1 for h in after if h.on)),
        "saving": yearly(power, saving),
        "freed_hosts": len(freed),
        "powered_off": sorted(disabled),
        "down": len(down),
        "empty_hosts_on": len(empty),
        "empty_hosts_state": IDLE_NOTE,
        "if_empty_hosts_off": _figures(power, kw_after - idle_kw, sum(1 for h in after if h.on) - len(empty)),
        "model": {"tariff_yuan_per_kwh": power.tariff_yuan_per_kwh, "hours_per_year": power.hours_per_year},
    }


def of_plan(session: Any, fleet: dict[str, Any], plan_doc: dict[str, Any]) -> dict[str, Any]:
    """A stored plan's energy under the effective policy, with the server models the inventory reports."""
    from sqlmodel import select

    from scheduler.core.models import Host
    from scheduler.core.policy import get_policy

    ids = {h["id"] for h in fleet.get("hosts") or []}
    models = {h.id: h.model for h in session.exec(select(Host)) if h.id in ids}
    return energy(get_policy().power, fleet, fleet, plan_doc, models)
