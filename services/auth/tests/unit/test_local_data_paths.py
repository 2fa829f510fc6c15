"""What auth keeps on this machine (the SQLite database with its argon2 hashes and delete keys, the
generated JWT secret) is what it makes readable by its own user only."""

from pathlib import Path

from auth_service.bootstrap import local_data_paths
from auth_service.settings import Settings


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
    settings = Settings(
        data_dir=tmp_path / "data",
        jwt_secret="s" * 32,
        database_url=f"sqlite:///{tmp_path / 'shared' / 'auth.db'}",
    )

    assert tmp_path / "shared" not in local_data_paths(settings)
    assert tmp_path / "shared" / "auth.db" in local_data_paths(settings)
