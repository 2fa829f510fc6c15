from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from auth_service.settings import Settings


@pytest.fixture(autouse=True)
def no_auth_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "FU_AUTH_ENVIRONMENT",
        "FU_AUTH_JWT_SECRET",
        "FU_AUTH_DATABASE_URL",
        "FU_AUTH_DATA_DIR",
        "FU_AUTH_METRICS_PORT",
        "FU_AUTH_LOG_FORMAT",
        "FU_AUTH_LISTEN_ADDRESS",
    ):
        monkeypatch.delenv(name, raising=False)


def test_settings_default_to_a_sqlite_file_in_the_data_dir() -> None:
    settings = Settings(data_dir=Path("/srv/auth"))

    assert settings.database_url == "sqlite+aiosqlite:////srv/auth/auth.db"
    assert settings.jwt_secret_file == Path("/srv/auth/jwt-secret")


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://u@db:5432/auth", "postgresql+asyncpg://u@db:5432/auth"),
        ("postgresql://u@db/auth", "postgresql+asyncpg://u@db/auth"),
        ("postgresql+asyncpg://u@db/auth", "postgresql+asyncpg://u@db/auth"),
        ("sqlite:///tmp/x.db", "sqlite+aiosqlite:///tmp/x.db"),
    ],
)
def test_settings_use_the_async_driver_for_the_database_url(given: str, used: str) -> None:
    assert Settings(database_url=given).database_url == used


def test_settings_default_shutdown_and_redelivery_timings() -> None:
    settings = Settings()

    assert (settings.shutdown_delay_seconds, settings.shutdown_grace_seconds) == (2.0, 10)
    assert settings.events_ack_wait_seconds == 30.0


def test_settings_read_the_fu_auth_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FU_AUTH_TOKEN_TTL_SECONDS", "60")
    monkeypatch.setenv("FU_AUTH_DATABASE_URL", "postgres://u@db/auth")
    monkeypatch.setenv("FU_AUTH_LOG_LEVEL", "debug")

    settings = Settings()

    assert (settings.token_ttl_seconds, settings.database_url) == (60, "postgresql+asyncpg://u@db/auth")
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize("secret", [None, "too-short"])
def test_settings_refuse_production_without_a_32_character_secret(secret: str | None) -> None:
    with pytest.raises(ValidationError, match="FU_AUTH_JWT_SECRET must be set to at least 32 characters"):
        Settings(environment="production", jwt_secret=secret)


@pytest.mark.parametrize(
    "secret",
    [
        "local-try-out-secret-change-me-before-any-real-use",  # what docker-compose.yml publishes
        "please-CHANGE-ME-this-is-32-characters-long",
        "changethis-changethis-changethis-changethis",
    ],
)
def test_settings_refuse_production_with_an_example_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="FU_AUTH_JWT_SECRET is an example secret") as refused:
        Settings(environment="production", jwt_secret=secret, nats_password="n" * 32)
    assert secret not in str(refused.value.errors(include_input=False))


def test_settings_allow_the_example_secret_in_development() -> None:
    secret = "local-try-out-secret-change-me-before-any-real-use"
    assert Settings(jwt_secret=secret).jwt_secret.get_secret_value() == secret


def test_settings_minimum_password_length_defaults_to_what_the_contract_allows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().min_password_length == 1
    monkeypatch.setenv("FU_AUTH_MIN_PASSWORD_LENGTH", "12")
    assert Settings().min_password_length == 12


@pytest.mark.parametrize("length", [0, 1025])
def test_settings_refuse_a_minimum_password_length_no_password_could_meet(length: int) -> None:
    with pytest.raises(ValidationError):
        Settings(min_password_length=length)


def test_settings_accept_production_with_a_long_secret() -> None:
    settings = Settings(environment="production", jwt_secret="x" * 32, nats_password="n" * 32)

    assert isinstance(settings.jwt_secret, SecretStr)
    assert "x" * 32 not in repr(settings)


def test_settings_allow_development_without_a_secret() -> None:
    assert Settings().jwt_secret is None


def test_settings_default_metrics_logs_stream_and_connection_age() -> None:
    settings = Settings()

    assert (settings.metrics_port, settings.metrics_refresh_seconds) == (9101, 5.0)
    assert settings.log_format == "text"
    assert settings.events_stream_replicas == 1
    assert (settings.max_connection_age_seconds, settings.max_connection_age_grace_seconds) == (300.0, 30.0)


def test_settings_read_the_log_format_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FU_AUTH_LOG_FORMAT", "JSON")

    assert Settings().log_format == "json"


@pytest.mark.parametrize(
    "invalid",
    [
        {"log_format": "xml"},
        {"events_stream_replicas": 0},
        {"metrics_port": -1},
        {"max_connection_age_seconds": -1},
    ],
)
def test_settings_refuse_invalid_operational_values(invalid: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Settings(**invalid)


def test_settings_refuse_auths_own_token_as_the_gateways() -> None:
    with pytest.raises(ValidationError, match="must differ"):
        Settings(rpc_token="t" * 32, gateway_rpc_token="t" * 32)
    assert Settings(rpc_token="a" * 32, gateway_rpc_token="g" * 32).gateway_rpc_token is not None


def test_settings_refuse_metrics_on_the_grpc_port() -> None:
    with pytest.raises(ValidationError, match="FU_AUTH_METRICS_PORT must differ"):
        Settings(listen_address="0.0.0.0:9101", metrics_port=9101)


@pytest.mark.parametrize(
    ("listen_address", "host"),
    [("0.0.0.0:50051", "0.0.0.0"), ("[::]:50051", "::"), ("127.0.0.1:0", "127.0.0.1")],
)
def test_metrics_are_served_on_the_host_grpc_listens_on(listen_address: str, host: str) -> None:
    assert Settings(listen_address=listen_address).listen_host == host
