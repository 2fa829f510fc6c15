"""Password change (issue 11): proven by the old password, it revokes every other token of the account."""

from fastapi import APIRouter
from pydantic import ValidationError

from gateway.api.deps import AccessToken, AuthClientDep, AuthRateLimit, SmallBody
from gateway.api.schemas import (
    AccountErrorBody,
    AuthErrorBody,
    ErrorBody,
    ErrorWithIdBody,
    PasswordChangedBody,
    PasswordChangeRequest,
    error_responses,
    json_request_body,
)
from gateway.errors import PasswordsMissing

router = APIRouter(prefix="/api", tags=["accounts"])

_PASSWORD_ERRORS = error_responses(
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


@router.post(
    "/password",
    dependencies=[AuthRateLimit],
    response_model=PasswordChangedBody,
    responses=_PASSWORD_ERRORS,
    openapi_extra=json_request_body(PasswordChangeRequest),
    summary="Change the password; every other token of the account is revoked, this one kept",
)
async def change_password(body: SmallBody, token: AccessToken, auth: AuthClientDep) -> PasswordChangedBody:
    try:
        request = PasswordChangeRequest.model_validate_json(body)
    except ValidationError as error:
        raise PasswordsMissing() from error
    revoked = await auth.change_password(token, request.old_password, request.new_password)
    return PasswordChangedBody(message="password changed successfully", revoked_tokens=revoked)
