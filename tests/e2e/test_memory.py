"""A 100 MB upload streams through: the gateway and files together grow by less than 32 MB."""

import pathlib

from support.api import client

MB = 1024 * 1024
BUDGET = 32 * MB


def rss_and_peak(pid: int) -> tuple[int, int]:
    fields = dict(line.split(":", 1) for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024


def reset_peak(pid: int) -> None:
    pathlib.Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS (Linux >= 4.0)


def streamed_multipart(size: int, boundary: str = "memoryboundary"):
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    block = b"\x5a" * MB
    for _ in range(size // MB):
        yield block
    yield f"\r\n--{boundary}--\r\n".encode()


def upload_streamed(base_url: str, size: int) -> None:
    with client(base_url, timeout=300) as c:
        r = c.post(
            "/api/upload",
            content=streamed_multipart(size),
            headers={"Content-Type": "multipart/form-data; boundary=memoryboundary"},
        )
    assert r.status_code == 200, r.text


def test_100mb_upload_raises_gateway_and_files_memory_by_less_than_32mb(stack):
    upload_streamed(
        stack.gateway_url, 2 * MB
    )  # first-use allocations (code paths, thread pools) are not per upload
    pids = {name: stack.processes[name].pid for name in ("gateway", "files")}
    baseline = {}
    for pid in pids.values():
        reset_peak(pid)
        baseline[pid] = rss_and_peak(pid)[0]
    upload_streamed(stack.gateway_url, 100 * MB)
    growth = {name: rss_and_peak(pid)[1] - baseline[pid] for name, pid in pids.items()}
    print(
        "peak RSS growth during a 100 MB upload: "
        + ", ".join(f"{n} {g / MB:.1f} MB" for n, g in growth.items())
    )
    assert sum(growth.values()) < BUDGET, growth
