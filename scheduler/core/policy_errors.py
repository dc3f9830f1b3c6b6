"""The policy loader's refusals (PolicyError) in the reader's language.

policies/ stays English: a refusal names the file, the line, the field and what is wrong
(`site.yaml line 7: execution.retries: must be >= 0, got -3`). The catalogs hold the common
problems' templates under `policy.problem.` (unknown key, wrong type, out of range, missing, given
twice, not YAML), so the problem is read back as its message and the whole line rendered in the
reader's language, while the field keeps the name the loader gave it. A problem no template knows
is shown as written, inside the translated frame.
"""

from __future__ import annotations

from policies.loader import PolicyError
from scheduler.core.messages import Msg, msg, parse

PREFIX = "policy.problem."
CHOICES = "policy.choice."  # "must be {allowed}, got {got}": tried last, as it reads almost anything
_NOT_CHOICES = ("above", "below", "at", "a", "an")  # "must be below 1 (...)" is a range, not a list of choices


def problem(english: str) -> Msg | str:
    """The loader's sentence as its message, if a catalog template made it; else the English."""
    m = parse(english, PREFIX)
    if m is None:
        m = parse(english, CHOICES)
        if m is None or "(" in str(m.params["allowed"]) or str(m.params["allowed"]).split(" ", 1)[0] in _NOT_CHOICES:
            return english
    allowed = m.params.get("allowed")
    if isinstance(allowed, str) and ", " in allowed and "'" not in allowed:  # "a, b, c": joined the reader's way
        return Msg(m.code, {**m.params, "allowed": allowed.split(", ")})
    return m


def said(exc: PolicyError, stored_name: str | None = None) -> Msg:
    """The refusal's whole line as one message; `stored_name` is the file name the stored site
    policy is checked under (shown in words)."""
    file: Msg | str = msg("policy.stored_name") if stored_name is not None and exc.file == stored_name else exc.file
    what = problem(exc.problem)
    if exc.line is not None and exc.field:
        return msg("policy.error.line_field", file=file, line=exc.line, field=exc.field, problem=what)
    if exc.line is not None:
        return msg("policy.error.line", file=file, line=exc.line, problem=what)
    if exc.field:
        return msg("policy.error.field", file=file, field=exc.field, problem=what)
    return msg("policy.error.file", file=file, problem=what)
