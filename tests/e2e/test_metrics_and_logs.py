"""The three services' metrics and logs, as Prometheus and a log collector see them."""

import uuid

from support.api import bearer, client, get_files, register, uploaded
from support.metrics import Series, scrape, value
from support.waiting import wait_until

AUTH = {"grpc_service": "fileuploader.auth.v1.AuthService"}
FILES = {"grpc_service": "fileuploader.files.v1.FilesService"}
CONTENT = b"metrics and logs " * 1000


def scrape_all(stack) -> dict[str, Series]:
    return {name: scrape(url) for name, url in stack.metrics_urls.items()}


def moved(
    before: dict[str, Series], after: dict[str, Series], service: str, name: str, **labels: str
) -> float:
    return value(after[service], name, **labels) - value(before[service], name, **labels)


def caught_up(series: dict[str, Series]) -> bool:
    """No file event waits in files' outbox or in auth's consumer."""
    return (
        value(series["files"], "fileuploader_outbox_pending_events") == 0
        and value(series["auth"], "fileuploader_event_consumer_pending") == 0
        and value(series["auth"], "fileuploader_event_consumer_ack_pending") == 0
    )


def scraped_once_caught_up(stack) -> dict[str, Series]:
    """Every service's series, once the file events of earlier tests are all applied."""

    def scraped_if_caught_up() -> dict[str, Series] | None:
        now = scrape_all(stack)
        return now if caught_up(now) else None

    return wait_until(scraped_if_caught_up, timeout=15, what="earlier file events to be applied")


def test_an_upload_a_download_and_a_listing_move_the_metrics_of_every_service(stack, base_url):
    with client(base_url) as c:
        token = register(c)["accessToken"]
        before = scraped_once_caught_up(stack)
        file_url = uploaded(c, "counted.txt", CONTENT, token=token)["file_url"]
        assert c.get(f"/file/{file_url}").content == CONTENT
        assert [item["file_url"] for item in get_files(c, token)] == [file_url]
    after = scrape_all(stack)

    def gateway(method: str, route: str, name: str = "http_requests_total", **labels: str) -> float:
        return moved(before, after, "gateway", name, method=method, route=route, **labels)

    assert gateway("POST", "/api/upload", status="200") == 1
    assert gateway("GET", "/file/{file_url}", status="200") == 1
    assert gateway("GET", "/api/get_files", status="200") == 1
    assert gateway("POST", "/api/upload", "http_request_body_bytes_total") > len(CONTENT)
    assert gateway("GET", "/file/{file_url}", "http_response_body_bytes_total") == len(CONTENT)
    assert value(after["gateway"], "fileuploader_uploads_in_flight") == 0

    def rpc(service: str, labels: dict[str, str], method: str) -> float:
        return moved(
            before, after, service, "grpc_server_handled_total", **labels, grpc_method=method, grpc_code="OK"
        )

    assert rpc("auth", AUTH, "ValidateToken") == 1 and rpc("auth", AUTH, "ListAccountFilesBatch") == 1
    assert rpc("files", FILES, "UploadWholeFiles") == 1 and rpc("files", FILES, "ReadFile") == 1
    assert rpc("files", FILES, "UploadFile") == 0, "a small file goes whole, in one message"
    assert rpc("files", FILES, "GetFileInfo") == 0, "a download is one ReadFile, its metadata included"
    assert moved(before, after, "files", "fileuploader_stored_bytes_total") == len(CONTENT)
    assert moved(before, after, "files", "fileuploader_served_bytes_total") == len(CONTENT)
    assert moved(before, after, "files", "fileuploader_events_published_total") == 1
    assert (
        moved(before, after, "auth", "fileuploader_events_applied_total", kind="uploaded", outcome="applied")
        >= 1
    )
    assert file_url not in str(after)
    scraped_once_caught_up(stack)  # outbox backlog and consumer lag back to 0


def test_a_requests_id_is_in_every_services_log(stack, base_url):
    request_id = f"e2e-{uuid.uuid4().hex}"
    with client(base_url) as c:
        token = register(c)["accessToken"]
        r = c.post(
            "/api/upload",
            files={"file": ("traced.txt", b"traced")},
            headers={**bearer(token), "X-Request-ID": request_id},
        )
    assert r.status_code == 200 and r.headers["x-request-id"] == request_id

    def logged_everywhere() -> bool:
        return all(
            request_id in stack.processes[name].log_path.read_text(errors="replace")
            for name in ("gateway", "auth", "files")
        )

    wait_until(logged_everywhere, timeout=10, what=f"{request_id} in the gateway's, auth's and files' logs")
    lines = {
        name: [line for line in stack.processes[name].log_path.read_text().splitlines() if request_id in line]
        for name in ("gateway", "auth", "files")
    }
    assert any('"POST /api/upload HTTP/1.1" 200' in line for line in lines["gateway"]), lines["gateway"]
    validated = "/fileuploader.auth.v1.AuthService/ValidateToken OK"
    assert any(validated in line for line in lines["auth"]), lines["auth"]
    assert any("stored file" in line for line in lines["files"]), lines["files"]
    assert all(f"[request_id={request_id}]" in line for name in lines for line in lines[name])


def test_metrics_are_served_on_their_own_ports_only(stack, base_url):
    with client(base_url) as c:
        assert c.get("/metrics").status_code == 404
    assert len(set(stack.config.metrics_ports.values()) | {stack.config.gateway_port}) == 4


def test_delete_keys_never_reach_the_gateways_log_even_on_a_failed_attempt(stack, base_url):
    request_id = f"e2e-{uuid.uuid4().hex}"
    wrong_key = str(uuid.uuid4())
    traced = {"X-Request-ID": request_id}
    with client(base_url) as c:
        file = uploaded(c, "secret-key.txt", b"delete me")
        refused = c.get(f"/api/delete/{file['file_url']}", params={"key": wrong_key}, headers=traced)
        deleted = c.get(f"/api/delete/{file['file_url']}", params={"key": file["key"]}, headers=traced)
    assert (refused.status_code, deleted.status_code) == (400, 200)

    gateway_log = stack.processes["gateway"].log_path

    def access_lines() -> list[str] | None:
        lines = [line for line in gateway_log.read_text().splitlines() if request_id in line]
        return lines if len(lines) >= 2 else None

    lines = wait_until(access_lines, timeout=10, what="both delete attempts in the gateway's log")
    assert all(f"/api/delete/{file['file_url']}?key=[redacted] HTTP/1.1" in line for line in lines), lines
    log = gateway_log.read_text()
    assert wrong_key not in log and file["key"] not in log
