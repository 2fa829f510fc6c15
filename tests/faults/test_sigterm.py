"""Fault 8: SIGTERM on each service. It reports not ready first while still serving, lets the
transfers in flight finish, and exits within its shutdown delay plus grace period."""

import os
import signal
import subprocess
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from stack import http_status
from support.api import client, register, uploaded
from support.raw_http import SlowDownload, SlowUpload
from support.storage import temp_files
from support.waiting import wait_until

MB = 1024 * 1024
DELAY_SECONDS, GRACE_SECONDS = 2.0, 3.0
# Past the grace: cancelling what is left, closing the database and the broker, the interpreter's exit.
# Under a loaded 2-core machine's full test run that took over 3 s twice (5.5 s signal-to-exit alone).
EXIT_MARGIN_SECONDS = 6.0


def shutdown_settings(service: str) -> dict[str, str]:
    """The delay and grace of the service under test (the others stop at once, as in any local stack)."""
    prefix = f"FU_{service.upper()}_SHUTDOWN"
    return {f"{prefix}_DELAY_SECONDS": str(DELAY_SECONDS), f"{prefix}_GRACE_SECONDS": str(GRACE_SECONDS)}


def exit_code_within(process, seconds: float) -> int:
    """The exit code; fails with the end of the process's log if it still runs after `seconds`."""
    try:
        return process.wait(seconds)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{process.name} still running {seconds:.1f} s after SIGTERM:\n{process.log_tail()}")


def grpc_health(port: int) -> int | None:
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            request = health_pb2.HealthCheckRequest(service="")
            return health_pb2_grpc.HealthStub(channel).Check(request, timeout=1).status
    except grpc.RpcError:
        return None


def not_ready(stack, service: str) -> bool:
    """The service's own readiness signal is down, and so is the gateway's /readyz."""
    own = {"auth": stack.config.auth_port, "files": stack.config.files_port}
    if service in own and grpc_health(own[service]) != health_pb2.HealthCheckResponse.NOT_SERVING:
        return False
    return http_status(stack.gateway_url + "/readyz") == 503


def still_serving(stack, service: str) -> bool:
    """New work is still taken while not ready (the load balancer has not noticed yet)."""
    if service == "gateway":
        return http_status(stack.gateway_url + "/healthz") == 200
    port = stack.config.auth_port if service == "auth" else stack.config.files_port
    return grpc_health(port) == health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.mark.parametrize("service", ["gateway", "files", "auth"])
def test_sigterm_reports_not_ready_first_lets_transfers_finish_and_exits_in_time(make_stack, service):
    stack = make_stack(**shutdown_settings(service))
    storage = stack.config.data_dir / "blobs"
    with client(stack.gateway_url) as c:
        token = register(c)["accessToken"]
        served = os.urandom(16 * MB)
        stored = uploaded(c, "served.bin", served)
    download = SlowDownload(stack.gateway_url, "/file/" + stored["file_url"])
    download.read(MB)
    upload = SlowUpload(stack.gateway_url, 4 * MB, token=token)
    upload.send(2 * MB)
    wait_until(lambda: any(p.stat().st_size for p in temp_files(storage)), 10, "the upload reaching files")
    process = stack.processes[service]

    process.signal(signal.SIGTERM)
    signalled = time.monotonic()

    wait_until(lambda: not_ready(stack, service), DELAY_SECONDS, "not ready first")
    assert process.running() and still_serving(stack, service)
    status, body = upload.finish()
    assert status == 200 and body["synced"] is True, (status, body)
    assert download.finish() == served
    assert exit_code_within(process, DELAY_SECONDS + GRACE_SECONDS + EXIT_MARGIN_SECONDS) == 0
    print(f"{service} exited {time.monotonic() - signalled:.1f} s after SIGTERM")


@pytest.mark.parametrize("service", ["gateway", "files"])
def test_sigterm_with_a_stalled_upload_exits_after_the_grace_period_and_keeps_nothing(make_stack, service):
    stack = make_stack(**shutdown_settings(service))
    storage = stack.config.data_dir / "blobs"
    upload = SlowUpload(stack.gateway_url, 4 * MB)
    upload.send(2 * MB)
    wait_until(lambda: any(p.stat().st_size for p in temp_files(storage)), 10, "the upload reaching files")
    process = stack.processes[service]

    process.signal(signal.SIGTERM)
    signalled = time.monotonic()
    exit_code_within(process, DELAY_SECONDS + GRACE_SECONDS + EXIT_MARGIN_SECONDS)
    waited = time.monotonic() - signalled

    assert waited >= DELAY_SECONDS + GRACE_SECONDS - 0.5, f"gave up on the upload after {waited:.1f} s"
    wait_until(lambda: temp_files(storage) == [], 10, "the stalled upload's temp file removed")
    status, body = upload.finish()
    assert status == 503 and body["status"] == "error", (status, body)
