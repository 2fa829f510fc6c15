import argparse

import pytest

from fileuploader_runtime.operator_cli import add_operator_arguments, describe_failure, operator_of


def parsed(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_operator_arguments(parser)
    return parser.parse_args(argv)


def test_the_operator_is_the_one_named() -> None:
    assert operator_of(parsed("--operator", "alice at ops")) == "alice at ops"


def test_without_a_name_the_operator_is_the_os_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "root")

    assert operator_of(parsed()) == "root"


@pytest.mark.parametrize("name", ["", "x" * 129, "two\nlines", "bell\a"])
def test_a_name_that_cannot_go_in_a_log_line_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="1-128 printable"):
        operator_of(parsed("--operator", name))


def test_a_uid_without_a_user_and_no_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_user() -> str:
        raise KeyError("uid 1234")

    monkeypatch.setattr("getpass.getuser", no_user)

    with pytest.raises(ValueError):
        operator_of(parsed())


def test_a_failure_is_described_with_its_causes() -> None:
    try:
        try:
            raise OSError("connection refused")
        except OSError as cause:
            raise RuntimeError("database unreachable") from cause
    except RuntimeError as error:
        described = describe_failure(error)

    assert described == "RuntimeError: database unreachable (OSError: connection refused)"
