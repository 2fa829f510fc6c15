"""`make bench`: throughput of the hot paths, measured with wrk against a fresh local stack.

Not a test: it reports numbers. Each case runs wrk (Debian package `wrk`) for a fixed time with a
fixed number of connections against one gateway worker, rate limits raised:

    health      GET /healthz                 the HTTP framework alone (an upper bound)
    small-get   GET /f/<1 KB file>           gateway -> files metadata + bytes
    large-get   GET /f/<1 MB file>           streaming throughput
    get-files   GET /api/get_files           gateway -> auth (token check, list of 20)
    upload      POST /api/upload (16 KB)     gateway -> files -> disk + database + event

    python scripts/bench.py [--seconds 10] [--connections 32] [--json FILE]
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import uuid

import httpx

from stack import Stack, StackConfig, free_port

UNLIMITED = "100000000/minute"
BOUNDARY = "benchboundary"


def upload_body(size: int) -> bytes:
    head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="bench.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    return head + os.urandom(size) + f"\r\n--{BOUNDARY}--\r\n".encode()


def seed(base_url: str) -> dict[str, str]:
    """Files and an account to read during the run."""
    with httpx.Client(base_url=base_url, timeout=60) as c:
        token = c.post("/api/register", json={"username": "bench-" + uuid.uuid4().hex[:8], "password": "pw"}).json()[
            "accessToken"]
        small = c.post("/api/upload", files={"file": ("s.txt", os.urandom(1024))}).json()["file_url"]
        large = c.post("/api/upload", files={"file": ("l.bin", os.urandom(1024 * 1024))}).json()["file_url"]
        for i in range(20):
            c.post("/api/upload", files={"file": (f"f{i}.txt", b"x")}, headers={"Authorization": f"Bearer {token}"})
    return {"token": token, "small": small, "large": large}


def wrk_script(directory: pathlib.Path, method: str, headers: dict[str, str], body: bytes | None) -> pathlib.Path:
    lines = [f'wrk.method = "{method}"']
    lines += [f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items()]
    if body is not None:
        body_file = directory / f"body-{uuid.uuid4().hex}"
        body_file.write_bytes(body)
        lines.append(f'local f = io.open("{body_file}", "rb"); wrk.body = f:read("*all"); f:close()')
    path = directory / f"{uuid.uuid4().hex}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_wrk(url: str, seconds: int, connections: int, script: pathlib.Path) -> dict:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
                         check=True, capture_output=True, text=True).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> dict:
    def number(pattern: str) -> float:
        match = re.search(pattern, out)
        return float(match.group(1)) if match else float("nan")

    def latency(pattern: str) -> float:
        match = re.search(pattern + r"\s+([\d.]+)(us|ms|s)", out)
        if not match:
            return float("nan")
        return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", out)
    scale = {"B": 1 / 2**20, "KB": 1 / 1024, "MB": 1.0, "GB": 1024.0}
    return {
        "requests_per_second": number(r"Requests/sec:\s+([\d.]+)"),
        "p50_ms": latency(r"50%"),
        "p99_ms": latency(r"99%"),
        "mib_per_second": float(transfer.group(1)) * scale[transfer.group(2)] if transfer else float("nan"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--json", type=pathlib.Path)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="fu-bench-") as tmp:
        tmpdir = pathlib.Path(tmp)
        config = StackConfig(tmpdir / "stack", gateway_port=free_port(), auth_port=free_port(), files_port=free_port(),
                             nats_port=free_port(), env={"FU_GATEWAY_UPLOAD_RATE_LIMIT": UNLIMITED,
                                                         "FU_GATEWAY_AUTH_RATE_LIMIT": UNLIMITED,
                                                         # no access lines: the hot paths, not logging
                                                         "FU_GATEWAY_LOG_LEVEL": "WARNING",
                                                         "FU_AUTH_LOG_LEVEL": "WARNING",
                                                         "FU_FILES_LOG_LEVEL": "WARNING"})
        stack = Stack(config).start()
        try:
            results = run_cases(stack.gateway_url, tmpdir, args)
        finally:
            stack.stop()
    print_table(results, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if all(r["non_2xx"] == 0 for r in results.values()) else 1


def run_cases(base_url: str, tmpdir: pathlib.Path, args) -> dict[str, dict]:
    data = seed(base_url)
    auth = {"Authorization": f"Bearer {data['token']}"}
    cases = {
        "health": ("/healthz", "GET", {}, None),
        "small-get": (f"/f/{data['small']}", "GET", {}, None),
        "large-get": (f"/f/{data['large']}", "GET", {}, None),
        "get-files": ("/api/get_files", "GET", auth, None),
        "upload": ("/api/upload", "POST", {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
                   upload_body(16 * 1024)),
    }
    results = {}
    for name, (path, method, headers, body) in cases.items():
        script = wrk_script(tmpdir, method, headers, body)
        results[name] = run_wrk(base_url + path, args.seconds, args.connections, script)
        print(f"{name}: {results[name]['requests_per_second']:.0f} req/s", file=sys.stderr, flush=True)
    return results


def print_table(results: dict[str, dict], args) -> None:
    print(f"\nwrk, 2 threads, {args.connections} connections, {args.seconds} s per case, one gateway worker")
    print(f"{'case':<10} {'req/s':>9} {'MiB/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for name, r in results.items():
        print(f"{name:<10} {r['requests_per_second']:>9.0f} {r['mib_per_second']:>8.1f} {r['p50_ms']:>8.1f} "
              f"{r['p99_ms']:>8.1f} {r['non_2xx']:>8}")


if __name__ == "__main__":
    sys.exit(main())
