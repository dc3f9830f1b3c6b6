"""The FastAPI application: one router per resource, OpenAPI at /docs, the control loop in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Response
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import func, text
from sqlmodel import select

from api import errors
from api.deps import SessionDep
from api.guard import InputGuard
from api.routers import (
    audit,
    auth,
    catalog,
    clouds,
    departments,
    drills,
    hosts,
    jobsets,
    opendata,
    plans,
    policy,
    quotas,
    sharing,
    workloads,
)
from api.schemas import HealthOut
from dashboards import console_dir
from scheduler import loop
from scheduler.core import telemetry
from scheduler.core.db import get_engine
from scheduler.core.models import Cloud
from scheduler.core.policy import get_policy
from scheduler.core.settings import get_settings
from scheduler.dr.drills import resume_all as resume_drills
from scheduler.plans import executor


def create_app() -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        get_policy()  # a malformed site policy stops the start, with its line and field
        # sync routes and dependencies run in anyio's default threads: size them from the settings
        anyio.to_thread.current_default_thread_limiter().total_tokens = get_settings().api_threads
        executor.resume_all()  # plans a killed process left executing go on where they stopped
        resume_drills()  # live drills a killed process left in the middle go on where they stopped
        sched = loop.start() if get_settings().scheduler_enabled else None
        try:
            yield
        finally:
            if sched is not None:
                sched.shutdown(wait=False)

    app = FastAPI(title="Qianyun (黔云)", version="0.1.0", lifespan=lifespan,
                  description="Unified scheduling and tiered control for Guizhou's integrated public cloud.")
    errors.install(app)
    app.add_middleware(InputGuard)
    for module in (auth, clouds, hosts, workloads, departments, plans, policy, audit, drills, jobsets, quotas,
                   catalog, sharing, opendata):
        app.include_router(module.router)
    errors.document(app)

    @app.get("/healthz", response_model=HealthOut, tags=["health"])
    def healthz(session: SessionDep) -> HealthOut:
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        count = session.exec(select(func.count()).select_from(Cloud)).one()
        return HealthOut(status="ok", database=get_engine().dialect.name, clouds=count)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(telemetry.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    # The operators' console: static files, talking to /api over HTTP like any other client.
    app.mount("/console", StaticFiles(directory=console_dir()), name="console")

    @app.get("/", include_in_schema=False)
    def root() -> FileResponse:
        return FileResponse(console_dir() / "index.html", headers={"Cache-Control": "no-cache"})

    return app
