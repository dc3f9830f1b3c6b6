"""Service settings, read from the environment (prefix QIANYUN_) so one image serves every site."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QIANYUN_", extra="ignore")

    database_url: str = Field(default="sqlite:///qianyun.db", description="SQLAlchemy URL; default a SQLite file in the working folder")
    secret_key: str | None = Field(default=None, description="JWT signing key; when unset, the key file's")
    secret_key_file: str = Field(default="qianyun-secret.key", description=(
        "the JWT signing key's file, made once with mode 0600 when missing; refused if others may read it"))
    audit_key: str | None = Field(default=None, description="the audit chain's HMAC-SM3 key; when unset, the key file's")
    audit_key_file: str = Field(default="qianyun-audit.key", description=(
        "the audit chain's key file, made once with mode 0600 when missing; refused if others may read it"))
    token_minutes: int = Field(default=60, ge=1, le=24 * 60)

    adapter: str = Field(default="simulated", description="adapter for the clouds (the embedded default: simulated)")
    clouds_file: str | None = Field(default=None, description=(
        "clouds registry YAML naming per cloud its adapter and Prometheus (docs/adapters.md); "
        "unset: every cloud simulated"))
    sim_state_path: str = Field(default="qianyun-sim.db", description="the simulated clouds' own state file")
    sim_hosts: int = Field(default=300, ge=14, le=5000)
    sim_workloads: int = Field(default=3000, ge=0, le=60000)
    sim_seed: int = 0
    sim_fail_rate: float = Field(default=0.0, ge=0.0, le=1.0, description="share of simulated actions that fail transiently")
    sim_action_delay_s: float = Field(default=0.0, ge=0.0, description="how long one simulated move takes")

    policy_file: str | None = Field(default=None, description="a site policy YAML that overrides sections of the default")
    plan_time_limit_s: float = Field(default=10.0, gt=0, le=600, description="optimizer time limit for a proposed plan")
    rebalance_schedules: list[dict[str, Any]] = Field(default_factory=list, description=(
        'JSON list of scheduled proposals, e.g. [{"scope": "gy", "cron": "0 3 * * 6", "kind": "rebalance", '
        '"objective": "consolidate", "max_migrations": 20}]'))
    drill_schedules: list[dict[str, Any]] = Field(default_factory=list, description=(
        'JSON list of scheduled drills, e.g. [{"clouds": ["gz-gov"], "mode": "tabletop", "cron": "0 2 1 * *"}]'))

    scheduler_enabled: bool = True
    sync_interval_s: int = Field(default=60, ge=5)
    metrics_interval_s: int = Field(default=300, ge=5)
    metrics_window_s: int = Field(default=3600, ge=60)
    watchdog_interval_s: float = Field(default=5.0, gt=0, le=300, description=(
        "how often the leader looks for executing plans and live drills without a runner (a plan executed "
        "through a follower starts within this)"))

    leader_lease_s: float = Field(default=15.0, ge=2, le=600, description=(
        "a follower leads within this long after the leader is lost (each renewal holds it less one poll and a "
        "second, renewed every third of that)"))
    leader_poll_s: float = Field(default=1.0, gt=0, le=60, description="how often a follower looks at the lease")

    jobs_headroom: float = Field(default=0.2, ge=0.0, lt=1.0, description="share of a cloud kept free above its p95 online load when data-zone jobs are planned")
    jobs_time_limit_s: float = Field(default=10.0, gt=0, le=600, description="optimizer time limit for a job schedule")
    jobs_minute_s: float = Field(default=60.0, gt=0, description="wall-clock seconds per schedule minute (shorter in demos and tests)")
    jobs_tick_s: int = Field(default=15, ge=1, description="how often dispatch polls running jobs and catches up")
    jobs_grace_min: int = Field(default=2, ge=0, description="schedule minutes a job may start after its plan before it is late")
    jobs_max_attempts: int = Field(default=2, ge=1, description="runs of a failing job before it and its successors fail")

    page_size_max: int = Field(default=1000, ge=1)
    trusted_proxies: str = Field(default="", description=(
        "comma-separated addresses of reverse proxies whose X-Forwarded-For is believed; empty: nobody's"))
    max_body_bytes: int = Field(default=1_048_576, ge=1024, le=256 * 1_048_576, description=(
        "the largest request body the API reads; a larger one is answered 413 before it is parsed"))
    db_pool_size: int = Field(default=10, ge=1, le=200, description="database connections kept open for API requests")
    db_max_overflow: int = Field(default=30, ge=0, le=500, description=(
        "extra API connections under a burst; db_pool_size + db_max_overflow requests use the database at "
        "once, the others wait their turn (docs/operations.md, 'Under load')"))
    db_pool_timeout_s: float = Field(default=30.0, gt=0, le=300, description=(
        "how long an API request waits for its turn at the database before it is answered 503 with Retry-After"))
    db_background_pool_size: int = Field(default=8, ge=2, le=100, description=(
        "connections of the background engine (plan runner, drills, sync, metrics, dispatch): never shared with "
        "API requests, so no request load can starve the work that acts on the clouds"))
    api_threads: int = Field(default=40, ge=1, le=1000, description=(
        "worker threads that run the API's routes (anyio's default thread limiter); at least "
        "db_pool_size + db_max_overflow, so every request with a database turn finds a thread"))
    api_backlog: int = Field(default=2048, ge=64, le=65535, description=(
        "connections the listening socket queues before the service accepts them (capped by the kernel's "
        "net.core.somaxconn)"))
    api_keep_alive_s: int = Field(default=75, ge=1, le=3600, description=(
        "how long an idle client connection stays open; longer than clients keep theirs (httpx: 5 s), so "
        "the client, not the service, closes it and never sends a request into a closing one"))
    demo_credentials_path: str = Field(default="qianyun-demo-users.txt")


@lru_cache
def get_settings() -> Settings:
    return Settings()
