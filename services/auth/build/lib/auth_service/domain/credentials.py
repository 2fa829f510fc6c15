"""Rules every username/password pair must pass before anything else happens."""

import re

from auth_service.domain.errors import CredentialsMissing, PasswordTooLong, UsernameInvalid, UsernameTooLong

MAX_USERNAME_LENGTH = 64
MAX_PASSWORD_LENGTH = 1024
# C0, DEL and C1: never part of a name, and PostgreSQL cannot store NUL in text at all.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def check_credentials(username: str, password: str) -> None:
    if not username or not password:
        raise CredentialsMissing()
    if len(username) > MAX_USERNAME_LENGTH:
        raise UsernameTooLong(f"The username is longer than {MAX_USERNAME_LENGTH} characters")
    if _CONTROL_CHARACTERS.search(username):
        raise UsernameInvalid()
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordTooLong(f"The password is longer than {MAX_PASSWORD_LENGTH} characters")
