"""Inserts that skip a row whose unique key is taken, instead of failing the whole transaction (which
PostgreSQL would abort): the caller reads the rowcount."""

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

_DIALECT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_unless_taken(
    connection: AsyncConnection, table: Table, key_columns: list[str]
) -> postgresql.Insert | sqlite.Insert:
    """INSERT ... ON CONFLICT (key_columns) DO NOTHING: a rowcount of 0 means the key was taken."""
    dialect_insert = _DIALECT_INSERTS[connection.dialect.name]
    return dialect_insert(table).on_conflict_do_nothing(index_elements=key_columns)
