"""Schemathesis against a real stack: every operation of the OpenAPI description the gateway serves,
fuzzed with valid and invalid requests and followed through its links (upload -> download/delete).

The checks (tests/fuzz/schemathesis.toml): no 5xx at all, status codes, content types, headers and
bodies as documented, and every error in the contract's JSON shape (fuzz_hooks.py)."""

import os
import pathlib
import subprocess
import sysconfig
import xml.etree.ElementTree as ElementTree

import httpx

HERE = pathlib.Path(__file__).parent
CONFIG = HERE / "schemathesis.toml"
RUN_TIMEOUT_SECONDS = 600
JUNIT_REPORT = "schemathesis.xml"
HTTP_METHODS = {"get", "head", "post", "put", "patch", "delete", "options"}


def documented_operations(base_url: str) -> set[str]:
    paths = httpx.get(base_url + "/openapi.json").json()["paths"]
    return {
        f"{method.upper()} {path}"
        for path, item in paths.items()
        for method in item
        if method in HTTP_METHODS
    }


def run_schemathesis(base_url: str, work_dir: pathlib.Path) -> subprocess.CompletedProcess:
    st = pathlib.Path(sysconfig.get_path("scripts")) / "st"
    command = [
        str(st),
        "--no-color",
        "--config-file",
        str(CONFIG),
        "run",
        "--report",
        "junit",
        "--report-junit-path",
        str(work_dir / JUNIT_REPORT),
        base_url + "/openapi.json",
    ]
    env = {**os.environ, "PYTHONPATH": f"{HERE}:{HERE.parent}"}
    return subprocess.run(
        command, env=env, cwd=work_dir, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS
    )


def test_every_operation_passes_the_checks_on_generated_requests(fuzz_stack, tmp_path):
    result = run_schemathesis(fuzz_stack.gateway_url, tmp_path)
    print(result.stdout[-3000:])
    assert result.returncode == 0, result.stdout[-30_000:] + result.stderr[-5000:]
    tested = {case.get("name") for case in ElementTree.parse(tmp_path / JUNIT_REPORT).iter("testcase")}
    assert documented_operations(fuzz_stack.gateway_url) <= tested
    assert "Stateful tests" in tested
