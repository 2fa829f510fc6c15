import os
import pathlib

import pytest
from pydantic import ValidationError

from files_service.settings import Settings


@pytest.fixture(autouse=True)
def no_files_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("FU_FILES_"):
            monkeypatch.delenv(name)


def test_settings_defaults_put_database_and_blobs_under_data_dir():
    settings = Settings()

    assert settings.listen_address == "127.0.0.1:50052"
    assert settings.sqlalchemy_url == "sqlite+aiosqlite:///data/files.db"
    assert settings.blob_directory == pathlib.Path("data/blobs")
    assert (settings.max_file_size, settings.read_chunk_size) == (104857600, 1048576)
    assert (settings.events_stream, settings.events_subject_prefix) == ("FILE_EVENTS", "files")
    assert settings.nats_url.get_secret_value() == "nats://127.0.0.1:4222"
    assert (settings.shutdown_delay_seconds, settings.shutdown_grace_seconds) == (2.0, 10.0)


def test_settings_read_the_fu_files_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FU_FILES_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FU_FILES_MAX_FILE_SIZE", "1234")
    monkeypatch.setenv("FU_FILES_STORAGE_DIR", str(tmp_path / "elsewhere"))

    settings = Settings()

    assert settings.sqlalchemy_url == f"sqlite+aiosqlite:///{tmp_path}/files.db"
    assert settings.blob_directory == tmp_path / "elsewhere"
    assert settings.max_file_size == 1234


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://u:p@db:5432/files", "postgresql+asyncpg://u:p@db:5432/files"),
        ("postgres://u:p@db/files", "postgresql+asyncpg://u:p@db/files"),
        ("postgresql+asyncpg://db/files", "postgresql+asyncpg://db/files"),
        ("sqlite:////var/lib/files.db", "sqlite+aiosqlite:////var/lib/files.db"),
    ],
)
def test_settings_database_url_gets_an_async_driver(monkeypatch, given, used):
    monkeypatch.setenv("FU_FILES_DATABASE_URL", given)

    assert Settings().sqlalchemy_url == used


def test_settings_hide_the_database_url_and_the_s3_secret_in_their_repr(monkeypatch):
    monkeypatch.setenv("FU_FILES_DATABASE_URL", "postgresql://u:db-password-7@db/files")
    monkeypatch.setenv("FU_FILES_S3_ACCESS_KEY_ID", "key-id")
    monkeypatch.setenv("FU_FILES_S3_SECRET_ACCESS_KEY", "s3-password-7")

    text = repr(Settings())

    assert "db-password-7" not in text and "s3-password-7" not in text


def test_settings_s3_defaults_use_path_style_parts_of_8_mib_and_no_keys(monkeypatch):
    monkeypatch.setenv("FU_FILES_STORAGE_BACKEND", "s3")
    monkeypatch.setenv("FU_FILES_S3_BUCKET", "files")
    monkeypatch.setenv("FU_FILES_S3_ENDPOINT_URL", "")
    monkeypatch.setenv("FU_FILES_S3_ACCESS_KEY_ID", "")
    monkeypatch.setenv("FU_FILES_S3_SECRET_ACCESS_KEY", "")

    settings = Settings()

    assert (settings.s3_endpoint_url, settings.s3_access_key_id, settings.s3_secret_access_key) == (None,) * 3
    assert (settings.s3_addressing_style, settings.s3_part_size) == ("path", 8 * 1024 * 1024)
    assert (settings.s3_region, settings.s3_create_bucket) == ("us-east-1", False)
    assert (settings.presigned_url_ttl_seconds, settings.temp_cleanup_grace_seconds) == (300, 3600.0)


