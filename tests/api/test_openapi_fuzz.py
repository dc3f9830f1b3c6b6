"""The API keeps its own OpenAPI document: schemathesis generates requests for every operation, as a
province operator and without a login, and every answer must be a documented status with a body that
fits the documented schema, and never a 5xx. Fixed seed and a bounded number of examples per operation,
so a run is reproducible and its findings are the same on every machine."""

from __future__ import annotations

import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzzing import Sender, draw_cases, sweep_order
from tests.support import login, make_user

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 3}
# Starting real moves in background threads is the executor's test, not this one: these answer from
# state no fuzzed request reaches (an approved plan, a cloud id the fuzzer cannot guess) anyway.
SKIP = {("POST", "/api/v1/plans/{plan_id}/execute"), ("POST", "/api/v1/plans/{plan_id}/rollback")}


def test_every_answer_is_documented_and_fits_its_schema(client) -> None:  # type: ignore[no-untyped-def]
    make_user("fuzz-op", "province-operator")
    sender = Sender(client, {"fuzz-op": login(client, "fuzz-op"), "anonymous": {}}, CHECKS)
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    operations = [op.ok() for op in schema.get_all_operations()]
    assert len(operations) > 60, "the document lost operations"
    for operation in sweep_order(operations):
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        for mode, n in EXAMPLES.items():
            for case in draw_cases(operation, mode, n):
                for who in sender.heads:
                    sender.send(case, mode, who)
    assert not sender.found, f"{len(sender.found)} findings:\n" + "\n".join(sender.found)
    assert sender.reached_the_handlers(), sender.answered
