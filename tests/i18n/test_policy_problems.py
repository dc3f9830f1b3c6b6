"""Every problem the policy loader can name is a catalog template, so a site-policy refusal reads in the
reader's language (policies/ stays English; scheduler.core.policy_errors reads its sentences back).
The loader's sentences are found in its source: a new `fail(...)` without a template fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from scheduler.core.messages import Msg
from scheduler.core.policy_errors import problem

LOADER = Path(__file__).resolve().parents[2] / "policies" / "loader.py"


def _sample(node: ast.expr) -> str | None:
    """The sentence a problem argument makes, each interpolated value standing in as 7."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "7" for v in node.values)
    return None  # a variable: the helper's own pass-through, or choice()'s lead (tested below)


def _problems() -> list[tuple[int, str]]:
    out = []
    for n in ast.walk(ast.parse(LOADER.read_text(encoding="utf-8"))):
        if isinstance(n, ast.Call) and len(n.args) >= 3:
            name = n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
            if name in ("fail", "PolicyError") and (s := _sample(n.args[-1])) is not None:
                out.append((n.lineno, s))
    return sorted(out)


PROBLEMS = _problems()


def test_the_loader_has_problems_to_check() -> None:
    assert len(PROBLEMS) > 30  # the scan found the loader's sentences (a broken scan must not pass empty)


@pytest.mark.parametrize("line,sentence", PROBLEMS, ids=[f"loader.py:{n}" for n, _ in PROBLEMS])
def test_each_problem_reads_back_as_a_message(line: int, sentence: str) -> None:
    m = problem(sentence)
    assert isinstance(m, Msg), f"policies/loader.py:{line}: no template for {sentence!r}"
    assert m.render("en") == sentence
    assert m.render("zh-CN") != sentence


@pytest.mark.parametrize("sentence", ["unknown cohort 'x'; must be one of province, city",
                                      "must be 'hosts' or 'power', got 'watts'"])
def test_a_choice_reads_back_as_a_message(sentence: str) -> None:
    assert isinstance(problem(sentence), Msg)
