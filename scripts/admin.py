"""`make admin ARGS="files show <file_url>"`: an operator's command of files or auth, with the settings
`make run` gives them (FU_DATA_DIR, any FU_* variable; see docs/operations.md, "Operators"):

    make admin ARGS="files show 4yn-8yjhsu"
    make admin ARGS="files block <sha256> --reason 'abuse report 12'"
    make admin ARGS="auth disable alice"

Everything after the service's name goes to `python -m <service> admin`; the exit status is its own."""

import subprocess
import sys

from run_local import config_from_env
from stack import SERVICE_MODULES, Stack

USAGE = 'usage: make admin ARGS="files|auth <action> [arguments]" (ARGS="files --help" lists the actions)'


def admin(stack: Stack, arguments: list[str]) -> int:
    if not arguments or arguments[0] not in ("files", "auth"):
        print(USAGE, file=sys.stderr)
        return 2
    service, rest = arguments[0], arguments[1:]
    argv = [sys.executable, "-m", SERVICE_MODULES[service], "admin", *rest]
    return subprocess.run(argv, env=stack.service_env(service), check=False).returncode


if __name__ == "__main__":
    sys.exit(admin(Stack(config_from_env()), sys.argv[1:]))
