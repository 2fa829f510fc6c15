"""hey's report read into figures."""

import pytest

from bench import hey

REPORT = """
Summary:
  Total:	2.0119 secs
  Slowest:	0.0759 secs
  Fastest:	0.0006 secs
  Average:	0.0212 secs
  Requests/sec:	751.5112


Latency distribution:
  10% in 0.0011 secs
  50% in 0.0209 secs
  99% in 0.0653 secs

Status code distribution:
  [201]	1 responses
  [204]	1511 responses
"""

FAILING_REPORT = """
Summary:
  Total:	6.0211 secs
  Requests/sec:	120.5000

Latency distribution:
  50% in 0.1200 secs
  99% in 1.5000 secs

Status code distribution:
  [200]	700 responses
  [429]	20 responses
  [503]	3 responses

Error distribution:
  [4]	Post http://127.0.0.1:40001/api/upload: EOF
  [2]	Post http://127.0.0.1:40001/api/upload: net/http: request canceled (Client.Timeout exceeded)
"""


def test_a_clean_report_gives_rate_and_latency_percentiles_in_milliseconds():
    measured = hey.parse(REPORT)
    assert measured.requests_per_second == pytest.approx(751.5112)
    assert measured.p50_ms == pytest.approx(20.9)
    assert measured.p99_ms == pytest.approx(65.3)
    assert measured.requests == 1512
    assert measured.errors == 0


def test_non_2xx_answers_and_requests_without_answer_count_as_errors():
    measured = hey.parse(FAILING_REPORT)
    assert measured.errors == 20 + 3 + 4 + 2
    assert measured.requests == 723 + 6


def test_something_that_is_not_a_hey_report_is_refused():
    with pytest.raises(ValueError, match="not a hey report"):
        hey.parse("Error: dial tcp 127.0.0.1:1: connect: connection refused\n")


def test_the_body_file_method_and_content_type_are_sent():
    argv = hey.command(
        "http://127.0.0.1:1/api/upload", "POST", "/tmp/body.bin", "multipart/form-data; boundary=b", 16, 6
    )
    assert argv[argv.index("-c") + 1] == "16" and argv[argv.index("-z") + 1] == "6s"
    assert argv[argv.index("-m") + 1] == "POST" and argv[argv.index("-D") + 1] == "/tmp/body.bin"
    assert argv[argv.index("-T") + 1] == "multipart/form-data; boundary=b"
