"""Owner-only storage: what a service keeps on its machine loses every group and other permission."""

import logging
import stat
from pathlib import Path

import pytest

from fileuploader_runtime.private_files import StorageNotPrivate, make_private, sqlite_files


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


def test_a_sqlite_database_comes_with_its_companion_files(tmp_path: Path) -> None:
    database = tmp_path / "service.db"

    companions = [tmp_path / f"service.db{end}" for end in ("-wal", "-shm", "-journal")]
    assert sqlite_files(database) == [database, *companions]
