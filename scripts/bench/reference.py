"""The reference monolith (reference_monolith.py: FastAPI, SQLite, local disk, one process), in a
virtualenv of its own that the bench creates once under .bench/ and reuses.

Its folder is FU_BENCH_REFERENCE_DIR, by default shared/bench beside this checkout."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pathlib
import subprocess
import sys
from collections.abc import Iterator

from bench import api_seed, processes
from bench.target import API_UPLOAD, SampleFiles, Target
from stack import free_port

ROOT = pathlib.Path(__file__).resolve().parents[2]
DIRECTORY_VARIABLE = "FU_BENCH_REFERENCE_DIR"
MODULE = "reference_monolith"
VENV = ROOT / ".bench" / "reference-venv"
REQUIREMENTS = pathlib.Path(__file__).with_name("reference-requirements.txt")
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
INSTALL_SECONDS = 600
START_SECONDS = 30.0
UNLIMITED = "100000000/minute"


def directory() -> pathlib.Path:
    found = pathlib.Path(os.environ.get(DIRECTORY_VARIABLE, ROOT.parent / "shared" / "bench")).resolve()
    if not (found / f"{MODULE}.py").exists():
        raise RuntimeError(f"no {MODULE}.py in {found} (set {DIRECTORY_VARIABLE})")
    return found


def ensure_venv(venv: pathlib.Path = VENV) -> pathlib.Path:
    """The venv's python, created or brought up to date when the requirements or constraints changed."""
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes() + CONSTRAINTS.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    print(f"bench: installing the reference's packages into {venv}", file=sys.stderr, flush=True)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=INSTALL_SECONDS)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(REQUIREMENTS),
            "-c",
            str(CONSTRAINTS),
        ],
        check=True,
        timeout=INSTALL_SECONDS,
    )
    stamp.write_text(wanted)
    return python


@contextlib.contextmanager
def running(workdir: pathlib.Path, samples: SampleFiles) -> Iterator[Target]:
    python = ensure_venv()
    data = workdir / "reference"
    data.mkdir()
    port = free_port()
    env = {**os.environ, "REFERENCE_DIR": str(data), "RATE_UPLOAD": UNLIMITED, "RATE_AUTH": UNLIMITED}
    log = workdir / "reference.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                str(python),
                "-m",
                "uvicorn",
                f"{MODULE}:app",
                "--app-dir",
                str(directory()),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=data,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base_url = f"http://127.0.0.1:{port}"
        processes.wait_until_answering(base_url + "/api/get_files", process, START_SECONDS, log)
        token, downloads = api_seed.seed(base_url, samples)
        yield Target(
            "reference",
            "reference monolith",
            base_url,
            API_UPLOAD,
            downloads,
            token,
            {"reference": process.pid},
        )
    finally:
        processes.stop(process)
