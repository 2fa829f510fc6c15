import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FilesErrorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FILES_ERROR_REASON_UNSPECIFIED: _ClassVar[FilesErrorReason]
    FILE_NOT_FOUND: _ClassVar[FilesErrorReason]
    INVALID_DELETE_KEY: _ClassVar[FilesErrorReason]
    BAD_EXTENSION: _ClassVar[FilesErrorReason]
    FILE_TOO_LARGE: _ClassVar[FilesErrorReason]
    METADATA_MISSING: _ClassVar[FilesErrorReason]
    STORAGE_FULL: _ClassVar[FilesErrorReason]
    RANGE_NOT_SATISFIABLE: _ClassVar[FilesErrorReason]
    BAD_FILENAME: _ClassVar[FilesErrorReason]
    UPLOAD_INCOMPLETE: _ClassVar[FilesErrorReason]
    TOO_MANY_FILES: _ClassVar[FilesErrorReason]
    DOWNLOAD_URL_UNSUPPORTED: _ClassVar[FilesErrorReason]
    INVALID_DOWNLOAD_HEADERS: _ClassVar[FilesErrorReason]
    IDEMPOTENCY_KEY_REUSED: _ClassVar[FilesErrorReason]
    CONTENT_BLOCKED: _ClassVar[FilesErrorReason]
    QUOTA_BYTES_EXCEEDED: _ClassVar[FilesErrorReason]
    QUOTA_FILES_EXCEEDED: _ClassVar[FilesErrorReason]

