"""An invalid request, in the scheduler's own words: the field as its checks name it (`fields[0].name`,
`jobs[a].duration`: a list item by its `id` when it has one) and a message that says what is allowed.

FastAPI checks a request against its models before the scheduler sees it, so a refusal must read the
same whichever of the two found the fault (the CLIs reach the scheduler's checks directly).
"""

from __future__ import annotations

import re
from typing import Any, get_args

from fastapi import Request
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from scheduler.core.messages import Msg, msg

PLACES = ("body", "query", "path", "header", "form", "cookie")


def where(loc: tuple[Any, ...], body: Any) -> str:
    """The field of an error location: `a.b`, a list item as `[i]` or `[id]`; union branch tags dropped."""
    parts = list(loc[1:] if loc and loc[0] in PLACES else loc)
    out, node = "", body
    for p in parts:
        if isinstance(p, int):
            item = node[p] if isinstance(node, list) and 0 <= p < len(node) else None
            key = item.get("id") if isinstance(item, dict) else None
            out += f"[{key if isinstance(key, str) and key else p}]"
            node = item
        elif out and not isinstance(node, dict):
            continue  # the name of a union's branch (`str`, `list[str]`), not a field
        else:
            out += ("." if out else "") + str(p)
            node = node.get(p) if isinstance(node, dict) else None
    return out or ".".join(str(p) for p in loc)


def _model_at(model: Any, path: list[Any]) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """The model holding the field at `path`, and that field's info (None where it cannot be told)."""
    info = None
    names = [p for p in path if not isinstance(p, int)]
    for k, p in enumerate(names):
        model = _unwrap(model)
        if model is None or p not in model.model_fields:
            return model, None
        info = model.model_fields[p]
        if k < len(names) - 1:
            model = info.annotation
    return _unwrap(model), info


def _unwrap(tp: Any) -> type[BaseModel] | None:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    for arg in get_args(tp):
        found = _unwrap(arg)
        if found is not None:
            return found
    return None


def _bounds(info: FieldInfo | None) -> tuple[int | None, int | None]:
    lo = hi = None
    for m in info.metadata if info else ():
        lo = getattr(m, "min_length", None) if getattr(m, "min_length", None) is not None else lo
        hi = getattr(m, "max_length", None) if getattr(m, "max_length", None) is not None else hi
    return lo, hi


def _json_type(v: Any) -> Msg:
    kind = {type(None): "null", bool: "bool", int: "number", float: "number", str: "text", list: "list",
            dict: "object"}.get(type(v))
    return msg(f"json.{kind}") if kind else msg("json.other", kind=type(v).__name__)


def message(error: dict[str, Any], body_model: Any) -> Msg:
    """What is wrong with one field, as a message (rendered in the caller's language)."""
    kind, ctx, got = error.get("type", ""), error.get("ctx") or {}, error.get("input")
    loc = [p for p in error.get("loc", ()) if p not in PLACES]
    shown = repr(got)
    if kind == "missing":
        return msg("invalid.required")
    if kind == "extra_forbidden":
        model, _ = _model_at(body_model, loc[:-1]) if body_model is not None else (None, None)
        return msg("invalid.unknown_field_allowed", allowed=list(model.model_fields)) if model else msg("invalid.unknown_field")
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return msg("invalid.not_allowed", got=shown, allowed=allowed)
    if kind in ("string_too_short", "string_too_long"):
        lo, hi = _bounds(_model_at(body_model, loc)[1]) if body_model is not None else (None, None)
        lo = ctx.get("min_length", lo)
        hi = ctx.get("max_length", hi)
        n = len(got) if isinstance(got, str) else 0
        if kind == "string_too_short" and lo == 1:
            return msg("invalid.empty")
        if kind == "string_too_short" and hi:
            return msg("invalid.length_between", lo=lo, hi=f"{hi:,}", n=n)
        return (msg("invalid.length_at_least", lo=lo, n=n) if kind == "string_too_short"
                else msg("invalid.length_at_most", hi=hi, n=n))
    if kind == "too_short":
        return (msg("invalid.nonempty_list") if ctx.get("min_length") == 1
                else msg("invalid.items_at_least", n=ctx.get("min_length")))
    if kind == "too_long":
        return msg("invalid.items_at_most", n=ctx.get("max_length"))
    if kind == "bool_type":
        return msg("invalid.bool", got=shown)
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return msg("invalid.whole_number", got=shown)
    if kind in ("float_type", "float_parsing", "finite_number"):
        return msg("invalid.number", got=shown)
    if kind == "string_type":
        return msg("invalid.text", got=_json_type(got))
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return msg("invalid.object", got=_json_type(got))
    if kind == "list_type":
        return msg("invalid.list", got=_json_type(got))
    for name, op in (("greater_than_equal", ">="), ("greater_than", ">"), ("less_than_equal", "<="), ("less_than", "<")):
        if kind == name:
            bound = next(iter(ctx.values()), "?")
            return msg("invalid.bound", op=op, bound=bound, got=shown)
    return msg("invalid.other", text=str(error.get("msg", "invalid")).removeprefix("Value error, "))


def body_model(request: Request) -> Any:
    """The body model of the route that refused the request (None when it has none)."""
    route = request.scope.get("route")
    field = getattr(route, "body_field", None)
    return getattr(getattr(field, "field_info", None), "annotation", None)


def errors_of(request: Request, raw: list[dict[str, Any]], body: Any) -> list[dict[str, str]]:
    model = body_model(request)
    out: dict[str, Msg] = {}
    for e in raw:  # one message a field: the last branch of a union says most (a number, then its bound)
        loc = tuple(e.get("loc", ()))
        if e.get("type") == "json_invalid":  # loc is ("body", offset): the body as a whole is not JSON
            out["body"] = msg("error.body_not_json")
            continue
        field = where(loc, body if loc[:1] == ("body",) else None)
        out[field] = message(e, model if loc[:1] == ("body",) else None)
    return [{"field": f, "message": m.render(), "code": m.code} for f, m in out.items()]
