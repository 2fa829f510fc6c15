"""The files service's tables: file metadata, the transactional outbox, the uploads' idempotency keys,
the blocked hashes.
A change here needs a migration (adapters/migrations/versions/)."""

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
)

from fileuploader_runtime.db.utc_datetime import UtcDateTime

metadata = MetaData()


files_table = Table(
    "files",
    metadata,
    Column("file_url", String(64), primary_key=True),
    Column("storage_key", String(64), nullable=False, unique=True),
    Column("user_filename", String(255), nullable=False),
    Column("ext", String(17), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("delete_key", String(36), nullable=False),
    Column("owner_account_id", String(128), nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
    # NULL: never expires.
    Column("expires_at", UtcDateTime, nullable=True, index=True),
    # Both NULL: no download limit. used_up_at: when downloads_left reached 0.
    Column("max_downloads", BigInteger, nullable=True),
    Column("downloads_left", BigInteger, nullable=True),
    Column("used_up_at", UtcDateTime, nullable=True, index=True),
    # A small file's bytes, committed with its row (NULL: the bytes are in the blob store).
    Column("content", LargeBinary, nullable=True),
    # An account's usage (its quotas) is read from this index alone.
    Index("ix_files_owner_account_id_size", "owner_account_id", "size"),
)

outbox_table = Table(
    "outbox",
    metadata,
    # SQLite autoincrements only an INTEGER PRIMARY KEY.
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("subject", String(255), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# One row per upload that came with an Idempotency-Key, written in the file row's own transaction.
upload_idempotency_table = Table(
    "upload_idempotency",
    metadata,
    Column("scope", String(160), primary_key=True),
    Column("idempotency_key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("file_url", String(64), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False, index=True),
)

# The SHA-256 of bytes an operator blocked (`python -m files_service admin block`): their uploads are
# refused.
blocked_hashes_table = Table(
    "blocked_hashes",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("reason", String(500), nullable=False),
    Column("blocked_by", String(128), nullable=False),
    Column("blocked_at", UtcDateTime, nullable=False),
)
