"""The catalog's requests and answers: entries, their changes, objections, the compliance view.

The allowed values are the scheduler's own (scheduler/tenants/catalog.py), so the document and the
checks cannot drift apart; the scheduler still checks what needs the database or the other fields
(a department that exists, a field name given twice, core data never opened).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, StrictBool
from pydantic_core import PydanticCustomError

from api.schemas.common import In, UtcDatetime
from scheduler.tenants import catalog, objections

Category = Literal[catalog.CATEGORIES]  # type: ignore[valid-type]
Grade = Literal[catalog.GRADES]  # type: ignore[valid-type]
Frequency = Literal[catalog.FREQUENCIES]  # type: ignore[valid-type]
Share = Literal[catalog.SHARE]  # type: ignore[valid-type]
Open = Literal[catalog.OPEN]  # type: ignore[valid-type]
FieldType = Literal[catalog.FIELD_TYPES]  # type: ignore[valid-type]
Sensitivity = Literal[catalog.SENSITIVITY]  # type: ignore[valid-type]
Licence = Literal[catalog.LICENCES]  # type: ignore[valid-type]
DataFormat = Literal[catalog.DATA_FORMATS]  # type: ignore[valid-type]
EntryState = Literal["active", "retired"]
Resolution = Literal[objections.RESOLUTIONS]  # type: ignore[valid-type]


def _field_name(v: str) -> str:
    if not catalog._FIELD_NAME.match(v):
        raise PydanticCustomError("field_name", "a letter or Chinese character, then letters, digits or _ "
                                                "(at most 64), got {got}", {"got": repr(v)})
    return v


def _iso_day(v: Any) -> Any:
    if not isinstance(v, str):
        raise PydanticCustomError("date_type", "the day as text, YYYY-MM-DD, got {got}", {"got": repr(v)})
    return v


FieldName = Annotated[str, AfterValidator(_field_name),
                      Field(json_schema_extra={"pattern": catalog._FIELD_NAME.pattern})]


class FieldIn(In):
    name: FieldName
    type: FieldType
    description: str = Field("", max_length=500)
    sensitivity: Sensitivity | None = Field(
        None, description="none, personal (个人信息) or sensitive (敏感个人信息, PIPL art. 28); left out: "
                          "the level the field's name suggests (身份证号 sensitive, 姓名 personal)")


class EntryAttributes(In):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=4000)
    system: str = Field(min_length=1, max_length=200, description="the information system the data comes from")
    fields: list[FieldIn] = Field(min_length=1)
    category: Category
    grade: Grade
    update_frequency: Frequency
    share_attribute: Share
    share_condition: str | None = Field(None, max_length=1000,
                                        description="required unless shared unconditionally: the condition or the legal basis")
    open_attribute: Open
    return_flow: StrictBool = False
    licence: Licence | None = Field(None, description="the terms the data is opened under (default CC-BY-4.0)")
    data_format: DataFormat | None = Field(None, description="the records' file format (default csv)")


class EntryCreate(EntryAttributes):
    owner_department: str = Field(min_length=1, description="the id of the department that owns the data")


class EntryUpdate(In):
    """Only what changes, with the version it was read at (compare-and-set)."""

    version: int = Field(description="the version you read; a newer one is a 409")
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=4000)
    system: str | None = Field(None, min_length=1, max_length=200)
    fields: list[FieldIn] | None = Field(None, min_length=1)
    category: Category | None = None
    grade: Grade | None = None
    update_frequency: Frequency | None = None
    share_attribute: Share | None = None
    share_condition: str | None = Field(None, max_length=1000)
    open_attribute: Open | None = None
    return_flow: StrictBool | None = None
    licence: Licence | None = None
    data_format: DataFormat | None = None
    state: EntryState | None = None


class ChangeCreate(In):
    changed_on: Annotated[date, BeforeValidator(_iso_day)] = Field(description="the day the resource changed")
    summary: str = Field(min_length=1, max_length=1000)


class ObjectionCreate(In):
    field: str | None = Field(None, max_length=200, description="an attribute of the entry or one of its fields")
    text: str = Field(min_length=objections.TEXT_MIN, max_length=objections.TEXT_MAX)


class AnswerIn(In):
    answer: str = Field(min_length=1, max_length=objections.TEXT_MAX)


class CloseIn(In):
    resolution: Resolution
    note: str = Field(min_length=1, max_length=objections.TEXT_MAX)


# --- answers -------------------------------------------------------------------------------------------


class FieldOut(BaseModel):
    name: str
    type: str
    description: str = ""
    sensitivity: str = Field(description="none, personal or sensitive")


class EntryOut(BaseModel):
    id: int
    code: str
    name: str
    description: str
    owner_department: str
    owner_department_name: str
    system: str
    fields: list[FieldOut]
    category: str
    grade: str
    update_frequency: str
    share_attribute: str
    share_condition: str
    open_attribute: str
    return_flow: bool
    licence: str
    data_format: str
    state: str
    published: bool
    published_at: UtcDatetime | None
    version: int
    created_at: UtcDatetime
    updated_at: UtcDatetime
    pending_changes: int
    overdue_changes: int


class ChangeOut(BaseModel):
    id: int
    entry_id: int
    changed_on: date
    summary: str
    due_on: date
    reflected_at: UtcDatetime | None
    state: Literal["pending", "overdue", "reflected"]
    late: bool
    reported_by: str


class ObjectionOut(BaseModel):
    id: int
    entry_id: int
    entry_code: str | None
    entry_name: str | None
    source: str
    raised_by: str | None
    field: str | None
    text: str
    state: str
    answer: str
    answered_by: str | None
    answered_at: UtcDatetime | None
    resolution: str | None
    note: str
    closed_by: str | None
    closed_at: UtcDatetime | None
    created_at: UtcDatetime


class EntryDetailOut(EntryOut):
    changes: list[ChangeOut]
    objections: list[ObjectionOut]


class ComplianceItemOut(BaseModel):
    entry_id: int
    code: str
    name: str
    change_id: int
    changed_on: date
    due_on: date
    state: str
    working_days_late: int


class ComplianceDepartmentOut(BaseModel):
    department: str
    name: str
    pending: int
    overdue: int
    items: list[ComplianceItemOut]


class LastScanOut(BaseModel):
    at: UtcDatetime
    overdue: int


class ComplianceOut(BaseModel):
    today: date
    rule: str
    calendar: str
    last_scan: LastScanOut | None
    departments: list[ComplianceDepartmentOut]


class ScanOut(BaseModel):
    id: int
    at: UtcDatetime
    today: date
    overdue: int
    newly_overdue: int
    by_department: dict[str, int]


class TenantWorkloadOut(BaseModel):
    id: str
    name: str
    host: str | None = Field(description="only for readers who may list the province cloud's hosts")
    placed: bool
    vcpu: float
    memory_gib: float


class TenantJobSetOut(BaseModel):
    id: int
    name: str
    recurrence: str | None
    run_state: str | None


class TenantOut(BaseModel):
    """A data-platform module as a tenant of the scheduler: its department, quota, services and job sets."""

    module: str
    department: str
    name: str
    name_en: str
    cloud: str
    quota: dict[str, float] | None
    used: dict[str, float]
    workloads: list[TenantWorkloadOut]
    jobsets: list[TenantJobSetOut]
