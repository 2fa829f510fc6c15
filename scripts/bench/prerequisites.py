"""The commands the bench runs, and the one apt-get line that brings the missing ones."""

from __future__ import annotations

import shutil

# command -> Debian package
COMMANDS = {"wrk": "wrk", "hey": "hey", "nginx": "nginx", "curl": "curl"}
SBIN = "/usr/local/sbin:/usr/sbin:/sbin"  # nginx lives there, not always on a user's PATH


def missing() -> list[str]:
    return [
        package
        for command, package in COMMANDS.items()
        if shutil.which(command) is None and shutil.which(command, path=SBIN) is None
    ]


def install_hint(packages: list[str]) -> str:
    return f"the bench needs {', '.join(packages)}: apt-get install -y {' '.join(packages)}"
