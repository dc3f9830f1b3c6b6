"""Recovery arithmetic for drills: restart order, predicted recovery times and the capacity check.

Pure functions of a fleet document, a plan document and the DR policy, so a tabletop drill, a live
drill and the benchmark all predict with the same model. The prediction replays the executor's own
batching (moves in plan order; consecutive moves that share no host run together, at most
the per-cloud limits of scheduler.batching, the next batch starts when the slowest of a batch ends), because a
recovery time the executor cannot achieve is no prediction at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import optimizer
from policies.model import Execution, RestartModel
from scheduler.plans.batching import Batch

SEQUENCE_WINDOW = 512  # how far ahead the sequencer looks for a move that can run alongside


@dataclass(frozen=True)
class Timing:
    """When one move of a plan starts and ends, in minutes from the start of its execution."""

    step: int
    start: float
    finish: float


def host_clouds(fleet: dict[str, Any]) -> dict[str, str]:
    return {h["id"]: h["cloud"] for h in fleet["hosts"]}


def protected_of_failed(fleet: dict[str, Any], failed: set[str]) -> list[dict[str, Any]]:
    """The workloads a failover owes a restart: DR-protected and running on a failed cloud."""
    hc = host_clouds(fleet)
    return [w for w in fleet["workloads"]
            if w["host"] is not None and hc.get(w["host"]) in failed and (w.get("dr") or {}).get("protected")]


def _urgency(w: dict[str, Any], minutes: float) -> tuple[int, int, float]:
    dr = w.get("dr") or {}
    return int(dr.get("priority") or 3), int(dr.get("rto_minutes") or 240), minutes


def _batches(moves: list[dict[str, Any]], cloud_of: dict[str, str], dead: set[str],
             limits: Execution) -> list[list[dict[str, Any]]]:
    """The executor's batches for moves in this order (the same scheduler.batching rule)."""
    out: list[list[dict[str, Any]]] = []
    batch: list[dict[str, Any]] = []
    state = Batch(cloud_of, dead, limits)
    for m in moves:
        if not state.admits(m["from"], m["to"]):
            out.append(batch)
            batch, state = [], Batch(cloud_of, dead, limits)
        batch.append(m)
        state.add(m["from"], m["to"])
    if batch:
        out.append(batch)
    return out


def timeline(fleet: dict[str, Any], plan: dict[str, Any], model: RestartModel, limits: Execution) -> dict[str, Timing]:
    """Per workload moved, when its (last) move starts and ends under the executor's concurrency."""
    demand = {w["id"]: w["demand"] for w in fleet["workloads"]}
    t = 0.0
    out: dict[str, Timing] = {}
    for batch in _batches(plan["moves"], host_clouds(fleet), set(fleet.get("failed_clouds") or []), limits):
        longest = 0.0
        for m in batch:
            d = model.minutes(demand.get(m["workload"], {}))
            out[m["workload"]] = Timing(m["step"], t, t + d)
            longest = max(longest, d)
        t += longest
    return out


def sequence_for_recovery(fleet: dict[str, Any], plan: dict[str, Any], model: RestartModel,
                          limits: Execution) -> dict[str, Any]:
    """The same plan with its restarts ordered for recovery: most urgent first, run side by side.

    The optimizer orders moves by workload id; an emergency wants priority 1 first, the tightest RTO
    first within a priority, and the shortest restart first among equals (more systems back sooner).
    Consecutive restarts onto one host would run one at a time, so the sequencer fills each batch
    with the next urgent moves that share no host. Moves of live workloads keep their order and go
    first (they may make the room a restart needs); new placements go last. Restarts only add load
    to hosts that hold them in the plan's final state, so every order of them stays within capacity.
    """
    hc = host_clouds(fleet)
    failed = set(fleet.get("failed_clouds") or [])
    by_id = {w["id"]: w for w in fleet["workloads"]}
    live, restarts, new = [], [], []
    for m in plan["moves"]:
        if m["from"] is None:
            new.append(m)
        elif hc.get(m["from"]) in failed:
            restarts.append(m)
        else:
            live.append(m)
    restarts.sort(key=lambda m: _urgency(by_id[m["workload"]], model.minutes(by_id[m["workload"]]["demand"])))
    ordered: list[dict[str, Any]] = []
    pending = restarts
    minutes = {m["workload"]: model.minutes(by_id[m["workload"]]["demand"]) for m in restarts}
    while pending:
        batch: list[dict[str, Any]] = []
        state = Batch(hc, failed, limits)
        rest: list[dict[str, Any]] = []
        head = _urgency(by_id[pending[0]["workload"]], 0)[0]
        longest = 0.0
        for i, m in enumerate(pending):
            # A move from further down joins only if it is as urgent as the head or does not make the
            # batch (which ends with its slowest move) any longer: it never delays a more urgent one.
            joins = (i < SEQUENCE_WINDOW and state.admits(m["from"], m["to"])
                     and (not batch or _urgency(by_id[m["workload"]], 0)[0] == head or minutes[m["workload"]] <= longest))
            if joins:
                batch.append(m)
                state.add(m["from"], m["to"])
                longest = max(longest, minutes[m["workload"]])
            else:
                rest.append(m)
        ordered.extend(batch)
        pending = rest
    moves = [{**m, "step": i} for i, m in enumerate([*live, *ordered, *new], 1)]
    return {**plan, "moves": moves}


