"""Inserts that skip a row whose unique key is taken, instead of failing the whole transaction (which
PostgreSQL would abort): the caller reads the rowcount."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import Column, Table, bindparam, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

_DIALECT_INSERTS: dict[str, Callable[[Table], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


class InsertUnlessTaken:
    """INSERT ... ON CONFLICT (key_columns) DO NOTHING, built once per dialect and executed with each
    row's values as parameters: a rowcount of 0 means the key was taken."""

    def __init__(self, table: Table, key_columns: list[str]) -> None:
        self._statements = {
            name: dialect_insert(table).on_conflict_do_nothing(index_elements=key_columns)
            for name, dialect_insert in _DIALECT_INSERTS.items()
        }

    async def execute(self, connection: AsyncConnection, row: dict[str, object]) -> bool:
        """True when the row was inserted."""
        result = await connection.execute(self._statements[connection.dialect.name], row)
        return result.rowcount != 0


class InsertUnlessTakenOrBlocked:
    """INSERT ... SELECT <the row> WHERE NOT EXISTS (<blocking row>) ON CONFLICT (key_columns) DO NOTHING:
    one statement that also skips a row another table blocks (`blocked_column` equal to the row's
    `blocked_by` value), so the check costs no round trip of its own. A rowcount of 0 means either."""

    def __init__(
        self, table: Table, key_columns: list[str], blocked_column: Column[Any], blocked_by: str
    ) -> None:
        values = {column.name: bindparam(column.name, type_=column.type) for column in table.c}
        row = select(*values.values()).where(~exists().where(blocked_column == values[blocked_by]))
        self._statements = {
            name: dialect_insert(table)
            .from_select(list(values), row)
            .on_conflict_do_nothing(index_elements=key_columns)
            for name, dialect_insert in _DIALECT_INSERTS.items()
        }

    async def execute(self, connection: AsyncConnection, row: dict[str, object]) -> bool:
        """True when the row was inserted."""
        result = await connection.execute(self._statements[connection.dialect.name], row)
        return result.rowcount != 0
