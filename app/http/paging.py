"""The paging parameters of every list (`?limit=&offset=`), as a dependency the API and the pages share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

# Far past any real list, and inside the 64-bit integers SQLite and PostgreSQL take for OFFSET.
MAX_OFFSET = 1_000_000_000


class Paging:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=200, description="Items per page.")] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")] = 0,
    ):
        self.limit = limit
        self.offset = offset


PagingDep = Annotated[Paging, Depends()]
