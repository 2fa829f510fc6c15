"""`make conformance`: the black-box suite of ../shared/conformance against a fresh local stack.

The stack runs on its defaults (SQLite, local disk, a private nats-server, default rate limits);
a second short run with 3-second tokens covers the suite's expired-token test. The suite's folder
is FU_CONFORMANCE_DIR (default ../shared/conformance); extra arguments go to pytest.
"""

import os
import pathlib
import subprocess
import sys
import tempfile

from stack import Stack, StackConfig, free_port

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHORT_TTL = 3


def run_suite(
    suite: pathlib.Path, env: dict[str, str], pytest_args: list[str], data_dir: pathlib.Path
) -> int:
    config = StackConfig(
        data_dir,
        gateway_port=free_port(),
        auth_port=free_port(),
        files_port=free_port(),
        nats_port=free_port(),
        env=env,
    )
    stack = Stack(config).start()
    try:
        suite_env = {**os.environ, "FU_BASE_URL": stack.gateway_url}
        if "FU_AUTH_TOKEN_TTL_SECONDS" in env:
            suite_env["FU_SHORT_TTL"] = env["FU_AUTH_TOKEN_TTL_SECONDS"]
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:asyncio",
            "--rootdir",
            str(suite),
            str(suite),
            *pytest_args,
        ]
        return subprocess.call(command, env=suite_env, cwd=suite)
    finally:
        stack.stop()


def main() -> int:
    suite = pathlib.Path(
        os.environ.get("FU_CONFORMANCE_DIR", ROOT.parent / "shared" / "conformance")
    ).resolve()
    if not (suite / "conftest.py").exists():
        print(f"no conformance suite at {suite} (set FU_CONFORMANCE_DIR)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="fu-conformance-") as tmp:
        code = run_suite(suite, {}, ["-q", *sys.argv[1:]], pathlib.Path(tmp, "default"))
        short = {"FU_AUTH_TOKEN_TTL_SECONDS": str(SHORT_TTL)}
        code_expiry = run_suite(
            suite, short, ["-q", "-k", "expired", *sys.argv[1:]], pathlib.Path(tmp, "short-ttl")
        )
    return code or code_expiry


if __name__ == "__main__":
    sys.exit(main())
