"""Scenarios: create (answered in the background), list, read and compare side by side, each within scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from api.deps import MAX_ID, ActorDep, PageDep, RowId, SessionDep, allow, only_params
from api.errors import refusals
from api.schemas import PageOut
from api.schemas.scenarios import CompareOut, ScenarioCreate, ScenarioOut, ScenarioSummaryOut, ScenarioYamlIn
from api.whatif_cli import parse_text
from scheduler import whatif
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal
from scheduler.whatif.models import Scenario

router = APIRouter(prefix="/api/v1/scenarios", tags=["scenarios"], dependencies=[Depends(allow("scenarios.read"))])
MAX_COMPARED = 4


def summary(s: Scenario) -> ScenarioSummaryOut:
    return ScenarioSummaryOut(id=s.id, name=s.name, scope=s.scope, state=s.state, state_reason=s.state_reason,  # type: ignore[arg-type]
                              state_text=whatif.reason_words(s.state_reason),
                              creator=s.creator, created_at=s.created_at, updated_at=s.updated_at, seconds=s.seconds,
                              headline=whatif.headline(s))


def detail(s: Scenario) -> ScenarioOut:
    result = whatif.in_words(s.result) if s.result is not None else None  # its sentences in the caller's language
    return ScenarioOut(**summary(s).model_dump(), changes=s.changes, drill_clouds=s.drill_clouds, result=result)


@router.post("", responses=refusals(403, 422), response_model=ScenarioOut, status_code=status.HTTP_202_ACCEPTED)
def create(body: ScenarioCreate, session: SessionDep, a: ActorDep) -> ScenarioOut:
    """Stored pending and answered by the leader in the background: poll until `state` is done or failed."""
    s = whatif.create(session, a, body.name, body.scope, body.changes, body.drill_clouds)
    session.commit()
    return detail(s)


@router.post("/yaml", responses=refusals(403, 422), response_model=ScenarioOut, status_code=status.HTTP_202_ACCEPTED)
def create_from_yaml(body: ScenarioYamlIn, session: SessionDep, a: ActorDep) -> ScenarioOut:
    """A scenario written in YAML (read with YAML's safe loader); refused as the JSON form is."""
    try:
        raw = parse_text(body.yaml, "yaml")
    except ValueError as exc:
        said = exc.args[0]  # refusal.field naming the text `yaml`: the field of this refusal
        raise Refusal(422, "yaml", said.params["message"]) from None
    if not isinstance(raw.get("name"), str):
        raise Refusal(422, "name", msg("whatif.non_empty_string"))
    s = whatif.create(session, a, raw["name"], raw.get("scope", "all"), raw.get("changes") or {}, raw.get("drill_clouds"))
    session.commit()
    return detail(s)


@router.get("", responses=refusals(400, 403), response_model=PageOut[ScenarioSummaryOut],
            dependencies=[Depends(only_params("state", "scope"))])
def list_scenarios(session: SessionDep, a: ActorDep, pg: PageDep,
                   state: Annotated[str | None, Query(pattern="^(" + "|".join(whatif.STATES) + ")$")] = None,
                   scope: str | None = None) -> PageOut[ScenarioSummaryOut]:
    total, page = whatif.listing(session, a, state, scope, pg.offset, pg.limit)
    return PageOut(items=[summary(s) for s in page], total=total, limit=pg.limit, offset=pg.offset)


@router.get("/compare", responses=refusals(400, 403, 404, 422), response_model=CompareOut,
            dependencies=[Depends(only_params("ids"))])
def compare(ids: str, session: SessionDep, a: ActorDep) -> CompareOut:
    """Scenarios side by side: `ids=3,5` (two to four)."""
    parts = [p.strip() for p in ids.split(",") if p.strip()]
    if not all(p.isdigit() and 1 <= int(p) <= MAX_ID for p in parts):
        raise Refusal(422, "ids", msg("whatif.ids", got=repr(ids)))
    wanted = list(dict.fromkeys(int(p) for p in parts))
    if not 2 <= len(wanted) <= MAX_COMPARED:
        raise Refusal(422, "ids", msg("whatif.compare_count", most=MAX_COMPARED, got=len(wanted)))
    return CompareOut(**whatif.compare(session, a, wanted))


@router.get("/{scenario_id}", responses=refusals(403, 404), response_model=ScenarioOut)
def get_scenario(scenario_id: RowId, session: SessionDep, a: ActorDep) -> ScenarioOut:
    return detail(whatif.load(session, a, scenario_id))
