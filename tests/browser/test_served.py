"""The console as the API serves it, /metrics, and the Grafana dashboard (no browser needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from dashboards import console_dir

GRAFANA = Path(console_dir()).parent / "grafana" / "qianyun.json"


def test_the_console_is_served_at_the_root_with_its_assets(client) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    for asset in re.findall(r'(?:src|href)="(/console/[^"]+)"', r.text):
        a = client.get(asset)
        assert a.status_code == 200, asset
    assert client.get("/docs").status_code == 200  # the API's own pages are untouched
    assert client.get("/api/v1/clouds").status_code == 401


def test_every_console_module_is_served_as_javascript(client) -> None:
    """Browsers refuse an ES module served with another content type, and the pages load them as modules."""
    root = Path(console_dir())
    modules = sorted(root.rglob("*.js"))
    names = {m.relative_to(root).as_posix() for m in modules}
    assert {"app.js", "open.js", "core/api.js", "core/router.js", "pages/plan.js", "i18n/en/console.js"} <= names
    for m in modules:
        r = client.get("/console/" + m.relative_to(root).as_posix())
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript"), (m, r.headers)
    for page, entry in (("index.html", "app.js"), ("open.html", "open.js")):
        assert f'<script type="module" src="/console/{entry}"></script>' in (root / page).read_text(encoding="utf-8")


def test_the_console_loads_nothing_from_outside() -> None:
    for f in Path(console_dir()).rglob("*"):
        if f.is_file():
            text = f.read_text(encoding="utf-8")
            outside = [u for u in re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s'\"]*", text)
                       if not u.startswith("http://www.w3.org/2000/svg")]
            assert not outside, f"{f.name} refers to {outside}"


def test_metrics_are_exposed_in_the_prometheus_text_format(client) -> None:
    client.post("/api/v1/auth/token", data={"username": "nobody", "password": "wrong-password"})
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert re.search(r"^qianyun_logins_refused_total [1-9]", r.text, re.M)
    assert 'qianyun_plans{state="proposed"} 0.0' in r.text
    for name in ("qianyun_plan_solve_seconds", "qianyun_moves_executed_total", "qianyun_adapter_errors_total"):
        assert f"# TYPE {name}" in r.text


def test_the_grafana_dashboard_uses_only_metrics_the_service_exposes(client) -> None:
    exposed = set(re.findall(r"^# TYPE (\w+)", client.get("/metrics").text, re.M))
    dash = json.loads(GRAFANA.read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    assert exprs
    for expr in exprs:
        for name in re.findall(r"\b(qianyun_\w+)", expr):
            base = re.sub(r"_(bucket|count|sum)$", "", name)
            assert name in exposed or base in exposed, f"{name} in {expr!r} is not exposed"
