"""What both API fuzz tests share: cases drawn once per operation, and a sender that keeps its
identities logged in.

The document's own operations include logout, refresh and password changes: once the fuzzer has sent a
logout as some identity, every later call as it would stop at the door (401) and the sweep would test
the login check alone (it did, until the sender below logged such identities in again)."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation.modes import GenerationMode

from tests.support import PASSWORD, login


def draw_cases(operation: Any, mode: GenerationMode, n: int) -> list[Any]:
    """Up to n cases of the operation in this mode, with a fixed seed. Drawn once and sent as every
    identity: drawing (not the calls) is most of a sweep's time, and with a fixed seed each identity
    would draw the very same cases anyway."""
    drawn: list[Any] = []

    @settings(max_examples=n, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def draw(case: Any) -> None:
        drawn.append(case)

    with contextlib.suppress(Exception, BaseExceptionGroup):  # an operation with no such case draws none
        draw()
    return drawn


SITE_WIDE = {("PUT", "/api/v1/policy/site")}
"""Operations that change the rules every later call runs under: a fuzzed but valid site policy (a security
administrator may send one) requires a second factor of every role, as shipped, and ends the lab's."""


def sweep_order(operations: list[Any]) -> list[Any]:
    """The document's operations, the site-wide ones last, so the others run under the suite's lab policy."""
    return sorted(operations, key=lambda op: (op.method.upper(), op.path) in SITE_WIDE)


def _field(response: Any) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("field") if isinstance(body, dict) else None


class Sender:
    """Sends cases as named identities ({} headers: nobody) and collects what the checks refuse."""

    def __init__(self, client: Any, heads: dict[str, dict[str, str]], checks: list[Callable[..., Any]]) -> None:
        self.client, self.heads, self.checks = client, heads, checks
        self.found: list[str] = []
        self.answered: Counter[str] = Counter()  # the logged-in identities' answers: 2xx, 401, other

    def send(self, case: Any, mode: GenerationMode, who: str) -> None:
        try:
            response = case.call(headers=self.heads[who])
            if response.status_code == 401 and self.heads[who] and _field(response) == "Authorization":
                self.heads[who] = self._login_again(who)
                response = case.call(headers=self.heads[who])
        except Exception as exc:  # the in-process client raises what the server raised: a 500 when served
            self.found.append(f"{case.operation.method.upper()} {case.operation.path} [{mode.value}, {who}] "
                              f"raised {exc!r} <- {case.as_curl_command()[:400]}")
            return
        if self.heads[who]:
            s = response.status_code
            self.answered["401" if s == 401 else "2xx" if s < 300 else "other"] += 1
        try:
            case.validate_response(response, checks=self.checks, headers=self.heads[who])
        except (Exception, BaseExceptionGroup) as exc:  # each finding is reported; the sweep goes on
            why = "; ".join(str(e) for e in getattr(exc, "exceptions", [exc]))
            self.found.append(f"{case.operation.method.upper()} {case.operation.path} [{mode.value}, {who}] "
                              f"{response.status_code}: {why[:700]} <- {case.as_curl_command()[:400]} "
                              f"-> {response.text[:300]}")

    def reached_the_handlers(self) -> bool:
        """The logged-in calls got past the door: some succeeded, almost none was refused a login."""
        return self.answered["2xx"] > 50 and self.answered["401"] < 0.05 * sum(self.answered.values())

    def _login_again(self, who: str) -> dict[str, str]:
        """A new session; when fuzzed wrong passwords (a password change, a login) locked the account or
        the test client's address, the locks are lifted first, as an operator does (`qianyun users unlock`)."""
        from scheduler.core import lockout
        from scheduler.core.db import session_scope

        r = self.client.post("/api/v1/auth/token", data={"username": who, "password": PASSWORD})
        if r.status_code == 200:
            return {"Authorization": f"Bearer {r.json()['access_token']}"}
        assert r.status_code == 429, r.text
        with session_scope() as session:
            for subject in lockout.subjects(who, "testclient"):
                lockout.unlock(session, subject, "cli")
        return login(self.client, who)
