"""Plan kinds behind one interface: what a kind accepts, what the solver sees, how many moves it may
make by default, and how it is solved.

`propose` dispatches on these instead of branching on the kind's name; the disaster-recovery
capability adds its own kinds (failover, failback, in scheduler.dr.kinds) behind the same
interface, so a drill's plans are built the way an operator's are.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlmodel import Session

import optimizer
from scheduler.core.models import Host
from scheduler.core.policy import get_policy
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal
from scheduler.core.registry import get_adapters
from scheduler.core.settings import get_settings
from scheduler.plans.inputs import plan_input


@dataclass(frozen=True)
class PlanRequest:
    """What was asked for; each kind reads the parts it needs."""

    scope: str = "all"
    objective: str = "consolidate"
    max_migrations: int | None = None
    hosts: list[str] | None = None  # a drain's hosts
    clouds: list[str] = field(default_factory=list)  # the failed clouds of a failover or failback
    failover_plan_id: int | None = None  # the failover a failback undoes (None: every executed one)
    time_limit_s: float | None = None
    minimise: str | None = None  # consolidate: "hosts" or "power"; None takes the policy's power.minimise


class PlanKind(ABC):
    name: ClassVar[str]

    def validate(self, session: Session, req: PlanRequest) -> None:
        """Refuse a request this kind cannot take (the common fields are checked by `propose`)."""
        if req.hosts:
            raise Refusal(422, "hosts", msg("plan.only_drain_takes_hosts", name=self.name))

    def solver_input(self, session: Session, req: PlanRequest) -> tuple[dict[str, Any], str, list[str]]:
        """The fleet document the plan is solved on, its fingerprint, and notes on what policy held back."""
        return plan_input(session, req.scope, None)

    def default_max_migrations(self, doc: dict[str, Any], req: PlanRequest) -> int | None:
        return req.max_migrations

    @abstractmethod
    def solve(self, session: Session, doc: dict[str, Any], req: PlanRequest) -> dict[str, Any]:
        """The plan document (the optimizer contract's plan format) for this input."""


class _Optimized(PlanKind):
    """Solved by the optimizer under the request's objective and migration budget."""

    def solve(self, session: Session, doc: dict[str, Any], req: PlanRequest) -> dict[str, Any]:
        limit = req.time_limit_s or get_settings().plan_time_limit_s
        doc["objective"] = {"mode": req.objective, "max_migrations": req.max_migrations, "time_limit_s": limit}
        policy = get_policy()
        if req.objective == "consolidate" and (req.minimise or policy.power.minimise) == "power":
            doc["objective"]["minimise"] = "power"  # the contract's optional field; the hosts carry their watts
        target = policy.placement.fill_targets()
        if target:  # the contract's optional field: no host the plan moves workloads to ends above it
            doc["objective"]["fill_target"] = target
        return optimizer.optimize(optimizer.parse_fleet(doc, get_adapters().isolated_clouds())).to_document()


class Rebalance(_Optimized):
    name = "rebalance"


class Drain(_Optimized):
    """Empty the given hosts: they take nothing, and by default only what runs on them moves."""

    name = "drain"

    def validate(self, session: Session, req: PlanRequest) -> None:
        if not req.hosts:
            raise Refusal(422, "hosts", msg("plan.drain_needs_hosts_drain"))
        for h in req.hosts:
            host = session.get(Host, h)
            if host is None:
                raise Refusal(422, "hosts", msg("plan.unknown_host", h=h))
            if req.scope != "all" and host.cloud_id != req.scope:
                raise Refusal(422, "hosts", msg("plan.host_outside_plan_s", h=h, cloud_id=host.cloud_id, scope=req.scope))

    def solver_input(self, session: Session, req: PlanRequest) -> tuple[dict[str, Any], str, list[str]]:
        return plan_input(session, req.scope, req.hosts)

    def default_max_migrations(self, doc: dict[str, Any], req: PlanRequest) -> int | None:
        if req.max_migrations is not None:
            return req.max_migrations
        drained = set(req.hosts or [])  # move what must move, not the rest of the cloud
        return sum(1 for w in doc["workloads"] if w["host"] in drained)


class PlacePending(_Optimized):
    """Place what waits for a host; nothing running moves."""

    name = "place-pending"

    def default_max_migrations(self, doc: dict[str, Any], req: PlanRequest) -> int | None:
        return 0


PROPOSABLE: dict[str, PlanKind] = {k.name: k for k in (Rebalance(), Drain(), PlacePending())}
