"""curl batches: the command line, the --write-out lines read, the throughput worked out."""

import pathlib

import pytest

from bench import curl
from bench.results import MIB
from bench.target import API_UPLOAD, UploadRoute


def test_a_batch_repeats_the_transfer_with_next_between_them():
    argv = curl.batch_command(["-sS", "http://h/x"], 3)
    assert argv == ["curl", "-sS", "http://h/x", "--next", "-sS", "http://h/x", "--next", "-sS", "http://h/x"]


def test_an_api_upload_is_a_multipart_form_and_an_nginx_upload_a_raw_put():
    api = curl.upload_args("http://h/api/upload", API_UPLOAD, pathlib.Path("/s/f.bin"))
    assert "-F" in api and api[api.index("-F") + 1].startswith("file=@/s/f.bin;")
    put = UploadRoute("PUT", "/upload/b", multipart=False)
    raw = curl.upload_args("http://h/upload/b", put, pathlib.Path("/s/f"))
    assert raw[raw.index("-X") + 1] == "PUT" and raw[raw.index("-T") + 1] == "/s/f" and "-F" not in raw


def test_write_out_lines_give_status_bytes_moved_and_seconds():
    assert curl.parse_lines("200 1048576 0 0.5\n200 0 104857600 2.25\n") == [
        (200, 1048576, 0.5),
        (200, 104857600, 2.25),
    ]


def test_throughput_counts_the_file_bytes_of_successful_transfers_over_the_whole_time():
    transfers = [(200, 100 * MIB, 1.0), (200, 100 * MIB, 1.0), (500, 0, 2.0)]
    measured = curl.summarize(transfers, 100 * MIB)
    assert measured.mib_per_second == pytest.approx(200 / 4.0)
    assert measured.errors == 1
    assert measured.requests == 3
    assert measured.p99_ms == pytest.approx(2000.0)


def test_no_transfer_at_all_is_no_figure():
    assert curl.summarize([], MIB).as_json()["mib_per_second"] is None


@pytest.mark.parametrize(
    "probe_seconds, size, expected",
    [
        (0.01, 1024, 600),  # 6 s of 10 ms transfers
        (0.0001, 1024, 1000),  # bounded by the command line's count
        (0.9, 100 * MIB, 7),
        (0.1, 100 * MIB, 20),  # bounded by the bytes uploads may leave on disk
        (30.0, 100 * MIB, 1),  # one slow transfer is still measured
    ],
)
def test_a_point_fills_its_time_within_its_bounds(probe_seconds, size, expected):
    assert curl.transfers_for(6, probe_seconds, size, max_bytes=2000 * MIB, max_count=1000) == expected