class ClaimResult(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLAIM_RESULT_UNSPECIFIED: _ClassVar[ClaimResult]
    CLAIMED: _ClassVar[ClaimResult]
    UNKNOWN_FILE: _ClassVar[ClaimResult]
    WRONG_KEY: _ClassVar[ClaimResult]
    OWNED_BY_ANOTHER_ACCOUNT: _ClassVar[ClaimResult]
    ALREADY_YOURS: _ClassVar[ClaimResult]
    OVER_QUOTA: _ClassVar[ClaimResult]
FILES_ERROR_REASON_UNSPECIFIED: FilesErrorReason
FILE_NOT_FOUND: FilesErrorReason
INVALID_DELETE_KEY: FilesErrorReason
BAD_EXTENSION: FilesErrorReason
FILE_TOO_LARGE: FilesErrorReason
METADATA_MISSING: FilesErrorReason
STORAGE_FULL: FilesErrorReason
RANGE_NOT_SATISFIABLE: FilesErrorReason
BAD_FILENAME: FilesErrorReason
UPLOAD_INCOMPLETE: FilesErrorReason
TOO_MANY_FILES: FilesErrorReason
DOWNLOAD_URL_UNSUPPORTED: FilesErrorReason
INVALID_DOWNLOAD_HEADERS: FilesErrorReason
IDEMPOTENCY_KEY_REUSED: FilesErrorReason
CONTENT_BLOCKED: FilesErrorReason
QUOTA_BYTES_EXCEEDED: FilesErrorReason
QUOTA_FILES_EXCEEDED: FilesErrorReason
CLAIM_RESULT_UNSPECIFIED: ClaimResult
CLAIMED: ClaimResult
UNKNOWN_FILE: ClaimResult
WRONG_KEY: ClaimResult
OWNED_BY_ANOTHER_ACCOUNT: ClaimResult
ALREADY_YOURS: ClaimResult
OVER_QUOTA: ClaimResult

class UploadMetadata(_message.Message):
    __slots__ = ("user_filename", "include_ext", "owner_account_id", "idempotency_key", "idempotency_scope", "size_bound", "expires_in_seconds", "max_downloads")
    USER_FILENAME_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_EXT_FIELD_NUMBER: _ClassVar[int]
    OWNER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_SCOPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_BOUND_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_DOWNLOADS_FIELD_NUMBER: _ClassVar[int]
    user_filename: str
    include_ext: bool
    owner_account_id: str
    idempotency_key: str
    idempotency_scope: str
    size_bound: int
    expires_in_seconds: int
    max_downloads: int
    def __init__(self, user_filename: _Optional[str] = ..., include_ext: _Optional[bool] = ..., owner_account_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., idempotency_scope: _Optional[str] = ..., size_bound: _Optional[int] = ..., expires_in_seconds: _Optional[int] = ..., max_downloads: _Optional[int] = ...) -> None: ...

class UploadComplete(_message.Message):
    __slots__ = ("size",)
    SIZE_FIELD_NUMBER: _ClassVar[int]
    size: int
    def __init__(self, size: _Optional[int] = ...) -> None: ...

class UploadFileRequest(_message.Message):
    __slots__ = ("metadata", "chunk", "complete")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    metadata: UploadMetadata
    chunk: bytes
    complete: UploadComplete
    def __init__(self, metadata: _Optional[_Union[UploadMetadata, _Mapping]] = ..., chunk: _Optional[bytes] = ..., complete: _Optional[_Union[UploadComplete, _Mapping]] = ...) -> None: ...

class UploadWholeFileRequest(_message.Message):
    __slots__ = ("metadata", "content")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    metadata: UploadMetadata
    content: bytes
    def __init__(self, metadata: _Optional[_Union[UploadMetadata, _Mapping]] = ..., content: _Optional[bytes] = ...) -> None: ...

class BatchedUpload(_message.Message):
    __slots__ = ("file", "request_id")
    FILE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    file: UploadWholeFileRequest
    request_id: str
    def __init__(self, file: _Optional[_Union[UploadWholeFileRequest, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UploadWholeFilesRequest(_message.Message):
    __slots__ = ("uploads",)
    UPLOADS_FIELD_NUMBER: _ClassVar[int]
    uploads: _containers.RepeatedCompositeFieldContainer[BatchedUpload]
    def __init__(self, uploads: _Optional[_Iterable[_Union[BatchedUpload, _Mapping]]] = ...) -> None: ...

class UploadRefusal(_message.Message):
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

class UploadOutcome(_message.Message):
    __slots__ = ("uploaded", "refused")
    UPLOADED_FIELD_NUMBER: _ClassVar[int]
    REFUSED_FIELD_NUMBER: _ClassVar[int]
    uploaded: UploadFileResponse
    refused: UploadRefusal
    def __init__(self, uploaded: _Optional[_Union[UploadFileResponse, _Mapping]] = ..., refused: _Optional[_Union[UploadRefusal, _Mapping]] = ...) -> None: ...

class UploadWholeFilesResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[UploadOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[UploadOutcome, _Mapping]]] = ...) -> None: ...

class FileInfo(_message.Message):
    __slots__ = ("file_url", "ext", "user_filename", "size", "sha256", "created_at", "expires_at", "max_downloads", "downloads_left")
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    EXT_FIELD_NUMBER: _ClassVar[int]
    USER_FILENAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    MAX_DOWNLOADS_FIELD_NUMBER: _ClassVar[int]
    DOWNLOADS_LEFT_FIELD_NUMBER: _ClassVar[int]
    file_url: str
    ext: str
    user_filename: str
    size: int
    sha256: str
    created_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    max_downloads: int
    downloads_left: int
    def __init__(self, file_url: _Optional[str] = ..., ext: _Optional[str] = ..., user_filename: _Optional[str] = ..., size: _Optional[int] = ..., sha256: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., max_downloads: _Optional[int] = ..., downloads_left: _Optional[int] = ...) -> None: ...

class UploadFileResponse(_message.Message):
    __slots__ = ("file", "delete_key", "owner_account_id")
    FILE_FIELD_NUMBER: _ClassVar[int]
    DELETE_KEY_FIELD_NUMBER: _ClassVar[int]
    OWNER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    file: FileInfo
    delete_key: str
    owner_account_id: str
    def __init__(self, file: _Optional[_Union[FileInfo, _Mapping]] = ..., delete_key: _Optional[str] = ..., owner_account_id: _Optional[str] = ...) -> None: ...

class ReadFileRequest(_message.Message):
    __slots__ = ("file_url", "offset", "length", "with_info", "inline_up_to")
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    LENGTH_FIELD_NUMBER: _ClassVar[int]
    WITH_INFO_FIELD_NUMBER: _ClassVar[int]
    INLINE_UP_TO_FIELD_NUMBER: _ClassVar[int]
    file_url: str
    offset: int
    length: int
    with_info: bool
    inline_up_to: int
    def __init__(self, file_url: _Optional[str] = ..., offset: _Optional[int] = ..., length: _Optional[int] = ..., with_info: _Optional[bool] = ..., inline_up_to: _Optional[int] = ...) -> None: ...

class ReadFileResponse(_message.Message):
    __slots__ = ("chunk", "info", "inline")
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    INLINE_FIELD_NUMBER: _ClassVar[int]
    chunk: bytes
    info: FileInfo
    inline: bool
    def __init__(self, chunk: _Optional[bytes] = ..., info: _Optional[_Union[FileInfo, _Mapping]] = ..., inline: _Optional[bool] = ...) -> None: ...

class GetFileInfoRequest(_message.Message):
    __slots__ = ("file_url",)
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    file_url: str
    def __init__(self, file_url: _Optional[str] = ...) -> None: ...

class GetFileInfoResponse(_message.Message):
    __slots__ = ("file",)
    FILE_FIELD_NUMBER: _ClassVar[int]
    file: FileInfo
    def __init__(self, file: _Optional[_Union[FileInfo, _Mapping]] = ...) -> None: ...

class DeleteFileRequest(_message.Message):
    __slots__ = ("file_url", "delete_key")
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    DELETE_KEY_FIELD_NUMBER: _ClassVar[int]
    file_url: str
    delete_key: str
    def __init__(self, file_url: _Optional[str] = ..., delete_key: _Optional[str] = ...) -> None: ...

class DeleteFileResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListOwnedFilesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class OwnedFile(_message.Message):
    __slots__ = ("file", "owner_account_id", "delete_key")
    FILE_FIELD_NUMBER: _ClassVar[int]
    OWNER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DELETE_KEY_FIELD_NUMBER: _ClassVar[int]
    file: FileInfo
    owner_account_id: str
    delete_key: str
    def __init__(self, file: _Optional[_Union[FileInfo, _Mapping]] = ..., owner_account_id: _Optional[str] = ..., delete_key: _Optional[str] = ...) -> None: ...

class ListOwnedFilesResponse(_message.Message):
    __slots__ = ("files",)
    FILES_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[OwnedFile]
    def __init__(self, files: _Optional[_Iterable[_Union[OwnedFile, _Mapping]]] = ...) -> None: ...

class RepublishFileEventsRequest(_message.Message):
    __slots__ = ("file_urls",)
    FILE_URLS_FIELD_NUMBER: _ClassVar[int]
    file_urls: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, file_urls: _Optional[_Iterable[str]] = ...) -> None: ...

class RepublishFileEventsResponse(_message.Message):
    __slots__ = ("republished", "unknown_file_urls")
    REPUBLISHED_FIELD_NUMBER: _ClassVar[int]
    UNKNOWN_FILE_URLS_FIELD_NUMBER: _ClassVar[int]
    republished: int
    unknown_file_urls: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, republished: _Optional[int] = ..., unknown_file_urls: _Optional[_Iterable[str]] = ...) -> None: ...

