"""Which database failures mean "the database cannot serve now" (so UNAVAILABLE, worth a retry) rather
than a bug or a refused statement."""

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

_CONNECTION_EXCEPTION = "08"
_OPERATOR_INTERVENTION = frozenset({"57P01", "57P02", "57P03"})


def is_database_unreachable(error: BaseException) -> bool:
    if isinstance(error, OperationalError | InterfaceError | PoolTimeoutError | OSError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    return error.connection_invalidated or _server_cannot_serve_now(getattr(error.orig, "sqlstate", None))


def _server_cannot_serve_now(sqlstate: str | None) -> bool:
    """PostgreSQL starting up, shutting down or crashed (57P01-57P03), or the connection failing (08xxx)."""
    if not sqlstate:
        return False
    return sqlstate.startswith(_CONNECTION_EXCEPTION) or sqlstate in _OPERATOR_INTERVENTION
