"""The optimizer on documents read from files: what `qianyun optimize`, `failover` and `jobs solve` run.

The command line reaches the optimizer through the scheduler like every other caller. Reading is
strict: a file that is not UTF-8, not JSON, or holds a number JSON does not have (NaN, Infinity) is
refused with one line, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from optimizer import FleetError, Plan, failover, optimize
from optimizer.engine import FROM_FLEET
from optimizer.jobs import OBJECTIVES as JOB_OBJECTIVES
from optimizer.jobs import JobSetError
from optimizer.jobs import solve as solve_jobs
from optimizer.power import OBJECTIVES as MINIMISE
from optimizer.psplib import parse_psplib
from scheduler.core import optimizer_errors
from scheduler.core.messages import msg

__all__ = ["FROM_FLEET", "JOB_OBJECTIVES", "MINIMISE", "DocumentError", "FleetError", "JobSetError", "Plan", "failover",
           "optimize", "read_document", "read_jobs_document", "solve_jobs"]


class DocumentError(Exception):
    """A document file that cannot be read as the contract's JSON; the message (a messages.Msg, English
    as str()) is the one line to print."""


def _no_constant(name: str) -> Any:
    raise ValueError(msg("document.not_a_json_number", name=name))


def _text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as e:
        raise DocumentError(msg("document.cannot_read", path=str(path), error=str(e.strerror or e))) from e
    except UnicodeDecodeError as e:
        raise DocumentError(msg("document.not_utf8", path=str(path), byte=e.start)) from e


def _json(path: Path, text: str) -> dict[str, Any]:
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as e:
        raise DocumentError(msg("document.not_json_at", path=str(path), error=e.msg, line=e.lineno,
                                column=e.colno)) from e
    except ValueError as e:
        raise DocumentError(msg("document.not_json", path=str(path), error=e.args[0] if e.args else str(e))) from e
    if not isinstance(doc, dict):
        raise DocumentError(msg("document.not_object", path=str(path), kind=type(doc).__name__))
    return doc


def read_document(path: Path) -> dict[str, Any]:
    """A fleet document (optimizer contract) from a file."""
    return _json(path, _text(path))


def read_jobs_document(path: Path) -> dict[str, Any]:
    """A job-set document, or a PSPLIB single-mode `.sm` file turned into one."""
    text = _text(path)
    if path.suffix.lower() == ".sm":
        try:
            return parse_psplib(text)
        except JobSetError as e:
            raise DocumentError(msg("document.refused", path=str(path), error=optimizer_errors.said(e))) from e
    return _json(path, text)
