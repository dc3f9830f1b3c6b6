"""Open data as the public and the publishers see it."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from api.schemas.catalog import FieldOut
from api.schemas.common import In, RowIdIn, UtcDatetime
from scheduler.tenants import objections


class PublicObjectionCreate(In):
    dataset: str = Field(min_length=1, max_length=200, description="the code of a published data set")
    text: str = Field(min_length=objections.TEXT_MIN, max_length=objections.TEXT_MAX)
    contact: str | None = Field(None, max_length=200, description="how to reach you (optional)")


class PublishIn(In):
    entry_id: RowIdIn


class DatasetOut(BaseModel):
    code: str
    name: str
    description: str
    department: str
    department_name: str
    category: str
    update_frequency: str
    fields: list[FieldOut]
    open_attribute: str
    data_format: str = Field(description="the records' file format, as the owner declares it")
    licence: str
    licence_url: str | None
    api: str = Field(description="this data set's address in the API")
    download: str = Field(description="the data dictionary (the fields) as CSV")
    published_at: UtcDatetime | None


class TargetOut(BaseModel):
    year: int
    target: int
    deadline: date
    met: bool
    short: int


class StatsOut(BaseModel):
    published: int
    targets: list[TargetOut]


class ObjectionReceiptOut(BaseModel):
    id: int
    token: str = Field(description="shown once: it alone reaches this objection again")
    state: str


class PublicObjectionOut(BaseModel):
    id: int
    dataset: str | None
    text: str
    state: str
    answer: str
    answered_at: UtcDatetime | None
    resolution: str | None
    note: str
    created_at: UtcDatetime
