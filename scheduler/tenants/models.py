"""Tables of this capability; the core's tables (clouds, hosts, workloads, departments) live in scheduler.core.models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from scheduler.core.db import utcnow
from scheduler.core.models import timestamp_field


class CatalogEntry(SQLModel, table=True):
    """One data resource in the province's public data catalog (公共数据目录), with its share, open and
    return-flow attributes. `version` guards every change (compare-and-set)."""

    __tablename__ = "catalog_entry"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True)
    name: str = Field(index=True)
    description: str = ""
    owner_department_id: str = Field(foreign_key="department.id", index=True)
    system: str
    fields: Any = Field(default=None, sa_column=Column(JSON, nullable=False))  # [{name, type, description, sensitivity}]
    category: str = Field(index=True)  # base | theme | department
    grade: str  # general | important | core
    update_frequency: str
    share_attribute: str = Field(index=True)  # unconditional | conditional | none
    share_condition: str = ""
    open_attribute: str = Field(index=True)  # open | conditional | closed
    return_flow: bool = False
    licence: str = "CC-BY-4.0"  # CC-BY-4.0 | CC0-1.0 | ODC-BY-1.0: the terms it is opened under
    data_format: str = "csv"  # csv | json | xlsx | xml: the records' file format
    state: str = Field(default="active", index=True)  # active | retired
    search_text: str = ""  # lower-cased name, description, code, system and field names, for search
    published_at: datetime | None = timestamp_field(default=None, nullable=True, index=True)
    version: int = 1
    created_at: datetime = timestamp_field(default_factory=utcnow)
    updated_at: datetime = timestamp_field(default_factory=utcnow)



class CatalogChange(SQLModel, table=True):
    """A change of a data resource the catalog must reflect within 10 working days."""

    __tablename__ = "catalog_change"
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="catalog_entry.id", index=True)
    changed_on: date
    summary: str
    due_on: date = Field(index=True)
    reflected_at: datetime | None = timestamp_field(default=None, nullable=True)
    overdue: bool = Field(default=False, index=True)  # found past due by a scan (kept once reflected late)
    reported_by: str
    created_at: datetime = timestamp_field(default_factory=utcnow)



class ObjectionClient(SQLModel, table=True):
    """A client address (hashed) that has raised a public objection. Its row is locked (an upsert)
    before the address's hourly count is taken, so a burst from one address is counted one at a time."""

    __tablename__ = "objection_client"
    client_hash: str = Field(primary_key=True)
    last_at: datetime = timestamp_field(default_factory=utcnow)


class CatalogObjection(SQLModel, table=True):
    """A dispute of a catalog entry (by a user) or of a published data set (by the public).

    Public objections keep only a hash of their access token and of the client address."""

    __tablename__ = "catalog_objection"
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="catalog_entry.id", index=True)
    source: str  # user | public
    raised_by: str | None = None
    field: str | None = None
    text: str
    contact: str = ""
    state: str = Field(default="open", index=True)  # open | answered | closed
    answer: str = ""
    answered_by: str | None = None
    answered_at: datetime | None = timestamp_field(default=None, nullable=True)
    resolution: str | None = None  # upheld | dismissed
    note: str = ""
    closed_by: str | None = None
    closed_at: datetime | None = timestamp_field(default=None, nullable=True)
    token_hash: str | None = None
    client_hash: str | None = Field(default=None, index=True)
    created_at: datetime = timestamp_field(default_factory=utcnow, index=True)



class ComplianceScan(SQLModel, table=True):
    """One run of the ten-working-day compliance scan and what it found."""

    __tablename__ = "compliance_scan"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = timestamp_field(default_factory=utcnow, index=True)
    today: date
    overdue: int
    newly_overdue: int
    by_department: Any = Field(default=None, sa_column=Column(JSON, nullable=False))  # {department: count}
    actor: str



class ShareRequest(SQLModel, table=True):
    """A department's request for another's data resource, its approvals and its delivery job set."""

    __tablename__ = "share_request"
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="catalog_entry.id", index=True)
    requester_department_id: str = Field(foreign_key="department.id", index=True)
    purpose: str
    fields: Any = Field(default=None, sa_column=Column(JSON, nullable=False))  # field names requested
    state: str = Field(index=True)  # pending-owner | pending-authority | approved | rejected
    requested_by: str
    jobset_id: int | None = Field(default=None, foreign_key="jobset.id")
    version: int = 1
    created_at: datetime = timestamp_field(default_factory=utcnow)
    updated_at: datetime = timestamp_field(default_factory=utcnow)



class ShareApproval(SQLModel, table=True):
    """One decision on a share request, signed by the hash of the audit event that recorded it."""

    __tablename__ = "share_approval"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="share_request.id", index=True)
    stage: str  # auto | owner | authority
    username: str
    decision: str  # approve | reject
    reason: str = ""
    signature: str  # the audit event's hash
    at: datetime = timestamp_field(default_factory=utcnow)
