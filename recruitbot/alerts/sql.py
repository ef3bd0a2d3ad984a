"""SQL that SQLite and PostgreSQL write differently."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement


def insert_ignoring(
    connection: Connection, table: Table, unique: Sequence[str], where: ColumnElement[Any] | None = None
) -> Any:
    """INSERT into ``table`` that skips rows clashing on the unique columns ``unique``.

    The database decides the clash, so concurrent writers never both insert. ``where`` names
    a partial unique index's condition.
    """
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=list(unique), index_where=where)
