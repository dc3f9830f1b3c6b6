"""`qianyun whatif SCENARIO.yaml`: a scenario answered in this process, on the service's database.

The file is read with YAML's safe loader; a refused file or scenario is one line on stderr naming the
field, and exit 2. The scenario is stored (listed and compared with the API's) and audited as made by
the command line; it never calls a cloud.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

TOP_KEYS = ("name", "scope", "changes", "drill_clouds")


def parse_text(text: str, name: str) -> dict[str, Any]:
    """A scenario written in YAML (safe loading) as a mapping; ValueError with one line naming what is wrong."""
    import yaml

    from scheduler.core.messages import msg

    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = str(getattr(exc, "problem", None) or exc)
        raise ValueError(msg("refusal.field", field=name, message=(
            msg("whatif.yaml.not_yaml_at", line=mark.line + 1, problem=problem) if mark is not None
            else msg("whatif.yaml.not_yaml", problem=problem)))) from None
    if not isinstance(raw, dict):
        raise ValueError(msg("refusal.field", field=name, message=msg("whatif.yaml.not_mapping", keys=list(TOP_KEYS))))
    for k in raw:
        if k not in TOP_KEYS:
            raise ValueError(msg("refusal.field", field=name, message=msg("whatif.yaml.unknown_field", key=str(k),
                                                                          keys=list(TOP_KEYS))))
    return raw


def read_scenario(path: Path) -> dict[str, Any]:
    """The scenario file as a mapping; ValueError with a line naming what is wrong."""
    from scheduler.core.messages import msg

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(msg("document.cannot_read", path=str(path), error=str(exc))) from None
    return parse_text(text, str(path))


def register(app: typer.Typer) -> None:
    @app.command("whatif")
    def whatif(scenario: Annotated[Path, typer.Argument(help="the scenario (YAML): name, scope, changes, drill_clouds")],
               output: Annotated[Optional[Path], typer.Option("-o", "--output", help="write the whole answer (JSON) here")] = None) -> None:
        """Answer a what-if scenario on today's fleet (docs/whatif.md); nothing is changed on any cloud."""
        from api.cli import err, fail, out, prepare
        from scheduler import whatif as scenarios
        from scheduler.core.accounts import Actor
        from scheduler.core.db import session_scope
        from scheduler.core.messages import msg, say
        from scheduler.core.refusal import Refusal
        from scheduler.whatif.models import Scenario

        try:
            raw = read_scenario(scenario)
        except ValueError as exc:
            fail(exc)
        prepare()
        actor = Actor("cli:whatif", "system", None)
        try:
            with session_scope() as session:
                s = scenarios.create(session, actor, raw.get("name") or scenario.stem, raw.get("scope", "all"),
                                     raw.get("changes"), raw.get("drill_clouds"), background=False)
                sid = s.id
        except Refusal as exc:
            fail(msg("document.refused", path=str(scenario), error=say(exc)))
        state = scenarios.run(sid)  # type: ignore[arg-type]
        with session_scope() as session:
            s = session.get(Scenario, sid)
            assert s is not None
            if state != "done":
                err.print(f"[red]scenario {sid} failed:[/red] {s.state_reason}", highlight=False, soft_wrap=True)
                raise typer.Exit(1)
            result = s.result
        if output is not None:
            output.write_text(json.dumps(result, ensure_ascii=False, indent=1))
        for line in summary_lines(sid, result):
            out.print(line, highlight=False, soft_wrap=True)


def summary_lines(sid: int, r: dict[str, Any]) -> list[str]:
    """What an operator reads first: what fits, hosts per cloud, where quota is short, the drill."""
    f = r["fits"]
    lines = [f"scenario {sid}: {f['placed']} of {f['systems']} systems placed, {f['unplaced']} not "
             f"(new systems: {f['new_systems']['placed']} of {f['new_systems']['total']} placed)"]
    lines += [f"  {x['systems']} not placed: {x['reason']}" for x in f["by_reason"][:5]]
    t = r["hosts"]["total"]
    lines.append(f"hosts: {t['active']} used of {t['live']} live, at least {t['bound']} needed (proven bound)")
    for h in r["hosts"]["clouds"]:
        lines.append(f"  {h['cloud']}: lost" if h["lost"] else
                     f"  {h['cloud']}: {h['active']} used of {h['live']}, at least {h['bound']} for what it holds")
    for q in r["quota"]:
        short = {k: v for k, v in q["short"].items() if v > 0}
        if short:
            lines.append(f"quota short on {q['cloud']}: " + ", ".join(f"{v:g} {k}" for k, v in short.items()))
    for v in r["quota_requests"]:
        lines.append(f"quota request {v['id']} ({v['department']} on {v['cloud']}): {v['verdict']}")
    d = r.get("drill")
    if d is not None:
        p1 = d["priority1"]
        lines.append(f"drill of {', '.join(d['clouds'])}: {p1['within_rto']} of {p1['systems']} priority-1 systems "
                     f"back within their RTO; {d['headline']['no_place']} protected systems find no place")
    elif r.get("drill_note"):
        lines.append(f"drill: {r['drill_note']}")
    return lines
