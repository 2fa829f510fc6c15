"""The auth schema, one definition for SQLite and PostgreSQL."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
)

from fileuploader_runtime.db.utc_datetime import UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


accounts = Table(
    "accounts",
    metadata,
    Column("account_id", String(36), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("disabled_at", UtcDateTime, nullable=True),  # set by an operator; NULL while enabled
)

access_tokens = Table(
    "access_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column(
        "account_id",
        String(36),
        ForeignKey("accounts.account_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("kind", String(16), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", String(32), primary_key=True),
    # Its access_tokens row is the token itself: deleting that row (revoke, logout, a password change,
    # the expiry purge) takes this one with it.
    Column(
        "token_hash",
        String(64),
        ForeignKey("access_tokens.token_hash", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("account_id", String(36), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime, nullable=True),
)

account_files = Table(
    "account_files",
    metadata,
    Column("file_url", String, primary_key=True),
    Column("account_id", String, nullable=False),
    Column("delete_key", String, nullable=False),
    Column("ext", String, nullable=False),
    Column("user_filename", String, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("expires_at", UtcDateTime, nullable=True),  # NULL: never
    Column("max_downloads", BigInteger, nullable=True),  # NULL: no download limit
    Index(None, "account_id", "created_at"),
)
