"""Request and response shapes of the API, kept apart from the tables they are read from; one module per
resource, the shared shapes in common."""

from api.schemas.common import (
    MAX_ID,
    Amount,
    ErrorOut,
    FieldErrorOut,
    In,
    PageOut,
    Resources,
    RowIdIn,
    UtcDatetime,
    Whole,
)
from api.schemas.fleet import (
    CloudOut,
    DepartmentOut,
    DrOut,
    HealthOut,
    HostOut,
    MeOut,
    ResourceUseOut,
    TokenOut,
    UtilisationOut,
    WorkloadOut,
)
from api.schemas.plans import ApprovalNeedOut, HostChangeOut, MoveOut, PlanCreate, PlanOut, PlanSummaryOut, RejectIn

__all__ = ["MAX_ID", "Amount", "ApprovalNeedOut", "CloudOut", "DepartmentOut", "DrOut", "ErrorOut", "FieldErrorOut",
           "HealthOut", "HostChangeOut", "HostOut", "In", "MeOut", "MoveOut", "PageOut", "PlanCreate", "PlanOut",
           "PlanSummaryOut", "RejectIn", "ResourceUseOut", "Resources", "RowIdIn", "TokenOut", "UtcDatetime",
           "UtilisationOut", "Whole", "WorkloadOut"]
