"""The gateway's configuration, read from FU_GATEWAY_* environment variables."""

import ipaddress
from typing import Literal, Self

from limits import parse
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fileuploader_runtime.settings import (
    Environment,
    LogFormat,
    LogLevel,
    Port,
    RpcToken,
    nats_credentials,
    refuse_example_secrets,
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FU_GATEWAY_", frozen=True)

    host: str = "127.0.0.1"
    port: Port = 8080
    auth_address: str = "127.0.0.1:50051"
    files_address: str = "127.0.0.1:50052"
    environment: Environment = "development"
    public_url: str | None = None
    max_upload_bytes: int = Field(default=104_857_600, gt=0)
    max_header_bytes: int = Field(default=16_384, ge=1024)
    upload_rate_limit: str = "2/minute"
    auth_rate_limit: str = "10/minute"
    rate_limit_storage_uri: SecretStr = SecretStr("memory://")
    trusted_proxies: str = ""
    rpc_timeout_seconds: float = Field(default=5.0, gt=0)
    transfer_timeout_seconds: float = Field(default=3600.0, gt=0)
    stream_step_timeout_seconds: float = Field(default=15.0, gt=0)
    # auth and files accept a ping a second at most: twice that leaves room for jitter.
    rpc_keepalive_seconds: float = Field(default=5.0, ge=2.0)
    rpc_keepalive_timeout_seconds: float = Field(default=5.0, gt=0)
    body_idle_timeout_seconds: float = Field(default=60.0, gt=0)
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    http_parser: Literal["httptools", "h11"] = "httptools"
    max_connections: int = Field(default=10_000, ge=1)
    max_connections_per_client: int = Field(default=100, ge=1)
    download_redirect: Literal["off", "presigned"] = "off"
    workers: int = Field(default=1, ge=1)
    shutdown_delay_seconds: float = Field(default=2.0, ge=0)
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    log_level: LogLevel = "INFO"
    log_format: LogFormat = "text"
    metrics_port: Port = 9100
    # One token per callee: neither service learns a token the other accepts from the gateway.
    auth_rpc_token: RpcToken | None = None
    files_rpc_token: RpcToken | None = None
    # NATS, where the gateway hears deletes (files.deleted): unset, the file cache is off.
    nats_url: SecretStr | None = None
    nats_user: str = "gateway"
    nats_password: SecretStr | None = None
    events_subject_prefix: str = "files"
    # The file cache: 0 entries (or a 0 s TTL) turns it off. The TTL bounds how long a file deleted
    # through another gateway may still be served when its event is late (NATS down).
    cache_max_entries: int = Field(default=10_000, ge=0)
    cache_max_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    cache_max_file_bytes: int = Field(default=256 * 1024, ge=0, le=1024 * 1024)
    cache_ttl_seconds: float = Field(default=60.0, ge=0)
    # Uploads' expiry (expires_in): the one of an upload that asks none (0: never, or the maximum when
    # there is one), and the longest one an upload may ask (0: no maximum).
    default_expiry_seconds: int = Field(default=0, ge=0)
    max_expiry_seconds: int = Field(default=0, ge=0)

    @field_validator("public_url")
    @classmethod
    def _public_url_is_absolute(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("upload_rate_limit", "auth_rate_limit")
    @classmethod
    def _rate_limit_parses(cls, value: str) -> str:
        parse(value)
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies_are_addresses(cls, value: str) -> str:
        for entry in _split(value):
            if entry != "*":
                ipaddress.ip_network(entry, strict=False)
        return value

    @model_validator(mode="after")
    def _default_expiry_within_the_maximum(self) -> Self:
        if self.max_expiry_seconds and self.default_expiry_seconds > self.max_expiry_seconds:
            raise ValueError(
                "FU_GATEWAY_DEFAULT_EXPIRY_SECONDS must not exceed FU_GATEWAY_MAX_EXPIRY_SECONDS"
            )
        return self

    @model_validator(mode="after")
    def _metrics_port_is_not_the_api_port(self) -> Self:
        if self.metrics_port and self.metrics_port == self.port:
            raise ValueError(
                "FU_GATEWAY_METRICS_PORT must differ from FU_GATEWAY_PORT: /metrics is never public"
            )
        return self

    @model_validator(mode="after")
    def _rpc_tokens_in_production_and_one_per_callee(self) -> Self:
        tokens = {
            "FU_GATEWAY_AUTH_RPC_TOKEN": self.auth_rpc_token,
            "FU_GATEWAY_FILES_RPC_TOKEN": self.files_rpc_token,
        }
        missing = [name for name, token in tokens.items() if token is None]
        if missing and self.environment == "production":
            raise ValueError(f"{' and '.join(missing)} must be set when FU_GATEWAY_ENVIRONMENT=production")
        if self.auth_rpc_token and self.auth_rpc_token == self.files_rpc_token:
            raise ValueError(
                "FU_GATEWAY_AUTH_RPC_TOKEN and FU_GATEWAY_FILES_RPC_TOKEN must differ: "
                "either service could otherwise pass for the gateway with the other"
            )
        return self

    @model_validator(mode="after")
    def _no_example_secret_in_production(self) -> Self:
        """docker-compose.yml's try-out values and change-me placeholders are public: anyone could use them."""
        if self.environment != "production":
            return self
        secrets = {
            "FU_GATEWAY_AUTH_RPC_TOKEN": self.auth_rpc_token,
            "FU_GATEWAY_FILES_RPC_TOKEN": self.files_rpc_token,
            "FU_GATEWAY_NATS_PASSWORD": self.nats_password,
        }
        refuse_example_secrets(secrets, "FU_GATEWAY_ENVIRONMENT")
        return self

    @model_validator(mode="after")
    def _nats_password_in_production(self) -> Self:
        if self.environment == "production" and self.nats_url is not None and self.nats_password is None:
            raise ValueError(
                "FU_GATEWAY_NATS_PASSWORD must be set with FU_GATEWAY_NATS_URL when "
                "FU_GATEWAY_ENVIRONMENT=production"
            )
        return self

    @model_validator(mode="after")
    def _production_names_its_public_url(self) -> Self:
        if self.environment == "production" and self.public_url is None:
            raise ValueError(
                "FU_GATEWAY_PUBLIC_URL must be set when FU_GATEWAY_ENVIRONMENT=production: "
                "links would otherwise be built from each request's Host header"
            )
        return self

    @property
    def nats_credentials(self) -> dict[str, str]:
        """nats.connect() keywords: the user and password, when a password is set."""
        return nats_credentials(self.nats_user, self.nats_password)

    @property
    def trusted_proxy_list(self) -> list[str]:
        return _split(self.trusted_proxies)


def _split(value: str) -> list[str]:
    return [entry.strip() for entry in value.split(",") if entry.strip()]
