"""入侵防范: schemathesis fuzzes the API from its own OpenAPI document, as every role of the demo roster
and without a login, then chains calls through the document's links (propose a plan, then approve,
dry-run, execute, roll back or cancel it; ask for quota, then approve or reject the request). Whatever
the input, the service never answers a 5xx: bad input is a 4xx naming the field.

Fixed seeds (`derandomize`) and a small budget per operation, each case sent as every identity: a run is reproducible and
fits `make test` on a 2-core CI. The schema conformance of every answer is checked for the province
operator and anonymously in tests/api/test_openapi_fuzz.py; here the check is the server error alone,
over many more identities.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis.errors import Flaky
from hypothesis.stateful import get_state_machine_test
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from sqlmodel import select

from tests.fuzzing import Sender, draw_cases, sweep_order
from tests.support import login, make_user

ROSTER: dict[str, tuple[str, str | None]] = {  # the demo roster's roles (scheduler/core/demo.py)
    "province": ("province-operator", None),
    "gy-operator": ("city-operator", "gy"),
    "edu-operator": ("industry-operator", "edu"),
    "dept-admin": ("department-admin", "<guiyang county>"),
    "dr-coordinator": ("dr-coordinator", None),
    "data-authority": ("data-authority", None),
    "auditor": ("auditor", None),
    "sysadmin": ("system-admin", None),
    "secadmin": ("security-admin", None),
}
EXAMPLES = {GenerationMode.POSITIVE: 2, GenerationMode.NEGATIVE: 1}
# Real moves start from the stateful phase, where an approved plan exists; random ids never reach one.
STATELESS_SKIP = {("POST", "/api/v1/plans/{plan_id}/execute"), ("POST", "/api/v1/plans/{plan_id}/rollback")}


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Half-second solves: the fuzzer proposes many plans and job sets, and a solve cut short by its time
    limit is a path of its own that must not fail either."""
    from scheduler.core.settings import get_settings

    monkeypatch.setenv("QIANYUN_PLAN_TIME_LIMIT_S", "0.5")
    monkeypatch.setenv("QIANYUN_JOBS_TIME_LIMIT_S", "0.5")
    get_settings.cache_clear()


def _roster(client) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """Each role's login headers, and {} for nobody."""
    from scheduler.core.db import session_scope
    from scheduler.core.models import Department

    with session_scope() as session:
        county = session.exec(select(Department.id).where(Department.city == "guiyang", Department.level == "county")
                              .order_by(Department.id)).first()
    heads: dict[str, dict[str, str]] = {}
    for name, (role, scope) in ROSTER.items():
        make_user(name, role, county if scope == "<guiyang county>" else scope)
        heads[name] = login(client, name)
    heads["anonymous"] = {}
    return heads


def test_no_input_from_any_role_or_nobody_reaches_a_server_error(client, quick) -> None:  # type: ignore[no-untyped-def]
    sender = Sender(client, _roster(client), [not_a_server_error])
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    operations = [op.ok() for op in schema.get_all_operations()]
    assert len(operations) > 60, "the document lost operations"
    for operation in sweep_order(operations):
        if (operation.method.upper(), operation.path) in STATELESS_SKIP:
            continue
        for mode, n in EXAMPLES.items():
            for case in draw_cases(operation, mode, n):
                for who in sender.heads:
                    sender.send(case, mode, who)
    assert not sender.found, f"{len(sender.found)} server errors:\n" + "\n".join(sender.found)
    assert sender.reached_the_handlers(), sender.answered


OWNERS = {"/api/v1/plans": "planner", "/api/v1/quota-requests": "dept-admin"}
"""Who makes what the chains start from: a plan on the province cloud (a second province operator, since
nobody approves what they proposed), a quota request (a department admin)."""
ACTORS = {"/api/v1/plans": "province", "/api/v1/quota-requests": "gy-operator"}
"""Who acts on it in the `owners` cast: the province centre approves and runs plans (never its own: nobody
approves what they proposed), Guiyang's operator decides the quota requests on its cloud."""


def _valid_body(path: str, turn: int, department: str) -> dict[str, Any]:
    """Every other producer call carries a body that is valid, so the chains reach real plans and requests
    (a random scope or cloud name would be refused at once); the others stay as the fuzzer made them."""
    if path == "/api/v1/plans":
        return [{"kind": "rebalance", "scope": "gz-gov", "objective": "consolidate", "max_migrations": 3},
                {"kind": "rebalance", "scope": "gz-gov", "max_migrations": 2},
                {"kind": "place-pending", "scope": "gz-gov"}][turn % 3]
    return {"department": department, "cloud": "gy", "amount": {"vcpu": 4 + turn % 5, "memory_gib": 8},
            "justification": "fuzzed demand"}


