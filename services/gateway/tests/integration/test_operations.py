"""Health, the API description, framework errors as JSON, the request id, access logs, balancing."""

import io
import json
import logging

import httpx
import pytest

from fileuploader.files.v1 import files_pb2_grpc
from fileuploader_runtime.logs import log_formatter
from fileuploader_runtime.request_ids import RequestIdLogFilter
from gateway.clients.files import FilesClient
from gateway.clients.rpc import Keepalive, open_channel
from gateway.errors import FileNotFound

from ..conftest import FakeFilesService, FakeServer


async def test_healthz_answers_without_calling_the_services(client, fake_auth, fake_files):
    await fake_auth.stop()
    await fake_files.stop()
    r = await client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


async def test_openapi_describes_every_route_and_its_bodies(client):
    assert (await client.get("/docs")).status_code == 200
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    for path in (
        "/api/upload",
        "/api/delete/{file_url}",
        "/api/login",
        "/api/register",
        "/api/refresh_token",
        "/api/logout",
        "/api/get_files",
        "/api/getFiles",
        "/file/{file_url}",
        "/f/{file_url}",
        "/healthz",
        "/readyz",
    ):
        assert path in paths, path
    assert paths["/api/getFiles"]["get"]["deprecated"] is True
    upload = paths["/api/upload"]["post"]
    file_field = upload["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]["file"]
    assert file_field["format"] == "binary"
    assert {"200", "400", "413", "429", "503", "507"} <= set(upload["responses"])
    for route in ("/api/login", "/api/register"):
        schema = paths[route]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert {"username", "password"} <= set(schema["properties"])
    refresh = paths["/api/refresh_token"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "accessToken" in refresh["properties"]
    assert "401" in paths["/api/get_files"]["get"]["responses"]


async def test_openapi_documents_no_framework_validation_body(client):
    spec = (await client.get("/openapi.json")).json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert "422" not in operation["responses"], (method, path)


async def test_openapi_documents_the_token_of_an_upload_as_optional(client):
    spec = (await client.get("/openapi.json")).json()
    assert {} in spec["paths"]["/api/upload"]["post"]["security"]
    assert spec["paths"]["/api/get_files"]["get"]["security"] == [{"HTTPBearer": []}]


async def test_openapi_links_an_upload_to_the_download_and_delete_of_its_file(client):
    spec = (await client.get("/openapi.json")).json()
    operation_ids = {op["operationId"] for item in spec["paths"].values() for op in item.values()}
    links = spec["paths"]["/api/upload"]["post"]["responses"]["200"]["links"]
    assert {link["operationId"] for link in links.values()} <= operation_ids
    assert links["delete"]["parameters"] == {
        "file_url": "$response.body#/file_url",
        "key": "$response.body#/key",
    }


async def test_openapi_documents_account_400s_with_and_without_error_id(client):
    spec = (await client.get("/openapi.json")).json()
    response = spec["paths"]["/api/login"]["post"]["responses"]["400"]
    documented = response["content"]["application/json"]["schema"]
    schema = spec["components"]["schemas"][documented["$ref"].rsplit("/", 1)[-1]]
    assert "errorId" in schema["properties"] and "errorId" not in schema.get("required", [])


async def test_openapi_documents_downloads_of_any_media_type(client):
    spec = (await client.get("/openapi.json")).json()
    for method in ("get", "head"):
        assert set(spec["paths"]["/file/{file_url}"][method]["responses"]["200"]["content"]) == {"*/*"}


@pytest.mark.parametrize("path", ["/file/abc", "/f/abc"])
async def test_wrong_method_on_a_download_lists_get_and_head_in_allow(client, path):
    r = await client.request("OPTIONS", path)
    assert r.status_code == 405 and r.json() == {"status": "error", "message": "Method Not Allowed"}
    assert r.headers["allow"] == "GET, HEAD"


async def test_unknown_route_and_wrong_method_are_json_errors(client):
    missing = await client.get("/api/nothing-here")
    wrong_method = await client.delete("/api/upload")
    assert missing.status_code == 404 and missing.json() == {"status": "error", "message": "Not Found"}
    assert wrong_method.status_code == 405 and wrong_method.json()["status"] == "error"


async def test_invalid_query_parameter_is_a_json_400(client):
    r = await client.post("/api/upload", params={"include_ext": "maybe"}, files={"file": ("a.txt", b"x")})
    assert r.status_code == 400
    assert r.json()["status"] == "error" and "include_ext" in r.json()["message"]


async def test_unexpected_failure_is_a_json_500_without_details(make_app, client_of, monkeypatch):
    app = await make_app()

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(app.state.files_client, "open_file", broken)
    client = client_of(app, raise_app_exceptions=False)
    r = await client.get("/file/anything", headers={"X-Request-ID": "boom-1"})
    assert r.status_code == 500
    assert r.json() == {"status": "error", "message": "Internal server error"}
    assert r.headers["x-request-id"] == "boom-1"


@pytest.mark.parametrize("incoming", ["abc-123", "A.b_c-9"])
async def test_request_id_is_returned_when_sane(client, incoming):
    r = await client.get("/healthz", headers={"X-Request-ID": incoming})
    assert r.headers["x-request-id"] == incoming


@pytest.mark.parametrize("headers", [{}, {"X-Request-ID": "has spaces"}, {"X-Request-ID": "x" * 129}])
async def test_request_id_is_created_when_missing_or_insane(client, headers):
    returned = (await client.get("/healthz", headers=headers)).headers["x-request-id"]
    assert len(returned) == 32 and returned != headers.get("X-Request-ID")


async def test_request_id_travels_to_the_services_as_metadata(client, fake_auth, fake_files):
    url = fake_files.servicer.put("a.txt", b"x").file_url
    await client.get("/file/" + url, headers={"X-Request-ID": "download-7"})
    await client.post(
        "/api/login", json={"username": "u", "password": "p"}, headers={"X-Request-ID": "login-8"}
    )
    assert fake_files.servicer.request_ids[-1] == "download-7"
    assert fake_auth.servicer.request_ids[-1] == "login-8"


async def test_each_service_is_sent_the_token_of_its_own_pair_and_no_other(
    make_app, client_of, fake_auth, fake_files
):
    auth_token, files_token = "gateway-to-auth-" + "a" * 32, "gateway-to-files-" + "f" * 32
    client = client_of(await make_app(auth_rpc_token=auth_token, files_rpc_token=files_token))
    token = fake_auth.servicer.sign_up("alice")
    r = await client.post(
        "/api/upload", files={"file": ("a.txt", b"x")}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200, r.text
    assert (await client.get("/file/" + r.json()["file_url"])).status_code == 200
    assert set(fake_auth.authorizations) == {f"Bearer {auth_token}"}
    assert set(fake_files.authorizations) == {f"Bearer {files_token}"}


async def test_error_responses_carry_the_request_id(client):
    r = await client.get("/file/nope", headers={"X-Request-ID": "err-1"})
    assert r.status_code == 404 and r.headers["x-request-id"] == "err-1"


async def test_app_serves_through_uvicorn_with_its_lifespan(serve, settings_for):
    base_url = await serve(settings_for())
    async with httpx.AsyncClient(base_url=base_url) as http:
        r = await http.get("/readyz")
    assert r.status_code == 200 and r.json()["checks"] == {"auth": "ok", "files": "ok"}


async def test_access_log_lines_are_json_with_the_request_id(serve, settings_for):
    base_url = await serve(settings_for())
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(log_formatter("gateway", "json"))
    access_logger = logging.getLogger("uvicorn.access")
    access_logger.addHandler(handler)
    try:
        async with httpx.AsyncClient(base_url=base_url) as http:
            await http.get("/healthz", headers={"X-Request-ID": "access-9"})
    finally:
        access_logger.removeHandler(handler)
    [line] = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["request_id"] == "access-9" and record["logger"] == "uvicorn.access"
    assert '"GET /healthz HTTP/1.1" 200' in record["message"] and record["service"] == "gateway"


async def test_calls_are_spread_over_every_address_of_a_service():
    """round_robin: a name resolving to several servers (as a headless Service does) sends calls to each."""
    add_files = files_pb2_grpc.add_FilesServiceServicer_to_server
    replicas = [await FakeServer(FakeFilesService(), add_files).start() for _ in range(2)]
    channel = open_channel("ipv4:" + ",".join(replica.address for replica in replicas), Keepalive(5, 5))
    try:
        files = FilesClient(channel, timeout_seconds=2, transfer_timeout_seconds=2, step_timeout_seconds=2)
        for _ in range(20):
            with pytest.raises(FileNotFound):
                await files.get_file_info("missing")
    finally:
        await channel.close()
        for replica in replicas:
            await replica.stop()
    calls = [len(replica.servicer.request_ids) for replica in replicas]
    assert sum(calls) == 20 and min(calls) > 0, calls
