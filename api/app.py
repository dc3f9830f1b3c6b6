"""The FastAPI application: one router per resource, OpenAPI at /docs, the control loop in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import Depends, FastAPI, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from api import errors
from api.deps import allow
from api.errors import refusals
from api.guard import InputGuard
from api.headers import SecurityHeaders
from api.language import Language
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
    runway,
    scenarios,
    sharing,
    system,
    users,
    workloads,
)
from api.schemas import HealthOut
from dashboards import console_dir
from scheduler import loop
from scheduler.core import leader, names, telemetry
from scheduler.core.db import get_engine
from scheduler.core.migrate import at_head
from scheduler.core.models import Cloud
from scheduler.core.policy import get_policy
from scheduler.core.settings import get_settings


def create_app() -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        get_policy()  # a malformed site policy stops the start, with its line and field
        # sync routes and dependencies run in anyio's default threads: size them from the settings
        anyio.to_thread.current_default_thread_limiter().total_tokens = get_settings().api_threads
        work = loop.Background()  # the leader resumes plans and live drills, then runs the scheduled jobs
        elector = leader.Elector(on_elected=work.lead, on_demoted=work.follow)
        elector.start()  # one election at once: a lone replica leads before it serves
        try:
            yield
        finally:
            elector.stop()  # the lease is given back, so a follower takes over at once

    app = FastAPI(title="Qianyun (黔云)", version="0.1.0", lifespan=lifespan,
                  description="Unified scheduling and tiered control for Guizhou's integrated public cloud.")
    errors.install(app)
    names.install()  # clouds and departments by display name in every sentence
    app.add_middleware(InputGuard)
    app.add_middleware(Language)  # the caller's language for every sentence of the answer
    app.add_middleware(SecurityHeaders)  # outermost: every answer carries them, refusals included
    for module in (auth, clouds, hosts, workloads, departments, plans, policy, audit, drills, jobsets, quotas,
                   catalog, sharing, opendata, system, users, scenarios, runway):
        # Every router reads the service's data but the login's own, the audit trail and the public open
        # data: the auditor, who reads the audit trail only (三权分立), is refused them all at once.
        gated = module not in (auth, audit, opendata)
        app.include_router(module.router, dependencies=[Depends(allow("data.read"))] if gated else None,
                           responses=refusals(403) if gated else None)
    errors.document(app)

    @app.get("/healthz", response_model=HealthOut, tags=["health"])
    def healthz() -> HealthOut:
        """Alive: the process answers, whatever the database does (a liveness probe must not restart
        every replica because the database is away; /readyz says whether to send traffic)."""
        try:
            with Session(get_engine()) as session:
                count: int | None = session.exec(select(func.count()).select_from(Cloud)).one()
        except SQLAlchemyError:
            count = None
        return HealthOut(status="ok", database=get_engine().dialect.name, clouds=count,
                         leader=leader.is_leader() and not leader.is_standalone())

    @app.get("/readyz", response_model=HealthOut, tags=["health"], responses={503: {"model": errors.ErrorOut}})
    def readyz() -> HealthOut | JSONResponse:
        """Ready for traffic: the database answers and its schema is this code's (a load balancer's probe)."""
        try:
            with Session(get_engine()) as session:
                ready = at_head(session)
                count = session.exec(select(func.count()).select_from(Cloud)).one() if ready else 0
        except SQLAlchemyError as exc:
            return JSONResponse({"detail": f"database unreachable: {type(exc).__name__}", "field": None}, status_code=503)
        if not ready:
            return JSONResponse({"detail": "database schema is not at this version's head; run qianyun db upgrade",
                                 "field": None}, status_code=503)
        return HealthOut(status="ready", database=get_engine().dialect.name, clouds=count,
                         leader=leader.is_leader() and not leader.is_standalone())

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(telemetry.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    # The operators' console: static files, talking to /api over HTTP like any other client.
    app.mount("/console", StaticFiles(directory=console_dir()), name="console")

    @app.get("/", include_in_schema=False)
    def root() -> FileResponse:
        return FileResponse(console_dir() / "index.html", headers={"Cache-Control": "no-cache"})

    return app
