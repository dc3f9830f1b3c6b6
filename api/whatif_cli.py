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
                from rich.markup import escape

                from scheduler.whatif import reason_words
                line = msg("whatif.cli.failed", scenario=sid, reason=reason_words(s.state_reason)).render()
                err.print(f"[red]{escape(line)}[/red]", highlight=False, soft_wrap=True)
                raise typer.Exit(1)
            result = s.result
        if output is not None:
            output.write_text(json.dumps(result, ensure_ascii=False, indent=1))
        for line in summary_lines(sid, result):
            out.print(line, highlight=False, soft_wrap=True)


def summary_lines(sid: int, r: dict[str, Any], lang: str | None = None) -> list[str]:
    """What an operator reads first, in their language: what fits, hosts per cloud, where quota is
    short, the drill."""
    from scheduler.core import messages
    from scheduler.whatif import drill_note_words

    def say(code: str, **params: Any) -> str:
        return messages.text(code, params, lang)

    f = r["fits"]
    lines = [say("whatif.cli.fits", scenario=sid, placed=f["placed"], systems=f["systems"], unplaced=f["unplaced"],
                 new_placed=f["new_systems"]["placed"], new_total=f["new_systems"]["total"])]
    lines += ["  " + say("whatif.cli.not_placed", systems=x["systems"], reason=messages.words(x["reason"], "unplaced.", lang))
              for x in f["by_reason"][:5]]
    t = r["hosts"]["total"]
    lines.append(say("whatif.cli.hosts", active=t["active"], live=t["live"], bound=t["bound"]))
    for h in r["hosts"]["clouds"]:
        lines.append("  " + (say("whatif.cli.cloud_lost", cloud=h["cloud"]) if h["lost"] else
                             say("whatif.cli.cloud_hosts", cloud=h["cloud"], active=h["active"], live=h["live"], bound=h["bound"])))
    for q in r["quota"]:
        short = {k: v for k, v in q["short"].items() if v > 0}
        if short:
            lines.append(say("whatif.cli.quota_short", cloud=q["cloud"], amounts=short))
    for v in r["quota_requests"]:
        verdict = say(f"whatif.cli.verdict.{v['verdict']}") if v["verdict"] in ("feasible", "short") else v["verdict"]
        lines.append(say("whatif.cli.quota_request", request=v["id"], department=v["department"], cloud=v["cloud"],
                         verdict=verdict))
    d = r.get("drill")
    if d is not None:
        p1 = d["priority1"]
        lines.append(say("whatif.cli.drill", clouds=list(d["clouds"]), within=p1["within_rto"], systems=p1["systems"],
                         no_place=d["headline"]["no_place"]))
    elif r.get("drill_note"):
        lines.append(say("whatif.cli.drill_note", note=drill_note_words(r["drill_note"], lang)))
    return lines
