"""Login through the whole stack: no user enumeration by timing, and password hashing capped so that
logins cannot exhaust the auth service's CPU or memory.

argon2 is set to 32 MiB per hash and one hash at a time, so that a hash's cost stands out from the
noise of a shared machine, and the number of hashes running at once shows in the auth process's memory."""

import pathlib
import statistics
import threading
import time

import httpx
import pytest

from support.api import client, new_username, register
from support.postgres import fetch
from support.stacks import UNLIMITED_RATES, running_stack, stack_config

MB = 1024 * 1024
ARGON2_MEMORY_KIB = 32 * 1024
SAMPLES = 21
SIMULTANEOUS_LOGINS = 6
# Medians within this ratio: a login that skipped the hash is ~10x faster, one whose hash had 8x
# the memory ~8x slower; what a shared machine's load does to interleaved samples stays well inside.
SAME_TIME_RATIO = 1.5


def hashing_stack_config(data_dir: pathlib.Path, postgres_server, argon2_memory_kib: int = ARGON2_MEMORY_KIB):
    return stack_config(
        data_dir,
        postgres_server,
        **UNLIMITED_RATES,
        FU_AUTH_ARGON2_MEMORY_KIB=str(argon2_memory_kib),
        FU_AUTH_PASSWORD_HASH_CONCURRENCY="1",
    )


@pytest.fixture(scope="module")
def hashing_stack(tmp_path_factory, postgres_server):
    config = hashing_stack_config(tmp_path_factory.mktemp("hashing"), postgres_server)
    with running_stack(config, postgres_server) as running:
        yield running


def login_seconds(c: httpx.Client, username: str, password: str, expected_status: int) -> float:
    started = time.perf_counter()
    r = c.post("/api/login", json={"username": username, "password": password})
    elapsed = time.perf_counter() - started
    assert r.status_code == expected_status, r.text
    return elapsed


def unknown_and_wrong_medians(c: httpx.Client, username: str) -> tuple[float, float]:
    """Interleaved, so that the machine's load weighs on both alike."""
    unknown, wrong = [], []
    for _ in range(SAMPLES):
        unknown.append(login_seconds(c, new_username(), "a guess", 404))
        wrong.append(login_seconds(c, username, "a wrong guess", 400))
    return statistics.median(unknown), statistics.median(wrong)


def assert_about_the_same(first: float, second: float) -> None:
    assert 1 / SAME_TIME_RATIO < first / second < SAME_TIME_RATIO, (first, second)


def test_login_of_an_unknown_user_takes_as_long_as_a_wrong_password(hashing_stack):
    name = new_username()
    with client(hashing_stack.gateway_url) as c:
        register(c, name, "the right password")
        login_seconds(c, name, "warm-up", 400)
        unknown, wrong = unknown_and_wrong_medians(c, name)
    print(f"median login: unknown user {unknown * 1000:.0f} ms, wrong password {wrong * 1000:.0f} ms")
    assert_about_the_same(unknown, wrong)


def peak_rss(pid: int) -> int:
    fields = dict(line.split(":", 1) for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(fields["VmHWM"].split()[0]) * 1024


def reset_peak_rss(pid: int) -> None:
    pathlib.Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS (Linux >= 4.0)


def simultaneous_logins(base_url: str, username: str, count: int) -> list[float]:
    """When each of `count` logins sent at once (each on a connection of its own) was answered,
    in seconds from their start, earliest first."""
    start = threading.Barrier(count + 1)
    answered: list[float] = []

    def login() -> None:
        with client(base_url) as c:
            start.wait()
            assert c.post("/api/login", json={"username": username, "password": "wrong"}).status_code == 400
            answered.append(time.perf_counter())

    threads = [threading.Thread(target=login) for _ in range(count)]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return sorted(moment - started for moment in answered)


def test_simultaneous_logins_hash_one_at_a_time_in_bounded_memory(hashing_stack):
    """Each running argon2 hash holds its 32 MiB: the auth process's peak shows how many ran at once.
    (Their answer times are printed; on a shared 2-core machine they cannot tell a cap of one from
    none reliably, the memory can.)"""
    name = new_username()
    auth = hashing_stack.processes["auth"].pid
    with client(hashing_stack.gateway_url) as c:
        register(c, name, "the right password")
        login_seconds(c, name, "warm-up", 400)
    reset_peak_rss(auth)
    baseline = peak_rss(auth)
    answered = simultaneous_logins(hashing_stack.gateway_url, name, SIMULTANEOUS_LOGINS)
    growth = peak_rss(auth) - baseline
    moments = ", ".join(f"{moment * 1000:.0f}" for moment in answered)
    print(
        f"{SIMULTANEOUS_LOGINS} logins at once: answered after {moments} ms, auth peak RSS +{growth // MB} MB"
    )
    one_hash = ARGON2_MEMORY_KIB * 1024
    assert one_hash / 2 < growth < 2 * one_hash, f"{growth / one_hash:.1f} hashes' memory at once"


def test_wrong_password_after_a_rehash_costs_what_an_unknown_user_costs(tmp_path, postgres_server):
    """An operator raises argon2's memory 8x: the next successful login rehashes the password, after
    which a wrong password costs what the dummy check of an unknown user costs (new parameters)."""
    name = new_username()
    config = hashing_stack_config(tmp_path / "stack", postgres_server, ARGON2_MEMORY_KIB // 8)
    with running_stack(config, postgres_server) as stack:
        with client(stack.gateway_url) as c:
            register(c, name, "the right password")
        stack.processes["auth"].stop()
        stack.start_service("auth", env={"FU_AUTH_ARGON2_MEMORY_KIB": str(ARGON2_MEMORY_KIB)})
        stack.wait_ready(30)
        with client(stack.gateway_url) as c:
            login_seconds(c, name, "the right password", 200)
            password_hash = fetch(config.auth_database_url, "SELECT password_hash FROM accounts")[0][0]
            assert f"m={ARGON2_MEMORY_KIB}," in password_hash
            unknown, wrong = unknown_and_wrong_medians(c, name)
        print(f"after the rehash: unknown user {unknown * 1000:.0f} ms, wrong password {wrong * 1000:.0f} ms")
        assert_about_the_same(unknown, wrong)
