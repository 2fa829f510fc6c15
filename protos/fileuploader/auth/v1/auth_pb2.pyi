import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AuthErrorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTH_ERROR_REASON_UNSPECIFIED: _ClassVar[AuthErrorReason]
    USERNAME_TAKEN: _ClassVar[AuthErrorReason]
    CREDENTIALS_MISSING: _ClassVar[AuthErrorReason]
    WRONG_PASSWORD: _ClassVar[AuthErrorReason]
    USER_NOT_FOUND: _ClassVar[AuthErrorReason]
    TOKEN_MISSING: _ClassVar[AuthErrorReason]
    TOKEN_EXPIRED: _ClassVar[AuthErrorReason]
    TOKEN_INVALID: _ClassVar[AuthErrorReason]
    TOKEN_NOT_FOUND: _ClassVar[AuthErrorReason]
    USERNAME_TOO_LONG: _ClassVar[AuthErrorReason]
    PASSWORD_TOO_LONG: _ClassVar[AuthErrorReason]
    USERNAME_INVALID: _ClassVar[AuthErrorReason]
    USERNAME_UNTRIMMED: _ClassVar[AuthErrorReason]
    PASSWORD_TOO_SHORT: _ClassVar[AuthErrorReason]
    API_TOKEN_NOT_FOUND: _ClassVar[AuthErrorReason]
    API_TOKEN_NAME_INVALID: _ClassVar[AuthErrorReason]
    API_TOKEN_LIFETIME_INVALID: _ClassVar[AuthErrorReason]
    ACCOUNT_DISABLED: _ClassVar[AuthErrorReason]
    ACCOUNT_NOT_DISABLED: _ClassVar[AuthErrorReason]

class TokenKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TOKEN_KIND_UNSPECIFIED: _ClassVar[TokenKind]
    TOKEN_KIND_NORMAL: _ClassVar[TokenKind]
    TOKEN_KIND_BOT: _ClassVar[TokenKind]
    TOKEN_KIND_API: _ClassVar[TokenKind]
AUTH_ERROR_REASON_UNSPECIFIED: AuthErrorReason
USERNAME_TAKEN: AuthErrorReason
CREDENTIALS_MISSING: AuthErrorReason
WRONG_PASSWORD: AuthErrorReason
USER_NOT_FOUND: AuthErrorReason
TOKEN_MISSING: AuthErrorReason
TOKEN_EXPIRED: AuthErrorReason
TOKEN_INVALID: AuthErrorReason
TOKEN_NOT_FOUND: AuthErrorReason
USERNAME_TOO_LONG: AuthErrorReason
PASSWORD_TOO_LONG: AuthErrorReason
USERNAME_INVALID: AuthErrorReason
USERNAME_UNTRIMMED: AuthErrorReason
PASSWORD_TOO_SHORT: AuthErrorReason
API_TOKEN_NOT_FOUND: AuthErrorReason
API_TOKEN_NAME_INVALID: AuthErrorReason
API_TOKEN_LIFETIME_INVALID: AuthErrorReason
ACCOUNT_DISABLED: AuthErrorReason
ACCOUNT_NOT_DISABLED: AuthErrorReason
TOKEN_KIND_UNSPECIFIED: TokenKind
TOKEN_KIND_NORMAL: TokenKind
TOKEN_KIND_BOT: TokenKind
TOKEN_KIND_API: TokenKind

class Account(_message.Message):
    __slots__ = ("account_id", "username")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    username: str
    def __init__(self, account_id: _Optional[str] = ..., username: _Optional[str] = ...) -> None: ...

class RegisterRequest(_message.Message):
    __slots__ = ("username", "password", "token_kind")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    TOKEN_KIND_FIELD_NUMBER: _ClassVar[int]
    username: str
    password: str
    token_kind: TokenKind
    def __init__(self, username: _Optional[str] = ..., password: _Optional[str] = ..., token_kind: _Optional[_Union[TokenKind, str]] = ...) -> None: ...

class LoginRequest(_message.Message):
    __slots__ = ("username", "password", "token_kind")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    TOKEN_KIND_FIELD_NUMBER: _ClassVar[int]
    username: str
    password: str
    token_kind: TokenKind
    def __init__(self, username: _Optional[str] = ..., password: _Optional[str] = ..., token_kind: _Optional[_Union[TokenKind, str]] = ...) -> None: ...

