"""The capacity runway: per cloud and resource, a forecast and the days its thresholds are crossed."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class RunwayItemOut(BaseModel):
    cloud: str
    resource: str
    history_days: int
    last: dict[str, Any] | None
    thresholds: dict[str, float]
    forecast: dict[str, Any] | None
    crossings: dict[str, dict[str, Any]]
    note: str | None


class RunwayOut(BaseModel):
    horizon_days: int
    level: float
    basis: str
    items: list[RunwayItemOut]
