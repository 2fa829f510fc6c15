"""Production settings are durable: nats-server (deploy/nats/nats-server.conf) fsyncs every
JetStream write, and the stack runs it so, with the file-event stream on disk."""

import os
import re
import subprocess

import httpx

from stack import NATS_CONFIG, free_port, nats_server_binary, new_secret, wait_for_port
from support.api import client, uploaded


def test_deploy_nats_config_fsyncs_every_jetstream_write_to_the_given_store(tmp_path):
    port, monitor_port = free_port(), free_port()
    argv = [
        nats_server_binary(),
        "-c",
        str(NATS_CONFIG),
        "-a",
        "127.0.0.1",
        "-p",
        str(port),
        "-m",
        str(monitor_port),
    ]
    passwords = {
        "NATS_FILES_PASSWORD": "files-password",
        "NATS_AUTH_PASSWORD": "auth-password",
        "NATS_GATEWAY_PASSWORD": "gateway-password",
    }
    server = subprocess.Popen(
        argv,
        env={**os.environ, "NATS_STORE_DIR": str(tmp_path), **passwords},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(monitor_port, 15)
        jetstream = httpx.get(f"http://127.0.0.1:{monitor_port}/varz").json()["jetstream"]["config"]
    finally:
        server.terminate()
        server.wait(10)
    assert jetstream["sync_always"] is True
    assert jetstream["store_dir"] == str(tmp_path / "jetstream")


def test_deploy_nats_config_does_not_start_without_the_services_passwords(tmp_path):
    argv = [nats_server_binary(), "-c", str(NATS_CONFIG), "-a", "127.0.0.1", "-p", str(free_port())]
    environment = {name: value for name, value in os.environ.items() if not name.startswith("NATS_")}
    completed = subprocess.run(
        argv,
        env={**environment, "NATS_STORE_DIR": str(tmp_path)},
        capture_output=True,
        timeout=15,
        check=False,
    )
    assert completed.returncode != 0 and b"NATS_FILES_PASSWORD" in completed.stdout + completed.stderr


def test_the_stack_runs_nats_with_the_deploy_config_and_the_event_stream_on_disk(stack, base_url):
    assert stack.processes["nats"].argv[1:3] == ["-c", str(NATS_CONFIG)]
    with client(base_url) as c:
        uploaded(c)
    assert (stack.config.data_dir / "nats" / "jetstream" / "$G" / "streams" / "FILE_EVENTS").is_dir()


def config_accepts_passwords(tmp_path, files_password: str, auth_password: str) -> bool:
    argv = [nats_server_binary(), "-c", str(NATS_CONFIG), "-t"]
    passwords = {
        "NATS_FILES_PASSWORD": files_password,
        "NATS_AUTH_PASSWORD": auth_password,
        "NATS_GATEWAY_PASSWORD": "gateway-password",
    }
    completed = subprocess.run(
        argv,
        env={**os.environ, "NATS_STORE_DIR": str(tmp_path), **passwords},
        capture_output=True,
        timeout=15,
        check=False,
    )
    return completed.returncode == 0


def test_the_stack_generates_nats_passwords_the_deploy_config_always_reads_as_text(tmp_path):
    generated = [new_secret() for _ in range(200)]
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9]{63,}", secret) for secret in generated)
    assert config_accepts_passwords(tmp_path, generated[0], generated[1])
    # what a URL-safe token can start with, and nats-server refuses
    assert not config_accepts_passwords(tmp_path, "-Zq3" + generated[2], generated[3])
