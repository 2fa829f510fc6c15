import httpx
import pytest
from fastapi import FastAPI

from gateway.api.errors import install_error_handlers
from gateway.errors import (
    AuthFailure,
    AuthorizationError,
    CredentialsMissing,
    FileNotFound,
    FileTooLarge,
    RangeNotSatisfiable,
    ServiceUnavailable,
    TooManyRequests,
    UserNotFound,
)


@pytest.mark.parametrize(
    "failure,error_id,message",
    [
        (AuthFailure.NO_HEADER, -1, "No Authorization header provided"),
        (AuthFailure.BAD_HEADER, -2, "Authorization header must have Bearer <token> format"),
        (AuthFailure.TOKEN_EXPIRED, -3, "Access token expired"),
        (AuthFailure.TOKEN_INVALID, -4, "Invalid access token"),
        (AuthFailure.TOKEN_NOT_FOUND, -5, "Token not found"),
    ],
)
def test_authorization_error_renders_the_1_1_shape(failure, error_id, message):
    error = AuthorizationError(failure)
    assert error.status_code == 401
    assert error.body() == {"status": "error", "auth_error": {"message": message, "errorId": error_id}}


def test_api_error_renders_error_id_when_the_table_gives_one():
    assert CredentialsMissing().body() == {
        "status": "error",
        "message": "No username/password provided",
        "errorId": 2,
    }
    assert UserNotFound().status_code == 404 and UserNotFound().body()["errorId"] == 4


def test_api_error_renders_message_only_when_no_error_id():
    assert FileNotFound().body() == {"status": "error", "message": "File not found"}


def test_file_too_large_names_the_configured_limit_and_closes_connection():
    assert FileTooLarge(100 * 1024 * 1024).message == "File size exceeds the limit (100MB)"
    assert FileTooLarge(1000).message == "File size exceeds the limit (1000 bytes)"
    assert FileTooLarge().headers == {"Connection": "close"}


def test_errors_carry_their_headers():
    assert TooManyRequests(7).headers == {"Retry-After": "7"}
    assert RangeNotSatisfiable(10).headers == {"Content-Range": "bytes */10"}
    assert ServiceUnavailable("Auth").message == "Auth service is unavailable, try again later"


@pytest.fixture
def app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app, [app.router])

    @app.get("/gateway-error")
    async def gateway_error() -> None:
        raise TooManyRequests(3)

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("boom: secret detail")

    @app.get("/typed")
    async def typed(count: int) -> dict[str, int]:
        return {"count": count}

    return app


async def request(app: FastAPI, method: str, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, path)


async def test_handler_renders_gateway_error_with_status_and_headers(app):
    response = await request(app, "GET", "/gateway-error")
    assert response.status_code == 429 and response.headers["retry-after"] == "3"
    assert response.json() == {"status": "error", "message": "Too many requests, try again later"}


async def test_handler_renders_unexpected_exception_without_details(app):
    response = await request(app, "GET", "/crash")
    assert response.status_code == 500
    assert response.json() == {"status": "error", "message": "Internal server error"}


async def test_handler_renders_validation_error_as_400(app):
    response = await request(app, "GET", "/typed?count=many")
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "error" and "count" in body["message"] and set(body) == {"status", "message"}


async def test_handler_renders_unknown_route_and_wrong_method(app):
    missing = await request(app, "GET", "/nowhere")
    wrong_method = await request(app, "DELETE", "/typed")
    assert missing.status_code == 404 and missing.json() == {"status": "error", "message": "Not Found"}
    assert wrong_method.status_code == 405 and wrong_method.json()["status"] == "error"
    assert wrong_method.headers["allow"] == "GET"
