"""The auth service's configuration, from FU_AUTH_* environment variables."""

from pathlib import Path
from typing import Self

from pydantic import (
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from auth_service.domain.credentials import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from fileuploader_runtime.settings import (
    Environment,
    LogFormat,
    LogLevel,
    Port,
    RpcToken,
    host_of,
    is_example_secret,
    nats_credentials,
    refuse_example_secrets,
)

MIN_JWT_SECRET_LENGTH = 32
_ASYNC_DRIVERS = {
    "postgres://": "postgresql+asyncpg://",
    "postgresql://": "postgresql+asyncpg://",
    "sqlite://": "sqlite+aiosqlite://",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FU_AUTH_", extra="ignore")

    listen_address: str = "127.0.0.1:50051"
    data_dir: Path = Path("./data")
    database_url: str = Field(default="", description="default: sqlite+aiosqlite:///<data_dir>/auth.db")
    nats_url: str = "nats://127.0.0.1:4222"
    nats_user: str = "auth"
    nats_password: SecretStr | None = None
    events_stream: str = "FILE_EVENTS"
    events_subject_prefix: str = "files"
    events_durable: str = "auth-account-files"
    events_stream_replicas: PositiveInt = 1
    files_address: str = "127.0.0.1:50052"
    events_ack_wait_seconds: PositiveFloat = 30.0
    environment: Environment = "development"
    jwt_secret: SecretStr | None = None
    gateway_rpc_token: RpcToken | None = None
    rpc_token: RpcToken | None = None
    token_ttl_seconds: PositiveInt = 432_000
    bot_token_ttl_seconds: PositiveInt = 15_552_000
    api_token_max_ttl_seconds: int = Field(default=31_536_000, ge=60)
    min_password_length: int = Field(default=MIN_PASSWORD_LENGTH, ge=1, le=MAX_PASSWORD_LENGTH)
    password_hash_concurrency: PositiveInt = 2
    argon2_memory_kib: PositiveInt = 19_456
    argon2_time_cost: PositiveInt = 2
    argon2_parallelism: PositiveInt = 1
    catch_up_timeout_seconds: float = Field(default=2.0, ge=0)
    shutdown_delay_seconds: float = Field(default=2.0, ge=0)
    shutdown_grace_seconds: float = Field(default=10, ge=0)
    token_purge_interval_seconds: PositiveFloat = 3600
    max_connection_age_seconds: NonNegativeFloat = 300.0
    max_connection_age_grace_seconds: NonNegativeFloat = 30.0
    metrics_port: Port = 9101
    metrics_refresh_seconds: PositiveFloat = 5.0
    log_level: LogLevel = "INFO"
    log_format: LogFormat = "text"

    @model_validator(mode="after")
    def _resolve_database_url(self) -> Self:
        url = self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'auth.db'}"
        for scheme, async_scheme in _ASYNC_DRIVERS.items():
            if url.startswith(scheme):
                url = async_scheme + url.removeprefix(scheme)
        self.database_url = url
        return self

    @model_validator(mode="after")
    def _require_a_strong_secret_in_production(self) -> Self:
        if self.environment != "production":
            return self
        if self.jwt_secret is None or len(self.jwt_secret.get_secret_value()) < MIN_JWT_SECRET_LENGTH:
            raise ValueError(
                f"FU_AUTH_JWT_SECRET must be set to at least {MIN_JWT_SECRET_LENGTH} characters "
                "when FU_AUTH_ENVIRONMENT=production"
            )
        if self.nats_password is None:
            raise ValueError("FU_AUTH_NATS_PASSWORD must be set when FU_AUTH_ENVIRONMENT=production")
        if is_example_secret(self.jwt_secret):
            raise ValueError(
                "FU_AUTH_JWT_SECRET is an example secret (docker-compose.yml's try-out one, or a "
                "change-me placeholder), which anyone can read: set one of your own, e.g. "
                "`openssl rand -base64 48`, when FU_AUTH_ENVIRONMENT=production"
            )
        return self

    @model_validator(mode="after")
    def _no_example_secret_in_production(self) -> Self:
        """docker-compose.yml's try-out values and change-me placeholders are public: anyone could use them."""
        if self.environment != "production":
            return self
        secrets = {
            "FU_AUTH_GATEWAY_RPC_TOKEN": self.gateway_rpc_token,
            "FU_AUTH_RPC_TOKEN": self.rpc_token,
            "FU_AUTH_NATS_PASSWORD": self.nats_password,
        }
        refuse_example_secrets(secrets, "FU_AUTH_ENVIRONMENT")
        return self

    @model_validator(mode="after")
    def _metrics_port_is_not_the_grpc_port(self) -> Self:
        if self.metrics_port and self.listen_address.endswith(f":{self.metrics_port}"):
            raise ValueError("FU_AUTH_METRICS_PORT must differ from the port of FU_AUTH_LISTEN_ADDRESS")
        return self

    @model_validator(mode="after")
    def _own_token_is_not_the_gateways(self) -> Self:
        if self.rpc_token and self.rpc_token == self.gateway_rpc_token:
            raise ValueError(
                "FU_AUTH_RPC_TOKEN and FU_AUTH_GATEWAY_RPC_TOKEN must differ: files, which "
                "knows auth's token, could otherwise pass for the gateway here"
            )
        return self

    @property
    def nats_credentials(self) -> dict[str, str]:
        """nats.connect() keywords: the user and password, when a password is set."""
        return nats_credentials(self.nats_user, self.nats_password)

    @property
    def jwt_secret_file(self) -> Path:
        return self.data_dir / "jwt-secret"

    @property
    def listen_host(self) -> str:
        """The host part of LISTEN_ADDRESS, where the metrics are served too."""
        return host_of(self.listen_address)
