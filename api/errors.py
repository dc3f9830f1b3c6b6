"""Every error a user sees is JSON that names the field and says what is wrong; never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

log = logging.getLogger(__name__)


class ApiError(HTTPException):
    """An HTTP error with the offending field named, e.g. ApiError(400, "limit", "must be <= 1000")."""

    def __init__(self, status: int, field: str | None, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, detail=f"{field}: {message}" if field else message, headers=headers)
        self.field = field


def _loc(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail, "field": exc.field}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _loc(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")} for e in exc.errors()]
        first = errors[0] if errors else {"field": None, "message": "invalid request"}
        return JSONResponse({"detail": f"{first['field']}: {first['message']}", "field": first["field"], "errors": errors},
                            status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse({"detail": "internal error; the operators have the log", "field": None}, status_code=500)
