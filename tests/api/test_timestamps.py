"""Every timestamp in a response carries its time zone (the OpenAPI `date-time` format), on both databases."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from tests.support import logged_in

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def _stamps(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if STAMP.match(value) else []
    if isinstance(value, dict):
        return [s for v in value.values() for s in _stamps(v)]
    if isinstance(value, list):
        return [s for v in value for s in _stamps(v)]
    return []


def test_timestamps_in_responses_are_aware(client) -> None:
    h = logged_in(client, {"prov": ("province-operator", None), "aud": ("auditor", None)})
    stamps = []
    for url, who in (("/api/v1/clouds", "prov"), ("/api/v1/hosts?limit=5", "prov"), ("/api/v1/workloads?limit=5", "prov"),
                     ("/api/v1/audit/events?limit=20", "aud"), ("/api/v1/quota-requests", "prov")):
        r = client.get(url, headers=h[who])
        assert r.status_code == 200, (url, r.text)
        stamps += _stamps(r.json())
    assert len(stamps) >= 20
    naive = [s for s in stamps if datetime.fromisoformat(s.replace("Z", "+00:00")).tzinfo is None]
    assert naive == []
