import logging

import pytest

from gateway.request_id import RequestIdLogFilter, accepted_or_new


@pytest.mark.parametrize("incoming", ["abc-123", "A.b_c-9", "x" * 128])
def test_accepted_or_new_keeps_a_sane_incoming_id(incoming):
    assert accepted_or_new(incoming) == incoming


@pytest.mark.parametrize("incoming", [None, "", "x" * 129, "has space", "new\nline", "semi;colon", "ünicode"])
def test_accepted_or_new_creates_an_id_when_incoming_is_missing_or_insane(incoming):
    created = accepted_or_new(incoming)
    assert created != incoming and len(created) == 32 and int(created, 16) >= 0


def test_log_filter_marks_records_outside_a_request():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "message", (), None)
    assert RequestIdLogFilter().filter(record) and record.request_id == "-"