def test_settings_read_the_s3_environment(monkeypatch):
    values = {
        "STORAGE_BACKEND": "s3",
        "S3_ENDPOINT_URL": "http://seaweedfs:8333",
        "S3_BUCKET": "fileuploader",
        "S3_REGION": "eu-west-3",
        "S3_ACCESS_KEY_ID": "id",
        "S3_SECRET_ACCESS_KEY": "key",
        "S3_CREATE_BUCKET": "true",
        "S3_PART_SIZE": str(5 * 1024 * 1024),
        "S3_ADDRESSING_STYLE": "virtual",
        "S3_PUBLIC_ENDPOINT_URL": "https://s3.example.com",
        "PRESIGNED_URL_TTL_SECONDS": "60",
    }
    for name, value in values.items():
        monkeypatch.setenv(f"FU_FILES_{name}", value)

    settings = Settings()

    assert (settings.s3_endpoint_url, settings.s3_bucket, settings.s3_region) == (
        "http://seaweedfs:8333",
        "fileuploader",
        "eu-west-3",
    )
    assert (settings.s3_access_key_id, settings.s3_secret_access_key.get_secret_value()) == ("id", "key")
    assert settings.s3_create_bucket and settings.s3_part_size == 5 * 1024 * 1024
    assert settings.s3_addressing_style == "virtual"
    assert settings.s3_public_endpoint_url == "https://s3.example.com"
    assert settings.presigned_url_ttl_seconds == 60


@pytest.mark.parametrize(
    "s3_values",
    [
        {},
        {"S3_BUCKET": "ab"},
        {"S3_BUCKET": "files", "S3_ACCESS_KEY_ID": "id"},
        {"S3_BUCKET": "files", "S3_SECRET_ACCESS_KEY": "key"},
        {"S3_BUCKET": "files", "S3_PART_SIZE": str(5 * 1024 * 1024 - 1)},
        {"S3_BUCKET": "files", "PRESIGNED_URL_TTL_SECONDS": str(7 * 24 * 3600 + 1)},
        {"S3_BUCKET": "files", "S3_ADDRESSING_STYLE": "sideways"},
    ],
)
def test_settings_refuse_an_incomplete_or_invalid_s3_configuration(monkeypatch, s3_values):
    monkeypatch.setenv("FU_FILES_STORAGE_BACKEND", "s3")
    for name, value in s3_values.items():
        monkeypatch.setenv(f"FU_FILES_{name}", value)

    with pytest.raises(ValidationError):
        Settings()


@pytest.mark.parametrize(("name", "value"), [("STORAGE_BACKEND", "ftp"), ("MAX_FILE_SIZE", "0")])
def test_settings_reject_unsupported_values(monkeypatch, name, value):
    monkeypatch.setenv(f"FU_FILES_{name}", value)

    with pytest.raises(ValidationError):
        Settings()


def test_settings_accept_a_lower_case_log_level(monkeypatch):
    monkeypatch.setenv("FU_FILES_LOG_LEVEL", "debug")

    assert Settings().log_level == "DEBUG"


def test_settings_default_metrics_logs_stream_and_connection_age():
    settings = Settings()

    assert (settings.metrics_port, settings.metrics_refresh_seconds) == (9102, 5.0)
    assert settings.log_format == "text"
    assert settings.events_stream_replicas == 1
    assert (settings.max_connection_age_seconds, settings.max_connection_age_grace_seconds) == (300.0, 3600.0)


def test_settings_read_the_log_format_in_any_case(monkeypatch):
    monkeypatch.setenv("FU_FILES_LOG_FORMAT", "Json")

    assert Settings().log_format == "json"


@pytest.mark.parametrize(
    "invalid",
    [
        {"log_format": "xml"},
        {"events_stream_replicas": 0},
        {"metrics_port": 65536},
        {"max_connection_age_grace_seconds": -1},
    ],
)
def test_settings_refuse_invalid_operational_values(invalid):
    with pytest.raises(ValidationError):
        Settings(**invalid)


def test_settings_refuse_one_token_for_both_callers():
    with pytest.raises(ValidationError, match="must differ"):
        Settings(gateway_rpc_token="t" * 32, auth_rpc_token="t" * 32)
    assert Settings(gateway_rpc_token="g" * 32, auth_rpc_token="a" * 32).auth_rpc_token is not None


def test_settings_refuse_metrics_on_the_grpc_port():
    with pytest.raises(ValidationError, match="FU_FILES_METRICS_PORT must differ"):
        Settings(listen_address="0.0.0.0:9102", metrics_port=9102)


@pytest.mark.parametrize(("listen_address", "host"), [("0.0.0.0:50052", "0.0.0.0"), ("[::1]:50052", "::1")])
def test_metrics_are_served_on_the_host_grpc_listens_on(listen_address, host):
    assert Settings(listen_address=listen_address).listen_host == host
