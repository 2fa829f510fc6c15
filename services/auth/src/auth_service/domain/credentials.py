"""Rules every username/password pair must pass before anything else happens, and the stricter ones a
new account's must pass too (existing accounts keep signing in with what they were registered with)."""

import re
import unicodedata

from auth_service.domain.errors import (
    CredentialsMissing,
    PasswordTooLong,
    PasswordTooShort,
    UsernameInvalid,
    UsernameTooLong,
    UsernameUntrimmed,
)

MAX_USERNAME_LENGTH = 64
MAX_PASSWORD_LENGTH = 1024
# What the contract allows: any password that is not empty.
MIN_PASSWORD_LENGTH = 1
# C0, DEL and C1: never part of a name, and PostgreSQL cannot store NUL in text at all.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Format characters (bidi overrides and isolates, zero-width spaces and joiners, ...) and line and
# paragraph separators: invisible, or reordering what is shown, they make one name look like another.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zl", "Zp"})


def check_credentials(username: str, password: str) -> None:
    if not username or not password:
        raise CredentialsMissing()
    if len(username) > MAX_USERNAME_LENGTH:
        raise UsernameTooLong(f"The username is longer than {MAX_USERNAME_LENGTH} characters")
    if _CONTROL_CHARACTERS.search(username):
        raise UsernameInvalid()
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordTooLong(f"The password is longer than {MAX_PASSWORD_LENGTH} characters")


def check_new_credentials(username: str, password: str, min_password_length: int) -> None:
    check_credentials(username, password)
    if username != username.strip():
        raise UsernameUntrimmed()
    if any(unicodedata.category(character) in _INVISIBLE_CATEGORIES for character in username):
        raise UsernameInvalid("The username contains invisible formatting characters")
    if len(password) < min_password_length:
        raise PasswordTooShort(min_password_length)


def check_new_password(old_password: str, new_password: str, min_password_length: int) -> None:
    """A password change's: both given, the new one within what register allows."""
    if not old_password or not new_password:
        raise CredentialsMissing()
    if len(new_password) > MAX_PASSWORD_LENGTH or len(old_password) > MAX_PASSWORD_LENGTH:
        raise PasswordTooLong(f"The password is longer than {MAX_PASSWORD_LENGTH} characters")
    if len(new_password) < min_password_length:
        raise PasswordTooShort(min_password_length)
