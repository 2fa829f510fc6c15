"""A local stack on SQLite and local disk (what `make run` starts) keeps its data for its user only:
another user of the machine can read no database (argon2 hashes, delete keys), no file, no NATS event
(delete keys too), no secret and no log, even when an earlier run left the data dir open."""

import stat

from stack import Stack, StackConfig, free_port
from support.api import client, get_files, register, uploaded
from support.stacks import UNLIMITED_RATES


def open_to_others(root) -> list[str]:
    return [
        f"{path} {stat.S_IMODE(path.lstat().st_mode):04o}"
        for path in (root, *root.rglob("*"))
        if path.lstat().st_mode & 0o077 and not path.is_symlink()
    ]


def test_a_sqlite_stacks_data_dir_is_its_users_alone(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    data_dir.chmod(0o755)  # as an earlier version left it
    config = StackConfig(
        data_dir=data_dir,
        gateway_port=free_port(),
        auth_port=free_port(),
        files_port=free_port(),
        nats_port=free_port(),
        env=UNLIMITED_RATES,
    )
    stack = Stack(config).start()
    try:
        with client(stack.gateway_url) as c:
            token = register(c)["accessToken"]
            # Over FU_FILES_INLINE_MAX_BYTES: its bytes are a blob file as well.
            uploaded(c, "private.txt", b"for my eyes only" * 5000, token=token)
            assert len(get_files(c, token)) == 1
        written = {path.relative_to(data_dir).parts[0] for path in data_dir.rglob("*") if path.is_file()}
        leaks = open_to_others(data_dir)
    finally:
        stack.stop()

    assert {"auth.db", "files.db", "jwt-secret", "blobs", "nats", "logs"} <= written
    assert leaks == []
