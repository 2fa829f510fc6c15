"""Shared by the auth unit and integration tests."""

import warnings

import pytest

with warnings.catch_warnings():
    # passlib 1.7.4 (the latest release) imports the deprecated `crypt` module.
    warnings.simplefilter("ignore", DeprecationWarning)
    import passlib.context  # noqa: F401

TEST_JWT_SECRET = "test-secret-long-enough-for-hs256-and-hs512-0123456789abcdefghijklmnop"


def pytest_configure(config: pytest.Config) -> None:
    # ... and reads argon2.__version__ when it first loads the argon2 backend.
    config.addinivalue_line("filterwarnings", r"ignore::DeprecationWarning:passlib\..*")


@pytest.fixture
def jwt_secret() -> str:
    return TEST_JWT_SECRET
