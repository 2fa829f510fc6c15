"""`make run` (scripts/run_local.py) stops promptly and completely however it is stopped: Ctrl-C, SIGTERM to
it or to its whole process group (what a closing terminal, systemd or `timeout` send, also through `make`,
which passes a SIGTERM on to its child), the same signal twice; and when it is killed outright (kill -9),
the processes it started end with it, so that the next start finds its ports free.

A run's processes are found by their environment (FU_DATA_DIR names the test's own directory), which they
keep when their parent dies and they are handed to init."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest

from stack import free_port, http_status
from support.waiting import wait_until

pytestmark = pytest.mark.e2e

REPO = pathlib.Path(__file__).resolve().parents[2]
READY_SECONDS = 60.0
EXIT_SECONDS = 20.0  # from a stop signal to the exit of the process signalled (make or the launcher)
GONE_SECONDS = 20.0  # from that exit (or a kill -9) to the end of every process of the run
PORT_VARIABLES = (
    "FU_GATEWAY_PORT",
    "FU_AUTH_PORT",
    "FU_FILES_PORT",
    "FU_NATS_PORT",
    "FU_GATEWAY_METRICS_PORT",
    "FU_AUTH_METRICS_PORT",
    "FU_FILES_METRICS_PORT",
)
STOPPING_LINE = "stopping File Uploader"
EXPECTED_PROCESSES = ("nats-server", "auth_service", "files_service", "gateway")


@dataclasses.dataclass
class LocalRun:
    """One `make run`, whose leader (make, or run_local.py itself) leads a process group of its own."""

    leader: subprocess.Popen
    via_make: bool
    env: dict[str, str]
    output: pathlib.Path

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.env['FU_GATEWAY_PORT']}"

    @property
    def ports(self) -> dict[str, int]:
        return {variable: int(self.env[variable]) for variable in PORT_VARIABLES}

    def processes(self) -> dict[int, str]:
        """pid -> command line of every live process of this run, however it was orphaned."""
        marker = f"FU_DATA_DIR={self.env['FU_DATA_DIR']}".encode()
        found = {}
        for entry in pathlib.Path("/proc").iterdir():
            if entry.name.isdigit() and marker in _environment(entry):
                found[int(entry.name)] = _command_line(entry)
        return found

    def launcher_pid(self) -> int:
        """The python running scripts/run_local.py: the leader itself, or the child of make."""
        if not self.via_make:
            return self.leader.pid
        children = [
            pid
            for pid, command in self.processes().items()
            if pid != self.leader.pid and "run_local.py" in command
        ]
        assert len(children) == 1, self.processes()
        return children[0]

    def stopping_lines(self) -> int:
        return [line.strip() for line in self.log().splitlines()].count(STOPPING_LINE)

    def log(self) -> str:
        return self.output.read_text(errors="replace")


def _environment(proc_entry: pathlib.Path) -> list[bytes]:
    try:
        return (proc_entry / "environ").read_bytes().split(b"\0")
    except OSError:  # gone meanwhile, or a zombie
        return []


def _command_line(proc_entry: pathlib.Path) -> str:
    try:
        return (proc_entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def distinct_free_ports(count: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < count:
        ports.add(free_port())
    return list(ports)


def through_make() -> list[str]:
    """The real `make run`, with this interpreter, its `install` prerequisite taken as done (-o): the tests
    run from an installed environment, whose stamps may be missing or older than their inputs."""
    return ["make", "--no-print-directory", "-C", str(REPO), "-o", "install", "run", f"PY={sys.executable}"]


RunFactory = Callable[..., LocalRun]


@pytest.fixture
def start_run(tmp_path: pathlib.Path) -> Iterator[RunFactory]:
    """start_run(via_make=False, env=None) -> a started `make run` of the test's own; every process of
    every run is killed afterwards, whatever the test left (a failing test may leave orphans)."""
    runs: list[LocalRun] = []
    numbers = itertools.count(1)

    def start(via_make: bool = False, env: dict[str, str] | None = None) -> LocalRun:
        env = env or {
            "FU_DATA_DIR": str(tmp_path / "data"),
            **dict(zip(PORT_VARIABLES, map(str, distinct_free_ports(len(PORT_VARIABLES))), strict=True)),
        }
        argv = through_make() if via_make else [sys.executable, str(REPO / "scripts" / "run_local.py")]
        output = tmp_path / f"run-{next(numbers)}.log"
        settings = {**{k: v for k, v in os.environ.items() if not k.startswith("FU_")}, **env}
        with open(output, "wb") as out:
            leader = subprocess.Popen(
                argv,
                cwd=REPO,
                env=settings,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        runs.append(LocalRun(leader, via_make, env, output))
        return runs[-1]

    try:
        yield start
    finally:
        for run in runs:
            kill_everything(run)


def kill_everything(run: LocalRun) -> None:
    for pid in run.processes():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(run.leader.pid, signal.SIGKILL)
    run.leader.wait(10)


def wait_ready(run: LocalRun) -> None:
    """Until the run's gateway answers /readyz with 200."""

    def ready() -> bool:
        assert run.leader.poll() is None, f"make run exited at start:\n{run.log()}"
        return http_status(run.gateway_url + "/readyz") == 200

    wait_until(ready, READY_SECONDS, "the stack ready")
    assert all_launched(run), run.processes()


