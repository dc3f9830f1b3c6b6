"""Drill tests: a DR coordinator, the province centre and people who may not drill, on the small fleet."""

from __future__ import annotations

import pytest

from tests.support import logged_in


@pytest.fixture
def people(client) -> dict[str, dict[str, str]]:
    """Headers per person: DR coordinator, province centre, Guiyang's operator, an auditor, a department admin."""
    users = {"dr": ("dr-coordinator", None), "prov": ("province-operator", None), "gy1": ("city-operator", "gy"),
             "aud": ("auditor", None)}
    return logged_in(client, users)
