"""What files keeps on this machine, and so makes private at start: nothing when it has none."""

from pathlib import Path

from files_service.bootstrap import local_data_paths
from files_service.settings import Settings


def test_local_disk_and_sqlite_keep_the_data_dir_the_store_and_the_database_files(tmp_path: Path):
    data_dir = tmp_path / "data"

    assert local_data_paths(Settings(data_dir=data_dir)) == [
        data_dir,
        data_dir / "blobs",
        data_dir / "blobs" / ".tmp",
        data_dir / "files.db",
        *(data_dir / f"files.db{end}" for end in ("-wal", "-shm", "-journal")),
    ]


def test_s3_and_postgresql_leave_every_local_path_alone(tmp_path: Path):
    settings = Settings(
        data_dir=tmp_path, storage_backend="s3", s3_bucket="bucket", database_url="postgresql://u@db/files"
    )

    assert local_data_paths(settings) == []


def test_a_store_outside_the_data_dir_is_protected_without_the_data_dir(tmp_path: Path):
    settings = Settings(
        data_dir=tmp_path / "data", storage_dir=tmp_path / "store", database_url="postgresql://u@db/files"
    )

    assert local_data_paths(settings) == [tmp_path / "store", tmp_path / "store" / ".tmp"]