class GetDownloadUrlRequest(_message.Message):
    __slots__ = ("file_url", "content_type", "content_disposition", "cache_control")
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_DISPOSITION_FIELD_NUMBER: _ClassVar[int]
    CACHE_CONTROL_FIELD_NUMBER: _ClassVar[int]
    file_url: str
    content_type: str
    content_disposition: str
    cache_control: str
    def __init__(self, file_url: _Optional[str] = ..., content_type: _Optional[str] = ..., content_disposition: _Optional[str] = ..., cache_control: _Optional[str] = ...) -> None: ...

class GetDownloadUrlResponse(_message.Message):
    __slots__ = ("url", "expires_at")
    URL_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    url: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, url: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ClaimItem(_message.Message):
    __slots__ = ("file_url", "delete_key")
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    DELETE_KEY_FIELD_NUMBER: _ClassVar[int]
    file_url: str
    delete_key: str
    def __init__(self, file_url: _Optional[str] = ..., delete_key: _Optional[str] = ...) -> None: ...

class ClaimFilesRequest(_message.Message):
    __slots__ = ("owner_account_id", "items")
    OWNER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    owner_account_id: str
    items: _containers.RepeatedCompositeFieldContainer[ClaimItem]
    def __init__(self, owner_account_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[ClaimItem, _Mapping]]] = ...) -> None: ...

