"""`make reconcile`: the reconcile command of files, then of auth, with the settings `make run` gives
them (FU_DATA_DIR, the ports, FU_NATS_URL, any FU_* variable; see docs/operations.md, "Repair").

    make reconcile                          # report only
    make reconcile ARGS="--repair --json"   # the arguments go to both commands

files goes first: the events it publishes from its outbox reach the account lists before auth compares
them. The exit status is the worse of the two: 0 no differences, 1 differences found, 2 an error.
"""

import json
import subprocess
import sys
from collections.abc import Sequence

from run_local import config_from_env
from stack import SERVICE_MODULES, Stack

ORDER = ("files", "auth")
EXIT_ERROR = 2


def reconcile(stack: Stack, arguments: Sequence[str]) -> int:
    """Runs both commands; with --json prints one document holding both reports."""
    as_json = "--json" in arguments
    reports: dict[str, object] = {}
    worst = 0
    for name in ORDER:
        argv = [sys.executable, "-m", SERVICE_MODULES[name], "reconcile", *arguments]
        completed = subprocess.run(
            argv, env=stack.service_env(name), stdout=subprocess.PIPE if as_json else None, check=False
        )
        worst = max(worst, completed.returncode if completed.returncode in (0, 1) else EXIT_ERROR)
        if as_json:
            reports[name] = json.loads(completed.stdout) if completed.stdout.strip() else None
        elif name != ORDER[-1]:
            print(flush=True)
    if as_json:
        print(json.dumps({"exit_status": worst, **reports}, indent=2))
    return worst


if __name__ == "__main__":
    sys.exit(reconcile(Stack(config_from_env()), sys.argv[1:]))
