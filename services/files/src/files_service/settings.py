"""The files service's configuration, from FU_FILES_* environment variables."""

import pathlib
from typing import Literal

from pydantic import NonNegativeFloat, PositiveFloat, PositiveInt, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    storage_backend: Literal["local"] = "local"
    storage_dir: pathlib.Path | None = None
    max_file_size: PositiveInt = 104857600
    nats_url: SecretStr = SecretStr("nats://127.0.0.1:4222")
    events_stream: str = "FILE_EVENTS"
    events_subject_prefix: str = "files"
    publish_timeout_seconds: PositiveFloat = 2.0
    outbox_relay_interval_seconds: PositiveFloat = 1.0
    read_chunk_size: PositiveInt = 262144
    shutdown_delay_seconds: NonNegativeFloat = 2.0
    shutdown_grace_seconds: NonNegativeFloat = 10.0
    log_level: Literal["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"] = "INFO"

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def sqlalchemy_url(self) -> str:
        """DATABASE_URL with an async driver; by default a SQLite file in DATA_DIR."""
        if self.database_url is None:
            return f"sqlite+aiosqlite:///{self.data_dir / 'files.db'}"
        return with_async_driver(self.database_url.get_secret_value())

    @property
    def blob_directory(self) -> pathlib.Path:
        return self.storage_dir if self.storage_dir is not None else self.data_dir / "blobs"