class ClaimOutcome(_message.Message):
    __slots__ = ("file_url", "result", "file", "delete_key")
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    DELETE_KEY_FIELD_NUMBER: _ClassVar[int]
    file_url: str
    result: ClaimResult
    file: FileInfo
    delete_key: str
    def __init__(self, file_url: _Optional[str] = ..., result: _Optional[_Union[ClaimResult, str]] = ..., file: _Optional[_Union[FileInfo, _Mapping]] = ..., delete_key: _Optional[str] = ...) -> None: ...

class ClaimFilesResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[ClaimOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[ClaimOutcome, _Mapping]]] = ...) -> None: ...

class DeleteAccountFilesRequest(_message.Message):
    __slots__ = ("owner_account_id",)
    OWNER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    owner_account_id: str
    def __init__(self, owner_account_id: _Optional[str] = ...) -> None: ...

class DeleteAccountFilesResponse(_message.Message):
    __slots__ = ("deleted_files",)
    DELETED_FILES_FIELD_NUMBER: _ClassVar[int]
    deleted_files: int
    def __init__(self, deleted_files: _Optional[int] = ...) -> None: ...

class GetAccountUsageRequest(_message.Message):
    __slots__ = ("owner_account_id",)
    OWNER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    owner_account_id: str
    def __init__(self, owner_account_id: _Optional[str] = ...) -> None: ...

class GetAccountUsageResponse(_message.Message):
    __slots__ = ("files", "bytes", "quota_bytes", "quota_files")
    FILES_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    QUOTA_BYTES_FIELD_NUMBER: _ClassVar[int]
    QUOTA_FILES_FIELD_NUMBER: _ClassVar[int]
    files: int
    bytes: int
    quota_bytes: int
    quota_files: int
    def __init__(self, files: _Optional[int] = ..., bytes: _Optional[int] = ..., quota_bytes: _Optional[int] = ..., quota_files: _Optional[int] = ...) -> None: ...

class CountDownloadRequest(_message.Message):
    __slots__ = ("file_url",)
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    file_url: str
    def __init__(self, file_url: _Optional[str] = ...) -> None: ...

class CountDownloadResponse(_message.Message):
    __slots__ = ("downloads_left",)
    DOWNLOADS_LEFT_FIELD_NUMBER: _ClassVar[int]
    downloads_left: int
    def __init__(self, downloads_left: _Optional[int] = ...) -> None: ...

class GetFileLimitsRequest(_message.Message):
    __slots__ = ("file_urls",)
    FILE_URLS_FIELD_NUMBER: _ClassVar[int]
    file_urls: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, file_urls: _Optional[_Iterable[str]] = ...) -> None: ...

class FileLimits(_message.Message):
    __slots__ = ("file_url", "expires_at", "max_downloads", "downloads_left")
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    MAX_DOWNLOADS_FIELD_NUMBER: _ClassVar[int]
    DOWNLOADS_LEFT_FIELD_NUMBER: _ClassVar[int]
    file_url: str
    expires_at: _timestamp_pb2.Timestamp
    max_downloads: int
    downloads_left: int
    def __init__(self, file_url: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., max_downloads: _Optional[int] = ..., downloads_left: _Optional[int] = ...) -> None: ...

class GetFileLimitsResponse(_message.Message):
    __slots__ = ("files", "gone")
    FILES_FIELD_NUMBER: _ClassVar[int]
    GONE_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[FileLimits]
    gone: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, files: _Optional[_Iterable[_Union[FileLimits, _Mapping]]] = ..., gone: _Optional[_Iterable[str]] = ...) -> None: ...
