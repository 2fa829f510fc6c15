"""What auth keeps on this machine (the SQLite database with its argon2 hashes and delete keys, the
generated JWT secret) is made readable by its own user only."""

import logging
import stat
from pathlib import Path

import pytest

from auth_service.adapters.private_storage import StorageNotPrivate, make_private
from auth_service.bootstrap import local_data_paths
from auth_service.settings import Settings


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_open_paths_lose_group_and_other_permissions_with_a_warning(tmp_path: Path, caplog) -> None:
    data_dir = tmp_path / "data"
    database, private = data_dir / "auth.db", data_dir / "jwt-secret"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    database.write_bytes(b"")
    database.chmod(0o644)
    private.write_text("x")
    private.chmod(0o600)

    with caplog.at_level(logging.WARNING):
        make_private([data_dir, database, private, data_dir / "auth.db-wal"])

    assert (mode_of(data_dir), mode_of(database), mode_of(private)) == (0o700, 0o600, 0o600)
    assert f"{database} was open to other users (mode 0644); it is now 0600" in caplog.text
    assert str(private) not in caplog.text


def test_a_path_that_cannot_be_made_private_is_refused_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "auth.db"
    database.write_bytes(b"")
    database.chmod(0o644)

    def not_the_owner(self: Path, mode: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(Path, "chmod", not_the_owner)
    with pytest.raises(StorageNotPrivate, match=r"open to other users \(mode 0644\).*go-rwx") as refused:
        make_private([database])
    assert str(refused.value).startswith(str(database))


def test_the_data_dir_the_secret_and_the_sqlite_files_are_auths_to_protect(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    database = data_dir / "auth.db"

    companions = [data_dir / f"auth.db{end}" for end in ("-wal", "-shm", "-journal")]
    expected = [data_dir, data_dir / "jwt-secret", database, *companions]
    assert local_data_paths(Settings(data_dir=data_dir)) == expected


def test_with_postgresql_and_a_configured_secret_nothing_local_is_touched(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, jwt_secret="s" * 32, database_url="postgresql://u@db/auth")

    assert local_data_paths(settings) == []


def test_a_sqlite_database_elsewhere_leaves_its_directory_alone(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", jwt_secret="s" * 32,
                        database_url=f"sqlite:///{tmp_path / 'shared' / 'auth.db'}")

    assert tmp_path / "shared" not in local_data_paths(settings)
    assert tmp_path / "shared" / "auth.db" in local_data_paths(settings)
