"""Scenarios: a what-if question (today's fleet plus changes) and the optimizer's answer on it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.schemas.common import In, UtcDatetime


class ScenarioCreate(In):
    """`changes` is checked by the service against today's fleet (docs/whatif.md): any of add_hosts,
    retire_hosts, lose_clouds, lose_hosts, grow_departments, grow_clouds, quota_requests, new_systems,
    policy. A refusal names the field (`changes.add_hosts[0].type`) and nothing is stored."""

    name: str = Field(min_length=1, max_length=200)
    scope: str = "all"
    changes: dict[str, Any] = Field(default_factory=dict)
    drill_clouds: list[str] | None = None


class ScenarioYamlIn(In):
    """The same scenario written in YAML (name, scope, changes, drill_clouds), as `qianyun whatif` reads it."""

    yaml: str = Field(min_length=1, max_length=100_000)


class ScenarioSummaryOut(BaseModel):
    id: int
    name: str
    scope: str
    state: str
    state_reason: str
    state_text: str = ""  # state_reason in the caller's language
    creator: str
    created_at: UtcDatetime
    updated_at: UtcDatetime
    seconds: float | None
    headline: dict[str, Any] | None


class ScenarioOut(ScenarioSummaryOut):
    changes: dict[str, Any]
    drill_clouds: list[str] | None
    result: dict[str, Any] | None


class ScenarioBriefOut(BaseModel):
    id: int
    name: str
    scope: str
    state: str
    state_reason: str
    state_text: str = ""  # state_reason in the caller's language
    headline: dict[str, Any] | None


class CloudSideBySideOut(BaseModel):
    cloud: str
    scenarios: dict[str, dict[str, Any]]


class CompareOut(BaseModel):
    scenarios: list[ScenarioBriefOut]
    clouds: list[CloudSideBySideOut]
