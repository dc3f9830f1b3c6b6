"""Kill trials: `qianyun serve --demo` killed (SIGKILL) at a random moment of a consolidation of the
Guiyang cloud while the inventory sync runs every 5 s; restarted; after the plan ends, is the database
equal to the cloud for every workload, and was every move applied exactly once?

    .venv/bin/python bench/kill_trials.py [--trials 50] [--seed 1] [--cloud gy]

Each trial starts from an empty folder (SQLite, the default 300-host simulated fleet). It prints one
line per trial and a summary; the exit code is 1 if any trial ended with the database and the cloud
disagreeing, a move applied twice, or the plan not succeeded. Loopback only, bounded in time.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyotp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from adapters.simulated import SimulatedAdapter  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
QIANYUN = str(Path(sys.executable).with_name("qianyun"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int, cwd: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([QIANYUN, "serve", "--demo", "--port", str(port)], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"qianyun serve exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("qianyun serve did not answer within 180 s")


def trial(n: int, rng: random.Random, cloud: str) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix="qianyun-kill-") as tmp:
        cwd = Path(tmp)
        env = {**os.environ, "QIANYUN_SYNC_INTERVAL_S": "5", "QIANYUN_SIM_ACTION_DELAY_S": "0.2"}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = serve(port, cwd, env)
        try:
            users = {line.split("\t")[2]: line.split("\t") for line in (cwd / "qianyun-demo-users.txt").read_text().splitlines()
                     if line.split("\t")[1] == "city-operator"}
            name, _, _, password, secret = users[cloud]
            form = {"username": name, "password": password}
            if secret:  # the demo enrols a second factor for the operator roles: its code goes with the password
                form["otp"] = pyotp.TOTP(secret).now()
            token = httpx.post(f"{base}/api/v1/auth/token", data=form).json()
            h = {"Authorization": f"Bearer {token['access_token']}"}
            plan = httpx.post(f"{base}/api/v1/plans", json={"kind": "rebalance", "scope": cloud}, headers=h, timeout=120).json()
            moves = plan["moves"]
            if len(moves) < 4:
                return True, f"trial {n}: only {len(moves)} moves, nothing to kill in"
            httpx.post(f"{base}/api/v1/plans/{plan['id']}/approve", headers=h, timeout=60)
            httpx.post(f"{base}/api/v1/plans/{plan['id']}/execute", headers=h, timeout=60)
            kill_after = rng.randint(1, len(moves) - 1)
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                body = httpx.get(f"{base}/api/v1/plans/{plan['id']}", headers=h, timeout=30).json()
                if body["progress"].get("forward_done", 0) >= kill_after or body["state"] != "executing":
                    break
                time.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            proc = serve(port, cwd, env)
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                body = httpx.get(f"{base}/api/v1/plans/{plan['id']}", headers=h, timeout=30).json()
                if body["state"] != "executing":
                    break
                time.sleep(0.2)
            time.sleep(6)  # let one more sync pass run after the plan's end
        finally:
            proc.kill()
            proc.wait(timeout=30)
        with sqlite3.connect(cwd / "qianyun.db") as db:
            stored = dict(db.execute("select id, host_id from workload"))
        sim = SimulatedAdapter(cwd / "qianyun-sim.db")
        doc = sim.fleet_document()
        truth = {w["id"]: w["host"] for w in doc["workloads"]}
        tenants = {w["id"] for w in doc["workloads"] if w["department"].startswith("dp-")}
        applied = sorted((x["workload"], x["to_host"]) for x in sim.history() if x["workload"] not in tenants)
        wrong = {w: (stored.get(w), h) for w, h in truth.items() if stored.get(w) != h}
        twice = applied != sorted((m["workload"], m["to"]) for m in moves)
        ok = body["state"] == "succeeded" and not wrong and not twice
        return ok, (f"trial {n}: {len(moves)} moves, killed after {kill_after}, plan {body['state']}, "
                    f"{len(wrong)} workloads differ{' ' + str(sorted(wrong.items())[:3]) if wrong else ''}, "
                    f"{'moves applied differ from the plan' if twice else 'each move once'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cloud", default="gy")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    bad = 0
    for n in range(1, args.trials + 1):
        ok, line = trial(n, rng, args.cloud)
        bad += not ok
        print(("ok   " if ok else "FAIL ") + line, flush=True)
    print(f"{args.trials - bad} of {args.trials} trials: database equal to the cloud, every move once, plan succeeded")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
