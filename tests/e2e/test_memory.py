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
    yield (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
           "Content-Type: application/octet-stream\r\n\r\n").encode()
    block = b"\x5a" * MB
    for _ in range(size // MB):
        yield block
    yield f"\r\n--{boundary}--\r\n".encode()


def test_100mb_upload_raises_gateway_and_files_memory_by_less_than_32mb(stack):
    pids = [stack.processes[name].pid for name in ("gateway", "files")]
    baseline = {}
    for pid in pids:
        reset_peak(pid)
        baseline[pid] = rss_and_peak(pid)[0]
    with client(stack.gateway_url, timeout=300) as c:
        r = c.post("/api/upload", content=streamed_multipart(100 * MB),
                   headers={"Content-Type": "multipart/form-data; boundary=memoryboundary"})
    assert r.status_code == 200, r.text
    growth = sum(rss_and_peak(pid)[1] - baseline[pid] for pid in pids)
    print(f"peak RSS growth of gateway + files during a 100 MB upload: {growth / MB:.1f} MB")
    assert growth < BUDGET, f"{growth / MB:.1f} MB"
