"""Account deletion (issue 11): proven by the password, the account is disabled (its tokens revoked),
its files are deleted as the purge deletes them, then the account itself. Each step is idempotent, and
a crash between them leaves a disabled account that no one can use (docs/operations.md, "Operators":
finishing a half-deleted account)."""

from fastapi import APIRouter
from pydantic import ValidationError

from gateway.api.deps import AccessToken, AuthClientDep, AuthRateLimit, FilesClientDep, SmallBody
from gateway.api.schemas import (
    AccountDeletedBody,
    AccountDeletionRequest,
    AccountErrorBody,
    AuthErrorBody,
    ErrorBody,
    ErrorWithIdBody,
    error_responses,
    json_request_body,
)
from gateway.errors import PasswordMissing

router = APIRouter(prefix="/api", tags=["accounts"])

_DELETION_ERRORS = error_responses(
    {
        400: AccountErrorBody,
        401: AuthErrorBody,
        403: ErrorWithIdBody,
        408: ErrorBody,
        413: ErrorBody,
        429: ErrorBody,
        503: ErrorBody,
    }
)


@router.delete(
    "/account",
    dependencies=[AuthRateLimit],
    response_model=AccountDeletedBody,
    responses=_DELETION_ERRORS,
    openapi_extra=json_request_body(AccountDeletionRequest),
    summary="Delete the account and every file it owns; its tokens are revoked",
)
async def delete_account(
    body: SmallBody, token: AccessToken, auth: AuthClientDep, files: FilesClientDep
) -> AccountDeletedBody:
    try:
        request = AccountDeletionRequest.model_validate_json(body)
    except ValidationError as error:
        raise PasswordMissing() from error
    account_id = await auth.start_account_deletion(token, request.password)
    deleted = await files.delete_account_files(account_id)
    await auth.finish_account_deletion(account_id)
    return AccountDeletedBody(message="account deleted successfully", deleted_files=deleted)