def _machine(client, heads: dict[str, dict[str, str]], cast: str, steps: list[str], found: list[str]):  # type: ignore[no-untyped-def]
    """The document's state machine over the plans and quota requests (links inferred by schemathesis from
    the answers' schemas and the path parameters). A producer is called as its owner; every other call as
    the actor of the `owners` cast, or in the `mixed` cast as the next identity of the roster in turn, so
    each role acts on what another made. Server errors are collected, not raised: the run goes on."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app).include(
        path_regex=r"^/api/v1/(plans|quota-requests)")
    rotation = itertools.cycle(list(heads))
    department = client.get("/api/v1/me", headers=heads["dept-admin"]).json()["scope"]
    made, steer = itertools.count(), itertools.count()
    existing: dict[str, list[int]] = {"plan_id": [], "request_id": []}  # what the producers made, newest last

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case) -> None:  # type: ignore[no-untyped-def]
            base = case.operation.path
            if case.method.upper() == "POST" and base in OWNERS:
                self._who = OWNERS[base]
                n = next(made)
                if n % 2 == 0:
                    case.body = _valid_body(base, n // 2, department)
                return
            self._who = next(rotation) if cast == "mixed" else ACTORS["/" + "/".join(base.split("/")[1:4])]
            # The inferred links reach what a producer made, but in a short run a random id is drawn far more
            # often: every other call on one plan or request is steered to one that exists.
            for name, ids in existing.items():
                if case.path_parameters and name in case.path_parameters and ids and next(steer) % 2 == 0:
                    case.path_parameters[name] = ids[-1 - next(steer) % min(len(ids), 3)]

        def get_call_kwargs(self, case) -> dict[str, Any]:  # type: ignore[no-untyped-def]
            return {"headers": heads[self._who]}

        def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:  # type: ignore[no-untyped-def]
            steps.append(f"{case.method.upper()} {case.formatted_path} as {self._who} -> {response.status_code}")
            if case.method.upper() == "POST" and case.operation.path in OWNERS and response.status_code == 201:
                key = "plan_id" if case.operation.path == "/api/v1/plans" else "request_id"
                existing[key].append(response.json()["id"])
            try:
                case.validate_response(response, checks=[not_a_server_error], transport_kwargs=kwargs or None)
            except (Exception, BaseExceptionGroup):
                found.append(f"{steps[-1]} <- {case.as_curl_command()[:400]} -> {response.text[:300]}")

    return Machine


STATEFUL = settings(max_examples=4, stateful_step_count=8, database=None, deadline=None, phases=[Phase.generate],
                    suppress_health_check=list(HealthCheck))
SEEDS = range(8)
"""Each seed a run of its own: a fresh Hypothesis engine per run, since the answers (and so what the next
step may draw) depend on the database the runs before left."""


def _run(machine, steps: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """Run the machine once per seed; what Hypothesis could not replay (its data tree saw the service answer
    differently to the same draws, as a stateful service does) ends that run, not the test."""
    stopped = []
    for n in SEEDS:
        test = seed(n)(get_state_machine_test(machine, settings=STATEFUL, _min_steps=2))
        before = len(steps)
        try:
            test()
        except Flaky:
            stopped.append(f"seed {n} after {len(steps) - before} calls")
    return stopped


@pytest.mark.parametrize("cast", ["owners", "mixed"])
def test_chained_calls_never_reach_a_server_error(client, quick, cast: str) -> None:  # type: ignore[no-untyped-def]
    """Propose a plan, then approve, reject, dry-run, execute, roll back or cancel it (whichever its state
allows: the others must be refused with a 4xx); ask for quota, then
    approve or reject it: as the roles whose work it is (`owners`), and as every role in turn (`mixed`)."""
    heads = _roster(client)
    make_user("planner", "province-operator")
    heads["planner"] = login(client, "planner")
    steps: list[str] = []
    found: list[str] = []
    stopped = _run(_machine(client, heads, cast, steps, found), steps)
    assert not found, f"{len(found)} server errors:\n" + "\n".join(found)
    made = [s for s in steps if s.startswith(("POST /api/v1/plans as", "POST /api/v1/quota-requests as"))]
    assert any(s.endswith("201") for s in made if "/plans" in s), f"no plan was made: {made}"
    assert any(s.endswith("201") for s in made if "/quota-requests" in s), f"no quota request was made: {made}"
    followed = [s for s in steps if s.startswith("POST /api/v1/plans/") and s.endswith((" 200", " 202", " 409"))]
    assert followed, "no call ever acted on a plan that exists: the links are not followed"
    if cast == "owners":
        assert any("/approve as province -> 200" in s for s in steps), \
            "no plan was ever approved:\n" + "\n".join(s for s in steps if "/plans" in s)
    assert len(stopped) < len(SEEDS) / 2, f"most runs stopped early: {stopped}"
