"""Every plan, scenario and drill report states its energy, by the policy's power model."""

from __future__ import annotations

from tests.whatif.conftest import scenario


def _consistent(e: dict) -> None:
    """The stated figures follow the model: MWh = kW x hours / 1000, yuan = MWh x 1000 x tariff."""
    hours, tariff = e["model"]["hours_per_year"], e["model"]["tariff_yuan_per_kwh"]
    for part in ("before", "after"):
        assert abs(e[part]["mwh_per_year"] - e[part]["kw"] * hours / 1000) < 0.01
        assert abs(e[part]["yuan_per_year"] - e[part]["mwh_per_year"] * 1000 * tariff) < 5


def test_plan_scenario_and_drill_state_their_energy(client, who) -> None:
    r = client.post("/api/v1/plans", json={"kind": "rebalance", "scope": "gy", "objective": "consolidate"}, headers=who["prov"])
    assert r.status_code == 201, r.text
    e = r.json()["energy"]
    _consistent(e)
    assert e["before"]["hosts_on"] == e["after"]["hosts_on"] + len(e["powered_off"])
    assert e["empty_hosts_state"] == "idle, still powered"
    # freed hosts count as off only when the plan disables them: exactly its disable-host steps
    assert e["powered_off"] == sorted(a["to"] for a in r.json()["host_actions"])
    s = scenario(client, who["prov"], name="gz-gov down", changes={"lose_clouds": ["gz-gov"]})
    se = s["result"]["energy"]
    _consistent(se)
    assert se["down"] == 11 and se["after"]["hosts_on"] == se["before"]["hosts_on"] - 11
    assert se["after"]["kw"] < se["before"]["kw"]
    assert s["headline"]["kw_before"] == se["before"]["kw"]
    d = client.post("/api/v1/drills", json={"clouds": ["gz-gov"], "mode": "tabletop"}, headers=who["dr"])
    report = client.get(f"/api/v1/drills/{d.json()['id']}/report", headers=who["dr"]).json()
    assert report["energy"]["after"] == s["result"]["drill"]["energy"]["after"]
    _consistent(report["energy"])
    html = client.get(f"/api/v1/drills/{d.json()['id']}/report?format=html", headers=who["dr"])
    assert html.status_code == 200 and "MWh" in html.text


def test_a_consolidation_may_minimise_power_and_the_fleet_carries_each_hosts_watts(client, who) -> None:
    """The fleet document gives every host its idle and full watts from the policy's power model (by
    its server model); a plan request asking `minimise: power` is solved for watts and states them."""
    from fractions import Fraction

    from policies.power import Watts
    from scheduler.core.db import session_scope
    from scheduler.core.models import Host
    from scheduler.core.policy import get_policy

    r = client.post("/api/v1/plans", json={"kind": "rebalance", "scope": "gy", "minimise": "power"},
                    headers=who["prov"])
    assert r.status_code == 201, r.text
    doc = client.get(f"/api/v1/plans/{r.json()['id']}/document", headers=who["prov"]).json()
    fleet = doc["fleet"]
    assert fleet["objective"]["minimise"] == "power"
    power = get_policy().power
    with session_scope() as session:
        model = {h.id: h.model for h in session.exec(__import__("sqlmodel").select(Host))}
    for h in fleet["hosts"]:
        assert h["power"] == power.watts(model[h["id"]]).to_dict()
    # the stated watts follow the model: an empty host draws nothing, the others by their vCPUs allotted
    cap = {h["id"]: h for h in fleet["hosts"]}
    dem = {w["id"]: w["demand"]["vcpu"] for w in fleet["workloads"]}
    used: dict[str, Fraction] = {}
    for w, h in doc["assignments"].items():
        used[h] = used.get(h, Fraction(0)) + Fraction(str(dem[w]))
    after = sum((Watts(cap[h]["power"]["idle_w"], cap[h]["power"]["full_w"]).at(u / Fraction(str(cap[h]["capacity"]["vcpu"])))
                 for h, u in used.items()), Fraction(0))
    assert doc["stats"]["power_w"]["after"] == round(float(after), 3)
    assert doc["stats"]["power_w"]["after"] <= doc["stats"]["power_w"]["before"]
    # without the request's field the policy's default (hosts) holds: the contract as it was
    r2 = client.post("/api/v1/plans", json={"kind": "rebalance", "scope": "zy"}, headers=who["prov"])
    assert r2.status_code == 201, r2.text
    doc2 = client.get(f"/api/v1/plans/{r2.json()['id']}/document", headers=who["prov"]).json()
    assert "minimise" not in doc2["fleet"]["objective"]


def test_a_scenario_may_ask_consolidation_to_minimise_power(client, who) -> None:
    """`power.minimise` is a word, not a number: a scenario may set it, and its plan is solved for watts."""
    hosts = scenario(client, who["prov"], name="gy as today", scope="gy", changes={})
    watts = scenario(client, who["prov"], name="gy for watts", scope="gy", changes={"policy": {"power.minimise": "power"}})
    assert hosts["result"]["plan"]["minimise"] == "hosts"
    assert watts["result"]["plan"]["minimise"] == "power"
    assert {"code": "whatif.applied.policy", "params": {"key": "power.minimise", "value": "power", "was": "hosts"},
            "text": "policy power.minimise = power (was hosts)"} in watts["result"]["applied"]
    _consistent(watts["result"]["energy"])
