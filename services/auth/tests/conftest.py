"""Shared by the auth unit and integration tests."""
import pytest

TEST_JWT_SECRET = "test-secret-long-enough-for-hs256-and-hs512-0123456789abcdefghijklmnop"


@pytest.fixture
def jwt_secret() -> str:
    return TEST_JWT_SECRET
