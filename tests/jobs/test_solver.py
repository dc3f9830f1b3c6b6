"""The job scheduler (optimizer/jobs.py): contract invariants on random job sets, bounds, refusals, PSPLIB."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.jobs import JobSetError, check_schedule, parse_jobset, serial_sgs, solve
from optimizer.psplib import read_psplib

DATA = Path(__file__).with_name("data")
OPTIMA = {"j301_1": 43, "j301_2": 47, "j3017_3": 60}


@st.composite
def job_sets(draw: st.DrawFn) -> dict:
    caps = {"vcpu": draw(st.integers(1, 8)), "memory_gib": draw(st.integers(1, 8))}
    n = draw(st.integers(1, 8))
    jobs = []
    for k in range(n):
        after = sorted(set(draw(st.lists(st.integers(0, k - 1), max_size=2)))) if k else []
        jobs.append({"id": f"j{k}", "duration": draw(st.integers(0, 5)),
                     "demand": {r: draw(st.integers(0, c)) for r, c in caps.items()},
                     "after": [f"j{a}" for a in after], "release": draw(st.integers(0, 6))})
    doc: dict = {"horizon": 40, "resources": caps, "jobs": jobs}
    if draw(st.booleans()):   # a varying capacity, as the forecast gives
        doc["capacity_profile"] = {"slot": draw(st.integers(1, 4)),
                                   "levels": {"vcpu": draw(st.lists(st.integers(0, caps["vcpu"]), max_size=6))}}
    return doc


def _assert_valid(doc: dict, out: dict) -> None:
    js = parse_jobset(doc)
    assert set(out) >= {"starts", "makespan", "status", "lower_bound"}
    assert out["status"] in ("optimal", "feasible")
    assert check_schedule(js, out["starts"]) == []
    ends = [out["starts"][j.id] + j.duration for j in js.jobs]
    assert out["makespan"] == max(ends)
    assert out["lower_bound"] <= out["makespan"]
    # capacity at every integer time, half-open intervals, independently of check_schedule
    for r, cap in js.resources.items():
        for t in range(out["makespan"] + 1):
            used = sum(j.demand.get(r, 0) for j in js.jobs if out["starts"][j.id] <= t < out["starts"][j.id] + j.duration)
            assert used <= js.capacity_at(r, t)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(job_sets())
def test_schedule_invariants(doc: dict) -> None:
    out = solve(doc, time_limit_s=2, workers=1).to_document()
    _assert_valid(doc, out)


@settings(max_examples=25, deadline=None)
@given(job_sets())
def test_greedy_is_valid_and_never_beats_the_bound(doc: dict) -> None:
    js = parse_jobset(doc)
    g = serial_sgs(js)
    assert check_schedule(js, g) == []
    out = solve(js, time_limit_s=2, workers=1)
    assert out.lower_bound <= max(g[j.id] + j.duration for j in js.jobs)


@settings(max_examples=25, deadline=None)
@given(job_sets(), st.integers(0, 10))
def test_deadlines_hold_or_are_refused(doc: dict, slack: int) -> None:
    js = parse_jobset(doc)
    g = serial_sgs(js)
    for j in doc["jobs"]:   # deadlines any valid schedule (the greedy's) meets, tightened a bit
        j["deadline"] = max(g[j["id"]] + j["duration"] - slack, 0)
    try:
        out = solve(doc, time_limit_s=2, workers=1).to_document()
    except JobSetError as e:
        assert "deadline" in str(e)
        return
    _assert_valid(doc, out)


def test_tardiness_objective_meets_due_dates_when_it_can() -> None:
    doc = {"horizon": 20, "resources": {"vcpu": 1}, "jobs": [
        {"id": "a", "duration": 3, "demand": {"vcpu": 1}, "due": 10},
        {"id": "b", "duration": 3, "demand": {"vcpu": 1}, "due": 3, "weight": 5}]}
    s = solve(doc, objective="tardiness", time_limit_s=5)
    assert s.starts["b"] == 0 and s.tardiness == 0 and s.status == "optimal"
    assert s.to_document()["tardiness"] == 0


def test_capacity_profile_pushes_jobs_into_the_valley() -> None:
    doc = {"horizon": 48, "resources": {"vcpu": 10}, "capacity_profile": {"slot": 4, "levels": {"vcpu": [0, 0, 10]}},
           "jobs": [{"id": "etl", "duration": 2, "demand": {"vcpu": 6}}]}
    s = solve(doc, time_limit_s=5)
    assert s.starts["etl"] == 8 and s.makespan == 10 and s.lower_bound == 10 and s.status == "optimal"


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_psplib_parse_and_known_optimum(name: str) -> None:
    doc = read_psplib(DATA / f"{name}.sm")
    assert [j["id"] for j in doc["jobs"]] == [f"j{k}" for k in range(1, 33)]
    assert list(doc["resources"]) == ["R1", "R2", "R3", "R4"]
    assert doc["jobs"][0]["duration"] == 0 and doc["jobs"][-1]["duration"] == 0
    assert doc["jobs"][0]["after"] == [] and len(doc["jobs"][-1]["after"]) >= 1
    s = solve(doc, time_limit_s=20)
    _assert_valid(doc, s.to_document())
    assert s.makespan == OPTIMA[name] and s.status == "optimal" and s.lower_bound == OPTIMA[name]


def test_psplib_details() -> None:
    doc = read_psplib(DATA / "j301_1.sm")
    assert doc["horizon"] == 158 and doc["resources"] == {"R1": 12, "R2": 13, "R3": 4, "R4": 12}
    j2 = doc["jobs"][1]
    assert j2 == {"id": "j2", "duration": 8, "demand": {"R1": 4}, "after": ["j1"]}


BASE = {"horizon": 10, "resources": {"vcpu": 4}, "jobs": [{"id": "a", "duration": 2, "demand": {"vcpu": 2}}]}


@pytest.mark.parametrize("jobs, expect", [
    ([{"id": "a", "duration": 2, "after": ["zz"]}], "jobs[a].after: unknown predecessor 'zz'"),
    ([{"id": "a", "duration": 1, "after": ["b"]}, {"id": "b", "duration": 1, "after": ["a"]}], "precedence cycle"),
    ([{"id": "a", "duration": 1, "after": ["a"]}], "jobs[a].after"),
    ([{"id": "a", "duration": -1}], "jobs[a].duration: must be >= 0"),
    ([{"id": "a", "duration": 1.5}], "jobs[a].duration: must be a whole number"),
    ([{"id": "a", "duration": 1, "demand": {"vcpu": 5}}], "jobs[a].demand.vcpu: 5 is over the capacity 4"),
    ([{"id": "a", "duration": 1, "demand": {"gpu": 1}}], "jobs[a].demand.gpu: unknown resource"),
    ([{"id": "a", "duration": 1, "demand": {"vcpu": -1}}], "jobs[a].demand.vcpu: must not be negative"),
    ([{"id": "a", "duration": 4, "release": 3, "deadline": 6}], "jobs[a].deadline: 6 is before the earliest possible end 7"),
    ([{"id": "a", "duration": 4}, {"id": "b", "duration": 3, "after": ["a"], "deadline": 5}], "jobs[b].deadline"),
    ([{"id": "a", "duration": 1}, {"id": "a", "duration": 1}], "jobs[a].id: duplicate"),
    ([{"duration": 1}], "jobs[0].id"),
    ([{"id": "a"}], "jobs[a].duration: required"),
    ([{"id": "a", "duration": 1, "release": -2}], "jobs[a].release"),
])
def test_refusals_name_field_and_job(jobs: list, expect: str) -> None:
    with pytest.raises(JobSetError) as e:
        solve({**BASE, "jobs": jobs})
    assert expect in str(e.value)


@pytest.mark.parametrize("doc, expect", [
    ({"jobs": []}, "resources"),
    ({"resources": {"vcpu": 4}}, "jobs"),
    ({"resources": {"vcpu": -4}, "jobs": []}, "resources.vcpu"),
    ({**BASE, "objective": "fastest"}, "objective"),
    ({**BASE, "capacity_profile": {"slot": 1, "levels": {"vcpu": [9]}}}, "capacity_profile.levels.vcpu[0]"),
    ({**BASE, "capacity_profile": {"slot": 1, "levels": {"gpu": [1]}}}, "capacity_profile.levels.gpu"),
])
def test_document_refusals(doc: dict, expect: str) -> None:
    with pytest.raises(JobSetError) as e:
        solve(doc)
    assert str(e.value).startswith(expect)


def test_capacity_too_small_for_deadlines_is_refused() -> None:
    doc = {"horizon": 10, "resources": {"vcpu": 1}, "jobs": [
        {"id": "a", "duration": 3, "demand": {"vcpu": 1}, "deadline": 3},
        {"id": "b", "duration": 3, "demand": {"vcpu": 1}, "deadline": 3}]}
    with pytest.raises(JobSetError, match="deadline"):
        solve(doc, time_limit_s=5)


def test_fractional_amounts_are_safe() -> None:
    doc = {"resources": {"memory_gib": 1.0}, "jobs": [
        {"id": "a", "duration": 2, "demand": {"memory_gib": 0.5}},
        {"id": "b", "duration": 2, "demand": {"memory_gib": 0.5}},
        {"id": "c", "duration": 2, "demand": {"memory_gib": 0.01}}]}
    s = solve(doc, time_limit_s=5)
    assert s.makespan == 4 and s.lower_bound == 4


def test_empty_job_set() -> None:
    assert solve({"horizon": 0, "resources": {}, "jobs": []}).to_document() == {
        "starts": {}, "makespan": 0, "status": "optimal", "lower_bound": 0}
