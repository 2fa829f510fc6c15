"""Plain values the gateway works with; the gRPC clients translate protobuf messages into these."""

import enum
from dataclasses import dataclass
from datetime import datetime


class TokenKind(enum.Enum):
    NORMAL = "normal"
    BOT = "bot"
    API = "api"


@dataclass(frozen=True)
class Account:
    account_id: str
    username: str


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    account: Account


@dataclass(frozen=True)
class ApiToken:
    """An API token as listed: never the token itself."""

    token_id: str
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class CreatedApiToken:
    access_token: str
    token: ApiToken


@dataclass(frozen=True)
class StoredFile:
    file_url: str
    ext: str
    user_filename: str
    size: int
    sha256: str
    created_at: datetime
    expires_at: datetime | None = None
    # Both None: no download limit. downloads_left 0: used up (only later ranges of a download are served).
    max_downloads: int | None = None
    downloads_left: int | None = None

    @property
    def limited(self) -> bool:
        return self.max_downloads is not None

    @property
    def used_up(self) -> bool:
        return self.downloads_left == 0


@dataclass(frozen=True)
class FileLimits:
    """A listed file's expiry and download limit, as files answers them."""

    expires_at: datetime | None
    max_downloads: int | None
    downloads_left: int | None


@dataclass(frozen=True)
class DownloadHeaders:
    """What an object store's download URL is to answer with, as the gateway would."""

    content_type: str
    content_disposition: str
    cache_control: str


@dataclass(frozen=True)
class UploadedFile:
    file: StoredFile
    delete_key: str
    owner_account_id: str


@dataclass(frozen=True)
class UploadRequest:
    user_filename: str
    include_ext: bool
    owner_account_id: str
    # An Idempotency-Key (empty: none) and whose it is: "account:<id>", or "address:<client>" when anonymous.
    idempotency_key: str = ""
    idempotency_scope: str = ""
    # At most this many bytes of file follow (0: unknown): files refuses at once what cannot fit a quota.
    size_bound: int = 0
    # Seconds until it expires (None: never); the downloads it is served for (None: no limit).
    expires_in_seconds: int | None = None
    max_downloads: int | None = None


@dataclass(frozen=True)
class AccountUsage:
    """What an account stores, and its limits (None: none)."""

    files: int
    bytes: int
    quota_bytes: int | None
    quota_files: int | None


@dataclass(frozen=True)
class AccountFile:
    file_url: str
    delete_key: str
    ext: str
    user_filename: str
    size: int
    created_at: datetime
    expires_at: datetime | None = None  # None: never
    max_downloads: int | None = None  # None: no download limit


@dataclass(frozen=True)
class AccountFiles:
    account: Account
    files: list[AccountFile]


@dataclass(frozen=True)
class ClaimItem:
    """An upload to move into an account, with the delete key that proves it is the caller's."""

    file_url: str
    delete_key: str


@dataclass(frozen=True)
class ClaimOutcome:
    """`reason` is None when the file was claimed; `claimed` is the file as the account now lists it
    (set when it was claimed)."""

    file_url: str
    reason: str | None
    claimed: UploadedFile | None = None
