"""Drill tests: a DR coordinator, the province centre and people who may not drill, on the small fleet."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support import logged_in


@pytest.fixture
def people(client) -> dict[str, dict[str, str]]:
    """Headers per person: DR coordinator, province centre, Guiyang's operator, an auditor, a department admin."""
    users = {"dr": ("dr-coordinator", None), "prov": ("province-operator", None), "gy1": ("city-operator", "gy"),
             "aud": ("auditor", None)}
    return logged_in(client, users)


def wait_drill(client, headers: dict[str, str], drill_id: int, states: tuple[str, ...] = ("closed", "aborted"),
               timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/drills/{drill_id}", headers=headers).json()
        if body["state"] in states:
            return body
        time.sleep(0.1)
    raise AssertionError(f"drill {drill_id} still {body.get('state')} after {timeout}s: {body.get('state_reason')}")


def cloud_of_hosts() -> dict[str, str]:
    from scheduler.registry import get_adapters

    return {h["id"]: h["cloud"] for h in get_adapters().simulated.fleet_document()["hosts"]}
