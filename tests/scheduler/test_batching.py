"""Which moves may run together: the one rule the executor and the drill predictions share."""

from __future__ import annotations

from policies.model import Execution
from scheduler.plans.batching import Batch

CLOUD = {"a1": "a", "a2": "a", "a3": "a", "b1": "b", "b2": "b", "dead1": "down", "dead2": "down"}


def _take(moves: list[tuple[str | None, str]], limits: Execution, dead: set[str] = frozenset()) -> int:  # type: ignore[assignment]
    batch = Batch(CLOUD, dead, limits)
    n = 0
    for src, dst in moves:
        if not batch.admits(src, dst):
            break
        batch.add(src, dst)
        n += 1
    return n


def test_a_move_never_runs_beside_one_that_leaves_the_host_it_enters() -> None:
    wide = Execution(max_concurrent_moves_per_cloud=10)
    assert _take([("a1", "a2"), ("a3", "a1")], wide) == 1  # a1 is left, then entered
    assert _take([("a1", "a2"), ("a2", "a3")], wide) == 1  # a2 is entered, then left
    assert _take([("a1", "a3"), ("a2", "a3"), (None, "a3")], wide) == 3  # only entering a3: any order is safe


def test_live_migrations_are_capped_per_cloud() -> None:
    assert _take([("a1", "b1"), ("a2", "b2"), ("a3", "b1")], Execution(max_concurrent_moves_per_cloud=2)) == 2


def test_restarts_from_a_failed_cloud_count_only_on_the_receiving_cloud_and_have_their_own_cap() -> None:
    limits = Execution(max_concurrent_moves_per_cloud=1, max_concurrent_restarts_per_cloud=3)
    restarts = [("dead1", "a1"), ("dead2", "a1"), ("dead1", "a2"), ("dead2", "a3")]
    assert _take(restarts, limits, {"down"}) == 3
    assert _take(restarts, limits) == 1  # the same moves from a live cloud are migrations
