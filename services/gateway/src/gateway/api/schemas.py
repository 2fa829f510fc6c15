"""Every request and response body of the public API, so /docs and /openapi.json describe the real ones."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from pydantic.json_schema import SkipJsonSchema


class ErrorBody(BaseModel):
    status: Literal["error"] = "error"
    message: str


class ErrorWithIdBody(ErrorBody):
    errorId: int


class AccountErrorBody(ErrorBody):
    """A 400 of register, login and refresh: the errorId of the contract's table when it gives one;
    none for the errors it leaves open (an over-long username, an invalid query parameter)."""

    errorId: int | SkipJsonSchema[None] = Field(
        default=None, description="1 name taken, 2 no username/password, 3 wrong password, 5 no access token"
    )


class UploadTooLargeBody(ErrorBody):
    """A 413 of an upload: the file is over the size limit (no errorId), or its account has no room."""

    errorId: int | SkipJsonSchema[None] = Field(
        default=None, description="20 the account's byte quota, 21 its file count quota"
    )


class AuthErrorObject(BaseModel):
    message: str
    errorId: int = Field(
        description="-1 no header, -2 malformed header, -3 expired, -4 invalid, -5 not found"
    )


class AuthErrorBody(BaseModel):
    status: Literal["error"] = "error"
    auth_error: AuthErrorObject


class NoAuthError(BaseModel):
    """`{}`: the upload had no Authorization header, or a valid one."""

    model_config = ConfigDict(extra="forbid")


class MessageBody(BaseModel):
    status: Literal["success"] = "success"
    message: str


EXPIRES_AT = "ISO-8601, UTC: when the file stops being served (null: never)"
MAX_DOWNLOADS = "the downloads the file is served for (null: no limit)"
DOWNLOADS_LEFT = "the downloads left (null: no limit)"


class UploadBody(MessageBody):
    file_url: str
    file_url_full: str
    key: str = Field(description="the secret delete key")
    ext: str
    user_filename: str
    synced: bool = Field(description="true when the file was stored under the token's account")
    auth_error: AuthErrorObject | NoAuthError
    expires_at: str | None = Field(default=None, description=EXPIRES_AT)
    max_downloads: int | None = Field(default=None, description=MAX_DOWNLOADS)
    downloads_left: int | None = Field(default=None, description=DOWNLOADS_LEFT)


class Credentials(BaseModel):
    username: StrictStr = Field(min_length=1)
    password: StrictStr = Field(min_length=1)


class RefreshRequest(BaseModel):
    accessToken: StrictStr = Field(min_length=1, description='the token, with or without a "Bearer " prefix')


class TokenBody(BaseModel):
    status: Literal["success"] = "success"
    accessToken: str
    username: str
    message: str


class FileItem(BaseModel):
    file_url: str
    file_url_full: str
    key: str
    ext: str
    user_filename: str
    creation_date: str = Field(description="D.M.YYYY (UTC)")
    created_at: str = Field(description="ISO-8601, UTC")
    size: int
    synced: bool = True
    expires_at: str | None = Field(default=None, description=EXPIRES_AT)
    max_downloads: int | None = Field(default=None, description=MAX_DOWNLOADS)
    downloads_left: int | None = Field(default=None, description=DOWNLOADS_LEFT)


class FilesBody(MessageBody):
    username: str
    data: list[FileItem]


class AccountBody(MessageBody):
    username: str
    files: int = Field(description="how many files the account has")
    bytes_used: int = Field(description="their bytes in all")
    quota_bytes: int | None = Field(description="the most bytes the account may store; null: no limit")
    quota_files: int | None = Field(description="the most files the account may have; null: no limit")


class TransferItem(BaseModel):
    file_url: StrictStr
    key: StrictStr = Field(description="the file's delete key, the proof that the upload is the caller's")


class TransferRequest(BaseModel):
    data: list[TransferItem] = Field(description="1 to 100 uploads to move into the token's account")


class TransferResult(BaseModel):
    file_url: str
    claimed: bool = Field(description="true when the file was moved into the account by this request")
    reason: (
        Literal["unknown_file", "wrong_key", "owned_by_another_account", "already_yours", "over_quota"] | None
    ) = Field(
        description="why it was not moved (null when it was): no such file; a delete key that is not the "
        "file's own; the file belongs to another account; the file is the account's already; "
        "the account has no room for it (its quotas)"
    )


class TransferBody(BaseModel):
    status: Literal["success"] = "success"
    data: list[TransferResult] = Field(description="one result per file sent, in the same order")


class ApiTokenRequest(BaseModel):
    name: StrictStr = Field(description="1-100 characters, to recognise the token by")
    expires_in: StrictInt | None = Field(
        default=None, description="seconds until it expires (at least 60); omitted: the longest allowed"
    )


class ApiTokenItem(BaseModel):
    id: str = Field(description="what DELETE /api/tokens/{id} revokes it by")
    name: str
    created_at: str = Field(description="ISO-8601, UTC")
    last_used_at: str | None = Field(description="ISO-8601, UTC, recorded at most once a minute; null: never")
    expires_at: str = Field(description="ISO-8601, UTC")


class CreatedApiTokenBody(ApiTokenItem):
    status: Literal["success"] = "success"
    message: str
    token: str = Field(description="the token itself, shown this once only: send it as Authorization: Bearer")


class ApiTokensBody(MessageBody):
    data: list[ApiTokenItem] = Field(description="the account's API tokens not yet expired, newest first")


class PasswordChangeRequest(BaseModel):
    old_password: StrictStr = Field(min_length=1)
    new_password: StrictStr = Field(min_length=1, description="the rules of /api/register's password")


class PasswordChangedBody(MessageBody):
    revoked_tokens: int = Field(description="the account's other tokens (login, bot and API) now revoked")


class AccountDeletionRequest(BaseModel):
    password: StrictStr = Field(min_length=1, description="the account's password, to confirm")


class AccountDeletedBody(MessageBody):
    deleted_files: int = Field(description="the account's files deleted with it")


class HealthBody(BaseModel):
    status: Literal["ok"] = "ok"


class ReadyBody(BaseModel):
    status: Literal["ok"] = "ok"
    checks: dict[str, str]


class NotReadyBody(BaseModel):
    status: Literal["error"] = "error"
    message: str = "not ready"
    checks: dict[str, str]


def error_responses(models: Mapping[int, type[BaseModel]]) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: the error body of each status it may answer with; any other client
    error (an invalid query parameter, say) is an ErrorBody too, never FastAPI's 422."""
    documented: dict[int | str, dict[str, Any]] = {
        status: {"model": model} for status, model in models.items()
    }
    documented["4XX"] = {
        "model": ErrorBody,
        "description": "Any other client error, e.g. an invalid parameter",
    }
    return documented


