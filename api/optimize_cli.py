"""`qianyun optimize` and `qianyun failover`: fleet document in, plan document out.

A refused document exits 2 with one clear line on stderr (never a traceback). On a terminal the
solve shows live progress (best active hosts, bound, elapsed) and ends with a summary table;
otherwise nothing but errors is printed, so scripts can rely on the exit code and the file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from scheduler.core import messages, offline, optimizer_errors
from scheduler.core.messages import msg, say


def _fail(what: Any) -> None:
    """One line on stderr in the user's language (LANG / LC_MESSAGES), exit 2."""
    typer.echo(messages.text("cli.error", {"message": say(what)}), err=True)
    raise typer.Exit(code=2)


def _load(path: Path) -> dict[str, Any]:
    try:
        return offline.read_document(path)
    except offline.DocumentError as e:
        _fail(e)
    raise AssertionError("unreachable")


def _run(solve: Any, out: Path) -> None:
    """Solve with progress on a terminal, write the plan, print a summary on a terminal."""
    tty = sys.stderr.isatty()
    try:
        if tty:
            from rich.console import Console
            from rich.live import Live
            from rich.table import Table

            console = Console(stderr=True)
            with Live(console=console, refresh_per_second=8, transient=True) as live:
                def progress(p: dict[str, Any]) -> None:
                    live.update(f"[bold]{p['phase']}[/]  active hosts {p['active_hosts']}  "
                                f"bound {p['lower_bound_hosts']}  peak {p['peak_utilisation']:.0%}  "
                                f"migrations {p['migrations']}  {p['elapsed']:.1f}s")
                plan = solve(progress)
        else:
            plan = solve(None)
    except offline.FleetError as e:
        _fail(optimizer_errors.said(e))
    doc = plan.to_document()
    try:
        out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    except OSError as e:
        _fail(msg("document.cannot_write", path=str(out), error=str(e.strerror or e)))
    if tty:
        t = Table(title=messages.text("cli.plan.title"), show_header=False)
        for k, v in summary(plan, out):
            t.add_row(k, v)
        console.print(t)


def summary(plan: Any, out: Path) -> list[tuple[str, str]]:
    """The plan's figures and its first reasons, in the user's language (the file keeps the contract's English)."""
    s = plan.stats
    rows = [(messages.text(f"cli.plan.{k}"), str(v)) for k, v in (
        ("active_hosts", s.active_hosts), ("lower_bound", s.lower_bound_hosts), ("migrations", s.migrations),
        ("moves", len(plan.moves)), ("unplaced", len(plan.unplaced)), ("peak", f"{s.peak_utilisation:.1%}"),
        ("status", messages.text(f"solver.{s.status}")), ("seconds", f"{s.solve_seconds:.1f}"), ("written", str(out)))]
    if s.power_w is not None:  # kW before and after, and the proven bound of a power plan
        rows.append((messages.text("cli.plan.power"), " / ".join(f"{s.power_w[k] / 1000:.3f} kW" if k in s.power_w else "–"
                                                             for k in ("before", "after", "bound"))))
    for m in plan.moves[:5]:
        rows.append((messages.text("cli.plan.move", {"step": m.step, "workload": m.workload}), say(m.why)))
    for u in plan.unplaced[:5]:
        rows.append((messages.text("cli.plan.unplaced_one", {"workload": u.workload}), say(u.why)))
    return rows


def register(app: typer.Typer) -> None:
    """Add `optimize` and `failover` to the `qianyun` app."""

    @app.command("optimize")
    def optimize_cmd(
        fleet: Path = typer.Argument(..., help="fleet document (JSON, see optimizer-contract.md)"),
        output: Path = typer.Option(..., "-o", "--output", help="where to write the plan (JSON)"),
        mode: Optional[str] = typer.Option(None, "--mode", help="consolidate | balance (default: the document's)"),
        max_migrations: Optional[int] = typer.Option(None, "--max-migrations", min=0,
                                                     help="at most this many moves of placed workloads"),
        time_limit: Optional[float] = typer.Option(None, "--time-limit", min=0.1, help="seconds"),
        minimise: Optional[str] = typer.Option(None, "--minimise",
                                               help="hosts | power: what consolidation minimises (default: the document's)"),
    ) -> None:
        """Plan placement, then consolidate or balance, as an ordered list of safe moves."""
        if mode is not None and mode not in ("consolidate", "balance"):
            _fail(msg("cli.mode_invalid", got=mode))
        if minimise is not None and minimise not in offline.MINIMISE:
            _fail(msg("cli.minimise_invalid", got=minimise))
        doc = _load(fleet)
        if minimise is not None and isinstance(doc.get("objective"), dict):  # else the document's own error
            doc["objective"]["minimise"] = minimise
        mm = offline.FROM_FLEET if max_migrations is None else max_migrations
        _run(lambda p: offline.optimize(doc, mode=mode, max_migrations=mm, time_limit_s=time_limit, progress=p),
             output)

    @app.command("failover")
    def failover_cmd(
        fleet: Path = typer.Argument(..., help="fleet document (JSON)"),
        failed: str = typer.Option(..., "--failed", help="failed cloud ids, comma-separated"),
        output: Path = typer.Option(..., "-o", "--output", help="where to write the plan (JSON)"),
        time_limit: Optional[float] = typer.Option(None, "--time-limit", min=0.1, help="seconds"),
    ) -> None:
        """Restart the protected workloads of failed clouds elsewhere, by DR priority."""
        clouds = [c.strip() for c in failed.split(",") if c.strip()]
        if not clouds:
            _fail(msg("cli.failed_none"))
        doc = _load(fleet)
        _run(lambda p: offline.failover(doc, clouds, time_limit_s=time_limit, progress=p), output)
