"""The import arrows of docs/architecture.md, checked on the source: an import that is not allowed fails here.

Read with the ast module (imports inside functions count too), so the rule holds for lazy imports as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OURS = ("optimizer", "policies", "adapters", "scheduler", "api", "dashboards", "bench", "tests")

# room -> the rooms it may import (a room is a package or a scheduler subpackage; a prefix match).
ALLOWED: dict[str, tuple[str, ...]] = {
    "optimizer": ("optimizer",),
    "policies": ("policies", "optimizer"),
    "adapters": ("adapters",),
    "scheduler.core": ("scheduler.core", "optimizer", "policies", "adapters"),
    "scheduler.plans": ("scheduler.plans", "scheduler.core", "optimizer", "policies", "adapters"),
    "scheduler.quotas": ("scheduler.quotas", "scheduler.core", "optimizer", "policies", "adapters"),
    "scheduler.jobs": ("scheduler.jobs", "scheduler.core", "optimizer", "policies", "adapters"),
    "scheduler.dr": ("scheduler.dr", "scheduler.plans", "scheduler.core", "optimizer", "policies", "adapters"),
    # what-if scenarios read the plans' input, the quota tables and the drills' recovery model
    "scheduler.whatif": ("scheduler.whatif", "scheduler.dr", "scheduler.plans", "scheduler.quotas", "scheduler.core",
                         "optimizer", "policies", "adapters"),
    # tenants use the other capabilities only through their public surfaces (the package, not its modules)
    "scheduler.tenants": ("scheduler.tenants", "scheduler.core", "=scheduler.quotas", "=scheduler.jobs",
                          "optimizer", "policies", "adapters"),
    # the composition roots: the loop that schedules every capability's work, the tables for Alembic
    "scheduler.loop": ("scheduler", "optimizer", "policies", "adapters"),
    "scheduler.tables": ("scheduler",),
    "scheduler.migrations": ("scheduler.tables", "scheduler.core"),
    "api": ("api", "scheduler", "=dashboards"),  # the API serves the console's files, nothing more
    "dashboards": (),
}


def room_of(module: str) -> str:
    best = ""
    for room in ALLOWED:
        if (module == room or module.startswith(room + ".")) and len(room) > len(best):
            best = room
    assert best, f"{module} lies in no room of docs/architecture.md"
    return best


def allowed(importer: str, imported: str) -> bool:
    for rule in ALLOWED[room_of(importer)]:
        if rule.startswith("="):
            if imported == rule[1:]:
                return True
        elif imported == rule or imported.startswith(rule + "."):
            return True
    return False


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, module) for each of our modules that the file imports; `from pkg import name` counts as pkg.name
    when that name is a module of ours, else as pkg."""
    tree = ast.parse(path.read_text(), str(path))
    me = module_name(path, root)
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the importing module's package
                pkg = me.split(".") if path.name == "__init__.py" else me.split(".")[:-1]
                pkg = pkg[: len(pkg) - node.level + 1]
                base = ".".join(pkg + ([base] if base else []))
            for a in node.names:
                full = f"{base}.{a.name}"
                where = root / Path(*full.split("."))
                is_module = where.with_suffix(".py").exists() or where.is_dir()
                out.append((node.lineno, full if is_module else base))
    return [(n, m) for n, m in out if m.split(".")[0] in OURS]


def sources() -> list[Path]:
    return [p for top in ("optimizer", "policies", "adapters", "scheduler", "api", "dashboards")
            for p in sorted((ROOT / top).rglob("*.py"))]


def violations(files: list[Path], root: Path = ROOT) -> list[str]:
    bad = []
    for path in files:
        me = module_name(path, root)
        for line, imported in imports_of(path, root):
            if not allowed(me, imported):
                bad.append(f"{path.relative_to(root)}:{line}: {me} -> {imported}")
    return bad


def test_every_import_follows_an_allowed_arrow() -> None:
    assert violations(sources()) == []


def test_the_check_sees_a_forbidden_arrow(tmp_path: Path) -> None:
    """The check itself can fail: an optimizer module importing the scheduler, a tenant reaching into a
    quota module, and a lazy import of the adapters from the API are each reported."""
    fake = tmp_path / "optimizer"
    fake.mkdir()
    (fake / "bad.py").write_text("import scheduler.core.db\n")
    tenants = tmp_path / "scheduler" / "tenants"
    tenants.mkdir(parents=True)
    (tenants / "bad.py").write_text("from scheduler.quotas.ledger import grant\n")
    (tmp_path / "scheduler" / "quotas").mkdir()
    (tmp_path / "scheduler" / "quotas" / "ledger.py").write_text("")
    api = tmp_path / "api"
    api.mkdir()
    (api / "bad.py").write_text("def f():\n    from adapters import simulated\n")
    (tmp_path / "adapters").mkdir()
    (tmp_path / "adapters" / "simulated.py").write_text("")
    found = violations([fake / "bad.py", tenants / "bad.py", api / "bad.py"], tmp_path)
    assert found == ["optimizer/bad.py:1: optimizer.bad -> scheduler.core.db",
                     "scheduler/tenants/bad.py:1: scheduler.tenants.bad -> scheduler.quotas.ledger",
                     "api/bad.py:2: api.bad -> adapters.simulated"]
