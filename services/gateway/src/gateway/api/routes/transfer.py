"""Moving anonymous uploads into an account (issue 10): each on the word of its delete key."""

import logging

from fastapi import APIRouter
from pydantic import ValidationError

from gateway.api.deps import AccessToken, AuthClientDep, AuthRateLimit, FilesClientDep, SmallBody
from gateway.api.schemas import (
    AuthErrorBody,
    ErrorBody,
    ErrorWithIdBody,
    TransferBody,
    TransferRequest,
    TransferResult,
    error_responses,
    json_request_body,
)
from gateway.clients.auth import AuthClient
from gateway.errors import TransferFilesMissing, TransferTooManyFiles
from gateway.models import ClaimItem, ClaimOutcome

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["accounts"])

MAX_TRANSFERRED_PER_REQUEST = 100

_TRANSFER_ERRORS = error_responses(
    {400: ErrorWithIdBody, 401: AuthErrorBody, 413: ErrorBody, 429: ErrorBody, 502: ErrorBody, 503: ErrorBody}
)


@router.post(
    "/transfer",
    dependencies=[AuthRateLimit],
    response_model=TransferBody,
    responses=_TRANSFER_ERRORS,
    openapi_extra=json_request_body(TransferRequest),
    summary="Move anonymous uploads into the token's account, each proven by its delete key",
)
async def transfer(
    body: SmallBody, token: AccessToken, auth: AuthClientDep, files: FilesClientDep
) -> TransferBody:
    account = await auth.validate_token(token)
    outcomes = await files.claim_files(account.account_id, _items(body))
    await _list_in_account(token, outcomes, auth)
    return TransferBody(
        data=[
            TransferResult.model_validate(
                {"file_url": o.file_url, "claimed": o.reason is None, "reason": o.reason}
            )
            for o in outcomes
        ]
    )


def _items(body: bytes) -> list[ClaimItem]:
    try:
        request = TransferRequest.model_validate_json(body)
    except ValidationError as error:
        raise TransferFilesMissing() from error
    if not request.data:
        raise TransferFilesMissing()
    if len(request.data) > MAX_TRANSFERRED_PER_REQUEST:
        raise TransferTooManyFiles()
    return [ClaimItem(file_url=item.file_url, delete_key=item.key) for item in request.data]


async def _list_in_account(token: str, outcomes: list[ClaimOutcome], auth: AuthClient) -> None:
    """Lists the claimed files in the account now (one call), as uploads do, so that the next get_files
    shows them; if auth fails to, each is listed by its claim's upload event once that arrives."""
    claimed = [outcome.claimed for outcome in outcomes if outcome.claimed is not None]
    if not claimed:
        return
    try:
        await auth.record_account_files(token, claimed)
    except Exception as error:
        logger.warning("claimed %d file(s), not yet in their account's list: %s", len(claimed), error)
