"""What each image's build stage installs (`pip install -c constraints ./protos ./services/<name>`,
no editable installs, no test tools) is enough to start the service: a stand-in for `docker build`
on machines without a Docker engine."""
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ENTRYPOINT_MODULES = {
    "auth": ["auth_service.__main__", "auth_service.entrypoints.healthcheck", "auth_service.entrypoints.reconcile_cli"],
    "files": ["files_service.__main__", "files_service.entrypoints.healthcheck",
              "files_service.entrypoints.reconcile_cli"],
    "gateway": ["gateway.__main__", "gateway.main"],
}
TEST_TOOLS = ("pytest", "schemathesis", "hypothesis", "testcontainers", "grpcio-tools")


def install_command(service: str) -> str:
    """The `pip install` of the service's Dockerfile, as written there."""
    dockerfile = (ROOT / "services" / service / "Dockerfile").read_text()
    match = re.search(r"/opt/venv/bin/pip install (.+)$", dockerfile, re.MULTILINE)
    assert match, "the Dockerfile installs the service with /opt/venv/bin/pip install"
    return match.group(1)


@pytest.mark.parametrize("service", sorted(ENTRYPOINT_MODULES))
def test_the_image_install_starts_the_service_without_test_tools(service, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = f"{venv}/bin/pip install --quiet --disable-pip-version-check {install_command(service)}"
    subprocess.run(pip, shell=True, check=True, cwd=ROOT, capture_output=True)
    imports = "; ".join(f"import {module}" for module in ENTRYPOINT_MODULES[service])
    subprocess.run([str(venv / "bin" / "python"), "-c", imports], check=True, cwd=tmp_path)
    assert (venv / "bin" / f"fileuploader-{service}").exists()
    installed = subprocess.run([str(venv / "bin" / "pip"), "list", "--format=freeze"], check=True,
                               capture_output=True, text=True).stdout.lower()
    assert not [tool for tool in TEST_TOOLS if f"\n{tool}==" in "\n" + installed]
