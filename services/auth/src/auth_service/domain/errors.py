"""Expected failures of the auth use cases; each maps to one gRPC status in entrypoints/errors.py."""


class AuthError(Exception):
    """Base of every expected failure of an auth use case."""

    message = "auth request failed"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)

    @property
    def details(self) -> dict[str, str]:
        """Facts a caller may need to explain the failure (none for most)."""
        return {}


class CredentialsMissing(AuthError):
    message = "No username/password provided"


class UsernameTooLong(AuthError):
    message = "The username is too long"


class UsernameInvalid(AuthError):
    message = "The username contains control characters"


class UsernameUntrimmed(AuthError):
    message = "The username begins or ends with whitespace"


class PasswordTooLong(AuthError):
    message = "The password is too long"


class PasswordTooShort(AuthError):
    def __init__(self, min_length: int) -> None:
        super().__init__(f"The password is shorter than {min_length} characters")
        self.min_length = min_length

    @property
    def details(self) -> dict[str, str]:
        return {"min_length": str(self.min_length)}


class UsernameTaken(AuthError):
    message = "An account with this name is already registered"


class UserNotFound(AuthError):
    message = "User not found"


class WrongPassword(AuthError):
    message = "Wrong password"


class AccountDisabled(AuthError):
    message = "This account is disabled"


class AccountNotDisabled(AuthError):
    message = "An account is deleted only once it is disabled"


class TokenMissing(AuthError):
    message = "No access token provided"


class TokenExpired(AuthError):
    message = "Access token expired"


class TokenInvalid(AuthError):
    message = "Invalid access token"


class TokenNotFound(AuthError):
    message = "Token not found"


class ApiTokenNotFound(AuthError):
    message = "API token not found"


class ApiTokenNameInvalid(AuthError):
    def __init__(self, max_length: int) -> None:
        super().__init__(
            f"An API token's name must be 1-{max_length} characters, none of them control characters"
        )
        self.max_length = max_length

    @property
    def details(self) -> dict[str, str]:
        return {"max_length": str(self.max_length)}


class ApiTokenLifetimeInvalid(AuthError):
    def __init__(self, min_seconds: int, max_seconds: int) -> None:
        super().__init__(f"An API token's lifetime must be {min_seconds}-{max_seconds} seconds")
        self.min_seconds = min_seconds
        self.max_seconds = max_seconds

    @property
    def details(self) -> dict[str, str]:
        return {"min_seconds": str(self.min_seconds), "max_seconds": str(self.max_seconds)}


class StorageUnavailable(AuthError):
    message = "The auth database cannot be reached"


class UnprocessableEvent(Exception):
    """A file event that can never be applied (undecodable, unknown subject): drop it."""
