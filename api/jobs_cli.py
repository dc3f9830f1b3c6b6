"""`qianyun jobs solve`: a job-set document (or a PSPLIB `.sm` file) in, a schedule document out.

A refused document exits 2 with one clear line on stderr (never a traceback); on a terminal a short
summary follows the write, otherwise nothing but errors is printed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from scheduler.core import messages, offline, optimizer_errors
from scheduler.core.messages import msg, say

jobs_app = typer.Typer(help="Data-zone jobs: schedule pipelines in time (optimizer-contract.md).",
                       no_args_is_help=True)


def _fail(what: Any) -> None:
    """One line on stderr in the user's language (LANG / LC_MESSAGES), exit 2."""
    typer.echo(messages.text("cli.error", {"message": say(what)}), err=True)
    raise typer.Exit(code=2)


def _load(path: Path) -> dict[str, Any]:
    try:
        return offline.read_jobs_document(path)
    except offline.DocumentError as e:
        _fail(e)
    raise AssertionError("unreachable")


@jobs_app.command("solve")
def solve_cmd(
    instance: Path = typer.Argument(..., help="job-set JSON, or a PSPLIB single-mode .sm file"),
    output: Path = typer.Option(..., "-o", "--output", help="where to write the schedule (JSON)"),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", min=0.1, help="seconds (default 10)"),
    objective: Optional[str] = typer.Option(None, "--objective", help="makespan | tardiness (default: makespan)"),
) -> None:
    """Schedule the jobs: start times, makespan, status and a proven lower bound."""
    if objective is not None and objective not in offline.JOB_OBJECTIVES:
        _fail(msg("cli.objective_invalid", got=objective))
    doc = _load(instance)
    try:
        sched = offline.solve_jobs(doc, objective=objective, time_limit_s=time_limit)
    except offline.JobSetError as e:
        _fail(optimizer_errors.said(e))
    try:
        output.write_text(json.dumps(sched.to_document(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    except OSError as e:
        _fail(msg("document.cannot_write", path=str(output), error=str(e.strerror or e)))
    if sys.stderr.isatty():
        typer.echo(messages.text("cli.jobs.summary", {
            "jobs": len(sched.starts), "makespan": sched.makespan, "bound": sched.lower_bound,
            "status": messages.text(f"solver.{sched.status}"), "seconds": round(sched.solve_seconds, 1),
            "path": str(output)}), err=True)


def register(app: typer.Typer) -> None:
    """Add the `jobs` command group to the `qianyun` app."""
    app.add_typer(jobs_app, name="jobs")
