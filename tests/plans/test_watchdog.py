"""A plan left executing with no runner is picked up by the watchdog; a runner that fails for a reason
not its plan's own tries again instead of leaving the plan `executing`."""

from __future__ import annotations

from tests.support import wait_state


def test_the_watchdog_starts_a_runner_for_an_executing_plan_that_has_none(client, ops, monkeypatch) -> None:
    from scheduler import loop
    from scheduler.plans import executor

    monkeypatch.setattr(executor, "queue", lambda session, plan_id: None)  # the runner never starts
    plan = client.post("/api/v1/plans", json={"kind": "rebalance", "scope": "gy"}, headers=ops["gy1"]).json()
    client.post(f"/api/v1/plans/{plan['id']}/approve", headers=ops["gy1"])
    assert client.post(f"/api/v1/plans/{plan['id']}/execute", headers=ops["gy1"]).status_code == 202
    stuck = client.get(f"/api/v1/plans/{plan['id']}", headers=ops["gy1"]).json()
    assert stuck["state"] == "executing" and stuck["progress"].get("forward_done", 0) == 0
    assert plan["id"] in loop.run_watchdog()
    assert wait_state(client, ops["gy1"], plan["id"], ("succeeded", "failed"))["state"] == "succeeded"


def test_a_runner_tries_again_after_a_failure_that_is_not_its_work(monkeypatch) -> None:
    from scheduler.core import background

    monkeypatch.setattr(background, "RETRY_PAUSES_S", (0.0, 0.0, 0.0))
    calls: list[int] = []

    def work(item: int) -> None:
        calls.append(item)
        if len(calls) < 3:
            raise ConnectionError("database briefly away")

    background.Runner("test", work).start(7).join(10)  # hang guard: the work itself takes microseconds
    assert calls == [7, 7, 7]
    gave_up: list[int] = []

    def always(item: int) -> None:
        gave_up.append(item)
        raise ConnectionError("still away")

    background.Runner("test", always).start(8).join(10)  # hang guard, as above
    assert gave_up == [8] * 4  # the first try and three more, then it leaves the plan to the watchdog
