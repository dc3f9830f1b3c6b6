"""The shapes every resource shares: times as sent, resources, the one error body, a page of a list."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from scheduler.core.db import MAX_ROW_ID as MAX_ID
from scheduler.core.db import as_utc

T = TypeVar("T")

UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
"""A stored time as the API sends it: UTC with its offset (SQLite hands back naive times, and a
naive RFC 3339 time is not a date-time: a browser would read it as local time)."""

def _a_number(v: Any) -> Any:
    """JSON numbers only: "5" or true is not a count (pydantic's lax mode would take both)."""
    if isinstance(v, (str, bool)):
        raise PydanticCustomError("number_type", "must be a number, got {got}", {"got": repr(v)})
    return v


Whole = Annotated[int, BeforeValidator(_a_number), Field(ge=0)]
"""A count or a length of time in whole units, not negative."""
Amount = Annotated[Annotated[int, Field(ge=0)] | Annotated[float, Field(ge=0, allow_inf_nan=False)],
                   BeforeValidator(_a_number)]
"""A quantity of a resource, not negative; a whole one stays whole (16 is stored as 16, not 16.0)."""
RowIdIn = Annotated[int, BeforeValidator(_a_number), Field(ge=1, le=MAX_ID, description="a row id")]
"""The id of a stored row, as a request body names it."""


class In(BaseModel):
    """A request body: an unknown field is refused (a misspelt one must not be silently dropped)."""

    model_config = ConfigDict(extra="forbid")


class Resources(BaseModel):
    vcpu: float = 0
    memory_gib: float = 0
    gpu: float = 0
    storage_gib: float = 0


class FieldErrorOut(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    """Every refusal and every invalid request: what is wrong (in the caller's language), the field at
    fault; a 422 lists each invalid field in `errors`; a refusal may add named facts (a quota
    refusal's numbers). `code` and `params` are the message as data (scheduler/core/catalogs)."""

    model_config = ConfigDict(extra="allow")
    detail: str
    field: str | None
    errors: list[FieldErrorOut] | None = None
    code: str | None = None
    params: dict[str, Any] | None = None


class SaidOut(BaseModel):
    """A sentence of the service as data and as words: the message code, its parameters, and the
    text rendered in the caller's language (Accept-Language or ?lang=)."""

    code: str
    params: dict[str, Any]
    text: str


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
