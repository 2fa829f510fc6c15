"""The log formats: JSON objects one to a line, and text, both with the request id."""

import io
import json
import logging

import pytest

from gateway import request_id
from gateway.logs import log_formatter
from gateway.request_id import RequestIdLogFilter


@pytest.fixture
def logged():
    """logged(log_format, emit) -> the lines a logger wrote while `emit(logger)` ran."""

    def capture(log_format: str, emit) -> list[str]:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.addFilter(RequestIdLogFilter())
        handler.setFormatter(log_formatter(log_format))
        logger = logging.getLogger(f"test.logs.{log_format}")
        logger.addHandler(handler)
        logger.propagate = False
        logger.setLevel(logging.DEBUG)
        try:
            emit(logger)
        finally:
            logger.removeHandler(handler)
        return stream.getvalue().splitlines()

    return capture


def in_request(request_id_value: str, emit):
    def run(logger: logging.Logger) -> None:
        token = request_id._current.set(request_id_value)
        try:
            emit(logger)
        finally:
            request_id._current.reset(token)

    return run


def test_json_record_has_the_documented_fields(logged):
    [line] = logged("json", in_request("req-1", lambda log: log.warning("stored %d bytes", 5)))
    record = json.loads(line)
    assert {key: record[key] for key in ("level", "logger", "message", "request_id", "service")} == {
        "level": "WARNING",
        "logger": "test.logs.json",
        "message": "stored 5 bytes",
        "request_id": "req-1",
        "service": "gateway",
    }
    assert record["timestamp"].endswith("+00:00") and "exception" not in record


def test_json_record_renders_the_exception_on_its_one_line(logged):
    def fail(log: logging.Logger) -> None:
        try:
            raise ValueError("broken\nacross lines")
        except ValueError:
            log.exception("upload failed\nbadly")

    [line] = logged("json", fail)
    record = json.loads(line)
    assert record["message"] == "upload failed\nbadly"
    assert record["exception"].startswith("Traceback") and "ValueError: broken" in record["exception"]


def test_json_record_outside_a_request_has_a_dash_as_request_id(logged):
    [line] = logged("json", lambda log: log.info("started"))
    assert json.loads(line)["request_id"] == "-"


def test_json_record_leaves_out_uvicorns_coloured_copy_of_the_message(logged):
    [line] = logged("json", lambda log: log.info("Started", extra={"color_message": "\x1b[1mStarted"}))
    assert "color_message" not in json.loads(line)


def test_text_line_carries_level_logger_and_request_id(logged):
    [line] = logged("text", in_request("req-2", lambda log: log.error("refused")))
    assert " ERROR test.logs.text [request_id=req-2] refused" in line
