"""`make migrate`: the migrate command of files and of auth, with the settings `make run` gives them
(FU_DATA_DIR, any FU_* variable; see docs/operations.md, "Schema migrations"). Every start migrates
too: this is for upgrading the databases before starting the new release. Exit status: 0 both done,
1 either failed."""

import subprocess
import sys

from run_local import config_from_env
from stack import SERVICE_MODULES, Stack


def migrate(stack: Stack) -> int:
    failed = False
    for name in ("files", "auth"):
        argv = [sys.executable, "-m", SERVICE_MODULES[name], "migrate"]
        failed |= subprocess.run(argv, env=stack.service_env(name), check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(migrate(Stack(config_from_env())))
