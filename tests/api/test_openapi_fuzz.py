"""The API keeps its own OpenAPI document: schemathesis generates requests for every operation, as a
province operator and without a login, and every answer must be a documented status with a body that
fits the documented schema, and never a 5xx. Fixed seed and a bounded number of examples per operation,
so a run is reproducible and its findings are the same on every machine."""

from __future__ import annotations

import contextlib

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support import login, make_user

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 3}
# Starting real moves in background threads is the executor's test, not this one: these answer from
# state no fuzzed request reaches (an approved plan, a cloud id the fuzzer cannot guess) anyway.
SKIP = {("POST", "/api/v1/plans/{plan_id}/execute"), ("POST", "/api/v1/plans/{plan_id}/rollback")}


def _fuzz(operation, mode: GenerationMode, headers: dict[str, str], found: list[str]) -> None:  # type: ignore[no-untyped-def]
    @settings(max_examples=EXAMPLES[mode], derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:  # type: ignore[no-untyped-def]
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # each finding is reported; the run goes on
            why = "; ".join(str(e) for e in getattr(exc, "exceptions", [exc]))
            found.append(f"{operation.method.upper()} {operation.path} [{mode.value}, "
                         f"{'operator' if headers else 'anonymous'}] {response.status_code}: {why[:700]} "
                         f"<- {case.as_curl_command()[:300]} -> {response.text[:200]}")
            raise

    with contextlib.suppress(Exception, BaseExceptionGroup):  # each failure is already in `found`
        run()


def test_every_answer_is_documented_and_fits_its_schema(client) -> None:  # type: ignore[no-untyped-def]
    make_user("fuzz-op", "province-operator")
    operator = login(client, "fuzz-op")
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    found: list[str] = []
    operations = [op.ok() for op in schema.get_all_operations()]
    assert len(operations) > 60, "the document lost operations"
    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        for headers in (operator, {}):
            for mode in EXAMPLES:
                _fuzz(operation, mode, headers, found)
    assert not found, f"{len(found)} findings:\n" + "\n".join(found)
