"""A drill's report: systems back within RTO by priority, the slowest, what did not fit and why, failback.

One JSON document (what the API serves and the console reads) and the same numbers as a readable
HTML page in Chinese and English, with units and Asia/Shanghai times, and no external assets, so it
can be saved or printed as the drill's record.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlmodel import Session, select

from scheduler.core import energy, messages
from scheduler.core.policy import get_policy
from scheduler.dr import recovery
from scheduler.dr.models import Drill, DrillRecovery
from scheduler.plans.models import Plan, PlanAction

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
SLOWEST = 10
_env = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def _iso(t: datetime | None) -> str | None:
    if t is None:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=timezone.utc)).isoformat()


def _row(r: DrillRecovery) -> dict[str, Any]:
    return {"workload": r.workload_id, "cloud": r.cloud_id, "priority": r.priority, "rto_minutes": r.rto_minutes,
            "rpo_minutes": r.rpo_minutes, "from_host": r.from_host, "to_host": r.to_host, "to_cloud": r.to_cloud,
            "step": r.step, "predicted_minutes": r.predicted_minutes, "measured_minutes": r.measured_minutes,
            "within_rto_predicted": r.predicted_minutes is not None and r.predicted_minutes <= r.rto_minutes,
            "within_rto_measured": r.measured_minutes is not None and r.measured_minutes <= r.rto_minutes,
            "unplaced_reason": r.unplaced_reason or None, "failback_host": r.failback_host,
            "failback_state": r.failback_state or None}


def _failback(session: Session, drill: Drill) -> dict[str, Any] | None:
    if drill.failback_plan_id is None:
        return None
    plan = session.get(Plan, drill.failback_plan_id)
    assert plan is not None
    counts: dict[str, int] = {}
    for a in session.exec(select(PlanAction).where(PlanAction.plan_id == plan.id, PlanAction.phase == "forward")):
        counts[a.state] = counts.get(a.state, 0) + 1
    return {"plan": plan.id, "state": plan.state, "state_reason": plan.state_reason,
            "state_text": messages.words(plan.state_reason, "state."),
            "moves": len(plan.document["moves"]), "done": counts.get("done", 0), "failed": counts.get("failed", 0),
            "stayed": plan.document.get("stayed", [])}


def headline(within: int, late: int, no_place: int, not_protected: int) -> dict[str, Any]:
    """Every system of the drilled clouds, counted once: protected and back within RTO, protected but
    late, protected with no place to restart, not protected at all. Shares are of all systems, so an
    unprotected majority cannot hide behind "100 % of the protected"."""
    systems = within + late + no_place + not_protected
    counts = {"within_rto": within, "late": late, "no_place": no_place, "not_protected": not_protected}
    return {"systems": systems, **counts,
            "shares": {k: (round(v / systems, 4) if systems else None) for k, v in counts.items()}}


def build(session: Session, drill: Drill) -> dict[str, Any]:
    """The report as JSON-ready data; measured times only for a live drill that got that far."""
    rows = [_row(r) for r in session.exec(select(DrillRecovery).where(DrillRecovery.drill_id == drill.id)
                                          .order_by(DrillRecovery.priority, DrillRecovery.workload_id))]
    policy = get_policy()
    stored = drill.report or {}
    live = drill.mode == "live"
    key = "measured_minutes" if live and any(r["measured_minutes"] is not None for r in rows) else "predicted_minutes"
    plan_doc: dict[str, Any] = stored.get("plan") or {}
    power = stored.get("energy")
    notes: list[str] = stored.get("notes") or []
    if drill.failover_plan_id is not None:
        fp = session.get(Plan, drill.failover_plan_id)
        plan_doc = fp.document if fp else {}
        notes = (fp.notes or []) if fp else []
        if fp is not None and power is None:
            power = energy.of_plan(session, fp.fleet, fp.document)
    not_protected = [u for u in plan_doc.get("unplaced", []) if "not DR-protected" in u["reason"]]
    unplaced = {u["workload"]: u for u in plan_doc.get("unplaced", [])}
    back = [r for r in rows if r[key] is not None]
    slowest = sorted(back, key=lambda r: -r[key])[:SLOWEST]
    within = [r for r in back if r[key] <= r["rto_minutes"]]
    return {
        "headline": headline(len(within), len(back) - len(within), sum(1 for r in rows if r["to_host"] is None),
                             len(not_protected)),
        "drill": {"id": drill.id, "mode": drill.mode, "clouds": drill.clouds, "state": drill.state,
                  "state_reason": drill.state_reason, "state_text": messages.words(drill.state_reason, "drill."),
                  "starter": drill.starter, "schedule": drill.schedule,
                  "failover_plan": drill.failover_plan_id, "failback_plan": drill.failback_plan_id,
                  "created_at": _iso(drill.created_at), "started_at": _iso(drill.started_at),
                  "failed_over_at": _iso(drill.failed_over_at), "closed_at": _iso(drill.closed_at)},
        "model": {"restart_minutes": policy.dr.restart_minutes.to_dict(),
                  "max_concurrent_moves_per_cloud": policy.execution.max_concurrent_moves_per_cloud,
                  "max_concurrent_restarts_per_cloud": policy.execution.max_concurrent_restarts_per_cloud,
                  "backup_reserve_share": policy.dr.backup_reserve_share,
                  "times": messages.msg("drill.report.times_measured" if key == "measured_minutes"
                                        else "drill.report.times_predicted").said()},
        "basis": "measured" if key == "measured_minutes" else "predicted",
        "summary": {"protected": len(rows), "recovered": len(back), "within_rto": len(within),
                    "share_within_rto": round(len(within) / len(rows), 4) if rows else None,
                    "did_not_fit": sum(1 for r in rows if r["to_host"] is None),
                    "slowest_minutes": slowest[0][key] if slowest else None,
                    "not_protected": len(not_protected), "plan_moves": len(plan_doc.get("moves", [])),
                    "plan_seconds": stored.get("plan_seconds")},
        "by_priority": {"predicted": recovery.summarise(rows, "predicted_minutes"),
                        "measured": recovery.summarise(rows, "measured_minutes") if live else None},
        "slowest": slowest,
        "did_not_fit": [{"workload": r["workload"], "cloud": r["cloud"], "priority": r["priority"],
                         "rto_minutes": r["rto_minutes"], "reason": r["unplaced_reason"],
                         "text": _said(unplaced.get(r["workload"]), r["unplaced_reason"])}
                        for r in rows if r["to_host"] is None],
        "not_protected": {"count": len(not_protected), "workloads": [u["workload"] for u in not_protected[:200]],
                          "reason": not_protected[0]["reason"] if not_protected else None,
                          "text": _said(not_protected[0], None) if not_protected else None},
        "capacity": stored.get("capacity"),
        "failback": _failback(session, drill),
        "energy": power,
        "policy_notes": [_note(n) for n in notes],  # what site policy held back, in the reader's language
        "systems": rows,
    }


def _local(iso: str | None) -> str:
    if not iso:
        return "—"
    return datetime.fromisoformat(iso).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _minutes(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{v:.1f} 分钟 min" if v >= 1 else f"{v * 60:.1f} 秒 s"


RESOURCE_LABELS = {"vcpu": ("vCPU", "vCPU", "vCPU"), "memory_gib": ("内存", "memory", "GiB"),
                   "gpu": ("GPU", "GPU", "GPU"), "storage_gib": ("存储", "storage", "GiB")}


def _resource(key: str) -> str:
    """'内存 memory (GiB)' for memory_gib: a printed report shows no raw field names."""
    zh, en, unit = RESOURCE_LABELS.get(key, (key, key, ""))
    return zh if zh == en else f"{zh} {en} ({unit})"


def _amount(key: str, v: float) -> str:
    unit = RESOURCE_LABELS.get(key, ("", "", ""))[2]
    return f"{v:,.1f} {unit}".strip()


STATES = {"planned": "已计划 planned", "failing-over": "切换中 failing over", "failed-over": "已切换 failed over",
          "failing-back": "回切中 failing back", "closed": "已结束 closed", "aborted": "已中止 aborted"}
_KEY = r"\b(vcpu|memory_gib|gpu|storage_gib)\b"


def _said(unplaced: dict[str, Any] | None, english: str | None) -> str | None:
    """An unplaced reason in the reader's language: from the plan document's code, else as stored."""
    if unplaced and isinstance(unplaced.get("code"), str):
        return messages.text(unplaced["code"], unplaced.get("params"))
    return english


def _reason(text: str | None) -> str:
    """The optimizer's reason for print: 'short of vcpu (needs 8, at most 4 free)' becomes
    'short of vCPU (needs 8 vCPU, at most 4 vCPU free)'; no raw field name is left."""
    if not text:
        return "—"

    def with_units(m: re.Match[str]) -> str:
        unit = RESOURCE_LABELS[m.group(1)][2]
        return f"{_resource(m.group(1))} (needs {m.group(2)} {unit}, at most {m.group(3)} {unit} free)"

    out = re.sub(_KEY + r" \(needs ([\d.,]+), at most ([\d.,]+) free\)", with_units, text)
    return re.sub(_KEY, lambda m: _resource(m.group(1)), out)


def _share(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _note(english: str) -> dict[str, Any]:
    m = messages.parse(english, "note.plan.")
    return m.said() if m is not None else {"text": english}


def _in(said: dict[str, Any], lang: str) -> str:
    """A said message in `lang` (the HTML page shows both languages); its text if it has no code."""
    m = messages.of(said)
    return m.render(lang) if m is not None else str(said.get("text", ""))


def render_html(report: dict[str, Any]) -> str:
    """The report as one self-contained page (inline styles, no scripts, no external assets)."""
    return _env.get_template("drill_report.html").render(r=report, local=_local, minutes=_minutes,
                                                         resource=_resource, amount=_amount, share=_share,
                                                         reason=_reason, state=lambda x: STATES.get(x, x), said=_in)
