"""What both web apps (monitor and ingest API) take from a request the same way."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="a row id of the store")]
"""Ids past a 64-bit integer are refused as input, not left to the database's overflow
(which answered 500)."""
Page = Annotated[int, Query(ge=1, le=100_000, description="page number, from 1")]
"""A page past any real list is refused: its offset overflowed the database too."""
