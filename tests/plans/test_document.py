"""The typed plan document reads the contract's JSON and writes back exactly the same JSON."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.plans.document import Move, PlanDocument

CONTRACT_EXAMPLE = {
    "assignments": {"w-000001": "gz-gov-h0007"},
    "unplaced": [{"workload": "w-000099", "reason": "classified systems are out of scope"}],
    "moves": [{"step": 1, "workload": "w-000001", "from": "gz-gov-h0001", "to": "gz-gov-h0007",
               "reason": "empties gz-gov-h0001 so it can power down"}],
    "stats": {"active_hosts": 812, "migrations": 143, "lower_bound_hosts": 801,
              "peak_utilisation": 0.91, "solve_seconds": 12.4, "status": "feasible"},
}


def test_the_contract_example_reads_typed_and_writes_back_unchanged() -> None:
    doc = PlanDocument.from_json(CONTRACT_EXAMPLE)
    assert doc.moves == (Move(1, "w-000001", "gz-gov-h0001", "gz-gov-h0007", "empties gz-gov-h0001 so it can power down"),)
    assert doc.unplaced[0].workload == "w-000099" and doc.stayed is None
    assert doc.touched_hosts() == {"gz-gov-h0001", "gz-gov-h0007"}
    assert doc.to_json() == CONTRACT_EXAMPLE


ids = st.text("abcdefgh-0123", min_size=1, max_size=8)
move = st.fixed_dictionaries({"workload": ids, "from": st.none() | ids, "to": ids, "reason": st.text(max_size=20)})
reasoned = st.fixed_dictionaries({"workload": ids, "reason": st.text(max_size=20)})


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a loaded machine is no failure
@given(moves=st.lists(move, max_size=8), unplaced=st.lists(reasoned, max_size=4),
       assignments=st.dictionaries(ids, ids, max_size=6), stayed=st.none() | st.lists(reasoned, max_size=3))
def test_any_plan_document_round_trips(moves, unplaced, assignments, stayed) -> None:
    raw = {"assignments": assignments, "unplaced": unplaced,
           "moves": [{"step": i, **m} for i, m in enumerate(moves, 1)], "stats": {"migrations": len(moves)}}
    if stayed is not None:
        raw["stayed"] = stayed
    assert PlanDocument.from_json(raw).to_json() == raw
