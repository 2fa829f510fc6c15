"""What each image's build stage installs (`pip install -c constraints ./protos ./services/<name>`,
no editable installs, no test tools) is enough to start the service: a stand-in for `docker build`
on machines without a Docker engine. Like `docker build`, it works on a copy of what the Dockerfile
copies, less what .dockerignore leaves out, so the checkout is left as it was."""

import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ENTRYPOINT_MODULES = {
    "auth": [
        "auth_service.__main__",
        "auth_service.entrypoints.healthcheck",
        "auth_service.entrypoints.reconcile_cli",
    ],
    "files": [
        "files_service.__main__",
        "files_service.entrypoints.healthcheck",
        "files_service.entrypoints.reconcile_cli",
    ],
    "gateway": ["gateway.__main__", "gateway.main"],
}
# The services that keep a database: their migrations must ship inside the installed package.
MIGRATED = {"auth": "auth_service", "files": "files_service"}
TEST_TOOLS = ("pytest", "schemathesis", "hypothesis", "testcontainers", "grpcio-tools")
NOT_IN_BUILD_CONTEXT = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "tests")


def dockerfile(service: str) -> str:
    return (ROOT / "services" / service / "Dockerfile").read_text()


def build_context_copy(service: str, destination: pathlib.Path) -> pathlib.Path:
    """What the Dockerfile's `COPY <source> <target>` lines put in its working directory."""
    copies = re.findall(r"^COPY (?!--)(\S+) (\S+)$", dockerfile(service), re.MULTILINE)
    assert copies, "the Dockerfile copies the sources it installs"
    for source, target in copies:
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, destination / target, ignore=NOT_IN_BUILD_CONTEXT)
        else:
            (destination / target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / source, destination / target)
    return destination


def install_command(service: str) -> str:
    """The `pip install` of the service's Dockerfile, as written there."""
    match = re.search(r"/opt/venv/bin/pip install (.+)$", dockerfile(service), re.MULTILINE)
    assert match, "the Dockerfile installs the service with /opt/venv/bin/pip install"
    return match.group(1)


@pytest.mark.parametrize("service", sorted(ENTRYPOINT_MODULES))
def test_the_image_install_starts_the_service_without_test_tools(service, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = f"{venv}/bin/pip install --quiet --disable-pip-version-check {install_command(service)}"
    context = build_context_copy(service, tmp_path / "src")
    subprocess.run(pip, shell=True, check=True, cwd=context, capture_output=True)
    imports = "; ".join(f"import {module}" for module in ENTRYPOINT_MODULES[service])
    subprocess.run([str(venv / "bin" / "python"), "-c", imports], check=True, cwd=tmp_path)
    assert (venv / "bin" / f"fileuploader-{service}").exists()
    if service in MIGRATED:
        prefix = f"FU_{service.upper()}_"
        env = {
            "PATH": "/usr/bin:/bin",
            f"{prefix}DATA_DIR": str(tmp_path / "data"),
            f"{prefix}LOG_LEVEL": "INFO",
        }
        migrated = subprocess.run(
            [str(venv / "bin" / f"fileuploader-{service}"), "migrate"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert migrated.returncode == 0, migrated.stderr
        assert re.search(r"schema at revision \w+ \(was none\)", migrated.stderr), migrated.stderr
    installed = subprocess.run(
        [str(venv / "bin" / "pip"), "list", "--format=freeze"], check=True, capture_output=True, text=True
    ).stdout.lower()
    assert not [tool for tool in TEST_TOOLS if f"\n{tool}==" in "\n" + installed]
