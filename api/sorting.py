"""Sorting a listing: `sort` names a column the listing offers, `order` is asc or desc.

Each listing declares the names it sorts by (a column, or an expression such as a host's allocated
vCPU); an unknown name is a 422 naming `sort`, so a misspelt one never silently sorts by id. The
row's own key always breaks ties, so paging through equal values neither repeats nor skips a row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Query
from sqlalchemy import func

from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal

ORDERS = ("asc", "desc")


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool

    def apply(self, stmt: Any, columns: Mapping[str, Any], tiebreak: Any) -> Any:
        """The statement ordered by the chosen column (NULLs last either way), then by `tiebreak`."""
        column = columns[self.field]
        key = column.desc() if self.descending else column.asc()
        tie = tiebreak.desc() if self.descending else tiebreak.asc()
        return stmt.order_by(None).order_by(column.is_(None), key, tie)

    def rows(self, items: list[Any], key: Callable[[Any], Any]) -> list[Any]:
        """The same order for rows sorted in Python (a plan's moves live in its document): None last."""
        present = [x for x in items if key(x) is not None]
        absent = [x for x in items if key(x) is None]
        return sorted(present, key=key, reverse=self.descending) + absent


def sorting(names: tuple[str, ...], default: str, default_order: str = "asc") -> Callable[..., Sort]:
    """A dependency reading `sort` (one of `names`) and `order` (asc or desc)."""

    def read(sort: str | None = Query(None, description=f"one of {', '.join(names)}"),
             order: str | None = Query(None, description="asc or desc")) -> Sort:
        field = sort or default
        if field not in names:
            raise Refusal(422, "sort", msg("sort.not_a_field", got=repr(field), allowed=list(names)))
        how = order or (default_order if sort is None else "asc")
        if how not in ORDERS:
            raise Refusal(422, "order", msg("sort.order", got=repr(how)))
        return Sort(field, how == "desc")

    return read


def contains(column: Any, text: str) -> Any:
    """`column` contains `text` (case-insensitive), the text's % and _ taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")
