"""Which database failures mean "the database cannot serve now" (UNAVAILABLE) rather than a bug."""

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from fileuploader_runtime.db.outages import is_database_unreachable


class DriverError(Exception):
    def __init__(self, message: str, sqlstate: str | None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def driver_failure(sqlstate: str | None, message: str = "failure") -> DBAPIError:
    return DBAPIError("SELECT 1", None, DriverError(message, sqlstate))


@pytest.mark.parametrize(
    "sqlstate",
    ["57P03", "57P01", "57P02", "08006", "08001"],
    ids=["starting-up", "admin-shutdown", "crash-shutdown", "connection-failure", "cannot-connect"],
)
def test_postgres_that_cannot_serve_now_is_unreachable(sqlstate: str) -> None:
    assert is_database_unreachable(driver_failure(sqlstate, "the database system is starting up"))


@pytest.mark.parametrize("sqlstate", ["23505", "42P01", None])
def test_other_driver_errors_are_not_outages(sqlstate: str | None) -> None:
    assert not is_database_unreachable(driver_failure(sqlstate))


def test_lost_connections_and_operational_errors_are_unreachable() -> None:
    invalidated = DBAPIError("SELECT 1", None, DriverError("closed", None), connection_invalidated=True)

    assert is_database_unreachable(invalidated)
    assert is_database_unreachable(OperationalError("SELECT 1", None, DriverError("locked", None)))
    assert is_database_unreachable(ConnectionRefusedError(111, "refused"))
    assert not is_database_unreachable(IntegrityError("INSERT", None, DriverError("duplicate", "23505")))
    assert not is_database_unreachable(ValueError("a bug"))
