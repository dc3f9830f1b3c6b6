"""The embedded default: all 14 Guizhou clouds simulated in-process, state in their own SQLite file.

The first open of a state file seeds it from `generate_fleet`; later opens reuse it, so the simulated
clouds survive a restart of the service exactly as real clouds would. Actions behave like a cloud's
API, not like our policies: they refuse what a cloud would refuse (unknown or down host, failed
cloud, no room on the host) and know nothing of tiers or approvals. Utilisation is computed, not
stored: a daily curve in Asia/Shanghai time with deterministic per-workload noise.
"""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np

from adapters.guizhou import CLOUDS, DEPARTMENTS, home_cloud
from adapters.guizhou_fleet import RESOURCES, build_fleet
from adapters.protocol import (
    AdapterError,
    CloudInfo,
    DepartmentInfo,
    DrProfile,
    Health,
    HostInfo,
    Inventory,
    JobStatus,
    UsageRollup,
    WorkloadInfo,
)

SCHEMA_VERSION = "1"
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
USAGE_RESOURCES: tuple[str, ...] = ("vcpu", "memory_gib")
SAMPLE_STEP_S = 300  # one sample every five minutes, as a Prometheus scrape rollup would
MAX_SAMPLES = 289  # longer windows are sampled more coarsely (a day at 5 minutes = 289 samples)
FaultMode = Literal["error", "degraded"]

# Activity over a weekday in local time: trough at 03:00, peaks late morning and mid-afternoon.
_DAY_HOURS = np.array([0.0, 3.0, 6.0, 8.0, 9.5, 10.5, 12.0, 13.0, 14.5, 15.5, 17.5, 19.0, 21.0, 24.0])
_DAY_LEVEL = np.array([0.30, 0.22, 0.28, 0.55, 0.90, 1.00, 0.78, 0.74, 0.92, 0.96, 0.80, 0.55, 0.42, 0.30])
_WEEKEND = 0.6

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clouds (id TEXT PRIMARY KEY, failed INTEGER NOT NULL DEFAULT 0, fault TEXT);
CREATE TABLE IF NOT EXISTS hosts (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, cloud TEXT NOT NULL, model TEXT NOT NULL,
    vcpu REAL NOT NULL, memory_gib REAL NOT NULL, gpu REAL NOT NULL, storage_gib REAL NOT NULL,
    schedulable INTEGER NOT NULL DEFAULT 1, up INTEGER NOT NULL DEFAULT 1);
CREATE INDEX IF NOT EXISTS hosts_cloud ON hosts (cloud);
CREATE TABLE IF NOT EXISTS workloads (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, name TEXT NOT NULL, department TEXT NOT NULL, tier TEXT NOT NULL,
    city TEXT, industry TEXT, classification TEXT NOT NULL, mlps_level INTEGER NOT NULL,
    vcpu REAL NOT NULL, memory_gib REAL NOT NULL, gpu REAL NOT NULL, storage_gib REAL NOT NULL,
    host TEXT, home TEXT, spread_group TEXT, pinned INTEGER NOT NULL DEFAULT 0, role TEXT NOT NULL,
    dr_protected INTEGER NOT NULL DEFAULT 0, dr_priority INTEGER NOT NULL DEFAULT 3,
    dr_rto_minutes INTEGER NOT NULL DEFAULT 240);
CREATE INDEX IF NOT EXISTS workloads_host ON workloads (host);
CREATE INDEX IF NOT EXISTS workloads_home ON workloads (home);
CREATE TABLE IF NOT EXISTS actions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, action TEXT NOT NULL, workload TEXT NOT NULL,
    from_host TEXT, to_host TEXT NOT NULL, caller_pid INTEGER);
