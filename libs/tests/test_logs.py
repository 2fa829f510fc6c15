"""The log formats: JSON objects one to a line, and text, both with the request id."""

import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest

from fileuploader_runtime.logs import configure_logging, log_formatter
from fileuploader_runtime.request_ids import RequestIdLogFilter, bind_request_id, unbind_request_id

Emit = Callable[[logging.Logger], None]


def logged(log_format: str, emit: Emit, request_id: str | None = None, service: str = "files") -> list[str]:
    """The lines a logger wrote while `emit(logger)` ran under `request_id` (None: outside a request)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(log_formatter(service, log_format))  # type: ignore[arg-type]
    logger = logging.getLogger(f"test.logs.{log_format}")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    token = bind_request_id(request_id) if request_id else None
    try:
        emit(logger)
    finally:
        if token is not None:
            unbind_request_id(token)
        logger.removeHandler(handler)
    return stream.getvalue().splitlines()


@pytest.mark.parametrize("service", ["auth", "files", "gateway"])
def test_json_record_has_the_documented_fields(service: str) -> None:
    [line] = logged("json", lambda log: log.warning("stored %d bytes", 5), "req-1", service)

    record = json.loads(line)

    assert {key: record[key] for key in ("level", "logger", "message", "request_id", "service")} == {
        "level": "WARNING",
        "logger": "test.logs.json",
        "message": "stored 5 bytes",
        "request_id": "req-1",
        "service": service,
    }
    assert record["timestamp"].endswith("+00:00") and "exception" not in record


def test_json_record_renders_the_exception_on_its_one_line() -> None:
    def fail(log: logging.Logger) -> None:
        try:
            raise ValueError("broken\nacross lines")
        except ValueError:
            log.exception("upload failed\nbadly")

    [line] = logged("json", fail)

    record = json.loads(line)
    assert record["message"] == "upload failed\nbadly"
    assert record["exception"].startswith("Traceback") and "ValueError: broken" in record["exception"]


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_one_record_is_one_json_line_or_its_text_lines(log_format: str) -> None:
    lines = logged(log_format, lambda log: log.warning("first\nsecond"))

    assert len(lines) == (1 if log_format == "json" else 2)


def test_json_record_outside_a_request_has_a_dash_as_request_id() -> None:
    [line] = logged("json", lambda log: log.info("started"))

    assert json.loads(line)["request_id"] == "-"


def test_json_record_leaves_out_uvicorns_coloured_copy_of_the_message() -> None:
    [line] = logged("json", lambda log: log.info("Started", extra={"color_message": "\x1b[1mStarted"}))

    assert "color_message" not in json.loads(line)


def test_text_line_carries_level_logger_and_request_id() -> None:
    [line] = logged("text", lambda log: log.error("refused"), "req-2")

    assert " ERROR test.logs.text [request_id=req-2] refused" in line


@pytest.fixture
def root_logging() -> Iterator[None]:
    """The root logger's handlers and level, and alembic's level, put back after the test."""
    root, alembic = logging.getLogger(), logging.getLogger("alembic")
    handlers, level, alembic_level = root.handlers[:], root.level, alembic.level
    yield
    root.handlers = handlers
    root.setLevel(level)
    alembic.setLevel(alembic_level)


class Shouting(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = str(record.msg).upper()
        return True


@pytest.mark.usefixtures("root_logging")
def test_configure_logging_sends_every_record_through_one_root_handler_with_the_extra_filters(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("auth", "INFO", "json", filters=[Shouting()])

    logging.getLogger("anything").info("quiet")
    logging.getLogger("anything").debug("below the level")

    [line] = capsys.readouterr().err.splitlines()
    assert json.loads(line)["message"] == "QUIET" and json.loads(line)["service"] == "auth"
    assert logging.getLogger("alembic").getEffectiveLevel() == logging.WARNING
