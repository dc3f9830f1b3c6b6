"""Plans tests: operators of several scopes, logged in, on the small simulated fleet."""

from __future__ import annotations

import pytest

from tests.support import logged_in


@pytest.fixture
def ops(client) -> dict[str, dict[str, str]]:
    """Headers per operator: the province centre, two of Guiyang's, one of Zunyi's, Education's, an auditor."""
    users = {"prov": ("province-operator", None), "gy1": ("city-operator", "gy"), "gy2": ("city-operator", "gy"),
             "zy1": ("city-operator", "zy"), "edu1": ("industry-operator", "edu"), "aud": ("auditor", None),
             "dr": ("dr-coordinator", None)}
    return logged_in(client, users)
