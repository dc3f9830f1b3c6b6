"""The hosts a plan frees, and the steps that switch them off for new work after the last move.

A consolidation empties hosts "so they can power down"; left schedulable, the cloud's own scheduler
fills them again the next hour. So a plan that empties a host disables it as its last step (an
OpenStack compute service disabled with the reason, a Kubernetes node cordoned), and a rollback
enables it again before it moves anything back.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from scheduler.core.models import Host
from scheduler.plans.models import PlanAction

KEY = "disable_hosts"  # the plan document's extra key (outside the optimizer contract)


def freed_hosts(fleet: dict[str, Any], plan_doc: dict[str, Any]) -> list[str]:
    """Hosts that run something before the plan and nothing after it (on clouds that have not failed).

    A workload the plan lists unplaced is not removed by the executor: its host still runs it."""
    failed = set(fleet.get("failed_clouds") or [])
    cloud = {h["id"]: h["cloud"] for h in fleet["hosts"]}
    now = {w["id"]: w["host"] for w in fleet["workloads"] if w.get("host") in cloud}
    stays = {now[u["workload"]] for u in plan_doc["unplaced"] if u["workload"] in now}
    after = set(plan_doc["assignments"].values()) | stays
    return sorted(h for h in set(now.values()) - after if cloud[h] not in failed)


def disable_steps(plan_id: int, fleet: dict[str, Any], plan_doc: dict[str, Any]) -> list[dict[str, str]]:
    """What the plan document lists under `disable_hosts`: each freed host and why it is disabled."""
    return [{"host": h, "reason": f"Qianyun plan {plan_id}: emptied by the plan; disabled for new work "
                                  "until it is powered down or needed again"}
            for h in freed_hosts(fleet, plan_doc)]


def add_disable_actions(session: Session, plan_id: int, plan_doc: dict[str, Any], first_step: int) -> None:
    """Append a disable-host step for every listed host. One that is not schedulable now (disabled by
    someone else, or gone) is written as skipped, so a rollback never enables what it did not disable."""
    for i, item in enumerate(plan_doc.get(KEY) or []):
        host = session.get(Host, item["host"])
        skip = host is None or not host.schedulable
        session.add(PlanAction(plan_id=plan_id, phase="forward", step=first_step + i, kind="disable-host",
                               workload_id="", from_host=None, to_host=item["host"], reason=item["reason"],
                               state="skipped" if skip else "pending",
                               error="already disabled before the plan ran: left as it was" if skip else ""))
