"""Data-zone job sets as the API takes and sends them: the contract's job-set document plus where and
when it runs; the schedule is the contract's schedule document."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_serializer

from api.schemas.common import Amount, In, UtcDatetime, Whole


class JobIn(In):
    id: str = Field(min_length=1)
    duration: Whole = Field(description="schedule minutes")
    demand: dict[str, Amount] = Field(default_factory=dict, description="resource -> amount, within `resources`")
    after: list[str] = Field(default_factory=list, description="the ids of the jobs that must end first")
    release: Whole = 0
    deadline: Whole | None = None
    due: Whole | None = None
    weight: Whole = 1


class JobResources(In):
    vcpu: Amount | None = None
    memory_gib: Amount | None = None
    gpu: Amount | None = None
    storage_gib: Amount | None = None


class JobSetCreate(In):
    """The contract's job-set JSON plus `cloud` (id or list) and `recurrence` (cron, Asia/Shanghai, or null)."""

    cloud: str | list[str] = Field(description="a cloud id, or a list of them (the first is where it is planned)")
    recurrence: str | None = Field(None, description="a cron expression (5 fields, Asia/Shanghai); null: once")
    name: str | None = None
    department: str | None = None
    horizon: Whole | None = None
    resources: JobResources
    jobs: list[JobIn]
    objective: Literal["makespan", "tardiness"] | None = None
    time_limit_s: Amount | None = None


class ScheduleOut(BaseModel):
    """The contract's schedule document (starts in schedule minutes)."""

    starts: dict[str, int]
    makespan: int
    status: str
    lower_bound: int
    tardiness: int | None = Field(None, description="only when the objective is tardiness")

    @model_serializer(mode="wrap")
    def _as_contract(self, handler: Any):  # type: ignore[no-untyped-def]  # no return type: the schema stays the model's
        out = handler(self)
        if out.get("tardiness") is None:
            out.pop("tardiness", None)  # the contract's document has no tardiness under makespan
        return out


class RunOut(BaseModel):
    id: int
    anchor: UtcDatetime
    state: str
    makespan: int | None
    replans: int


class JobSetOut(BaseModel):
    id: int
    name: str
    name_text: str = ""  # the name in the caller's language, for the job sets the service made itself
    department_name: str | None = None  # the department's display name in the caller's language
    cloud: str
    clouds: list[str] | None
    department: str | None
    recurrence: str | None
    objective: str
    owner: str
    active: bool
    jobs: int
    created_at: UtcDatetime
    run: RunOut | None


class JobSetCreatedOut(JobSetOut):
    schedule: ScheduleOut


class MoveOfStartOut(BaseModel):
    from_: UtcDatetime = Field(alias="from")
    to: UtcDatetime

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


class ReplanOut(BaseModel):
    at: UtcDatetime
    reason: str
    changed: dict[str, MoveOfStartOut]
    from_minute: int
    deadlines_relaxed: bool
    makespan: int
    status: str


class ForecastOut(BaseModel):
    slot: int = Field(description="minutes per level")
    levels: dict[str, list[float]]


class JobStateOut(BaseModel):
    id: str
    state: str
    cloud: str | None
    duration_min: int
    planned_start: UtcDatetime | None
    first_planned_start: UtcDatetime | None
    actual_start: UtcDatetime | None
    finished_at: UtcDatetime | None
    attempts: int
    error: str | None


class JobSetDetailOut(JobSetOut):
    document: dict[str, Any] = Field(description="the contract's job-set document as stored")
    schedule: ScheduleOut | None = None
    forecast: ForecastOut | None = None
    replans: list[ReplanOut] = Field(default_factory=list)
    minute_s: float | None = Field(None, description="wall-clock seconds per schedule minute")
    job_states: list[JobStateOut] = Field(default_factory=list)
