"""The files service's configuration, from FU_FILES_* environment variables."""

import pathlib
from typing import Literal, Self

from pydantic import (
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from fileuploader_runtime.settings import (
    Environment,
    LogFormat,
    LogLevel,
    Port,
    RpcToken,
    host_of,
    nats_credentials,
    refuse_example_secrets,
)

MIB = 1024 * 1024
S3_MIN_PART_SIZE = 5 * MIB
# SigV4 presigned URLs are valid for at most 7 days.
MAX_PRESIGNED_URL_TTL_SECONDS = 7 * 24 * 3600

_ASYNC_DRIVERS = {
    "postgresql://": "postgresql+asyncpg://",
    "postgres://": "postgresql+asyncpg://",
    "sqlite://": "sqlite+aiosqlite://",
}


def with_async_driver(url: str) -> str:
    for plain, async_prefix in _ASYNC_DRIVERS.items():
        if url.startswith(plain):
            return async_prefix + url.removeprefix(plain)
    return url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FU_FILES_", frozen=True)

    listen_address: str = "127.0.0.1:50052"
    data_dir: pathlib.Path = pathlib.Path("./data")
    database_url: SecretStr | None = None
    storage_backend: Literal["local", "s3"] = "local"
    storage_dir: pathlib.Path | None = None
    temp_cleanup_grace_seconds: NonNegativeFloat = 3600.0
    s3_endpoint_url: str | None = None
    s3_public_endpoint_url: str | None = None
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_create_bucket: bool = False
    s3_part_size: int = Field(default=8 * MIB, ge=S3_MIN_PART_SIZE)
    s3_addressing_style: Literal["path", "virtual", "auto"] = "path"
    presigned_url_ttl_seconds: int = Field(default=300, gt=0, le=MAX_PRESIGNED_URL_TTL_SECONDS)
    max_file_size: PositiveInt = 104857600
    # A file of at most this many bytes keeps them in its database row (inline_content), committed with
    # the other uploads of its group commit, instead of a file of its own in the store; 0: never. SQLite
    # reads a blob of its 4 KiB pages faster than a file up to about 50-100 KB
    # (sqlite.org/intern-v-extern-blob.html), and writes it far faster: no file, fsyncs or directory.
    inline_max_bytes: int = Field(default=64 * 1024, ge=0, le=1024 * 1024)
    # What each account may store (owned uploads; anonymous ones have no account); 0: no limit.
    account_quota_bytes: int = Field(default=0, ge=0)
    account_quota_files: int = Field(default=0, ge=0)
    environment: Environment = "development"
    gateway_rpc_token: RpcToken | None = None
    auth_rpc_token: RpcToken | None = None
    nats_url: SecretStr = SecretStr("nats://127.0.0.1:4222")
    nats_user: str = "files"
    nats_password: SecretStr | None = None
    events_stream: str = "FILE_EVENTS"
    events_subject_prefix: str = "files"
    events_stream_replicas: PositiveInt = 1
    publish_timeout_seconds: PositiveFloat = 2.0
    outbox_relay_interval_seconds: PositiveFloat = 1.0
    # Under load, the least time between two rounds of the relay: the events committed meanwhile go in
    # one JetStream message (relay.py). 0: every commit's events are published at once.
    outbox_relay_pace_seconds: float = Field(default=0.1, ge=0, le=10)
    # Each chunk is one ReadFile message: well under gRPC's 4 MiB default, large enough that a big
    # download is not mostly per-message work (512 KiB took a quarter less CPU than 256 KiB, and 1 MiB
    # about 30 % less again, in files and in the gateway).
    read_chunk_size: int = Field(default=1048576, gt=0, le=1024 * 1024)
    # The API promises 24 h: a shorter time would break that promise.
    idempotency_ttl_seconds: float = Field(default=86400.0, ge=86400.0)
    idempotency_purge_interval_seconds: PositiveFloat = 600.0
    # How often expired and used-up files are deleted, and how many per transaction.
    purge_interval_seconds: PositiveFloat = 60.0
    purge_batch_size: int = Field(default=100, ge=1, le=1000)
    # How long a file whose downloads are used up still serves ranges that do not start at byte 0
    # (the seeks of its last download, e.g. a video being watched).
    seek_grace_seconds: NonNegativeFloat = 1800.0
    shutdown_delay_seconds: NonNegativeFloat = 2.0
    shutdown_grace_seconds: NonNegativeFloat = 10.0
    # The grace outlasts the longest upload or download a gateway allows (its TRANSFER_TIMEOUT_SECONDS).
    max_connection_age_seconds: NonNegativeFloat = 300.0
    max_connection_age_grace_seconds: NonNegativeFloat = 3600.0
    metrics_port: Port = 9102
    metrics_refresh_seconds: PositiveFloat = 5.0
    log_level: LogLevel = "INFO"
    log_format: LogFormat = "text"

    @model_validator(mode="after")
    def _metrics_port_is_not_the_grpc_port(self) -> Self:
        if self.metrics_port and self.listen_address.endswith(f":{self.metrics_port}"):
            raise ValueError("FU_FILES_METRICS_PORT must differ from the port of FU_FILES_LISTEN_ADDRESS")
        return self

    @model_validator(mode="after")
    def _no_example_secret_in_production(self) -> Self:
        """docker-compose.yml's try-out values and change-me placeholders are public: anyone could use them."""
        if self.environment != "production":
            return self
        secrets = {
            "FU_FILES_GATEWAY_RPC_TOKEN": self.gateway_rpc_token,
            "FU_FILES_AUTH_RPC_TOKEN": self.auth_rpc_token,
            "FU_FILES_NATS_PASSWORD": self.nats_password,
        }
        refuse_example_secrets(secrets, "FU_FILES_ENVIRONMENT")
        return self

    @model_validator(mode="after")
    def _nats_password_in_production(self) -> Self:
        if self.environment == "production" and self.nats_password is None:
            raise ValueError("FU_FILES_NATS_PASSWORD must be set when FU_FILES_ENVIRONMENT=production")
        return self

    @model_validator(mode="after")
    def _one_token_per_caller(self) -> Self:
        if self.gateway_rpc_token and self.gateway_rpc_token == self.auth_rpc_token:
            raise ValueError(
                "FU_FILES_GATEWAY_RPC_TOKEN and FU_FILES_AUTH_RPC_TOKEN must differ: "
                "either caller could otherwise call the other's methods"
            )
        return self

    @property
    def nats_credentials(self) -> dict[str, str]:
        """nats.connect() keywords: the user and password, when a password is set."""
        return nats_credentials(self.nats_user, self.nats_password)

    @property
    def listen_host(self) -> str:
        """The host part of LISTEN_ADDRESS, where the metrics are served too."""
        return host_of(self.listen_address)

    @field_validator(
        "s3_endpoint_url", "s3_public_endpoint_url", "s3_access_key_id", "s3_secret_access_key", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _s3_is_complete(self) -> Self:
        if self.storage_backend != "s3":
            return self
        if len(self.s3_bucket) < 3:
            raise ValueError("the s3 backend needs FU_FILES_S3_BUCKET (3 characters or more)")
        if (self.s3_access_key_id is None) != (self.s3_secret_access_key is None):
            raise ValueError("set both FU_FILES_S3_ACCESS_KEY_ID and _SECRET_ACCESS_KEY, or neither")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """DATABASE_URL with an async driver; by default a SQLite file in DATA_DIR."""
        if self.database_url is None:
            return f"sqlite+aiosqlite:///{self.data_dir / 'files.db'}"
        return with_async_driver(self.database_url.get_secret_value())

    @property
    def blob_directory(self) -> pathlib.Path:
        return self.storage_dir if self.storage_dir is not None else self.data_dir / "blobs"
