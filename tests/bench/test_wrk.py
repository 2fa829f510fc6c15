"""wrk's report read into figures, and wrk's command line."""

import math

import pytest

from bench import wrk

REPORT = """Running 2s test @ http://127.0.0.1:48333/file/sample-1024.bin
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.92ms    1.22ms  15.37ms   83.10%
    Req/Sec     8.86k     1.55k   11.67k    62.50%
  Latency Distribution
     50%    1.68ms
     75%    2.19ms
     90%    3.02ms
     99%    6.84ms
  35305 requests in 2.01s, 43.03MB read
Requests/sec:  17601.80
Transfer/sec:     21.45MB
"""

FAILING_REPORT = """Running 6s test @ http://127.0.0.1:40001/api/get_files
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.21s   300.00ms   1.90s    70.00%
    Req/Sec    20.00      8.00    40.00     60.00%
  Latency Distribution
     50%  810.00us
     75%    1.10s
     90%    1.50s
     99%    1.90s
  1490 requests in 6.02s, 1.20MB read
  Socket errors: connect 0, read 3, write 1, timeout 7
  Non-2xx or 3xx responses: 12
Requests/sec:    247.51
Transfer/sec:    204.10KB
"""


def test_a_clean_report_gives_rate_latency_percentiles_and_transfer():
    measured = wrk.parse(REPORT)
    assert measured.requests == 35305
    assert measured.requests_per_second == pytest.approx(17601.80)
    assert measured.p50_ms == pytest.approx(1.68)
    assert measured.p99_ms == pytest.approx(6.84)
    assert measured.mib_per_second == pytest.approx(21.45)
    assert measured.errors == 0


def test_latencies_in_seconds_and_microseconds_become_milliseconds():
    measured = wrk.parse(FAILING_REPORT)
    assert measured.p50_ms == pytest.approx(0.81)
    assert measured.p99_ms == pytest.approx(1900.0)
    assert measured.mib_per_second == pytest.approx(204.10 / 1024)


def test_socket_errors_and_non_2xx_answers_count_as_errors():
    assert wrk.parse(FAILING_REPORT).errors == 3 + 1 + 7 + 12


def test_a_report_without_percentiles_leaves_them_unknown_rather_than_zero():
    without = "\n".join(line for line in REPORT.splitlines() if "%" not in line or "Stdev" in line)
    measured = wrk.parse(without)
    assert math.isnan(measured.p99_ms)
    assert measured.as_json()["p99_ms"] is None


def test_something_that_is_not_a_wrk_report_is_refused():
    with pytest.raises(ValueError, match="not a wrk report"):
        wrk.parse("unable to connect to 127.0.0.1:1 Connection refused\n")


@pytest.mark.parametrize("connections, threads", [(1, 1), (4, 2), (64, 2)])
def test_never_more_threads_than_connections(connections, threads):
    argv = wrk.command("http://127.0.0.1:1/x", connections, 6)
    assert f"-t{threads}" in argv and f"-c{connections}" in argv and "--latency" in argv
    assert argv[-1] == "http://127.0.0.1:1/x"