def json_request_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra=` documenting a JSON body that the route parses by hand."""
    content = {"application/json": {"schema": model.model_json_schema()}}
    return {"requestBody": {"required": True, "content": content}}


UPLOAD_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "the one file"}
                    },
                }
            }
        },
    }
}

# A file is served with the media type of its extension (application/octet-stream when unknown).
ANY_MEDIA_TYPE = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
DOWNLOAD_OPERATION = "download_file"
HEAD_OPERATION = "file_headers"
DELETE_OPERATION = "delete_file"
DELETE_BY_HEADER_OPERATION = "delete_file_with_header"
# What an upload's answer leads to (OpenAPI links: clients and API fuzzers follow them).
UPLOAD_LINKS: dict[str, Any] = {
    "download": {"operationId": DOWNLOAD_OPERATION, "parameters": {"file_url": "$response.body#/file_url"}},
    "headers": {"operationId": HEAD_OPERATION, "parameters": {"file_url": "$response.body#/file_url"}},
    "delete": {
        "operationId": DELETE_OPERATION,
        "parameters": {"file_url": "$response.body#/file_url", "key": "$response.body#/key"},
    },
}

# FastAPI documents the bearer scheme as required; appending the empty requirement makes it optional.
OPTIONAL_BEARER: dict[str, Any] = {"security": [{}]}

BINARY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The file's bytes", "content": ANY_MEDIA_TYPE},
    206: {"description": "The requested range of the file's bytes", "content": ANY_MEDIA_TYPE},
    302: {
        "description": "With FU_GATEWAY_DOWNLOAD_REDIRECT=presigned: the file at a short-lived URL of the "
        "object store (GET only; never for HTML, XML, JavaScript or SVG)"
    },
    304: {"description": "Not modified (If-None-Match matched the ETag)"},
}


def iso_8601(moment: datetime | None) -> str | None:
    """`2026-12-07T05:38:55Z` (UTC, to the second), or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
