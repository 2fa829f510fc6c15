"""Fault 9: the file store runs out of space (an 8 MB tmpfs of the files process's own)."""

import os

from support.api import assert_error, client, upload, uploaded
from support.small_filesystem import seen_from_outside, tmpfs_wrapper
from support.storage import assert_every_row_has_its_bytes, blob_sizes, file_rows, temp_files

MB = 1024 * 1024


def test_full_storage_answers_json_507_keeps_nothing_partial_and_recovers_when_space_returns(
    make_stack, tmp_path
):
    mount_point = tmp_path / "small-store"
    wrapper = tmpfs_wrapper(mount_point, "8m")
    stack = make_stack(wrappers={"files": wrapper}, FU_FILES_STORAGE_DIR=str(mount_point))
    storage = seen_from_outside(stack.processes["files"].pid, mount_point)
    database = stack.config.files_database_url
    with client(stack.gateway_url) as c:
        first, second = (uploaded(c, f"{name}.bin", os.urandom(3 * MB)) for name in ("first", "second"))
        third = os.urandom(3 * MB)

        assert_error(upload(c, "third.bin", third), 507, "Storage is full, try again later")

        assert temp_files(storage) == [] and len(blob_sizes(storage)) == 2
        assert set(file_rows(database)) == {first["file_url"], second["file_url"]}
        assert_every_row_has_its_bytes(database, storage)
        assert c.get(f"/api/delete/{first['file_url']}", params={"key": first["key"]}).status_code == 200
        again = uploaded(c, "third.bin", third)
        assert c.get("/file/" + again["file_url"]).content == third
        assert_every_row_has_its_bytes(database, storage)
