"""Every error a user sees is JSON that names the field and says what is wrong; never a traceback.

One refusal (scheduler.core.refusal.Refusal) and one handler for it: the scheduler and the routers
raise the same error, and every refusal has the same schema (api.schemas.ErrorOut).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from api import invalid
from api.language import of_request
from scheduler.core import messages
from api.schemas import ErrorOut
from scheduler.core.refusal import Refusal

log = logging.getLogger(__name__)


WHY = {
    400: "an unknown query parameter (a misspelt filter)",
    401: "no bearer token, or one that is expired or revoked",
    403: "the role or scope may not do this",
    404: "no such resource in your scope",
    409: "the resource's state does not allow this now",
    422: "an invalid field: named in `field`, each one in `errors`",
    429: "too many requests from this address; `Retry-After` says when to come back",
    502: "the cloud refused or failed the change",
    503: "busy (no database turn within db_pool_timeout_s; `Retry-After` says when to come back), "
         "or accepted but a dependent service could not act on it",
}


def refusals(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each refusal status it can answer, with the one error schema."""
    return {s: {"model": ErrorOut, "description": WHY[s]} for s in statuses}


def install(app: FastAPI) -> None:
    @app.exception_handler(Refusal)
    async def _refused(request: Request, exc: Refusal) -> JSONResponse:
        return JSONResponse(exc.body(of_request(request)), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        with messages.speaking(of_request(request)):
            errors = invalid.errors_of(request, list(exc.errors()), exc.body)
            first = errors[0] if errors else {"field": None, "message": messages.text("invalid.request")}
            detail = messages.text("refusal.field", {"field": first["field"], "message": first["message"]})
        return JSONResponse({"detail": detail, "field": first["field"], "errors": errors}, status_code=422)

    @app.exception_handler(PoolTimeout)
    async def _busy(_: Request, exc: PoolTimeout) -> JSONResponse:
        # no database turn (api.admission) or connection came free within db_pool_timeout_s: come back shortly
        return JSONResponse({"detail": messages.text("error.busy"), "field": None, "code": "error.busy"},
                            status_code=503, headers={"Retry-After": "1"})
    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        # FastAPI's own refusals: a body that is not JSON at all is an invalid `body` (422) like any
        # other; an unknown path or method keeps its status, in the same schema as every refusal.
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            said = messages.text("error.body_not_json")
            return JSONResponse({"detail": messages.text("refusal.field", {"field": "body", "message": said}),
                                 "field": "body", "code": "error.body_not_json",
                                 "errors": [{"field": "body", "message": said, "code": "error.body_not_json"}]},
                                status_code=422)
        return JSONResponse({"detail": str(exc.detail), "field": None}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        # this handler runs outermost (Starlette's ServerErrorMiddleware), outside api.language: ask the request
        return JSONResponse({"detail": messages.text("error.internal", lang=of_request(request)), "field": None,
                             "code": "error.internal"}, status_code=500, headers={"Connection": "close"})


def document(app: FastAPI) -> None:
    """The OpenAPI document names every refusal a route can answer with the schema the handlers
    above really send (ErrorOut), instead of FastAPI's own validation-error shape."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = doc.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}").pop("$defs", {}).items():
            components[name] = schema
        components["ErrorOut"] = {k: v for k, v in ErrorOut.model_json_schema(
            ref_template="#/components/schemas/{model}").items() if k != "$defs"}
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for path in doc["paths"].values():
            for op in path.values():
                if op.get("security"):  # behind the login: no token, or a stale one
                    op["responses"].setdefault("401", {"description": WHY[401]})
                for status, answer in op["responses"].items():
                    if status.isdigit() and int(status) >= 400:
                        answer["content"] = error
                        answer.setdefault("description", WHY.get(int(status), "refused"))
                        if answer["description"] in ("Validation Error", "Unprocessable Entity"):
                            answer["description"] = WHY[422]
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
