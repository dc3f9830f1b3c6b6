"""Plans tests: operators of several scopes, logged in, on the small simulated fleet."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support import logged_in


@pytest.fixture
def ops(client) -> dict[str, dict[str, str]]:
    """Headers per operator: the province centre, two of Guiyang's, one of Zunyi's, Education's, an auditor."""
    users = {"prov": ("province-operator", None), "gy1": ("city-operator", "gy"), "gy2": ("city-operator", "gy"),
             "zy1": ("city-operator", "zy"), "edu1": ("industry-operator", "edu"), "aud": ("auditor", None),
             "dr": ("dr-coordinator", None)}
    return logged_in(client, users)


def wait_state(client, headers: dict[str, str], plan_id: int, states: tuple[str, ...], timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/plans/{plan_id}", headers=headers).json()
        if body["state"] in states:
            return body
        time.sleep(0.1)
    raise AssertionError(f"plan {plan_id} still {body['state']} after {timeout}s: {body['state_reason']}")


def placements(cloud: str | None = None) -> dict[str, str | None]:
    """The simulated clouds' own view: where every workload runs."""
    from scheduler.registry import get_adapters

    doc = get_adapters().simulated.fleet_document()
    hosts = {h["id"]: h["cloud"] for h in doc["hosts"]}
    return {w["id"]: w["host"] for w in doc["workloads"] if cloud is None or hosts.get(w["host"]) == cloud}
