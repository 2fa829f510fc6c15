"""A small size-limited filesystem (tmpfs) for one service process, without privileges.

The process is started through `unshare --user --map-root-user --mount`: inside its own user and
mount namespaces it may mount a tmpfs over a directory, which only it sees and which disappears
with it (nothing to unmount, nothing left behind when a test dies). The test looks at that
filesystem through /proc/<pid>/root. This needs unprivileged user namespaces, on by default on
Debian and most distributions; without them the test fails and says so."""

import pathlib
import shutil
import subprocess

MOUNT_THEN_RUN = 'mount -t tmpfs -o size="$1" tmpfs "$2" && shift 2 && exec "$@"'


def tmpfs_wrapper(directory: pathlib.Path, size: str) -> list[str]:
    """The command prefix that runs a service with a `size` tmpfs mounted over `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    prefix = [
        "unshare",
        "--user",
        "--map-root-user",
        "--mount",
        "--",
        "sh",
        "-c",
        MOUNT_THEN_RUN,
        "sh",
        size,
        str(directory),
    ]
    _check_usable(prefix)
    return prefix


def seen_from_outside(pid: int, directory: pathlib.Path) -> pathlib.Path:
    """`directory` as the process with `pid` sees it (with its tmpfs mounted)."""
    return pathlib.Path(f"/proc/{pid}/root") / directory.relative_to("/")


def _check_usable(prefix: list[str]) -> None:
    if shutil.which("unshare") is None:
        raise RuntimeError("`unshare` (util-linux) is needed to give a service a small filesystem of its own")
    probe = subprocess.run([*prefix, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        raise RuntimeError(
            "cannot mount a private tmpfs in a user namespace (unprivileged user namespaces disabled? "
            f"see sysctl user.max_user_namespaces / kernel.unprivileged_userns_clone): {probe.stderr.strip()}"
        )
