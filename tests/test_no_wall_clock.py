"""No test asserts on measured wall time: speed is measured in bench/, a loaded machine must not fail a test.

A comparison one of whose sides holds a clock difference (`time.perf_counter() - t0`, or a name bound
from one, or a list such differences were appended to) fails this check unless its line says
`hang guard` in a comment: a bound only there to stop a hang, at least 10x the expected time. A
deadline (`time.monotonic() < deadline`, the clock against a time computed before) is a wait, not a
measurement, and is not flagged. A time the service itself measured and reports (`answer["seconds"]`,
`stats.solve_seconds`, any key or attribute named for seconds or elapsed time) compared with a number
is a wall-clock assertion too.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

TESTS = Path(__file__).resolve().parent
CLOCKS = {"time", "perf_counter", "monotonic", "time_ns", "perf_counter_ns", "monotonic_ns"}


def _is_clock_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    if isinstance(f, ast.Attribute):
        return f.attr in CLOCKS and isinstance(f.value, ast.Name) and f.value.id == "time"
    return isinstance(f, ast.Name) and f.id in CLOCKS - {"time"}


def _is_reported_time(node: ast.AST) -> bool:
    """`x["seconds"]`, `x["solve_seconds"]`, `x.elapsed`: a duration the service measured and returned."""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        key = node.slice.value
    elif isinstance(node, ast.Attribute):
        key = node.attr
    else:
        return False
    return key.endswith("seconds") or key in ("elapsed", "duration_s")


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _walk_scope(scope: ast.AST) -> list[ast.AST]:
    """The nodes of one module or function, without those of the functions defined inside it."""
    out, todo = [], list(ast.iter_child_nodes(scope))
    while todo:
        n = todo.pop()
        out.append(n)
        if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(n))
    return out


def _scope_violations(scope: ast.AST, hang_guard_lines: set[int]) -> list[int]:
    """Lines, within one module or function, of comparisons on a measured clock difference."""
    nodes = _walk_scope(scope)
    clocks: set[str] = set()  # names bound to a clock reading: t0 = time.perf_counter()
    for n in nodes:
        if isinstance(n, ast.Assign) and _is_clock_call(n.value):
            clocks |= {t.id for t in n.targets if isinstance(t, ast.Name)}

    def measured(expr: ast.AST, tainted: set[str]) -> bool:
        for sub in ast.walk(expr):
            if isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Sub):
                sides = (sub.left, sub.right)
                clock = [_is_clock_call(s) or (isinstance(s, ast.Name) and s.id in clocks) for s in sides]
                # time.time() - 1.5 is a moment, not a measurement
                if any(clock) and not any(isinstance(s, ast.Constant) for s in sides):
                    return True
            if isinstance(sub, ast.Name) and sub.id in tainted:
                return True
        return False

    tainted: set[str] = set()  # names bound from a difference: elapsed = time.perf_counter() - t0
    while True:
        before = len(tainted)
        for n in nodes:
            if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and n.value is not None \
                    and measured(n.value, tainted):
                targets = n.targets if isinstance(n, ast.Assign) else [n.target]
                tainted |= set().union(*(_names(t) for t in targets))
            elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("append", "extend") \
                    and isinstance(n.func.value, ast.Name) and any(measured(a, tainted) for a in n.args):
                tainted.add(n.func.value.id)
        if len(tainted) == before:
            break
    out = []
    for n in nodes:
        sides = [n.left, *n.comparators] if isinstance(n, ast.Compare) else []
        reported = any(_is_reported_time(a) for a in sides) and any(
            isinstance(b, ast.Constant) and isinstance(b.value, (int, float)) and b.value > 0 for b in sides)
        if sides and (reported or any(measured(side, tainted) for side in sides)):
            lines = set(range(n.lineno, (n.end_lineno or n.lineno) + 1))
            if not lines & hang_guard_lines:
                out.append(n.lineno)
    return out


def wall_clock_assertions(source: str) -> list[int]:
    """Line numbers of comparisons on measured wall time not marked as hang guards, in one file's source."""
    tree = ast.parse(source)
    guards = {tok.start[0] for tok in tokenize.generate_tokens(io.StringIO(source).readline)
              if tok.type == tokenize.COMMENT and "hang guard" in tok.string.lower()}
    scopes = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return sorted({line for s in scopes for line in _scope_violations(s, guards)})


def test_no_test_asserts_on_measured_wall_time() -> None:
    found = {str(p.relative_to(TESTS)): lines for p in sorted(TESTS.rglob("*.py"))
             if (lines := wall_clock_assertions(p.read_text(encoding="utf-8")))}
    assert found == {}, ("comparisons on measured wall time (file: lines); move the figure to bench/, count "
                         f"instead, or make it a hang guard >= 10x the expected time, commented as such: {found}")


def test_the_check_finds_each_form_and_accepts_a_commented_hang_guard() -> None:
    src = '''
import time
from time import perf_counter
def direct():
    t0 = time.monotonic()
    assert time.monotonic() - t0 < 3
def through_a_name():
    t0 = perf_counter()
    work()
    elapsed = perf_counter() - t0
    assert elapsed < 20, f"took {elapsed}"
def through_a_list():
    times = []
    for _ in range(3):
        t = time.perf_counter()
        times.append(time.perf_counter() - t)
    assert float(np.percentile(times, 99)) < 0.020
def guarded():
    t0 = time.monotonic()
    assert time.monotonic() - t0 < 30  # hang guard, ~300x the expected 0.1 s
def deadline():
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pass
    assert time.time() - 1.5 < end
def reported(answer, plan):
    assert answer["seconds"] < 2.0
    assert plan.stats.solve_seconds <= 5
    assert answer["seconds"] >= 0
'''
    assert wall_clock_assertions(src) == [6, 11, 17, 27, 28]
