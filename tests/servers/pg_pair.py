"""A primary PostgreSQL and a streaming-replication standby on loopback, from Debian's binaries, as
the HA deployment has them on gz-gov and gz-backup (docs/operations.md). Used by tests/ha."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    return Path(found[-1]) if found else None


def _as_pg(args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    """Run as the postgres user when we are root (PostgreSQL refuses to run as root)."""
    if os.geteuid() == 0:
        args = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(f"'{a}'" for a in args)]
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120, **kw)  # type: ignore[call-overload]


@dataclass
class Server:
    data: Path
    port: int

    def url(self, db: str) -> str:
        return f"postgresql+psycopg://qianyun@127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        b = bindir()
        _as_pg([str(b / "pg_ctl"), "-D", str(self.data), "-l", str(self.data.parent / f"{self.data.name}.log"), "-w",
                "-t", "60", "-o", f"-h 127.0.0.1 -p {self.port} -k {self.data.parent} -c fsync=off", "start"])

    def kill(self) -> None:
        """As a lost site: immediate shutdown, no checkpoint."""
        _as_pg([str(bindir() / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])

    def stop(self) -> None:
        try:
            _as_pg([str(bindir() / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])
        except subprocess.CalledProcessError:
            pass

    def promote(self) -> None:
        _as_pg([str(bindir() / "pg_ctl"), "-D", str(self.data), "-w", "promote"])


def make_pair(primary_port: int, standby_port: int) -> tuple[Path, Server, Server]:
    """initdb a primary that allows replication from loopback, then pg_basebackup -R a standby of it;
    both in a new folder the postgres user owns (pytest's own temporary folders are root's alone)."""
    b = bindir()
    assert b is not None, "PostgreSQL is not installed (make test installs it)"
    root = Path(tempfile.mkdtemp(prefix="qianyun-pg-pair-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(root, pw.pw_uid, pw.pw_gid)
    primary, standby = Server(root / "primary", primary_port), Server(root / "standby", standby_port)
    _as_pg([str(b / "initdb"), "-D", str(primary.data), "-U", "qianyun", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync"])  # a test cluster: no fsync of the new files
    with open(primary.data / "postgresql.conf", "a") as conf:
        conf.write("wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\nmax_connections = 100\n")
    with open(primary.data / "pg_hba.conf", "a") as hba:
        hba.write("host replication qianyun 127.0.0.1/32 trust\n")
    primary.start()
    _as_pg([str(b / "createdb"), "-h", "127.0.0.1", "-p", str(primary_port), "-U", "qianyun", "qianyun"])
    _as_pg([str(b / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary_port), "-U", "qianyun", "-D",
            str(standby.data), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"])  # fast: no spread checkpoint wait
    standby.start()
    return root, primary, standby


def remove(root: Path, *servers: Server) -> None:
    for s in servers:
        s.stop()
    shutil.rmtree(root, ignore_errors=True)
