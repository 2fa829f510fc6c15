"""What every AuthService RPC does around its use case: errors as statuses. (RpcObserver, around
every handler, binds the request id for the logs.)"""

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc

from auth_service.domain import errors
from auth_service.entrypoints.errors import internal_status, status_for

logger = logging.getLogger(__name__)

Servicer = TypeVar("Servicer")
Request = TypeVar("Request")
Response = TypeVar("Response")
Context = grpc.aio.ServicerContext[Any, Any]
Handler = Callable[[Servicer, Request, Context], Awaitable[Response]]


def handles_rpc(handler: Handler[Servicer, Request, Response]) -> Handler[Servicer, Request, Response]:
    """Turns domain errors into their status and anything else into INTERNAL."""

    @functools.wraps(handler)  # noqa: RET503 (context.abort raises)
    async def handle(servicer: Servicer, request: Request, context: Context) -> Response:
        try:
            return await handler(servicer, request, context)
        except errors.StorageUnavailable as error:
            logger.warning("%s failed: %s (%r)", handler.__name__, error, error.__cause__)
            status = status_for(error)
        except errors.AuthError as error:
            logger.debug("%s failed: %r", handler.__name__, error)
            status = status_for(error)
        except Exception:
            logger.exception("%s failed unexpectedly", handler.__name__)
            status = internal_status()
        await context.abort(status.code, status.details, trailing_metadata=status.trailing_metadata)

    return handle
