import stat
from pathlib import Path

import pytest

from auth_service.adapters.jwt_secret import load_or_create_secret
from auth_service.bootstrap import jwt_secret
from auth_service.settings import Settings


def test_load_or_create_secret_creates_a_0600_file_when_missing(tmp_path: Path) -> None:
    path = tmp_path / "data" / "jwt-secret"

    secret = load_or_create_secret(path)

    assert len(secret) >= 64
    assert path.read_text() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_load_or_create_secret_reuses_the_file_on_later_starts(tmp_path: Path) -> None:
    path = tmp_path / "jwt-secret"

    assert load_or_create_secret(path) == load_or_create_secret(path)


def test_load_or_create_secret_refuses_a_short_secret_file(tmp_path: Path) -> None:
    path = tmp_path / "jwt-secret"
    path.write_text("short\n")

    with pytest.raises(RuntimeError, match="shorter than 32 characters"):
        load_or_create_secret(path)


def test_jwt_secret_prefers_the_configured_secret(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, jwt_secret="c" * 40)

    assert jwt_secret(settings) == "c" * 40
    assert not (tmp_path / "jwt-secret").exists()


def test_jwt_secret_is_generated_per_data_dir_in_development(tmp_path: Path) -> None:
    first = jwt_secret(Settings(data_dir=tmp_path / "a", jwt_secret=None))
    second = jwt_secret(Settings(data_dir=tmp_path / "b", jwt_secret=None))

    assert first != second