def all_launched(run: LocalRun) -> bool:
    commands = run.processes().values()
    return all(any(expected in command for command in commands) for expected in EXPECTED_PROCESSES)


def survivors(run: LocalRun, timeout: float = GONE_SECONDS) -> dict[int, str]:
    """The run's processes still alive after up to `timeout` seconds (none, when all is well)."""
    deadline = time.monotonic() + timeout
    while (alive := run.processes()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def listening(ports: dict[str, int]) -> dict[str, int]:
    taken = {}
    for variable, port in ports.items():
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                taken[variable] = port
    return taken


def exit_code_within(run: LocalRun, timeout: float) -> int:
    try:
        return run.leader.wait(timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{run.leader.args[0]} still runs {timeout} s after the signal:\n{run.log()[-3000:]}")


def assert_stopped_completely(run: LocalRun, signalled_at: float) -> None:
    """The leader exits, every process of the run ends and every port is free, each in bounded time."""
    exit_code_within(run, EXIT_SECONDS)
    exited = time.monotonic()
    assert survivors(run) == {}
    assert listening(run.ports) == {}
    gone = time.monotonic() - exited
    print(f"exited {exited - signalled_at:.1f} s after the signal, all gone {gone:.1f} s later")


def send(run: LocalRun, to_group: bool, signum: int) -> None:
    if to_group:
        os.killpg(run.leader.pid, signum)
    else:
        os.kill(run.launcher_pid(), signum)


# (through make, to the whole process group)
LAUNCHER, GROUP, MAKE_GROUP = (False, False), (False, True), (True, True)
STOP_SIGNALS = [
    pytest.param(LAUNCHER, signal.SIGINT, id="sigint-to-launcher"),
    pytest.param(LAUNCHER, signal.SIGTERM, id="sigterm-to-launcher"),
    pytest.param(GROUP, signal.SIGTERM, id="sigterm-to-group"),
    pytest.param(MAKE_GROUP, signal.SIGINT, id="ctrl-c-to-make-run"),
    pytest.param(MAKE_GROUP, signal.SIGTERM, id="sigterm-to-make-run-group"),
]


def assert_stopped_once(run: LocalRun, via_make: bool) -> None:
    """One "stopping" line: the stop ran once; the launcher's exit code 0 (make's tells of its signal)."""
    assert run.stopping_lines() == 1, run.log()[-3000:]
    if not via_make:
        assert run.leader.returncode == 0, run.log()[-3000:]


@pytest.mark.parametrize("target,signum", STOP_SIGNALS)
def test_a_stop_signal_ends_the_run_and_every_process_it_started(start_run, target, signum):
    via_make, to_group = target
    run = start_run(via_make=via_make)
    wait_ready(run)

    send(run, to_group, signum)
    signalled = time.monotonic()

    assert_stopped_completely(run, signalled)
    assert_stopped_once(run, via_make)


@pytest.mark.parametrize("target,signum", STOP_SIGNALS)
def test_the_same_signal_twice_in_quick_succession_stops_once_and_promptly(start_run, target, signum):
    via_make, to_group = target
    run = start_run(via_make=via_make)
    wait_ready(run)

    send(run, to_group, signum)
    signalled = time.monotonic()
    time.sleep(0.05)
    send(run, to_group, signum)

    assert_stopped_completely(run, signalled)
    assert_stopped_once(run, via_make)


def test_sigterm_repeated_until_the_launcher_exits_changes_nothing(start_run):
    run = start_run()
    wait_ready(run)

    signalled = time.monotonic()
    while run.leader.poll() is None and time.monotonic() - signalled < EXIT_SECONDS:
        with contextlib.suppress(ProcessLookupError):
            os.kill(run.leader.pid, signal.SIGTERM)
        time.sleep(0.02)

    assert_stopped_completely(run, signalled)
    assert_stopped_once(run, via_make=False)


def test_sigterm_while_the_stack_starts_stops_what_was_started(start_run):
    run = start_run()
    wait_until(lambda: all_launched(run) or run.leader.poll() is not None, READY_SECONDS, "all launched")
    assert http_status(run.gateway_url + "/readyz") != 200, "ready already: the signal would come too late"

    os.kill(run.leader.pid, signal.SIGTERM)
    signalled = time.monotonic()

    assert_stopped_completely(run, signalled)
    assert_stopped_once(run, via_make=False)


def test_kill_9_of_the_launcher_ends_every_process_it_started_and_the_next_start_works(start_run):
    run = start_run()
    wait_ready(run)

    run.leader.kill()
    killed = time.monotonic()
    run.leader.wait(EXIT_SECONDS)

    assert survivors(run) == {}
    assert listening(run.ports) == {}
    print(f"all gone {time.monotonic() - killed:.1f} s after kill -9")
    again = start_run(env=run.env)
    wait_ready(again)
    os.kill(again.leader.pid, signal.SIGTERM)
    assert_stopped_completely(again, time.monotonic())
