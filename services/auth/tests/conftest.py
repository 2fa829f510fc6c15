"""Shared by the auth unit and integration tests."""
import pytest

TEST_JWT_SECRET = "test-secret-long-enough-for-hs256-and-hs512-0123456789abcdefghijklmnop"


def pytest_configure(config: pytest.Config) -> None:
    # passlib 1.7.4 (the latest release) still imports `crypt` and reads argon2.__version__.
    config.addinivalue_line("filterwarnings", r"ignore::DeprecationWarning:passlib\..*")


@pytest.fixture
def jwt_secret() -> str:
    return TEST_JWT_SECRET
