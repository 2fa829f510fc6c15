"""ErrorStatuses and its aborting_on_error, with a fake context and a made-up error enum."""

import logging

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from fileuploader_runtime.error_info import ErrorStatuses

REASONS = {0: "THING_ERROR_REASON_UNSPECIFIED", 1: "THING_NOT_FOUND", 2: "THING_TOO_BIG"}


class Reasons:
    @staticmethod
    def Name(number: int) -> str:
        return REASONS[number]


class ThingError(Exception):
    pass


class ThingNotFound(ThingError):
    pass


class ThingTooBig(ThingError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"over {limit}")
        self.limit = limit


class ThingStoreDown(ThingError):
    pass


class ThingForgotten(ThingError):
    """Not in the table: a service's own tests catch that; here it is INTERNAL."""


STATUSES = ErrorStatuses(
    "things",
    "things.fileuploader",
    Reasons(),
    0,
    ThingError,
    {
        ThingNotFound: (grpc.StatusCode.NOT_FOUND, 1),
        ThingTooBig: (grpc.StatusCode.RESOURCE_EXHAUSTED, 2),
        ThingStoreDown: (grpc.StatusCode.UNAVAILABLE, 0),
    },
    lambda error: {"limit": str(error.limit)} if isinstance(error, ThingTooBig) else None,
)


class Aborted(Exception):
    pass


class FakeContext:
    def __init__(self) -> None:
        self.aborted: tuple[grpc.StatusCode, str, tuple[tuple[str, bytes], ...]] | None = None

    async def abort(self, code: grpc.StatusCode, details: str, trailing_metadata: tuple = ()) -> None:
        self.aborted = (code, details, trailing_metadata)
        raise Aborted  # grpc.aio raises its AbortError here


def error_info(trailing_metadata: tuple[tuple[str, bytes], ...]) -> tuple[str, str, dict[str, str], str]:
    [(key, value)] = trailing_metadata
    assert key == "grpc-status-details-bin"
    rich = status_pb2.Status.FromString(value)
    info = error_details_pb2.ErrorInfo()
    assert rich.details[0].Unpack(info)
    return info.reason, info.domain, dict(info.metadata), rich.message


async def aborted_by(error: Exception) -> FakeContext:
    context = FakeContext()
    with pytest.raises(Aborted):
        async with STATUSES.aborting_on_error(context, "GetThing"):  # type: ignore[arg-type]
            raise error
    return context


@pytest.mark.parametrize(
    ("error", "code", "reason", "facts"),
    [
        (ThingNotFound("no such thing"), grpc.StatusCode.NOT_FOUND, "THING_NOT_FOUND", {}),
        (ThingTooBig(5), grpc.StatusCode.RESOURCE_EXHAUSTED, "THING_TOO_BIG", {"limit": "5"}),
        (ThingStoreDown("down"), grpc.StatusCode.UNAVAILABLE, "THING_ERROR_REASON_UNSPECIFIED", {}),
        (ThingForgotten("hm"), grpc.StatusCode.INTERNAL, "THING_ERROR_REASON_UNSPECIFIED", {}),
    ],
)
async def test_a_domain_error_ends_the_rpc_with_its_status_and_error_info(
    error: Exception, code: grpc.StatusCode, reason: str, facts: dict[str, str]
) -> None:
    context = await aborted_by(error)

    assert context.aborted is not None
    aborted_code, details, trailing = context.aborted
    assert (aborted_code, details) == (code, str(error))
    assert error_info(trailing) == (reason, "things.fileuploader", facts, str(error))


async def test_an_unexpected_error_is_internal_logged_and_never_sent(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="fileuploader_runtime.error_info")

    context = await aborted_by(RuntimeError("secret detail"))

    assert context.aborted is not None
    code, details, trailing = context.aborted
    assert (code, details) == (grpc.StatusCode.INTERNAL, "internal error in the things service")
    assert "secret" not in str(error_info(trailing))
    [record] = caplog.records
    assert record.levelno == logging.ERROR and record.exc_info is not None and "GetThing" in record.message


async def test_an_unavailable_dependency_is_logged_as_a_warning_with_its_cause(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="fileuploader_runtime.error_info")
    error = ThingStoreDown("store down")
    error.__cause__ = ConnectionRefusedError("port 5432")

    await aborted_by(error)

    [record] = caplog.records
    assert record.levelno == logging.WARNING and "port 5432" in record.message


async def test_an_abort_already_under_way_and_a_success_pass_untouched() -> None:
    context = FakeContext()
    async with STATUSES.aborting_on_error(context, "GetThing"):  # type: ignore[arg-type]
        pass
    with pytest.raises(grpc.aio.AbortError):
        async with STATUSES.aborting_on_error(context, "GetThing"):  # type: ignore[arg-type]
            raise grpc.aio.AbortError()

    assert context.aborted is None
