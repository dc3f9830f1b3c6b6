"""PSPLIB single-mode `.sm` files as job-set documents (optimizer-contract.md).

The benchmark sets (j30, j60, j120) are the standard test of a project scheduler. Reading them into
the same job-set document the service builds means the benchmark exercises exactly the code that
schedules the data zone: jobs `j1..jN` (the dummy source and sink kept, duration 0), resources
`R1..Rk`, and the file's horizon.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from optimizer.jobs import JobSetError


def _section(lines: list[str], title: str) -> int:
    for i, line in enumerate(lines):
        if line.strip().upper().startswith(title):
            return i
    raise JobSetError(f"psplib: section {title!r} not found")


def _ints(line: str, where: str) -> list[int]:
    try:
        return [int(x) for x in line.split()]
    except ValueError:
        raise JobSetError(f"psplib: {where}: expected whole numbers, got {line.strip()!r}") from None


def _is_rule(line: str) -> bool:
    s = line.strip()
    return not s or set(s) <= {"*", "-"}


def parse_psplib(text: str) -> dict[str, Any]:
    """Parse the text of a PSPLIB single-mode `.sm` file into a job-set document."""
    lines = text.splitlines()
    horizon = None
    n_jobs = None
    for line in lines:
        low = line.lower()
        if low.startswith("horizon") and ":" in line:
            horizon = _ints(line.split(":", 1)[1], "horizon")[0]
        elif low.startswith("jobs (incl") and ":" in line:
            n_jobs = _ints(line.split(":", 1)[1], "jobs")[0]
    if horizon is None:
        raise JobSetError("psplib: horizon: line not found")
    if n_jobs is None:
        raise JobSetError("psplib: jobs: the 'jobs (incl. supersource/sink)' line not found")

    # Resources: the header of RESOURCEAVAILABILITIES names them ("R 1  R 2 ..."), the next line holds the values.
    ra = _section(lines, "RESOURCEAVAILABILITIES")
    names = [f"R{k}" for k in re.findall(r"[RNDrnd]\s*(\d+)", lines[ra + 1])]
    caps = _ints(lines[ra + 2], "RESOURCEAVAILABILITIES")
    if not names or len(caps) != len(names):
        raise JobSetError("psplib: RESOURCEAVAILABILITIES: resource names and values do not match")

    succ: dict[int, list[int]] = {}
    i = _section(lines, "PRECEDENCE RELATIONS") + 2
    while len(succ) < n_jobs and i < len(lines):
        if not _is_rule(lines[i]):
            row = _ints(lines[i], f"precedence line {i + 1}")
            if len(row) < 3 or len(row) != 3 + row[2]:
                raise JobSetError(f"psplib: precedence line {i + 1}: successor count does not match the list")
            succ[row[0]] = row[3:]
        i += 1

    dur: dict[int, int] = {}
    dem: dict[int, list[int]] = {}
    i = _section(lines, "REQUESTS/DURATIONS") + 2
    while len(dur) < n_jobs and i < len(lines):
        if not _is_rule(lines[i]):
            row = _ints(lines[i], f"requests line {i + 1}")
            if len(row) != 3 + len(names):
                raise JobSetError(f"psplib: requests line {i + 1}: expected {3 + len(names)} numbers "
                                  "(single-mode files only)")
            dur[row[0]] = row[2]
            dem[row[0]] = row[3:]
        i += 1
    if sorted(dur) != list(range(1, n_jobs + 1)) or sorted(succ) != list(range(1, n_jobs + 1)):
        raise JobSetError(f"psplib: jobs: expected jobs 1..{n_jobs} in both the precedence and the requests")

    preds: dict[int, list[int]] = {j: [] for j in dur}
    for j, ss in succ.items():
        for s in ss:
            if s not in preds:
                raise JobSetError(f"psplib: precedence of job {j}: unknown successor {s}")
            preds[s].append(j)
    jobs = [{"id": f"j{j}", "duration": dur[j],
             "demand": {n: q for n, q in zip(names, dem[j]) if q},
             "after": [f"j{p}" for p in preds[j]]} for j in range(1, n_jobs + 1)]
    return {"horizon": horizon, "resources": dict(zip(names, caps)), "jobs": jobs}


def read_psplib(path: str | Path) -> dict[str, Any]:
    """Read a `.sm` file from disk (see `parse_psplib`)."""
    return parse_psplib(Path(path).read_text(encoding="utf-8", errors="replace"))
