"""Data platform tests: the data authority, department admins of an owner and of a requester, others."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import login, make_user

OWNER = "prov-health-commission"
REQUESTER = "prov-education-dept"


@pytest.fixture
def dp(client) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """Headers per person: the data authority, the owner's admin, the requester's admin, a province operator,
    an auditor, a Guiyang city operator."""
    users = {"auth": ("data-authority", None), "owner": ("department-admin", OWNER),
             "req": ("department-admin", REQUESTER), "prov": ("province-operator", None), "aud": ("auditor", None),
             "gy1": ("city-operator", "gy")}
    for name, (role, scope) in users.items():
        make_user(name, role, scope)
    return {name: login(client, name) for name in users}


def entry_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "医疗机构名录", "owner_department": OWNER, "system": "卫生监督系统",
        "description": "Licensed medical institutions of the province",
        "fields": [{"name": "机构名称", "type": "string", "description": "name"},
                   {"name": "床位数", "type": "integer", "description": "beds"}],
        "category": "base", "grade": "general", "update_frequency": "daily", "share_attribute": "unconditional",
        "open_attribute": "open", "return_flow": True}
    body.update(over)
    return body
