"""The workload, drawn in full from one seed before the run: who uploads which file, and what follows.

Sizes are log-uniform between the smallest and the largest size (as many files of 1-10 KB as of
1-10 MB: most files are small, a few are large; the mean is (max - min) / ln(max / min)), and the
two extremes are always among them. The sizes are shuffled and dealt round-robin to the clients.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

ANONYMOUS_SHARE = 0.1  # of an account client's uploads, sent without a token
RANGE_SHARE = 0.25  # of uploads, downloaded once more with a Range header
DELETE_SHARE = 0.25  # of uploads, followed by deleting one of the client's files
CHUNKED_SHARE = 0.2  # of uploads, sent with Transfer-Encoding: chunked instead of Content-Length
INCLUDE_EXT_SHARE = 0.5  # of uploads, with include_ext=true
UPPER_CASE_EXT_SHARE = 0.1  # of file names, with the extension in capitals (the server lower-cases it)
LOGIN_EVERY = 10  # uploads between two logins of an account client
EXTENSIONS = (".bin", ".txt", ".png", ".jpg", ".mp4", ".pdf", ".zip")

_UNITS = {
    "": 1,
    "B": 1,
    "K": KIB,
    "KB": KIB,
    "KIB": KIB,
    "M": MIB,
    "MB": MIB,
    "MIB": MIB,
    "G": GIB,
    "GB": GIB,
    "GIB": GIB,
}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*")


def parse_size(text: str) -> int:
    """ "1KB", "20MB", "512" (bytes); units are binary (1 KB = 1024 bytes)."""
    match = _SIZE.fullmatch(text)
    unit = match.group(2).upper() if match else None
    if match is None or unit not in _UNITS:
        raise ValueError(f"not a size: {text!r} (examples: 1KB, 20MB)")
    return round(float(match.group(1)) * _UNITS[unit])


def account_of(client: int) -> str | None:
    """Every 8th client is anonymous; clients 4k and 4k+1 share an account; the others have one each."""
    if client % 8 == 7:
        return None
    if client % 4 < 2:
        return f"shared{client // 4}"
    return f"own{client}"


@dataclass(frozen=True)
class UploadStep:
    number: int  # across the whole run
    size: int
    seed: int  # of the file's bytes
    filename: str
    include_ext: bool
    anonymous: bool  # for an account client: upload without its token
    chunked: bool
    byte_range: tuple[int, int] | None  # (first, last) byte to download again with Range
    delete_pick: float | None  # then delete the client's live file at this fraction of its list
    login_first: bool  # log in again (and log the previous token out) before this upload


@dataclass(frozen=True)
class ClientPlan:
    index: int
    account: str | None
    steps: tuple[UploadStep, ...]


@dataclass(frozen=True)
class Plan:
    seed: int
    min_size: int
    max_size: int
    clients: tuple[ClientPlan, ...]

    @property
    def sizes(self) -> list[int]:
        return [step.size for client in self.clients for step in client.steps]

    @property
    def total_bytes(self) -> int:
        return sum(self.sizes)

    @property
    def accounts(self) -> list[str]:
        return sorted({client.account for client in self.clients if client.account is not None})


def log_uniform_sizes(rng: random.Random, count: int, low: int, high: int) -> list[int]:
    sizes = [round(math.exp(rng.uniform(math.log(low), math.log(high)))) for _ in range(count)]
    sizes[: min(count, 2)] = [low, high][: min(count, 2)]
    rng.shuffle(sizes)
    return sizes


def build_plan(seed: int, clients: int, uploads: int, min_size: int, max_size: int) -> Plan:
    if not 1 <= min_size <= max_size:
        raise ValueError("sizes must satisfy 1 <= min <= max")
    rng = random.Random(seed)
    sizes = log_uniform_sizes(rng, uploads, min_size, max_size)
    steps: list[list[UploadStep]] = [[] for _ in range(clients)]
    for number, size in enumerate(sizes):
        own = steps[number % clients]
        own.append(_draw_step(rng, number, size, login_first=len(own) > 0 and len(own) % LOGIN_EVERY == 0))
    plans = tuple(ClientPlan(index, account_of(index), tuple(own)) for index, own in enumerate(steps))
    return Plan(seed, min_size, max_size, plans)


def _draw_step(rng: random.Random, number: int, size: int, login_first: bool) -> UploadStep:
    ext = rng.choice(EXTENSIONS)
    return UploadStep(
        number=number,
        size=size,
        seed=rng.getrandbits(63),
        filename=f"load-{number}{ext.upper() if rng.random() < UPPER_CASE_EXT_SHARE else ext}",
        include_ext=rng.random() < INCLUDE_EXT_SHARE,
        anonymous=rng.random() < ANONYMOUS_SHARE,
        chunked=rng.random() < CHUNKED_SHARE,
        byte_range=_draw_range(rng, size) if rng.random() < RANGE_SHARE else None,
        delete_pick=rng.random() if rng.random() < DELETE_SHARE else None,
        login_first=login_first,
    )


def _draw_range(rng: random.Random, size: int) -> tuple[int, int]:
    first = rng.randrange(size)
    return first, rng.randrange(first, size)


def describe_sizes(plan: Plan) -> str:
    sizes = sorted(plan.sizes)
    if not sizes:
        return "no uploads"
    median = sizes[len(sizes) // 2]
    return (
        f"log-uniform {format_bytes(plan.min_size)}-{format_bytes(plan.max_size)}: median "
        f"{format_bytes(median)}, mean {format_bytes(plan.total_bytes // len(sizes))}, "
        f"{format_bytes(plan.total_bytes)} in total"
    )


def format_bytes(count: float) -> str:
    for unit, scale in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{int(count)} B"
