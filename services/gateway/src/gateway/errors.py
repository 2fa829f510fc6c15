"""Every error the gateway answers with: its HTTP status, its message and, where the contract gives one,
its errorId; authorization errors carry the 1.1 object instead. `api/errors.py` renders them."""

import abc
import enum
from collections.abc import Mapping


class AuthFailure(enum.Enum):
    """The contract's 1.1 authorization errors."""

    NO_HEADER = (-1, "No Authorization header provided")
    BAD_HEADER = (-2, "Authorization header must have Bearer <token> format")
    TOKEN_EXPIRED = (-3, "Access token expired")
    TOKEN_INVALID = (-4, "Invalid access token")
    TOKEN_NOT_FOUND = (-5, "Token not found")

    def __init__(self, error_id: int, message: str) -> None:
        self.error_id = error_id
        self.message = message

    def as_object(self) -> dict[str, object]:
        return {"message": self.message, "errorId": self.error_id}


class GatewayError(Exception, abc.ABC):
    """Base of every error the gateway answers with."""

    status_code = 500

    def __init__(self, headers: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.headers = dict(headers or {})

    @abc.abstractmethod
    def body(self) -> dict[str, object]:
        """The JSON body of the answer."""

    def with_details(self, details: Mapping[str, str]) -> "GatewayError":
        """This error, completed with the facts the service sent along with it (most need none)."""
        return self


class AuthorizationError(GatewayError):
    status_code = 401

    def __init__(self, failure: AuthFailure) -> None:
        super().__init__()
        self.failure = failure

    def __str__(self) -> str:
        return self.failure.message

    def body(self) -> dict[str, object]:
        return {"status": "error", "auth_error": self.failure.as_object()}


class ApiError(GatewayError):
    """{"status": "error", "message": ...} plus "errorId" when the contract's table gives one."""

    status_code = 400
    message = "Bad request"
    error_id: int | None = None

    def __init__(self, message: str | None = None, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(headers)
        if message is not None:
            self.message = message

    def __str__(self) -> str:
        return self.message

    def body(self) -> dict[str, object]:
        body: dict[str, object] = {"status": "error", "message": self.message}
        if self.error_id is not None:
            body["errorId"] = self.error_id
        return body


class UsernameTaken(ApiError):
    message, error_id = "An account with this name is already registered", 1


class CredentialsMissing(ApiError):
    message, error_id = "No username/password provided", 2


class WrongPassword(ApiError):
    message, error_id = "Wrong password", 3


class UserNotFound(ApiError):
    status_code, message, error_id = 404, "User not found", 4


class TokenMissing(ApiError):
    message, error_id = "No access token provided", 5


class TransferFilesMissing(ApiError):
    message, error_id = 'No files to transfer provided: send {"data": [{"file_url": ..., "key": ...}]}', 6


class TransferTooManyFiles(ApiError):
    message, error_id = "Too many files to transfer (at most 100 per request)", 7


class PasswordsMissing(ApiError):
    message, error_id = "No old_password/new_password provided", 2


class PasswordMissing(ApiError):
    message, error_id = "No password provided", 2


class WrongOldPassword(ApiError):
    """A password change whose old password is not the account's: the token is fine, the proof is not."""

    status_code, message, error_id = 403, "Wrong password", 3


class ApiTokenNotFound(ApiError):
    status_code, message = 404, "API token not found"


class ApiTokenNameInvalid(ApiError):
    message = "Token name must be 1-100 characters, none of them control characters"


class ApiTokenLifetimeInvalid(ApiError):
    """Its message names the bounds that auth sent along (FU_AUTH_API_TOKEN_MAX_TTL_SECONDS)."""

    message = "expires_in must be a whole number of seconds"

    def with_details(self, details: Mapping[str, str]) -> GatewayError:
        low, high = details.get("min_seconds", ""), details.get("max_seconds", "")
        if not (low.isdigit() and high.isdigit()):
            return self
        return ApiTokenLifetimeInvalid(f"{self.message} from {int(low)} to {int(high)}")


class AccountDisabled(ApiError):
    """The right password of an account an operator disabled."""

    status_code, message, error_id = 403, "This account is disabled", 8


class AccountEnabledMidDeletion(ApiError):
    """An operator enabled the account while it was being deleted: its files are gone, the account kept."""

    status_code, message = 409, "The account was enabled again while it was being deleted"


class UsernameTooLong(ApiError):
    message = "Username is too long (at most 64 characters)"


class UsernameInvalid(ApiError):
    message = "Username must not contain control characters"


class UsernameUntrimmed(ApiError):
    message = "Username must not begin or end with whitespace"


class PasswordTooLong(ApiError):
    message = "Password is too long (at most 1024 characters)"


class PasswordTooShort(ApiError):
    """Its message names the minimum that auth sent along (FU_AUTH_MIN_PASSWORD_LENGTH)."""

    message = "Password is too short"

    def with_details(self, details: Mapping[str, str]) -> GatewayError:
        minimum = details.get("min_length", "")
        if not minimum.isdigit():
            return self
        return PasswordTooShort(f"Password is too short (at least {int(minimum)} characters)")


class FileNotFound(ApiError):
    status_code, message = 404, "File not found"


class InvalidDeleteKey(ApiError):
    message = "Invalid unique key"


class NoFileUploaded(ApiError):
    message = "No file uploaded"


class BadFileExtension(ApiError):
    message = "Bad file extension"


class BadFileName(ApiError):
    message = "Bad file name"


class BadIdempotencyKey(ApiError):
    message = "Idempotency-Key must be 1-255 printable ASCII characters"


class IdempotencyKeyReused(ApiError):
    status_code, message = 409, "Idempotency-Key was used for a different upload"


class BadExpiry(ApiError):
    message = "Bad expires_in (seconds, or a duration such as 30m, 1h or 7d)"


class ExpiryTooLong(ApiError):
    """Its message names the maximum (FU_GATEWAY_MAX_EXPIRY_SECONDS)."""

    def __init__(self, max_seconds: int) -> None:
        super().__init__(f"expires_in exceeds the limit ({max_seconds} seconds)")


class BadDownloadLimit(ApiError):
    message = "Bad max_downloads (a whole number, at least 1)"


class OnlyOneFile(ApiError):
    message = "Only one file may be uploaded"


class MalformedMultipart(ApiError):
    message = "Malformed multipart body"


class ClientClosedRequest(ApiError):
    """Nobody reads this answer: it only ends a request whose client went away mid-body."""

    message = "The client closed the connection before the request body ended"


class FileTooLarge(ApiError):
    """Sent while the request body may still be arriving: the connection is closed after it."""

    status_code, message = 413, "File size exceeds the limit (100MB)"

    def __init__(self, limit_bytes: int | None = None) -> None:
        message = None
        if limit_bytes is not None:
            message = f"File size exceeds the limit ({_describe_size(limit_bytes)})"
        super().__init__(message, headers={"Connection": "close"})


class QuotaExceeded(ApiError):
    """An upload its account has no room for; its message names the quota files sent along. Possibly sent
    while the request body is still arriving: the connection is closed after it."""

    status_code = 413

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"Connection": "close"})

    def with_details(self, details: Mapping[str, str]) -> GatewayError:
        limit = details.get("limit", "")
        if not limit.isdigit():
            return self
        return type(self)(self.describe(int(limit)))

    def describe(self, limit: int) -> str:
        return self.message


