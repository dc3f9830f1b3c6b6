"""The quick check's single-move relocation keeps spread groups apart: a workload never moves onto a
host that holds another member of its group, and where that leaves no move it says so (None), handing
the question to the optimizer."""

from __future__ import annotations

from typing import Any

import optimizer
from scheduler.quotas.feasibility import _relocate

CLOUD = [{"id": "gy", "kind": "city", "city": "guiyang", "industry": None, "mlps_level": 3}]


def _doc(groups: dict[str, str | None]) -> dict[str, Any]:
    placed = {"a": ("h0", 6), "b": ("h1", 6), "c": ("h2", 3)}
    return {"resources": ["cpu"], "clouds": CLOUD,
            "hosts": [{"id": f"h{i}", "cloud": "gy", "capacity": {"cpu": 10}} for i in range(3)],
            "workloads": [{"id": w, "tier": "city", "city": "guiyang", "classification": "internal", "mlps_level": 1,
                           "demand": {"cpu": c}, "host": h, "spread_group": groups.get(w), "pinned": False}
                          for w, (h, c) in placed.items()]}


PLACEHOLDER = {"id": "~quota:d:0", "tier": "city", "city": "guiyang", "classification": "internal", "mlps_level": 1,
               "demand": {"cpu": 8}, "host": None, "spread_group": None, "pinned": False}


def _moves(groups: dict[str, str | None]) -> int | None:
    doc = _doc(groups)
    placer = optimizer.IncrementalPlacer(doc)
    assert placer.place(dict(PLACEHOLDER), commit=False).host is None  # 8 vCPU fits on no host as placed
    return _relocate(doc, placer, [dict(PLACEHOLDER)])


def test_one_move_makes_room_when_groups_allow_it() -> None:
    assert _moves({}) == 1  # c (3 vCPU) steps to h0 or h1; h2 then has 10 free


def test_a_move_onto_a_group_siblings_host_is_never_counted() -> None:
    # a, b and c are one spread group on three hosts: any move would put two members on one host
    assert _moves({"a": "g", "b": "g", "c": "g"}) is None


def test_the_group_only_blocks_its_own_members() -> None:
    # a and c are one group: c cannot go to h0 (a is there) but may go to h1
    assert _moves({"a": "g", "c": "g"}) == 1
