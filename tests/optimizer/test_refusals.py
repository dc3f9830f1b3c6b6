"""Every refusal case of the contract: the error names the field and the id; nothing is guessed."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable

import pytest

import optimizer

DATA = Path(__file__).parent / "data"


def base() -> dict[str, Any]:
    return json.loads((DATA / "fleet-tiny-maintenance.json").read_text())


def _w(doc: dict, i: int = 0) -> dict:
    return doc["workloads"][i]


CASES: list[tuple[str, Callable[[dict], None], list[str]]] = [
    ("unknown resource in demand", lambda d: _w(d)["demand"].__setitem__("fpga", 1), ["workloads[w-000001].demand.fpga", "unknown resource"]),
    ("unknown resource in capacity", lambda d: d["hosts"][0]["capacity"].__setitem__("fpga", 1), ["hosts[gz-gov-h0001].capacity.fpga", "unknown resource"]),
    ("negative demand", lambda d: _w(d)["demand"].__setitem__("vcpu", -4), ["workloads[w-000001].demand.vcpu", ">= 0", "-4"]),
    ("negative capacity", lambda d: d["hosts"][0]["capacity"].__setitem__("vcpu", -1), ["hosts[gz-gov-h0001].capacity.vcpu", ">= 0"]),
    ("unknown host", lambda d: _w(d).__setitem__("host", "nowhere-h1"), ["workloads[w-000001].host", "nowhere-h1"]),
    ("duplicate workload id", lambda d: d["workloads"].append(copy.deepcopy(_w(d))), ["workloads[w-000001]", "duplicate"]),
    ("duplicate host id", lambda d: d["hosts"].append(copy.deepcopy(d["hosts"][0])), ["hosts[gz-gov-h0001]", "duplicate"]),
    ("duplicate cloud id", lambda d: d["clouds"].append(copy.deepcopy(d["clouds"][2])), ["clouds[gy]", "duplicate"]),
    ("missing mlps_level", lambda d: _w(d).pop("mlps_level"), ["workloads[w-000001].mlps_level", "required"]),
    ("missing tier", lambda d: _w(d).pop("tier"), ["workloads[w-000001].tier", "required"]),
    ("missing classification", lambda d: _w(d).pop("classification"), ["workloads[w-000001].classification", "required"]),
    ("missing demand", lambda d: _w(d).pop("demand"), ["workloads[w-000001].demand", "required"]),
    ("missing workload id", lambda d: _w(d).pop("id"), ["workloads[0].id", "required"]),
    ("bad tier", lambda d: _w(d).__setitem__("tier", "village"), ["workloads[w-000001].tier", "village"]),
    ("bad classification", lambda d: _w(d).__setitem__("classification", "secret"), ["workloads[w-000001].classification", "secret"]),
    ("bad role", lambda d: _w(d).__setitem__("role", "standby"), ["workloads[w-000001].role", "standby"]),
    ("bad cloud kind", lambda d: d["clouds"][2].__setitem__("kind", "county"), ["clouds[gy].kind", "county"]),
    ("host on unknown cloud", lambda d: d["hosts"][0].__setitem__("cloud", "mars"), ["hosts[gz-gov-h0001].cloud", "mars"]),
    ("non-numeric demand", lambda d: _w(d)["demand"].__setitem__("vcpu", "8"), ["workloads[w-000001].demand.vcpu", "number"]),
    ("bad pinned", lambda d: _w(d).__setitem__("pinned", "yes"), ["workloads[w-000001].pinned"]),
    ("bad mode", lambda d: d["objective"].__setitem__("mode", "spread"), ["objective.mode", "spread"]),
    ("negative budget", lambda d: d["objective"].__setitem__("max_migrations", -1), ["objective.max_migrations"]),
    ("unknown failed cloud", lambda d: d.__setitem__("failed_clouds", ["mars"]), ["failed_clouds", "mars"]),
    ("missing resources", lambda d: d.pop("resources"), ["resources", "required"]),
    ("bad mlps type", lambda d: _w(d).__setitem__("mlps_level", "3"), ["workloads[w-000001].mlps_level"]),
]


@pytest.mark.parametrize("name,mutate,needles", CASES, ids=[c[0] for c in CASES])
def test_refused_with_field_and_id(name: str, mutate: Callable[[dict], None], needles: list[str]) -> None:
    doc = base()
    mutate(doc)
    with pytest.raises(optimizer.FleetError) as e:
        optimizer.parse_fleet(doc)
    msg = str(e.value)
    assert "\n" not in msg
    for n in needles:
        assert n in msg, msg


def test_defaults_are_applied() -> None:
    doc = base()
    w = _w(doc)
    for k in ("spread_group", "pinned", "role", "dr"):
        w.pop(k, None)
    doc.pop("failed_clouds")
    doc["hosts"][0].pop("schedulable")
    f = optimizer.parse_fleet(doc)
    pw = f.workloads[0]
    assert (pw.spread_group, pw.pinned, pw.role, pw.dr.protected) == (None, False, "primary", False)
    assert f.failed_clouds == [] and f.hosts[0].schedulable is True


def test_not_an_object() -> None:
    with pytest.raises(optimizer.FleetError):
        optimizer.parse_fleet([])


HUGE = [
    ("capacity 10**400", lambda d: d["hosts"][0]["capacity"].__setitem__("vcpu", 10**400), "hosts[gz-gov-h0001].capacity.vcpu"),
    ("demand 1e308", lambda d: _w(d)["demand"].__setitem__("vcpu", 1e308), "workloads[w-000001].demand.vcpu"),
    ("demand NaN", lambda d: _w(d)["demand"].__setitem__("vcpu", float("nan")), "workloads[w-000001].demand.vcpu"),
    ("demand inf", lambda d: _w(d)["demand"].__setitem__("memory_gib", float("inf")), "workloads[w-000001].demand.memory_gib"),
    ("capacity -inf", lambda d: d["hosts"][0]["capacity"].__setitem__("vcpu", float("-inf")), "hosts[gz-gov-h0001].capacity.vcpu"),
    ("mlps 10**400", lambda d: _w(d).__setitem__("mlps_level", 10**400), "workloads[w-000001].mlps_level"),
    ("priority inf", lambda d: _w(d).__setitem__("dr", {"protected": True, "priority": float("inf")}), "workloads[w-000001].dr.priority"),
    ("time limit 10**400", lambda d: d["objective"].__setitem__("time_limit_s", 10**400), "objective.time_limit_s"),
]


@pytest.mark.parametrize("name,mutate,field", HUGE, ids=[c[0] for c in HUGE])
def test_non_finite_or_huge_numbers_are_refused(name: str, mutate: Callable[[dict], None], field: str) -> None:
    """Never an OverflowError or a numpy overflow warning: one line naming the field and the id."""
    import warnings

    doc = base()
    mutate(doc)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(optimizer.FleetError) as e:
            optimizer.optimize(doc, mode="consolidate", time_limit_s=1)
    msg = str(e.value)
    assert field in msg and "\n" not in msg and len(msg) < 200, msg