class IssuedToken(_message.Message):
    __slots__ = ("access_token", "account", "token_kind", "expires_at")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_KIND_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    account: Account
    token_kind: TokenKind
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, access_token: _Optional[str] = ..., account: _Optional[_Union[Account, _Mapping]] = ..., token_kind: _Optional[_Union[TokenKind, str]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RefreshTokenRequest(_message.Message):
    __slots__ = ("access_token",)
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    def __init__(self, access_token: _Optional[str] = ...) -> None: ...

class LogoutRequest(_message.Message):
    __slots__ = ("access_token",)
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    def __init__(self, access_token: _Optional[str] = ...) -> None: ...

class LogoutResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ValidateTokenRequest(_message.Message):
    __slots__ = ("access_token",)
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    def __init__(self, access_token: _Optional[str] = ...) -> None: ...

class ValidateTokenResponse(_message.Message):
    __slots__ = ("account", "token_kind", "expires_at")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_KIND_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    account: Account
    token_kind: TokenKind
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., token_kind: _Optional[_Union[TokenKind, str]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAccountFilesRequest(_message.Message):
    __slots__ = ("access_token",)
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    def __init__(self, access_token: _Optional[str] = ...) -> None: ...

class AccountFile(_message.Message):
    __slots__ = ("file_url", "delete_key", "ext", "user_filename", "size", "created_at", "expires_at", "max_downloads")
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    DELETE_KEY_FIELD_NUMBER: _ClassVar[int]
    EXT_FIELD_NUMBER: _ClassVar[int]
    USER_FILENAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    MAX_DOWNLOADS_FIELD_NUMBER: _ClassVar[int]
    file_url: str
    delete_key: str
    ext: str
    user_filename: str
    size: int
    created_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    max_downloads: int
    def __init__(self, file_url: _Optional[str] = ..., delete_key: _Optional[str] = ..., ext: _Optional[str] = ..., user_filename: _Optional[str] = ..., size: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., max_downloads: _Optional[int] = ...) -> None: ...

class ListAccountFilesResponse(_message.Message):
    __slots__ = ("account", "files")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    account: Account
    files: _containers.RepeatedCompositeFieldContainer[AccountFile]
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., files: _Optional[_Iterable[_Union[AccountFile, _Mapping]]] = ...) -> None: ...

class BatchedListing(_message.Message):
    __slots__ = ("access_token", "request_id")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    request_id: str
    def __init__(self, access_token: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListAccountFilesBatchRequest(_message.Message):
    __slots__ = ("listings",)
    LISTINGS_FIELD_NUMBER: _ClassVar[int]
    listings: _containers.RepeatedCompositeFieldContainer[BatchedListing]
    def __init__(self, listings: _Optional[_Iterable[_Union[BatchedListing, _Mapping]]] = ...) -> None: ...

class ListingRefusal(_message.Message):
    __slots__ = ("code", "message", "reason", "facts")
    class FactsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FACTS_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    reason: str
    facts: _containers.ScalarMap[str, str]
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., reason: _Optional[str] = ..., facts: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListingOutcome(_message.Message):
    __slots__ = ("listed", "refused")
    LISTED_FIELD_NUMBER: _ClassVar[int]
    REFUSED_FIELD_NUMBER: _ClassVar[int]
    listed: ListAccountFilesResponse
    refused: ListingRefusal
    def __init__(self, listed: _Optional[_Union[ListAccountFilesResponse, _Mapping]] = ..., refused: _Optional[_Union[ListingRefusal, _Mapping]] = ...) -> None: ...

class ListAccountFilesBatchResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[ListingOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[ListingOutcome, _Mapping]]] = ...) -> None: ...

class RecordAccountFileRequest(_message.Message):
    __slots__ = ("access_token", "file")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    file: AccountFile
    def __init__(self, access_token: _Optional[str] = ..., file: _Optional[_Union[AccountFile, _Mapping]] = ...) -> None: ...

class RecordAccountFileResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RecordAccountFilesRequest(_message.Message):
    __slots__ = ("access_token", "files")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    files: _containers.RepeatedCompositeFieldContainer[AccountFile]
    def __init__(self, access_token: _Optional[str] = ..., files: _Optional[_Iterable[_Union[AccountFile, _Mapping]]] = ...) -> None: ...

class RecordAccountFilesResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ApiToken(_message.Message):
    __slots__ = ("token_id", "name", "created_at", "expires_at", "last_used_at")
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_AT_FIELD_NUMBER: _ClassVar[int]
    token_id: str
    name: str
    created_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    last_used_at: _timestamp_pb2.Timestamp
    def __init__(self, token_id: _Optional[str] = ..., name: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_used_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateApiTokenRequest(_message.Message):
    __slots__ = ("access_token", "name", "expires_in_seconds")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    name: str
    expires_in_seconds: int
    def __init__(self, access_token: _Optional[str] = ..., name: _Optional[str] = ..., expires_in_seconds: _Optional[int] = ...) -> None: ...

class CreateApiTokenResponse(_message.Message):
    __slots__ = ("access_token", "token")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    token: ApiToken
    def __init__(self, access_token: _Optional[str] = ..., token: _Optional[_Union[ApiToken, _Mapping]] = ...) -> None: ...

class ListApiTokensRequest(_message.Message):
    __slots__ = ("access_token",)
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    def __init__(self, access_token: _Optional[str] = ...) -> None: ...

class ListApiTokensResponse(_message.Message):
    __slots__ = ("tokens",)
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    tokens: _containers.RepeatedCompositeFieldContainer[ApiToken]
    def __init__(self, tokens: _Optional[_Iterable[_Union[ApiToken, _Mapping]]] = ...) -> None: ...

class RevokeApiTokenRequest(_message.Message):
    __slots__ = ("access_token", "token_id")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    token_id: str
    def __init__(self, access_token: _Optional[str] = ..., token_id: _Optional[str] = ...) -> None: ...

class RevokeApiTokenResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChangePasswordRequest(_message.Message):
    __slots__ = ("access_token", "old_password", "new_password")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    OLD_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    NEW_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    old_password: str
    new_password: str
    def __init__(self, access_token: _Optional[str] = ..., old_password: _Optional[str] = ..., new_password: _Optional[str] = ...) -> None: ...

class ChangePasswordResponse(_message.Message):
    __slots__ = ("revoked_tokens",)
    REVOKED_TOKENS_FIELD_NUMBER: _ClassVar[int]
    revoked_tokens: int
    def __init__(self, revoked_tokens: _Optional[int] = ...) -> None: ...

class StartAccountDeletionRequest(_message.Message):
    __slots__ = ("access_token", "password")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    password: str
    def __init__(self, access_token: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class StartAccountDeletionResponse(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class FinishAccountDeletionRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class FinishAccountDeletionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
