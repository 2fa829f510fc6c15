"""API tokens (issue 11): named tokens of an account, made, listed and revoked with any of its tokens."""

from datetime import datetime

from fastapi import APIRouter
from pydantic import ValidationError

from gateway.api.deps import AccessToken, AuthClientDep, AuthRateLimit, SmallBody
from gateway.api.schemas import (
    ApiTokenItem,
    ApiTokenRequest,
    ApiTokensBody,
    AuthErrorBody,
    CreatedApiTokenBody,
    ErrorBody,
    MessageBody,
    error_responses,
    json_request_body,
)
from gateway.errors import ApiTokenLifetimeInvalid, ApiTokenNameInvalid
from gateway.models import ApiToken

router = APIRouter(prefix="/api", tags=["accounts"])

_CREATE_ERRORS = error_responses(
    {400: ErrorBody, 401: AuthErrorBody, 408: ErrorBody, 413: ErrorBody, 429: ErrorBody, 503: ErrorBody}
)
_LIST_ERRORS = error_responses({401: AuthErrorBody, 503: ErrorBody})
_REVOKE_ERRORS = error_responses({401: AuthErrorBody, 404: ErrorBody, 429: ErrorBody, 503: ErrorBody})
MAX_TOKEN_ID_LENGTH = 64


@router.post(
    "/tokens",
    dependencies=[AuthRateLimit],
    response_model=CreatedApiTokenBody,
    responses=_CREATE_ERRORS,
    openapi_extra=json_request_body(ApiTokenRequest),
    summary="Create a named API token of the account (the token is shown once)",
)
async def create_api_token(body: SmallBody, token: AccessToken, auth: AuthClientDep) -> CreatedApiTokenBody:
    request = _api_token_request(body)
    created = await auth.create_api_token(token, request.name, request.expires_in or 0)
    return CreatedApiTokenBody(
        message="token created successfully", token=created.access_token, **_item(created.token).model_dump()
    )


@router.get(
    "/tokens",
    response_model=ApiTokensBody,
    responses=_LIST_ERRORS,
    summary="The account's API tokens (never the tokens themselves)",
)
async def list_api_tokens(token: AccessToken, auth: AuthClientDep) -> ApiTokensBody:
    tokens = await auth.list_api_tokens(token)
    return ApiTokensBody(message="tokens got successfully", data=[_item(api_token) for api_token in tokens])


@router.delete(
    "/tokens/{token_id}",
    dependencies=[AuthRateLimit],
    response_model=MessageBody,
    responses=_REVOKE_ERRORS,
    summary="Revoke one of the account's API tokens, at once",
)
async def revoke_api_token(token_id: str, token: AccessToken, auth: AuthClientDep) -> MessageBody:
    if len(token_id) > MAX_TOKEN_ID_LENGTH:
        token_id = ""  # no token has such an id: auth answers it as any unknown one
    await auth.revoke_api_token(token, token_id)
    return MessageBody(message="token revoked successfully")


def _api_token_request(body: bytes) -> ApiTokenRequest:
    try:
        request = ApiTokenRequest.model_validate_json(body)
    except ValidationError as error:
        if any(problem["loc"][:1] == ("expires_in",) for problem in error.errors()):
            raise ApiTokenLifetimeInvalid() from error
        raise ApiTokenNameInvalid() from error
    if request.expires_in is not None and request.expires_in < 1:
        raise ApiTokenLifetimeInvalid()
    return request


def _item(token: ApiToken) -> ApiTokenItem:
    return ApiTokenItem(
        id=token.token_id,
        name=token.name,
        created_at=_iso(token.created_at),
        last_used_at=_iso(token.last_used_at) if token.last_used_at else None,
        expires_at=_iso(token.expires_at),
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
