"""One page of a query and how many rows the whole query has: the count-and-page every list shares."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import func
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

Row = TypeVar("Row")


def paginate(session: Session, query: SelectOfScalar[Row], limit: int, offset: int) -> tuple[list[Row], int]:
    """Rows `offset` to `offset + limit` of `query` (which sets the order), and the query's total row count.

    The total counts the query itself (its filters and joins, without its order), so the two
    can never disagree about which rows belong to the list."""
    counted: Any = query.order_by(None).subquery()
    total = session.exec(select(func.count()).select_from(counted)).one()
    rows = session.exec(query.limit(limit).offset(offset)).all()
    return list(rows), int(total)
