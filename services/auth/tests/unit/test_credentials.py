import pytest

from auth_service.domain.credentials import MAX_PASSWORD_LENGTH, MAX_USERNAME_LENGTH, check_credentials
from auth_service.domain.errors import CredentialsMissing, PasswordTooLong, UsernameInvalid, UsernameTooLong


def test_check_credentials_passes_when_both_are_within_limits() -> None:
    check_credentials("u" * MAX_USERNAME_LENGTH, "p" * MAX_PASSWORD_LENGTH)


@pytest.mark.parametrize(("username", "password"), [("", "secret"), ("alice", ""), ("", "")])
def test_check_credentials_raises_missing_when_either_is_empty(username: str, password: str) -> None:
    with pytest.raises(CredentialsMissing):
        check_credentials(username, password)


def test_check_credentials_raises_username_too_long_over_64_characters() -> None:
    with pytest.raises(UsernameTooLong):
        check_credentials("u" * (MAX_USERNAME_LENGTH + 1), "secret")


def test_check_credentials_raises_password_too_long_over_1024_characters() -> None:
    with pytest.raises(PasswordTooLong):
        check_credentials("alice", "p" * (MAX_PASSWORD_LENGTH + 1))


def test_check_credentials_counts_characters_not_bytes() -> None:
    check_credentials("é" * MAX_USERNAME_LENGTH, "секрет")


@pytest.mark.parametrize("username", ["al\x00ice", "line\nbreak", "tab\there", "del\x7f", "c1\x85"])
def test_check_credentials_raises_username_invalid_for_control_characters(username: str) -> None:
    with pytest.raises(UsernameInvalid):
        check_credentials(username, "secret")


def test_check_credentials_accepts_control_characters_in_passwords() -> None:
    check_credentials("alice", "pass\x00word\n")
