"""Domain events as the fileuploader.events.v1 protobuf messages the consumers share."""

from collections.abc import Sequence
from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from files_service.domain.events import DELETED_WITH_KEY, DomainEvent, FileDeleted, FileUploaded
from files_service.domain.limits import PurgeReason
from fileuploader.events.v1 import file_events_pb2
from fileuploader_runtime.protobuf_wire import encoded_repeated_field, field_tag

_DELETE_REASONS = {
    DELETED_WITH_KEY: file_events_pb2.DELETED_WITH_KEY,
    PurgeReason.EXPIRED.value: file_events_pb2.EXPIRED,
    PurgeReason.DOWNLOAD_LIMIT.value: file_events_pb2.DOWNLOAD_LIMIT,
    PurgeReason.ACCOUNT_DELETED.value: file_events_pb2.ACCOUNT_DELETED,
}


def encode_event(event: DomainEvent) -> bytes:
    match event:
        case FileUploaded():
            return _file_uploaded(event).SerializeToString()
        case FileDeleted():
            return _file_deleted(event).SerializeToString()
    raise TypeError(f"no encoding for {type(event).__name__}")


_BATCH_EVENTS_TAG = field_tag(file_events_pb2.FileUploadedBatch, "events")


def encode_uploaded_batch(encoded_uploads: Sequence[bytes]) -> bytes:
    """The FileUploadedBatch of FileUploaded events as encode_event encoded them, kept as they are."""
    return encoded_repeated_field(_BATCH_EVENTS_TAG, encoded_uploads)


def timestamp_of(moment: datetime) -> Timestamp:
    timestamp = Timestamp()
    timestamp.FromDatetime(moment)
    return timestamp


def _file_uploaded(event: FileUploaded) -> file_events_pb2.FileUploaded:
    message = file_events_pb2.FileUploaded(
        event_id=event.event_id,
        occurred_at=timestamp_of(event.occurred_at),
        file_url=event.file_url,
        owner_account_id=event.owner_account_id,
        delete_key=event.delete_key,
        ext=event.ext,
        user_filename=event.user_filename,
        size=event.size,
        sha256=event.sha256,
        created_at=timestamp_of(event.created_at),
        max_downloads=event.max_downloads,
    )
    if event.expires_at is not None:
        message.expires_at.CopyFrom(timestamp_of(event.expires_at))
    return message


def _file_deleted(event: FileDeleted) -> file_events_pb2.FileDeleted:
    return file_events_pb2.FileDeleted(
        event_id=event.event_id,
        occurred_at=timestamp_of(event.occurred_at),
        file_url=event.file_url,
        owner_account_id=event.owner_account_id,
        reason=_DELETE_REASONS[event.reason],
    )
