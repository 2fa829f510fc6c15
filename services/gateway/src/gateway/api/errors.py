"""The handlers that render every error the gateway answers with (`gateway.errors`) as the contract's JSON."""

import logging
from collections.abc import Mapping, Sequence
from functools import partial

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from fileuploader_runtime.request_ids import HTTP_HEADER as REQUEST_ID_HEADER
from gateway.api.allowed_methods import AllowedMethods
from gateway.errors import GatewayError
from gateway.security_headers import security_headers

logger = logging.getLogger(__name__)


def install_error_handlers(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """`routers`: whose routes a 405's Allow header lists."""
    app.add_exception_handler(GatewayError, _render_gateway_error)
    app.add_exception_handler(RequestValidationError, _render_validation_error)
    render_http_exception = partial(_render_http_exception, AllowedMethods(routers))
    app.add_exception_handler(StarletteHTTPException, render_http_exception)
    app.add_exception_handler(Exception, _render_unexpected_error)


async def _render_gateway_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, GatewayError)
    return JSONResponse(error.body(), status_code=error.status_code, headers=error.headers)


async def _render_validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return _error_response(400, _describe_validation_error(error))


async def _render_http_exception(
    allowed_methods: AllowedMethods, request: Request, error: Exception
) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    headers = error.headers
    if error.status_code == 405:
        headers = {**(headers or {}), "Allow": allowed_methods.at(request.scope["path"])}
    return _error_response(error.status_code, str(error.detail), headers)


async def _render_unexpected_error(request: Request, error: Exception) -> JSONResponse:
    """Runs outside every middleware (Starlette's outermost layer), hence the explicit id and headers."""
    request_id = getattr(request.state, "request_id", None)
    logger.error(
        "unexpected error on %s %s (request id %s)",
        request.method,
        request.url.path,
        request_id,
        exc_info=error,
    )
    headers = security_headers(request.url.path)
    if request_id:
        headers[REQUEST_ID_HEADER] = request_id
    return _error_response(500, "Internal server error", headers)


def _describe_validation_error(error: RequestValidationError) -> str:
    problems = error.errors()
    if not problems:
        return "Invalid request"
    first = problems[0]
    where = " ".join(str(part) for part in first.get("loc", ()))
    return f"Invalid request: {where}: {first.get('msg', 'invalid value')}"


def _error_response(status_code: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"status": "error", "message": message}, status_code=status_code, headers=headers)
