"""Health, readiness and the API description."""

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from support.api import client


def test_healthz_and_readyz(base_url):
    with client(base_url) as c:
        assert c.get("/healthz").status_code == 200
        r = c.get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


@pytest.mark.parametrize(
    "service,port_attribute,name",
    [
        ("auth", "auth_port", "fileuploader.auth.v1.AuthService"),
        ("files", "files_port", "fileuploader.files.v1.FilesService"),
    ],
)
def test_grpc_health_service_reports_serving(stack, service, port_attribute, name):
    with grpc.insecure_channel(f"127.0.0.1:{getattr(stack.config, port_attribute)}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for checked in ("", name):
            reply = stub.Check(health_pb2.HealthCheckRequest(service=checked), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_openapi_describes_the_real_bodies(base_url):
    with client(base_url) as c:
        spec = c.get("/openapi.json").json()
        assert c.get("/docs").status_code == 200
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
    ):
        assert path in paths, path
    assert paths["/api/getFiles"]["get"].get("deprecated") is True
    upload = paths["/api/upload"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert "200" in upload["responses"] and "413" in upload["responses"]
    login_body = paths["/api/login"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema = _resolve(spec, login_body)
    assert {"username", "password"} <= set(schema["properties"])


def test_unknown_route_is_a_json_404(base_url):
    with client(base_url) as c:
        r = c.get("/api/nothing-here")
    assert r.status_code == 404 and r.json()["status"] == "error"


def test_wrong_method_is_a_json_405(base_url):
    with client(base_url) as c:
        r = c.delete("/api/upload")
    assert r.status_code == 405 and r.json()["status"] == "error"


def test_request_id_is_returned(base_url):
    with client(base_url) as c:
        assert c.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
        assert len(c.get("/healthz").headers["x-request-id"]) >= 16


def _resolve(spec: dict, schema: dict) -> dict:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return spec["components"]["schemas"][name]
    return schema
