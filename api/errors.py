"""Every error a user sees is JSON that names the field and says what is wrong; never a traceback.

One refusal (scheduler.core.refusal.Refusal) and one handler for it: the scheduler and the routers
raise the same error, and every refusal has the same schema (api.schemas.ErrorOut).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeout

from scheduler.core.refusal import Refusal

log = logging.getLogger(__name__)


def _loc(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def install(app: FastAPI) -> None:
    @app.exception_handler(Refusal)
    async def _refused(_: Request, exc: Refusal) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _loc(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")} for e in exc.errors()]
        first = errors[0] if errors else {"field": None, "message": "invalid request"}
        return JSONResponse({"detail": f"{first['field']}: {first['message']}", "field": first["field"], "errors": errors},
                            status_code=422)

    @app.exception_handler(PoolTimeout)
    async def _busy(_: Request, exc: PoolTimeout) -> JSONResponse:
        # every connection of the API's pool stayed busy for db_pool_timeout_s: come back shortly
        return JSONResponse({"detail": "the service is busy; try again in a moment", "field": None}, status_code=503,
                            headers={"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse({"detail": "internal error; the operators have the log", "field": None}, status_code=500,
                            headers={"Connection": "close"})
