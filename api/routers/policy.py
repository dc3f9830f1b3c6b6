"""The effective policy, and "may this workload run on that cloud, and if not, which rule says no"."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlmodel import select

from api.deps import ActorDep, ScopeDep, SessionDep, UserDep, only_params
from api.errors import refusals
from api.routers.workloads import visible_workload
from api.schemas.policy import EligibilityOut, ExplanationOut, PolicyOut, SitePolicyIn, SitePolicyOut
from scheduler.core import messages
from scheduler.core import site_policy as site
from scheduler.core.access import require
from scheduler.core.models import Cloud
from scheduler.core.policy import ExplainError, explainer, get_policy
from scheduler.core.refusal import Refusal

router = APIRouter(prefix="/api/v1/policy", tags=["policy"])


def _in_words(ex: Any) -> dict[str, Any]:
    """An explanation with each verdict, the summary and the rules' names in the caller's language."""
    out = ex.to_dict()
    for check, c in zip(out["checks"], ex.checks):
        check["text"] = messages.text(c.said.code, c.said.params)
        check["rule_name"] = messages.text(f"rule.{c.rule}") if f"rule.{c.rule}" in messages.catalog("en") else c.rule
    s = ex.summary_said
    out["summary_text"] = messages.text(s.code, s.params)
    return out


@router.get("", response_model=PolicyOut)
def effective_policy(_: UserDep) -> dict[str, Any]:
    """The default policy with the site's overrides applied: what the service enforces now."""
    return get_policy().to_dict()


@router.get("/site", response_model=SitePolicyOut, responses=refusals(403))
def site_policy(session: SessionDep, a: ActorDep) -> SitePolicyOut:
    """The site policy's text as it stands (stored, else the file's); the security administrator's."""
    require(a, "policy.edit")
    return SitePolicyOut(yaml=site.current_text(session))


@router.put("/site", response_model=SitePolicyOut, responses=refusals(403, 422))
def replace_site_policy(body: SitePolicyIn, session: SessionDep, a: ActorDep) -> SitePolicyOut:
    """Checked exactly as the policy file is at start-up (422 naming the line and field, nothing stored),
    then stored for every replica and audited with the difference."""
    require(a, "policy.edit")
    site.replace(session, a, body.yaml)
    session.commit()
    return SitePolicyOut(yaml=body.yaml)


@router.get("/explain", responses=refusals(400, 404, 422), response_model=ExplanationOut | EligibilityOut, dependencies=[Depends(only_params("workload", "cloud", "failover"))])
def explain(workload: str, session: SessionDep, scope: ScopeDep, cloud: str | None = None,
            failover: bool = False) -> dict[str, Any]:
    w = visible_workload(session, scope, workload)
    if cloud is not None and session.get(Cloud, cloud) is None:
        raise Refusal(422, "cloud", messages.msg("cloud.unknown", cloud=cloud))
    rules = explainer(session, failover)
    try:
        if cloud is not None:
            return _in_words(rules.explain(w.id, cloud))
        clouds = list(session.exec(select(Cloud.id).order_by(Cloud.id)))
        return {"workload": w.id, "eligible": rules.eligible_clouds(w.id),
                "clouds": [_in_words(rules.explain(w.id, c)) for c in clouds]}
    except ExplainError as exc:
        # policies/ stays language-free: its English sentence read back as a message (catalog `explain.error.`)
        raise Refusal(422, "workload", messages.parse(str(exc), "explain.error.") or str(exc)) from exc