class QuotaBytesExceeded(QuotaExceeded):
    message, error_id = "Account storage quota exceeded", 20

    def describe(self, limit: int) -> str:
        return f"Account storage quota exceeded (limit {_describe_size(limit)})"


class QuotaFilesExceeded(QuotaExceeded):
    message, error_id = "Account file count quota exceeded", 21

    def describe(self, limit: int) -> str:
        return f"Account file count quota exceeded (limit {limit} files)"


class BodyStalled(ApiError):
    """A request body that stopped arriving: the connection is closed after the answer."""

    status_code = 408

    def __init__(self, idle_seconds: float) -> None:
        super().__init__(
            f"The request body stalled: nothing arrived for {idle_seconds:g} seconds",
            headers={"Connection": "close"},
        )


class BodyTooLarge(ApiError):
    status_code, message = 413, "Request body too large"


class StorageFull(ApiError):
    status_code, message = 507, "Storage is full, try again later"


class ContentBlocked(ApiError):
    """An operator blocked these bytes; known only once the whole upload arrived, and nothing is kept."""

    status_code, message = 403, "This file is blocked on this server"


class RangeNotSatisfiable(ApiError):
    status_code, message = 416, "Requested range not satisfiable"

    def __init__(self, size: int) -> None:
        super().__init__(headers={"Content-Range": f"bytes */{size}"})


class TooManyRequests(ApiError):
    status_code, message = 429, "Too many requests, try again later"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(headers={"Retry-After": str(retry_after_seconds)})


class ServiceUnavailable(ApiError):
    status_code = 503

    def __init__(self, service: str) -> None:
        super().__init__(f"{service} service is unavailable, try again later")


class ShuttingDown(ApiError):
    """A request cut off because it outlived the gateway's shutdown grace period."""

    status_code, message = 503, "The gateway is shutting down, try again"

    def __init__(self) -> None:
        super().__init__(headers={"Connection": "close"})


class UpstreamFailure(ApiError):
    """A service behind the gateway failed in a way the contract has no answer for."""

    status_code = 502

    def __init__(self, service: str) -> None:
        super().__init__(f"{service} service failed to handle the request")


def _describe_size(size: int) -> str:
    mebibyte = 1024 * 1024
    return f"{size // mebibyte}MB" if size % mebibyte == 0 else f"{size} bytes"
