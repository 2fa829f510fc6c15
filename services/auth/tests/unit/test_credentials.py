import pytest

from auth_service.domain.credentials import (
    MAX_PASSWORD_LENGTH,
    MAX_USERNAME_LENGTH,
    check_credentials,
    check_new_credentials,
)
from auth_service.domain.errors import (
    CredentialsMissing,
    PasswordTooLong,
    PasswordTooShort,
    UsernameInvalid,
    UsernameTooLong,
    UsernameUntrimmed,
)


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


@pytest.mark.parametrize("username", [" alice", "alice ", "\u00a0alice", "alice\u3000", "\u2003alice"])
def test_a_new_username_may_not_begin_or_end_with_whitespace(username: str) -> None:
    check_credentials(username, "secret")  # an account registered before the rule still signs in
    with pytest.raises(UsernameUntrimmed):
        check_new_credentials(username, "secret", min_password_length=1)


@pytest.mark.parametrize(
    "username",
    [
        "admin\u202etxt.exe",  # RIGHT-TO-LEFT OVERRIDE: shown reversed
        "al\u2066ice\u2069",  # LEFT-TO-RIGHT ISOLATE ... POP DIRECTIONAL ISOLATE
        "al\u200bice",  # ZERO WIDTH SPACE: looks like "alice"
        "al\u200dice",
        "al\ufeffice",
        "al\u00adice",
        "al\u200fice",
        "al\u2028ice",  # LINE SEPARATOR
    ],
)
def test_a_new_username_may_not_hold_bidi_or_invisible_format_characters(username: str) -> None:
    check_credentials(username, "secret")
    with pytest.raises(UsernameInvalid):
        check_new_credentials(username, "secret", min_password_length=1)


@pytest.mark.parametrize("username", ["My cool username", "Zoë", "名前", "x-y_z.1", "a b", "😀"])
def test_a_new_username_may_hold_inner_spaces_and_any_script(username: str) -> None:
    check_new_credentials(username, "secret", min_password_length=1)


def test_a_new_password_must_have_the_minimum_length_in_characters() -> None:
    check_new_credentials("alice", "é" * 12, min_password_length=12)
    with pytest.raises(PasswordTooShort) as refused:
        check_new_credentials("alice", "p" * 11, min_password_length=12)
    assert refused.value.details == {"min_length": "12"}
