"""The service's own state: which replica leads, under which epoch, and the replicas alive."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ActorDep, SessionDep
from api.errors import refusals
from api.schemas.system import LeaderOut, ReplicaOut
from scheduler.core import leader
from scheduler.core.access import require

router = APIRouter(prefix="/api/v1/system", tags=["system"])


def leader_out(status: leader.Status) -> LeaderOut:
    return LeaderOut(leader=status.leader, epoch=status.epoch, lease_age_s=status.lease_age_s,
                     lease_s=status.lease_s, transitions=status.transitions,
                     replicas=[ReplicaOut(**r) for r in status.replicas])


@router.get("/leader", response_model=LeaderOut, responses=refusals(403))
def get_leader(session: SessionDep, a: ActorDep) -> LeaderOut:
    """The lease as the database holds it: `leader` is null while nobody leads (a takeover is due)."""
    require(a, "system.read")
    return leader_out(leader.status(session))
