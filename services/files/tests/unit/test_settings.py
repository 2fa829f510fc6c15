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
    assert (settings.max_file_size, settings.read_chunk_size) == (104857600, 262144)
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


def test_settings_hide_the_database_url_in_their_repr(monkeypatch):
    monkeypatch.setenv("FU_FILES_DATABASE_URL", "postgresql://u:secret@db/files")

    assert "secret" not in repr(Settings())


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
    "invalid", [{"log_format": "xml"}, {"events_stream_replicas": 0}, {"metrics_port": 65536},
                {"max_connection_age_grace_seconds": -1}],
)
def test_settings_refuse_invalid_operational_values(invalid):
    with pytest.raises(ValidationError):
        Settings(**invalid)


def test_settings_refuse_metrics_on_the_grpc_port():
    with pytest.raises(ValidationError, match="FU_FILES_METRICS_PORT must differ"):
        Settings(listen_address="0.0.0.0:9102", metrics_port=9102)


@pytest.mark.parametrize(("listen_address", "host"), [("0.0.0.0:50052", "0.0.0.0"), ("[::1]:50052", "::1")])
def test_metrics_are_served_on_the_host_grpc_listens_on(listen_address, host):
    assert Settings(listen_address=listen_address).listen_host == host
