import io
import json
import logging
from collections.abc import Callable

import pytest

from files_service.entrypoints import request_id
from files_service.entrypoints.logs import log_formatter
from files_service.entrypoints.request_id import RequestIdLogFilter

Emit = Callable[[logging.Logger], None]


def logged(log_format: str, emit: Emit, rpc_request_id: str = "-") -> list[str]:
    """The lines written while `emit(logger)` ran under `rpc_request_id`."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(log_formatter(log_format))  # type: ignore[arg-type]
    logger = logging.getLogger(f"test.files.logs.{log_format}")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    token = request_id._current.set(rpc_request_id)
    try:
        emit(logger)
    finally:
        request_id._current.reset(token)
        logger.removeHandler(handler)
    return stream.getvalue().splitlines()


def test_json_line_carries_the_documented_fields_and_the_request_id() -> None:
    [line] = logged("json", lambda log: log.info("registered %s", "an account"), "req-5")

    record = json.loads(line)

    assert record["message"] == "registered an account" and record["request_id"] == "req-5"
    assert (record["level"], record["logger"], record["service"]) == ("INFO", "test.files.logs.json", "files")
    assert "timestamp" in record


def test_json_line_renders_the_exception_within_its_one_line() -> None:
    def fail(log: logging.Logger) -> None:
        try:
            raise KeyError("missing")
        except KeyError:
            log.exception("could not apply file event #3")

    [line] = logged("json", fail)

    assert "KeyError: 'missing'" in json.loads(line)["exception"]


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_one_record_is_one_line_even_with_line_breaks_in_the_message(log_format: str) -> None:
    lines = logged(log_format, lambda log: log.warning("first\nsecond"))

    assert len(lines) == (1 if log_format == "json" else 2)


def test_text_line_carries_level_logger_and_request_id() -> None:
    [line] = logged("text", lambda log: log.error("refused"), "req-6")

    assert " ERROR test.files.logs.text [request_id=req-6] refused" in line