def predictions(fleet: dict[str, Any], plan: dict[str, Any], model: RestartModel, limits: Execution) -> list[dict[str, Any]]:
    """Per protected workload of a failed cloud: where it restarts, when it is back, within its RTO or not."""
    failed = set(fleet.get("failed_clouds") or [])
    hc = host_clouds(fleet)
    times = timeline(fleet, plan, model, limits)
    unplaced = {u["workload"]: u["reason"] for u in plan["unplaced"]}
    out = []
    for w in protected_of_failed(fleet, failed):
        dr = w["dr"]
        to = plan["assignments"].get(w["id"])
        t = times.get(w["id"])
        predicted = round(t.finish, 2) if t else None
        out.append({"workload": w["id"], "cloud": hc[w["host"]], "priority": int(dr.get("priority") or 3),
                    "rto_minutes": int(dr.get("rto_minutes") or 240), "from_host": w["host"],
                    "to_host": to, "to_cloud": hc.get(to) if to else None, "step": t.step if t else None,
                    "restart_minutes": round(model.minutes(w["demand"]), 2), "predicted_minutes": predicted,
                    "within_rto": predicted is not None and predicted <= int(dr.get("rto_minutes") or 240),
                    "unplaced_reason": "" if to else unplaced.get(w["id"], "not in the plan")})
    return out


def capacity_check(fleet: dict[str, Any], plan: dict[str, Any], reserve_share: float) -> dict[str, Any]:
    """Does the backup node plus the eligible clouds hold every protected workload, and is the reserve kept?"""
    failed = set(fleet.get("failed_clouds") or [])
    owed = protected_of_failed(fleet, failed)
    missing = [w["id"] for w in owed if w["id"] not in plan["assignments"]]
    backup = {c["id"] for c in fleet["clouds"] if c["kind"] == "backup"}
    hosts = [h for h in fleet["hosts"] if h["cloud"] in backup]
    ids = {h["id"] for h in hosts}
    resources = list(fleet["resources"])
    cap = {r: sum(float(h["capacity"].get(r, 0)) for h in hosts) for r in resources}
    before = {r: 0.0 for r in resources}
    after = {r: 0.0 for r in resources}
    for w in fleet["workloads"]:
        if w["host"] in ids:
            for r in resources:
                before[r] += float(w["demand"].get(r, 0))
        if plan["assignments"].get(w["id"]) in ids:
            for r in resources:
                after[r] += float(w["demand"].get(r, 0))
    share = {r: round(after[r] / cap[r], 4) for r in resources if cap[r] > 0}
    worst = max(share.values(), default=0.0)
    restarted_to: dict[str, int] = {}
    hc = host_clouds(fleet)
    for w in owed:
        to = plan["assignments"].get(w["id"])
        if to:
            restarted_to[hc[to]] = restarted_to.get(hc[to], 0) + 1
    return {
        "protected": len(owed), "placed": len(owed) - len(missing), "unplaced": len(missing), "holds": not missing,
        "restarted_to": dict(sorted(restarted_to.items())),
        "backup": {"clouds": sorted(backup), "hosts": len(hosts), "capacity": cap,
                   "used_before": {r: round(v, 2) for r, v in before.items()},
                   "used_after": {r: round(v, 2) for r, v in after.items()}, "share_after": share,
                   "reserve_share": reserve_share, "reserve_kept": worst <= 1.0 - reserve_share + 1e-9},
    }


def summarise(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Recovered within RTO by priority, from per-workload rows and the minutes in `key`."""
    out = []
    for p in sorted({r["priority"] for r in rows}):
        mine = [r for r in rows if r["priority"] == p]
        back = [r for r in mine if r.get(key) is not None]
        within = [r for r in back if r[key] <= r["rto_minutes"]]
        times = sorted(r[key] for r in back)
        out.append({"priority": p, "systems": len(mine), "recovered": len(back), "within_rto": len(within),
                    "share_within_rto": round(len(within) / len(mine), 4) if mine else 0.0,
                    "median_minutes": round(times[len(times) // 2], 2) if times else None,
                    "max_minutes": round(times[-1], 2) if times else None})
    return out


def plan_failover(fleet: dict[str, Any], failed: list[str], model: RestartModel, limits: Execution,
                  time_limit_s: float, isolated: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The optimizer's failover plan for `failed`, its restarts sequenced for recovery.

    Workloads waiting for a first placement are left out (`fleet` is changed in place): a failover
    restarts what ran on the failed clouds and nothing else; the waiting ones keep waiting for a
    place-pending plan. The sequenced order is checked like any plan (`optimizer.check_plan`); should
    it ever break a rule, the optimizer's own order is kept.
    """
    fleet["workloads"] = [w for w in fleet["workloads"] if w["host"] is not None]
    fleet["failed_clouds"] = sorted(set(fleet.get("failed_clouds") or []) | set(failed))
    raw = optimizer.failover(optimizer.parse_fleet(fleet, isolated), failed, time_limit_s=time_limit_s).to_document()
    ordered = sequence_for_recovery(fleet, raw, model, limits)
    return ordered if not optimizer.check_plan(fleet, ordered, isolated) else raw
