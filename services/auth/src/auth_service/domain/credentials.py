"""Rules every username/password pair must pass before anything else happens."""

from auth_service.domain.errors import CredentialsMissing, PasswordTooLong, UsernameTooLong

MAX_USERNAME_LENGTH = 64
MAX_PASSWORD_LENGTH = 1024


def check_credentials(username: str, password: str) -> None:
    if not username or not password:
        raise CredentialsMissing()
    if len(username) > MAX_USERNAME_LENGTH:
        raise UsernameTooLong(f"The username is longer than {MAX_USERNAME_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordTooLong(f"The password is longer than {MAX_PASSWORD_LENGTH} characters")
