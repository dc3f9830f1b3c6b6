"""The effective policy and the answer to "may this workload run on that cloud"."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PolicyOut(BaseModel):
    """The default policy with the site's overrides applied (policies/default.yaml describes each part)."""

    sources: list[Any]
    approvals: list[dict[str, Any]]
    separation_of_duties: dict[str, Any]
    auto_approve: list[Any]
    execution: dict[str, Any]
    placement: dict[str, Any]
    dr: dict[str, Any]
    quotas: dict[str, Any]
    auth: dict[str, Any]
    power: dict[str, Any]


class CheckOut(BaseModel):
    rule: str
    passed: bool
    message: str = Field(description="in English")
    code: str | None = Field(default=None, description="the verdict as a message code (with params)")
    params: dict[str, Any] | None = None
    text: str = Field(default="", description="the verdict in the caller's language")
    rule_name: str = Field(default="", description="the rule in the caller's language (分级管控, 等保等级, ...)")


class ExplanationOut(BaseModel):
    workload: str
    cloud: str
    failover: bool
    allowed: bool
    summary: str
    summary_text: str = ""
    checks: list[CheckOut]


class EligibilityOut(BaseModel):
    """Without `cloud`: every cloud's answer for the workload."""

    workload: str
    eligible: list[str]
    clouds: list[ExplanationOut]


class SitePolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    yaml: str = Field(max_length=262_144, description="the whole site policy, as the policy file would hold it")


class SitePolicyOut(BaseModel):
    yaml: str
