"""Domain objects to and from the generated protobuf messages."""

from collections.abc import Sequence
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from auth_service.domain.account_files import FileDeleted, FileUploaded
from auth_service.domain.model import (
    Account,
    AccountFileList,
    ApiToken,
    IssuedApiToken,
    IssuedToken,
    TokenKind,
    ValidatedToken,
)
from fileuploader.auth.v1 import auth_pb2
from fileuploader.events.v1 import file_events_pb2
from fileuploader_runtime.error_info import Refusal

_TOKEN_KINDS = {
    TokenKind.NORMAL: auth_pb2.TOKEN_KIND_NORMAL,
    TokenKind.BOT: auth_pb2.TOKEN_KIND_BOT,
    TokenKind.API: auth_pb2.TOKEN_KIND_API,
}


def token_kind_from_pb(kind: int) -> TokenKind:
    """TOKEN_KIND_BOT asks for a bot token; anything else (TOKEN_KIND_API too: API tokens come from
    CreateApiToken only) for a normal one."""
    return TokenKind.BOT if kind == auth_pb2.TOKEN_KIND_BOT else TokenKind.NORMAL


def token_kind_to_pb(kind: TokenKind) -> auth_pb2.TokenKind:
    return _TOKEN_KINDS[kind]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECONDS_PER_DAY = 86_400


def timestamp_of(moment: datetime) -> Timestamp:
    """As Timestamp.FromDatetime (a naive moment is UTC), in a fraction of its time: listings take 20."""
    since_epoch = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) - _EPOCH
    return Timestamp(
        seconds=since_epoch.days * _SECONDS_PER_DAY + since_epoch.seconds,
        nanos=since_epoch.microseconds * 1000,
    )


def account_to_pb(account: Account) -> auth_pb2.Account:
    return auth_pb2.Account(account_id=account.account_id, username=account.username)


def issued_token_to_pb(issued: IssuedToken) -> auth_pb2.IssuedToken:
    return auth_pb2.IssuedToken(
        access_token=issued.access_token,
        account=account_to_pb(issued.account),
        token_kind=token_kind_to_pb(issued.kind),
        expires_at=timestamp_of(issued.expires_at),
    )


def validated_token_to_pb(validated: ValidatedToken) -> auth_pb2.ValidateTokenResponse:
    return auth_pb2.ValidateTokenResponse(
        account=account_to_pb(validated.account),
        token_kind=token_kind_to_pb(validated.kind),
        expires_at=timestamp_of(validated.expires_at),
    )


def api_token_to_pb(token: ApiToken) -> auth_pb2.ApiToken:
    message = auth_pb2.ApiToken(
        token_id=token.token_id,
        name=token.name,
        created_at=timestamp_of(token.created_at),
        expires_at=timestamp_of(token.expires_at),
    )
    if token.last_used_at is not None:
        message.last_used_at.CopyFrom(timestamp_of(token.last_used_at))
    return message


def issued_api_token_to_pb(issued: IssuedApiToken) -> auth_pb2.CreateApiTokenResponse:
    token = api_token_to_pb(issued.token)
    return auth_pb2.CreateApiTokenResponse(access_token=issued.access_token, token=token)


def account_file_list_to_pb(listing: AccountFileList) -> auth_pb2.ListAccountFilesResponse:
    response = auth_pb2.ListAccountFilesResponse()
    _fill_account_file_list(response, listing)
    return response


def listing_batch_to_pb(
    outcomes: Sequence[AccountFileList | Refusal],
) -> auth_pb2.ListAccountFilesBatchResponse:
    response = auth_pb2.ListAccountFilesBatchResponse()
    add_outcome = response.outcomes.add
    for outcome in outcomes:
        added = add_outcome()
        if isinstance(outcome, Refusal):
            added.refused.CopyFrom(refusal_to_pb(outcome))
        else:
            _fill_account_file_list(added.listed, outcome)
    return response


def _fill_account_file_list(response: auth_pb2.ListAccountFilesResponse, listing: AccountFileList) -> None:
    """Each file built in place in the response (a message built apart would be copied into it)."""
    response.account.account_id = listing.account.account_id
    response.account.username = listing.account.username
    add_file = response.files.add
    for file in listing.files:
        added = add_file(
            file_url=file.file_url,
            delete_key=file.delete_key,
            ext=file.ext,
            user_filename=file.user_filename,
            size=file.size,
            created_at=timestamp_of(file.created_at),
            max_downloads=file.max_downloads,
        )
        if file.expires_at is not None:
            added.expires_at.CopyFrom(timestamp_of(file.expires_at))


def file_uploaded_from_account_file_pb(file: auth_pb2.AccountFile) -> FileUploaded:
    """The upload of a file whose owner the caller's token tells."""
    return FileUploaded(
        file_url=file.file_url,
        owner_account_id="",
        delete_key=file.delete_key,
        ext=file.ext,
        user_filename=file.user_filename,
        size=file.size,
        created_at=file.created_at.ToDatetime(tzinfo=UTC),
        expires_at=_moment_of(file, "expires_at"),
        max_downloads=file.max_downloads if file.HasField("max_downloads") else None,
    )


def file_uploaded_from_pb(event: file_events_pb2.FileUploaded) -> FileUploaded:
    return FileUploaded(
        file_url=event.file_url,
        owner_account_id=event.owner_account_id,
        delete_key=event.delete_key,
        ext=event.ext,
        user_filename=event.user_filename,
        size=event.size,
        created_at=_first_set(event, "created_at", "occurred_at"),
        expires_at=_moment_of(event, "expires_at"),
        max_downloads=event.max_downloads if event.HasField("max_downloads") else None,
    )


def file_deleted_from_pb(event: file_events_pb2.FileDeleted) -> FileDeleted:
    return FileDeleted(
        file_url=event.file_url,
        owner_account_id=event.owner_account_id,
        occurred_at=_first_set(event, "occurred_at"),
    )


def _first_set(event: file_events_pb2.FileUploaded | file_events_pb2.FileDeleted, *fields: str) -> datetime:
    """The first of these timestamps the producer set; the arrival time when none is."""
    for field in fields:
        if event.HasField(field):
            timestamp: Timestamp = getattr(event, field)
            return timestamp.ToDatetime(tzinfo=UTC)
    return datetime.now(UTC)


def _moment_of(message: auth_pb2.AccountFile | file_events_pb2.FileUploaded, field: str) -> datetime | None:
    """The timestamp `field`, or None when unset."""
    if not message.HasField(field):
        return None
    timestamp: Timestamp = getattr(message, field)
    return timestamp.ToDatetime(tzinfo=UTC)


def refusal_to_pb(refusal: Refusal) -> auth_pb2.ListingRefusal:
    return auth_pb2.ListingRefusal(
        code=refusal.code.value[0], message=refusal.message, reason=refusal.reason, facts=refusal.facts
    )
