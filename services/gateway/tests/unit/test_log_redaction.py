"""Secrets in URLs (delete keys, tokens) are redacted from every log line, text or JSON."""

import json
import logging

import pytest

from gateway.log_redaction import redact_query_secrets
from gateway.logs import configure_logging

DELETE_KEY = "6b9a1c1b-5594-4cb9-8d49-99a4c28782a1"
ACCESS_LINE = '%s - "%s %s HTTP/%s" %d'  # uvicorn's access log format, with its arguments


@pytest.fixture
def root_logging():
    """The root logger's handlers and level, put back after the test configures its own."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers = handlers
    root.setLevel(level)


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_access_line_of_a_delete_leaves_its_key_out(log_format, root_logging, capsys):
    configure_logging("INFO", log_format)
    path = f"/api/delete/4yn-8yjhsu?key={DELETE_KEY}"
    logging.getLogger("uvicorn.access").info(ACCESS_LINE, "127.0.0.1:5000", "GET", path, "1.1", 400)

    line = capsys.readouterr().err.strip()
    message = json.loads(line)["message"] if log_format == "json" else line
    assert DELETE_KEY not in line
    assert '"GET /api/delete/4yn-8yjhsu?key=[redacted] HTTP/1.1" 400' in message


@pytest.mark.parametrize(
    "query,expected",
    [
        ("?key=abc", "?key=[redacted]"),
        ("?include_ext=true&key=abc", "?include_ext=true&key=[redacted]"),
        (
            "?token=a&access_token=b&accessToken=c",
            "?token=[redacted]&access_token=[redacted]&accessToken=[redacted]",
        ),
        ("?%6Bey=abc", "?%6Bey=[redacted]"),
        ("?X-Amz-Signature=abc&X-Amz-Expires=300", "?X-Amz-Signature=[redacted]&X-Amz-Expires=300"),
        ("?password=hunter2&bot=true", "?password=[redacted]&bot=true"),
    ],
)
def test_secret_named_query_values_are_redacted_and_the_others_kept(query, expected):
    assert redact_query_secrets(f"/api/x{query}") == f"/api/x{expected}"


def test_text_without_a_query_is_left_as_it_is():
    assert redact_query_secrets("key=value outside any URL") == "key=value outside any URL"
    assert redact_query_secrets("/file/abc") == "/file/abc"