"""
_WORKLOAD_COLS = ("id", "seq", "name", "department", "tier", "city", "industry", "classification", "mlps_level",
                  "vcpu", "memory_gib", "gpu", "storage_gib", "host", "home", "spread_group", "pinned", "role",
                  "dr_protected", "dr_priority", "dr_rto_minutes")


class SimulatedAdapter:
    """CloudAdapter and MetricsSource for the 14 Guizhou clouds, thread-safe, persisted in SQLite."""

    def __init__(self, state_path: str | Path, hosts: int = 300, workloads: int = 3000, seed: int = 0,
                 fail_rate: float = 0.0, action_delay_s: float = 0.0, exclude: frozenset[str] = frozenset()) -> None:
        """`fail_rate` makes that share of actions fail as a transient cloud error would; `action_delay_s`
        makes each action take that long, as a real migration does (both for tests and demos);
        `exclude` names the clouds a real adapter serves, which the simulator then does not report."""
        if not 0.0 <= fail_rate <= 1.0:
            raise ValueError(f"fail_rate must be within [0, 1], got {fail_rate}")
        self.state_path = Path(state_path)
        self.fail_rate = fail_rate
        self.action_delay_s = action_delay_s
        self.exclude = exclude
        self._rng = random.Random(seed * 7919 + 17)
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(str(self.state_path), timeout=30.0, isolation_level=None,
                                     check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._seeds: dict[str, int] = {}
        for stmt in filter(str.strip, _SCHEMA.split(";")):
            self._conn.execute(stmt)
        if "caller_pid" not in {r[1] for r in self._conn.execute("PRAGMA table_info(actions)")}:
            self._conn.execute("ALTER TABLE actions ADD COLUMN caller_pid INTEGER")  # a state file made before it
        self._seed_once(hosts, workloads, seed)

    # --- plumbing ----------------------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front so a check and its write cannot interleave."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for a multi-query read."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                self._conn.execute("COMMIT")

    def _seed_once(self, hosts: int, workloads: int, seed: int) -> None:
        """Generate the fleet only if this file has none: reopening never regenerates."""
        with self._tx() as db:
            if db.execute("SELECT 1 FROM meta WHERE key = 'seed'").fetchone():
                return
            fleet = build_fleet(hosts, workloads, seed)
            doc = fleet.doc
            db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
                ("schema", SCHEMA_VERSION), ("hosts", str(hosts)), ("workloads", str(workloads)), ("seed", str(seed)),
                ("created_at", datetime.now(UTC).isoformat())])
            db.executemany("INSERT INTO clouds (id, failed, fault) VALUES (?, 0, NULL)", [(c.id,) for c in CLOUDS])
            db.executemany(
                "INSERT INTO hosts (id, seq, cloud, model, vcpu, memory_gib, gpu, storage_gib, schedulable, up) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                [(h["id"], i, h["cloud"], fleet.host_models.get(h["id"], ""),
                  *(float(h["capacity"][r]) for r in RESOURCES), int(h["schedulable"]))
                 for i, h in enumerate(doc["hosts"])])
            rows = []
            for i, w in enumerate(doc["workloads"]):
                dr = w["dr"]
                rows.append((w["id"], i, fleet.workload_names.get(w["id"], w["id"]), w["department"], w["tier"],
                             w["city"], w["industry"], w["classification"], w["mlps_level"],
                             *(float(w["demand"][r]) for r in RESOURCES), w["host"],
                             home_cloud(w["tier"], w["city"], w["industry"]), w["spread_group"], int(w["pinned"]),
                             w["role"], int(dr.get("protected", False)), int(dr.get("priority", 3)),
                             int(dr.get("rto_minutes", 240))))
            db.executemany(f"INSERT INTO workloads ({', '.join(_WORKLOAD_COLS)}) "
                           f"VALUES ({', '.join('?' * len(_WORKLOAD_COLS))})", rows)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SimulatedAdapter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def fleet_params(self) -> dict[str, int]:
        """The size and seed this state file was generated with (they win over the constructor's)."""
        with self._lock:
            rows = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        return {k: int(rows[k]) for k in ("hosts", "workloads", "seed")}

    def _cloud_row(self, db: sqlite3.Connection, cloud: str) -> sqlite3.Row:
        row = db.execute("SELECT * FROM clouds WHERE id = ?", (cloud,)).fetchone()
        if row is None:
            raise AdapterError(f"unknown cloud {cloud!r}; known: {', '.join(c.id for c in CLOUDS)}")
        return row

    def _reachable(self, db: sqlite3.Connection, cloud: str) -> sqlite3.Row:
        if cloud in self.exclude:
            raise AdapterError(f"cloud {cloud} is served by another adapter, not the simulator")
        row = self._cloud_row(db, cloud)
        if row["fault"] == "error":
            raise AdapterError(f"cloud {cloud}: API unreachable (injected fault)")
        return row

    # --- CloudAdapter: catalogue, inventory, health --------------------------------------------------

    def clouds(self) -> list[CloudInfo]:
        return [c for c in CLOUDS if c.id not in self.exclude]

    def departments(self) -> list[DepartmentInfo]:
        return list(DEPARTMENTS)

    def inventory(self, cloud: str) -> Inventory:
        """Hosts of the cloud and the workloads on them, plus pending workloads whose home it is."""
        with self._read() as db:
            crow = self._reachable(db, cloud)
            failed = bool(crow["failed"])
            hosts = [HostInfo(id=h["id"], cloud=h["cloud"], capacity={r: h[r] for r in RESOURCES},
                              schedulable=bool(h["schedulable"]), up=bool(h["up"]) and not failed, model=h["model"])
                     for h in db.execute("SELECT * FROM hosts WHERE cloud = ? ORDER BY seq", (cloud,))]
            rows = db.execute(
                "SELECT w.* FROM workloads w JOIN hosts h ON w.host = h.id WHERE h.cloud = ? "
                "UNION ALL SELECT * FROM workloads WHERE host IS NULL AND home = ? ORDER BY seq",
                (cloud, cloud)).fetchall()
        return Inventory(cloud=cloud, hosts=hosts, workloads=[_workload_info(r) for r in rows])

    def health(self, cloud: str) -> Health:
        with self._read() as db:
            crow = self._reachable(db, cloud)
            down = db.execute("SELECT COUNT(*) FROM hosts WHERE cloud = ? AND up = 0", (cloud,)).fetchone()[0]
        if crow["failed"]:
            return Health(cloud, "failed", "cloud marked failed")
        if crow["fault"] == "degraded":
            return Health(cloud, "degraded", "injected fault: the cloud reports itself impaired")
        return Health(cloud, "healthy", f"{down} host(s) down" if down else "")

    # --- CloudAdapter: actions -----------------------------------------------------------------------

    def _target(self, db: sqlite3.Connection, workload: str, host: str) -> sqlite3.Row:
        """The target host row, or a refusal naming the workload and the host."""
        h = db.execute("SELECT * FROM hosts WHERE id = ?", (host,)).fetchone()
        if h is None:
            raise AdapterError(f"cannot put {workload} on {host}: unknown host")
        crow = self._cloud_row(db, h["cloud"])
        if crow["fault"] == "error":
            raise AdapterError(f"cannot put {workload} on {host}: cloud {h['cloud']} unreachable (injected fault)")
        if crow["failed"]:
            raise AdapterError(f"cannot put {workload} on {host}: cloud {h['cloud']} has failed")
        if not h["up"]:
            raise AdapterError(f"cannot put {workload} on {host}: host is down")
        return h

    def _check_room(self, db: sqlite3.Connection, workload: str, h: sqlite3.Row, demand: dict[str, float]) -> None:
        used = db.execute(
            f"SELECT {', '.join(f'COALESCE(SUM({r}), 0)' for r in RESOURCES)} FROM workloads "
            "WHERE host = ? AND id != ?", (h["id"], workload)).fetchone()
        over = [f"{r} {used[i] + demand[r]:g} > {h[r]:g}" for i, r in enumerate(RESOURCES)
                if used[i] + demand[r] > h[r] + 1e-9]
        if over:
            raise AdapterError(f"cannot put {workload} on {h['id']}: not enough room ({'; '.join(over)})")

    def _workload_row(self, db: sqlite3.Connection, workload: str) -> sqlite3.Row:
        row = db.execute("SELECT * FROM workloads WHERE id = ?", (workload,)).fetchone()
        if row is None:
            raise AdapterError(f"unknown workload {workload!r}")
        return row

    def _act(self, action: str, workload: str, host: str) -> None:
        """What every action meets first: the transient errors of a real cloud."""
        with self._lock:
            unlucky = self.fail_rate > 0 and self._rng.random() < self.fail_rate
        if unlucky:
            raise AdapterError(f"{action} {workload} to {host}: transient error (simulated; the call may be retried)")

    @staticmethod
    def _log(db: sqlite3.Connection, action: str, workload: str, from_host: str | None, to_host: str) -> None:
        db.execute("INSERT INTO actions (at, action, workload, from_host, to_host, caller_pid) VALUES (?, ?, ?, ?, ?, ?)",
                   (datetime.now(UTC).isoformat(), action, workload, from_host, to_host, os.getpid()))

    def history(self) -> list[dict[str, Any]]:
        """Every action on a workload that changed something, oldest first: no-ops of idempotent retries
        leave no trace. Hosts disabled and enabled are in `host_history`."""
        with self._read() as db:
            return [dict(r) for r in db.execute("SELECT * FROM actions WHERE action NOT IN ('disable', 'enable') "
                                                "ORDER BY seq")]

    def host_history(self) -> list[dict[str, Any]]:
        """Every host disabled for new work or enabled again (`to_host`), oldest first; no-ops leave no trace."""
        with self._read() as db:
            return [dict(r) for r in db.execute("SELECT * FROM actions WHERE action IN ('disable', 'enable') "
                                                "ORDER BY seq")]

    def place(self, workload: WorkloadInfo, host: str) -> None:
        """Start a new or pending workload on the host; a no-op if it already runs there."""
        self._act("place", workload.id, host)
        try:
            self._place_now(workload, host)
        finally:
            self._settle()

    def _place_now(self, workload: WorkloadInfo, host: str) -> None:
        with self._tx() as db:
            h = self._target(db, workload.id, host)
            row = db.execute("SELECT * FROM workloads WHERE id = ?", (workload.id,)).fetchone()
            if row is not None and row["host"] == host:
                return
            if row is not None and row["host"] is not None:
                raise AdapterError(f"cannot place {workload.id} on {host}: it already runs on {row['host']}; "
                                   "use migrate")
            classification = row["classification"] if row is not None else workload.classification
            if classification == "classified":
                raise AdapterError(f"cannot place {workload.id}: classified systems are out of scope")
            if row is not None:
                self._check_room(db, workload.id, h, {r: row[r] for r in RESOURCES})
                db.execute("UPDATE workloads SET host = ? WHERE id = ?", (host, workload.id))
                self._log(db, "place", workload.id, None, host)
                return
            demand = {r: float(workload.demand.get(r, 0)) for r in RESOURCES}
            unknown = sorted(set(workload.demand) - set(RESOURCES))
            if unknown or any(v < 0 for v in demand.values()):
                raise AdapterError(f"cannot place {workload.id}: bad demand {workload.demand}")
            self._check_room(db, workload.id, h, demand)
            seq = db.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM workloads").fetchone()[0]
            home = home_cloud(workload.tier, workload.city, workload.industry) or h["cloud"]
            db.execute(
                f"INSERT INTO workloads ({', '.join(_WORKLOAD_COLS)}) VALUES ({', '.join('?' * len(_WORKLOAD_COLS))})",
                (workload.id, seq, workload.name, workload.department, workload.tier, workload.city,
                 workload.industry, workload.classification, workload.mlps_level, *demand.values(), host, home,
                 workload.spread_group, int(workload.pinned), workload.role, int(workload.dr.protected),
                 workload.dr.priority, workload.dr.rto_minutes))
            self._log(db, "place", workload.id, None, host)

    def migrate(self, workload: str, host: str) -> None:
        """Live-migrate a running workload; its current host must be up and its cloud alive."""
        self._relocate("migrate", workload, host, live_source=True)

    def restart_elsewhere(self, workload: str, host: str) -> None:
        """Cold-start a workload on another host (failover); a no-op if it already runs there."""
        self._relocate("restart", workload, host, live_source=False)

    def _settle(self) -> None:
        """The time a move takes: the cloud has taken the request (and records it at once, as a real
        cloud's API does) and the caller waits for it to finish."""
        if self.action_delay_s > 0:
            time.sleep(self.action_delay_s)

    def _relocate(self, action: str, workload: str, host: str, live_source: bool) -> None:
        """Move a workload that runs somewhere to `host`; a live migration also needs its source alive."""
        self._act(action, workload, host)
        try:
            self._relocate_now(action, workload, host, live_source)
        finally:
            self._settle()

    def _relocate_now(self, action: str, workload: str, host: str, live_source: bool) -> None:
        with self._tx() as db:
            row = self._workload_row(db, workload)
            h = self._target(db, workload, host)
            if row["host"] == host:
                return
            if row["host"] is None:
                raise AdapterError(f"cannot {action} {workload}: it is not running anywhere; use place")
            if live_source:
                src = db.execute("SELECT h.up, c.failed FROM hosts h JOIN clouds c ON c.id = h.cloud WHERE h.id = ?",
                                 (row["host"],)).fetchone()
                if src is not None and (not src["up"] or src["failed"]):
                    raise AdapterError(f"cannot migrate {workload}: its host {row['host']} is down; "
                                       "use restart_elsewhere")
            self._check_room(db, workload, h, {r: row[r] for r in RESOURCES})
            db.execute("UPDATE workloads SET host = ? WHERE id = ?", (host, workload))
            self._log(db, action, workload, row["host"], host)

    def set_cloud_failed(self, cloud: str, failed: bool) -> None:
        with self._tx() as db:
            self._cloud_row(db, cloud)
            db.execute("UPDATE clouds SET failed = ? WHERE id = ?", (int(failed), cloud))

    def set_host_failed(self, host: str, failed: bool) -> None:
        with self._tx() as db:
            if db.execute("UPDATE hosts SET up = ? WHERE id = ?", (int(not failed), host)).rowcount == 0:
                raise AdapterError(f"unknown host {host!r}")

    def set_host_schedulable(self, host: str, schedulable: bool, reason: str = "") -> None:
        """The host's schedulable flag, as a compute service is disabled or a node cordoned; idempotent."""
        self._act("enable" if schedulable else "disable", "", host)
        with self._tx() as db:
            h = db.execute("SELECT h.schedulable, c.fault FROM hosts h JOIN clouds c ON c.id = h.cloud "
                           "WHERE h.id = ?", (host,)).fetchone()
            if h is None:
                raise AdapterError(f"cannot {'enable' if schedulable else 'disable'} {host}: unknown host")
            if h["fault"] == "error":
                raise AdapterError(f"cannot {'enable' if schedulable else 'disable'} {host}: its cloud is "
                                   "unreachable (injected fault)")
            if bool(h["schedulable"]) != schedulable:
                db.execute("UPDATE hosts SET schedulable = ? WHERE id = ?", (int(schedulable), host))
                self._log(db, "enable" if schedulable else "disable", "", None, host)

    def inject_fault(self, cloud: str, on: bool, mode: FaultMode = "error") -> None:
        """Simulate trouble with one cloud (kept in the state file, so every process sees it).

        mode "error": inventory(), health() and utilisation() of the cloud raise AdapterError, as when
        its API is unreachable. mode "degraded": the cloud answers but health() reports "degraded".
        """
        if mode not in ("error", "degraded"):
            raise ValueError(f"fault mode must be 'error' or 'degraded', not {mode!r}")
        with self._tx() as db:
            self._cloud_row(db, cloud)
            db.execute("UPDATE clouds SET fault = ? WHERE id = ?", (mode if on else None, cloud))

    # --- a contract view of the whole state ----------------------------------------------------------

    def fleet_document(self) -> dict[str, Any]:
        """The current state as a fleet document of the optimizer contract (down hosts unschedulable)."""
        with self._read() as db:
            failed = [r["id"] for r in db.execute("SELECT id FROM clouds WHERE failed = 1")]
            hosts = db.execute("SELECT * FROM hosts ORDER BY seq").fetchall()
            workloads = db.execute("SELECT * FROM workloads ORDER BY seq").fetchall()
        order = {c.id: i for i, c in enumerate(CLOUDS)}
        return {
            "resources": list(RESOURCES),
            "clouds": [{"id": c.id, "kind": c.kind, "city": c.city, "industry": c.industry,
                        "mlps_level": c.mlps_level} for c in CLOUDS],
            "hosts": [{"id": h["id"], "cloud": h["cloud"], "schedulable": bool(h["schedulable"] and h["up"]),
                       "capacity": {r: _num(h[r]) for r in RESOURCES}} for h in hosts],
            "workloads": [_workload_doc(_workload_info(w)) for w in workloads],
            "objective": {"mode": "consolidate", "max_migrations": None, "time_limit_s": 30},
            "failed_clouds": sorted(failed, key=order.__getitem__),
        }

    # --- MetricsSource -------------------------------------------------------------------------------

    def utilisation(self, cloud: str, start: datetime, end: datetime) -> list[UsageRollup]:
        """Rollups (latest at `end`, p50, p95) of every host and running workload of the cloud."""
        t0, t1 = _epoch(start), _epoch(end)
        if t1 < t0:
            raise ValueError(f"utilisation window ends ({end}) before it starts ({start})")
        with self._read() as db:
            crow = self._reachable(db, cloud)
            hosts = db.execute("SELECT id, vcpu, memory_gib, up FROM hosts WHERE cloud = ? ORDER BY seq",
                               (cloud,)).fetchall()
            rows = db.execute("SELECT w.id, w.host, w.vcpu, w.memory_gib FROM workloads w "
                              "JOIN hosts h ON w.host = h.id WHERE h.cloud = ? ORDER BY w.seq", (cloud,)).fetchall()
        times = _sample_times(t0, t1)
        host_index = {h["id"]: i for i, h in enumerate(hosts)}
        running = np.array([bool(h["up"]) and not crow["failed"] for h in hosts], dtype=bool)
        cap = np.array([[h["vcpu"], h["memory_gib"]] for h in hosts], dtype=float).reshape(len(hosts), 2)
        w_ids = [r["id"] for r in rows]
        w_host = np.array([host_index[r["host"]] for r in rows], dtype=np.int64)
        w_dem = np.array([[r["vcpu"], r["memory_gib"]] for r in rows], dtype=float).reshape(len(rows), 2)
        w_on = running[w_host] if len(rows) else np.zeros(0, dtype=bool)
        shares = self._workload_shares(w_ids, times)  # (2, W, T)
        shares *= w_on[None, :, None]
        out: list[UsageRollup] = []
        host_used = np.zeros((2, len(hosts), len(times)))
        for k, res in enumerate(USAGE_RESOURCES):
            s = shares[k]
            if len(rows):
                np.add.at(host_used[k], w_host, s * w_dem[:, k][:, None])
                q = np.percentile(s, [50, 95], axis=1)
                out.extend(UsageRollup(wid, "workload", res, round(float(s[i, -1]), 4), round(float(q[0, i]), 4),
                                       round(float(q[1, i]), 4)) for i, wid in enumerate(w_ids))
            hs = host_used[k] / np.where(cap[:, k] > 0, cap[:, k], 1.0)[:, None]
            hq = np.percentile(hs, [50, 95], axis=1) if len(hosts) else np.zeros((2, 0))
            out.extend(UsageRollup(h["id"], "host", res, round(float(hs[i, -1]), 4), round(float(hq[0, i]), 4),
                                   round(float(hq[1, i]), 4)) for i, h in enumerate(hosts))
        return out

    def _workload_shares(self, ids: list[str], times: np.ndarray) -> np.ndarray:
        """Used share of (vcpu, memory) of each workload at each time, shape (2, W, T), in [0, 1]."""
        seeds = np.array([self._seed(i) for i in ids], dtype=np.uint64)
        if not len(ids):
            return np.zeros((2, 0, len(times)))
        base_cpu = 0.15 + 0.5 * _unit(seeds, 1)  # how busy the workload is at its daily peak
        swing = 0.3 + 0.65 * _unit(seeds, 2)  # how much it follows office hours (batch jobs barely do)
        base_mem = 0.35 + 0.5 * _unit(seeds, 3)
        activity = _activity(times)  # (T,)
        bucket = (times // SAMPLE_STEP_S).astype(np.uint64)
        cpu = base_cpu[:, None] * ((1 - swing)[:, None] + swing[:, None] * activity[None, :])
        cpu *= 0.8 + 0.4 * _noise(seeds, bucket, 11)
        mem = base_mem[:, None] * (0.9 + 0.1 * activity[None, :])
        mem *= 0.96 + 0.08 * _noise(seeds, bucket, 12)
        return np.clip(np.stack([cpu, mem]), 0.0, 1.0)

    def _seed(self, workload: str) -> int:
        s = self._seeds.get(workload)
        if s is None:
            s = int.from_bytes(hashlib.blake2b(workload.encode(), digest_size=8).digest(), "little")
            self._seeds[workload] = s
        return s


# --- helpers -------------------------------------------------------------------------------------------

    # --- JobRunner: data-zone jobs -------------------------------------------------------------------

    _JOBS_SCHEMA = ("CREATE TABLE IF NOT EXISTS batch_jobs (id TEXT PRIMARY KEY, cloud TEXT NOT NULL, "
                    "demand TEXT NOT NULL, duration_s REAL NOT NULL, started REAL NOT NULL, "
                    "failed INTEGER NOT NULL DEFAULT 0, detail TEXT NOT NULL DEFAULT '')",
                    "CREATE TABLE IF NOT EXISTS batch_job_faults (id TEXT PRIMARY KEY)")

    def _jobs_db(self, db: sqlite3.Connection) -> None:
        for stmt in self._JOBS_SCHEMA:
            db.execute(stmt)

    def run_job(self, cloud: str, job_id: str, demand: dict[str, float], duration_s: float) -> None:
        """Start a batch job on the cloud now; it is done after `duration_s`, unless a fault fails it."""
        import json

        with self._tx() as db:
            self._jobs_db(db)
            if self._reachable(db, cloud)["failed"]:
                raise AdapterError(f"cloud {cloud} has failed; job {job_id} not started")
            if db.execute("SELECT 1 FROM batch_jobs WHERE id = ?", (job_id,)).fetchone():
                return
            fault = db.execute("DELETE FROM batch_job_faults WHERE id = ?", (job_id,)).rowcount > 0
            db.execute("INSERT INTO batch_jobs (id, cloud, demand, duration_s, started, failed, detail) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (job_id, cloud, json.dumps(demand), float(duration_s), time.time(), int(fault),
                        "failed (simulated fault)" if fault else ""))

    def job_state(self, job_id: str) -> JobStatus:
        with self._tx() as db:
            self._jobs_db(db)
            row = db.execute("SELECT * FROM batch_jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise AdapterError(f"unknown batch job {job_id!r}")
            crow = self._cloud_row(db, row["cloud"])
        if row["failed"]:
            return JobStatus(job_id, row["cloud"], "failed", row["detail"])
        if crow["failed"]:
            return JobStatus(job_id, row["cloud"], "failed", f"cloud {row['cloud']} failed while the job ran")
        done = time.time() >= row["started"] + row["duration_s"]
        return JobStatus(job_id, row["cloud"], "done" if done else "running")

    def fail_job(self, job_id: str) -> None:
        """Fault injection: fail a running job now, or the job of that id as soon as it starts."""
        with self._tx() as db:
            self._jobs_db(db)
            if db.execute("UPDATE batch_jobs SET failed = 1, detail = 'failed (simulated fault)' WHERE id = ?",
                          (job_id,)).rowcount == 0:
                db.execute("INSERT OR IGNORE INTO batch_job_faults (id) VALUES (?)", (job_id,))


def _num(v: float) -> float | int:
    return int(v) if float(v).is_integer() else v


def _workload_info(r: sqlite3.Row) -> WorkloadInfo:
    return WorkloadInfo(
        id=r["id"], name=r["name"], department=r["department"], tier=r["tier"], city=r["city"],
        industry=r["industry"], classification=r["classification"], mlps_level=r["mlps_level"],
        demand={res: r[res] for res in RESOURCES}, host=r["host"], spread_group=r["spread_group"],
        pinned=bool(r["pinned"]), role=r["role"],
        dr=DrProfile(bool(r["dr_protected"]), r["dr_priority"], r["dr_rto_minutes"]))


def _workload_doc(w: WorkloadInfo) -> dict[str, Any]:
    dr: dict[str, Any] = {"protected": w.dr.protected}
    if w.dr.protected:
        dr.update(priority=w.dr.priority, rto_minutes=w.dr.rto_minutes)
    return {"id": w.id, "department": w.department, "tier": w.tier, "city": w.city, "industry": w.industry,
            "classification": w.classification, "mlps_level": w.mlps_level,
            "demand": {r: _num(w.demand[r]) for r in RESOURCES}, "host": w.host, "spread_group": w.spread_group,
            "pinned": w.pinned, "role": w.role, "dr": dr}


def _epoch(t: datetime) -> float:
    """Seconds since the epoch; a naive datetime is taken as UTC (storage is in UTC)."""
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp()


def _sample_times(t0: float, t1: float) -> np.ndarray:
    """Sample instants ending exactly at t1, every 5 minutes (coarser for long windows)."""
    span = t1 - t0
    step = SAMPLE_STEP_S
    while span / step + 1 > MAX_SAMPLES:
        step += SAMPLE_STEP_S
    n = int(span // step) + 1
    return t1 - step * np.arange(n - 1, -1, -1, dtype=float)


def _activity(times: np.ndarray) -> np.ndarray:
    """The daily curve in Asia/Shanghai local time (no DST there since 1991, so a fixed offset)."""
    offset = LOCAL_TZ.utcoffset(datetime(2024, 1, 1)).total_seconds()  # type: ignore[union-attr]
    local = times + offset
    hours = (local % 86400.0) / 3600.0
    weekday = ((local // 86400.0).astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    level = np.interp(hours, _DAY_HOURS, _DAY_LEVEL)
    return np.where(weekday >= 5, level * _WEEKEND, level)


_GOLDEN = 0x9E3779B97F4A7C15
_MASK = (1 << 64) - 1


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, vectorised: a cheap, good hash of uint64 values."""
    x = x.astype(np.uint64, copy=True)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def _unit(seeds: np.ndarray, salt: int) -> np.ndarray:
    """A deterministic uniform [0, 1) per seed."""
    return (_mix64(seeds + np.uint64((salt * _GOLDEN) & _MASK)) >> np.uint64(11)) / float(1 << 53)


def _noise(seeds: np.ndarray, bucket: np.ndarray, salt: int) -> np.ndarray:
    """Uniform [0, 1) noise per (workload, 5-minute bucket): same answer whoever asks, nothing stored."""
    x = seeds[:, None] ^ _mix64(bucket * np.uint64(_GOLDEN) + np.uint64(salt))[None, :]
    return (_mix64(x) >> np.uint64(11)) / float(1 << 53)


__all__ = ["SimulatedAdapter"]
