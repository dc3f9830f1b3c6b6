"""Service settings, read from the environment (prefix QIANYUN_) so one image serves every site."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QIANYUN_", extra="ignore")

    database_url: str = Field(default="sqlite:///qianyun.db", description="SQLAlchemy URL; default a SQLite file in the working folder")
    secret_key: str | None = Field(default=None, description="JWT signing key; generated and kept in the database when unset")
    token_minutes: int = Field(default=60, ge=1, le=24 * 60)

    adapter: str = Field(default="simulated", description="adapter for the clouds (the embedded default: simulated)")
    sim_state_path: str = Field(default="qianyun-sim.db", description="the simulated clouds' own state file")
    sim_hosts: int = Field(default=300, ge=14, le=5000)
    sim_workloads: int = Field(default=3000, ge=0, le=60000)
    sim_seed: int = 0

    scheduler_enabled: bool = True
    sync_interval_s: int = Field(default=60, ge=5)
    metrics_interval_s: int = Field(default=300, ge=5)
    metrics_window_s: int = Field(default=3600, ge=60)

    page_size_max: int = Field(default=1000, ge=1)
    demo_credentials_path: str = Field(default="qianyun-demo-users.txt")


@lru_cache
def get_settings() -> Settings:
    return Settings()
