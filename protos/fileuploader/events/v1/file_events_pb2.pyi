import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeleteReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELETE_REASON_UNSPECIFIED: _ClassVar[DeleteReason]
    DELETED_WITH_KEY: _ClassVar[DeleteReason]
    EXPIRED: _ClassVar[DeleteReason]
    DOWNLOAD_LIMIT: _ClassVar[DeleteReason]
    ACCOUNT_DELETED: _ClassVar[DeleteReason]
DELETE_REASON_UNSPECIFIED: DeleteReason
DELETED_WITH_KEY: DeleteReason
EXPIRED: DeleteReason
DOWNLOAD_LIMIT: DeleteReason
ACCOUNT_DELETED: DeleteReason

class FileUploaded(_message.Message):
    __slots__ = ("event_id", "occurred_at", "file_url", "owner_account_id", "delete_key", "ext", "user_filename", "size", "sha256", "created_at", "expires_at", "max_downloads")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    OWNER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DELETE_KEY_FIELD_NUMBER: _ClassVar[int]
    EXT_FIELD_NUMBER: _ClassVar[int]
    USER_FILENAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    MAX_DOWNLOADS_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    occurred_at: _timestamp_pb2.Timestamp
    file_url: str
    owner_account_id: str
    delete_key: str
    ext: str
    user_filename: str
    size: int
    sha256: str
    created_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    max_downloads: int
    def __init__(self, event_id: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., file_url: _Optional[str] = ..., owner_account_id: _Optional[str] = ..., delete_key: _Optional[str] = ..., ext: _Optional[str] = ..., user_filename: _Optional[str] = ..., size: _Optional[int] = ..., sha256: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., max_downloads: _Optional[int] = ...) -> None: ...

class FileUploadedBatch(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[FileUploaded]
    def __init__(self, events: _Optional[_Iterable[_Union[FileUploaded, _Mapping]]] = ...) -> None: ...

class FileDeleted(_message.Message):
    __slots__ = ("event_id", "occurred_at", "file_url", "owner_account_id", "reason")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    OWNER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    occurred_at: _timestamp_pb2.Timestamp
    file_url: str
    owner_account_id: str
    reason: DeleteReason
    def __init__(self, event_id: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., file_url: _Optional[str] = ..., owner_account_id: _Optional[str] = ..., reason: _Optional[_Union[DeleteReason, str]] = ...) -> None: ...
