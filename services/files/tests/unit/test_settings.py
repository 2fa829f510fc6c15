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
