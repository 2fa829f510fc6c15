"""The web page at / used as people use it: files dropped, pasted and picked, with progress, links,
previews and deletes; accounts, their files, the ShareX uploader it hands out; errors in words; all of
it by keyboard too, under the page's strict Content-Security-Policy."""

import base64
import json
import os
import pathlib
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from support.api import bearer, client, new_username, register, uploaded
from support.stacks import running_stack, stack_config

MEDIA = pathlib.Path(__file__).parent / "media"
SCREENSHOTS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "a good password"
HOSTILE = "<img src=x onerror=alert(1)>.png"

DROP = """(files) => {
    const transfer = new DataTransfer();
    for (const [name, size] of files) transfer.items.add(new File([new Uint8Array(size).fill(65)], name));
    document.body.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
}"""
# The highest share of each row's file the page said it had sent, by row name.
WATCH_PROGRESS = """() => {
    window.sent = {};
    new MutationObserver(() => {
        for (const row of document.querySelectorAll('#uploads li')) {
            const name = row.querySelector('.name').textContent;
            window.sent[name] = Math.max(window.sent[name] || 0, Number(row.dataset.sent || 0));
        }
    }).observe(document.getElementById('uploads'), {subtree: true, attributes: true, childList: true});
}"""


class Console:
    """Errors the page logged (CSP violations are logged as errors), its uncaught exceptions, dialogs."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))


def open_page(page, base_url: str) -> Console:
    console = Console(page)
    # Playwright turns on its interception of file choosers without waiting for the browser to confirm;
    # a listener from the start makes sure it is on before any test opens one.
    page.on("filechooser", lambda chooser: None)
    page.goto(base_url + "/")
    page.locator("#drop-zone").wait_for()
    page.wait_for_load_state("networkidle")
    return console


def drop(page, *files: tuple[str, int]) -> None:
    page.evaluate(DROP, [list(f) for f in files])


def finished_row(page, name: str):
    row = page.locator("#uploads li", has=page.locator(".name", has_text=name)).first
    row.locator(".link").wait_for()
    return row


def link_of(row) -> str:
    return row.locator(".link").input_value()


def log_in_with_form(page, username: str, action: str = "Log in") -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name=action, exact=True).click()
    page.locator("#whoami", has_text=f"Logged in as {username}").wait_for()


def test_dropped_files_each_upload_to_100_percent_and_download(page, base_url):
    console = open_page(page, base_url)
    page.evaluate(WATCH_PROGRESS)

    drop(page, ("one.txt", 10), ("two.bin", 3_000_000), ("three.csv", 5000))
    rows = [finished_row(page, name) for name in ("one.txt", "two.bin", "three.csv")]

    assert page.evaluate("() => window.sent") == {"one.txt": 100, "two.bin": 100, "three.csv": 100}
    sizes = [len(httpx.get(link_of(row)).content) for row in rows]
    assert sizes == [10, 3_000_000, 5000]
    assert console.errors == [] and console.dialogs == []


def test_a_pasted_screenshot_is_uploaded_and_previewed(page, base_url):
    console = open_page(page, base_url)
    png = base64.b64encode((MEDIA / "picture.png").read_bytes()).decode()

    page.evaluate(
        """(png) => {
        const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], 'image.png', {type: 'image/png'}));
        document.dispatchEvent(new ClipboardEvent('paste', {clipboardData: transfer, bubbles: true, cancelable: true}));
    }""",
        png,
    )
    row = finished_row(page, "pasted-")
    preview = row.locator("img.preview")
    preview.wait_for()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=preview.element_handle())

    assert preview.evaluate("(img) => img.naturalWidth") == 64
    assert httpx.get(link_of(row)).content == (MEDIA / "picture.png").read_bytes()
    assert console.errors == []


def test_a_slow_upload_shows_speed_and_time_left_and_can_be_cancelled_and_retried(page, base_url):
    open_page(page, base_url)
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 256 * 1024},
    )
    keys: list[str] = []
    page.on(
        "request",
        lambda r: keys.append(r.headers["idempotency-key"]) if r.url.endswith("/api/upload") else None,
    )
    drop(page, ("slow.bin", 4_000_000))
    row = page.locator("#uploads li", has_text="slow.bin")

    row.locator(".status").filter(has_text=re.compile(r"^\d+ % · [\d.]+ KB/s, .+ left$")).wait_for()
    row.get_by_role("button", name="Cancel").click()
    row.locator(".status", has_text="Cancelled.").wait_for()
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    row.get_by_role("button", name="Retry").click()

    assert len(httpx.get(link_of(finished_row(page, "slow.bin"))).content) == 4_000_000
    # The retry is the same upload to the server: a lost answer never stores the file twice.
    assert len(keys) == 2 and keys[0] == keys[1]


def test_copy_link_puts_the_link_on_the_clipboard(page, base_url):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    open_page(page, base_url)
    drop(page, ("copied.txt", 20))
    row = finished_row(page, "copied.txt")

    row.get_by_role("button", name="Copy link").click()

    assert page.evaluate("() => navigator.clipboard.readText()") == link_of(row)
    assert link_of(row).startswith(base_url + "/file/")


def test_include_ext_keeps_the_extension_in_the_link(page, base_url):
    open_page(page, base_url)
    page.get_by_label("Keep the file extension in the link").check()
    drop(page, ("with-ext.txt", 20))
    assert link_of(finished_row(page, "with-ext.txt")).endswith(".txt")


def test_delete_removes_the_file_and_its_history_entry(page, base_url):
    open_page(page, base_url)
    drop(page, ("doomed.txt", 30))
    row = finished_row(page, "doomed.txt")
    url = link_of(row)
    history = page.locator("#history-list li", has_text="doomed.txt")
    history.wait_for()

    row.get_by_role("button", name="Delete").click()
    row.get_by_role("button", name="Really delete?").click()
    row.get_by_text("Deleted doomed.txt.").wait_for()

    assert httpx.get(url).status_code == 404
    history.wait_for(state="detached")
    assert "doomed.txt" not in page.evaluate("() => localStorage.getItem('fu.history.v1')")


def test_history_survives_a_reload_and_exports_and_imports(page, base_url, tmp_path):
    open_page(page, base_url)
    drop(page, ("kept.txt", 40))
    url = link_of(finished_row(page, "kept.txt"))
    page.reload()
    page.locator("#history-list li", has_text="kept.txt").wait_for()

    with page.expect_download() as download:
        page.get_by_role("button", name="Export…").click()
    exported = tmp_path / "history.json"
    download.value.save_as(exported)
    entries = json.loads(exported.read_text())
    page.evaluate("() => localStorage.clear()")
    page.reload()
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Import…").click()
    chooser.value.set_files(str(exported))

    page.locator("#history-status", has_text="Imported 1 upload").wait_for()
    assert [(e["file_url_full"], e["name"], e["size"]) for e in entries] == [(url, "kept.txt", 40)]
    assert page.locator("#history-list li", has_text="kept.txt").count() == 1


def test_an_imported_history_is_checked_before_it_is_shown(page, base_url, tmp_path):
    console = open_page(page, base_url)
    crafted = tmp_path / "crafted.json"
    crafted.write_text(
        json.dumps(
            [
                {
                    "file_url": "AbCdEfGhIj",
                    "key": "k",
                    "name": HOSTILE,
                    "file_url_full": "javascript:alert(1)",
                },
                {"file_url": "../../api/logout", "key": "k", "name": "escape.txt"},
                {"file_url": "KlMnOpQrSt"},
            ]
        )
    )
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Import…").click()
    chooser.value.set_files(str(crafted))
    page.locator("#history-status", has_text="Imported 1 upload (2 already known or not valid).").wait_for()

    item = page.locator("#history-list li")
    assert item.count() == 1 and item.locator(".name").text_content() == HOSTILE
    assert item.get_by_role("link", name="Open").get_attribute("href") == f"{base_url}/file/AbCdEfGhIj"
    assert console.dialogs == []


def test_a_hostile_file_name_is_shown_as_text(page, base_url):
    console = open_page(page, base_url)
    drop(page, (HOSTILE, 50))
    finished_row(page, HOSTILE)
    page.wait_for_timeout(300)

    assert page.locator("#uploads .name").first.text_content() == HOSTILE
    assert page.locator("#history-list .name").first.text_content() == HOSTILE
    assert page.locator("img[src='x']").count() == 0
    assert console.dialogs == []


def test_keyboard_alone_uploads_a_file(page, base_url, tmp_path):
    open_page(page, base_url)
    picked = tmp_path / "by-keyboard.txt"
    picked.write_text("typed, not clicked")

    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "drop-zone"
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Enter")
    chooser.value.set_files(str(picked))
    row = finished_row(page, "by-keyboard.txt")

    assert httpx.get(link_of(row)).text == "typed, not clicked"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "include-ext"


def test_register_log_out_log_in_and_search_my_files(page, base_url):
    username = new_username()
    console = open_page(page, base_url)
    log_in_with_form(page, username, "Register")
    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Username").wait_for()
    log_in_with_form(page, username)
    token = page.evaluate("() => JSON.parse(sessionStorage.getItem('fu.session')).token")
    with client(base_url) as c:
        for n in range(53):
            uploaded(c, f"report-{n:02}.txt", b"r", token=token)
        uploaded(c, "holiday.png", (MEDIA / "picture.png").read_bytes(), token=token)
    drop(page, ("from-page.txt", 5))
    finished_row(page, "from-page.txt").get_by_text("Uploaded into your account.").wait_for()

    my_files = page.locator("#my-files-list li")
    page.get_by_text("55 files.").wait_for()
    assert my_files.count() == 50 and page.get_by_text("Page 1 of 2").is_visible()
    assert my_files.first.locator(".name").text_content() == "from-page.txt"
    page.get_by_role("button", name="Next").click()
    assert my_files.count() == 5
    page.get_by_label("Search by name").fill("HOLI")
    page.get_by_text("1 of 55 files match.").wait_for()
    assert my_files.count() == 1
    image = my_files.first.locator("img.preview")
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert console.errors == []


def test_my_files_delete_uses_the_key_of_the_list(page, base_url):
    username = new_username()
    open_page(page, base_url)
    log_in_with_form(page, username, "Register")
    token = page.evaluate("() => JSON.parse(sessionStorage.getItem('fu.session')).token")
    with client(base_url) as c:
        url = uploaded(c, "listed.txt", b"x", token=token)["file_url_full"]
    page.get_by_role("button", name="Reload").click()
    item = page.locator("#my-files-list li", has_text="listed.txt")

    item.get_by_role("button", name="Delete").click()
    item.get_by_role("button", name="Really delete?").click()

    page.get_by_text("No files yet").wait_for()
    assert httpx.get(url).status_code == 404


def test_the_sharex_uploader_uploads_and_deletes_with_its_own_fields(page, base_url, tmp_path):
    username = new_username()
    open_page(page, base_url)
    log_in_with_form(page, username, "Register")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Create a bot token").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download ShareX uploader (.sxcu)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    sxcu = json.loads(path.read_text())

    assert path.suffix == ".sxcu"
    fields = ("DestinationType", "RequestMethod", "RequestURL", "Body", "FileFormName", "URL")
    assert {k: sxcu[k] for k in fields} == {
        "DestinationType": "ImageUploader, TextUploader, FileUploader",
        "RequestMethod": "POST",
        "RequestURL": f"{base_url}/api/upload",
        "Body": "MultipartFormData",
        "FileFormName": "file",
        "URL": "{json:file_url_full}",
    }
    token = sxcu["Headers"]["Authorization"].removeprefix("Bearer ")
    assert token != sxcu["Headers"]["Authorization"] and token not in sxcu["RequestURL"] + sxcu["DeletionURL"]
    answer = httpx.request(
        sxcu["RequestMethod"],
        sxcu["RequestURL"],
        headers=sxcu["Headers"],
        files={sxcu["FileFormName"]: ("shot.png", b"screenshot")},
    ).json()
    fill = lambda template: re.sub(r"\{json:(\w+)\}", lambda m: str(answer[m.group(1)]), template)  # noqa: E731

    assert answer["synced"] is True
    assert httpx.get(fill(sxcu["URL"])).content == b"screenshot"
    listed = httpx.get(f"{base_url}/api/get_files", headers=sxcu["Headers"]).json()["data"]
    assert [f["user_filename"] for f in listed] == ["shot.png"]
    assert httpx.get(fill(sxcu["DeletionURL"])).json()["status"] == "success"
    assert httpx.get(fill(sxcu["URL"])).status_code == 404


@pytest.mark.skipif(
    shutil.which("curl") is None or shutil.which("bash") is None, reason="needs bash and curl"
)
def test_the_shell_function_uploads_and_prints_the_link(page, base_url, tmp_path):
    open_page(page, base_url)
    log_in_with_form(page, new_username(), "Register")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Create a bot token").click()
    page.locator("#bot-tools").wait_for()
    function = page.locator("#shell-function").text_content()
    command = page.locator("#curl-command").text_content()
    (tmp_path / "notes.txt").write_text("from the shell")
    (tmp_path / "photo.png").write_bytes(b"curl bytes")

    printed = subprocess.run(
        ["bash", "-c", f"{function}\nfu notes.txt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout.strip()
    by_curl = json.loads(
        subprocess.run(
            ["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=30, check=True
        ).stdout
    )

    assert printed.startswith(base_url + "/file/") and httpx.get(printed).text == "from the shell"
    assert by_curl["synced"] is True and httpx.get(by_curl["file_url_full"]).content == b"curl bytes"


def test_claiming_moves_the_remembered_uploads_in_batches_of_100_and_shows_each_result(page, base_url):
    with client(base_url) as c:
        anonymous = [uploaded(c, f"old-{n}.txt", b"old") for n in range(3)]
        owner = register(c)
        theirs = uploaded(c, "theirs.txt", b"theirs", token=owner["accessToken"])
    wrong = {**anonymous[2], "key": anonymous[0]["key"]}

    def entry(body: dict, name: str) -> dict:
        return {
            "file_url": body["file_url"],
            "key": body["key"],
            "name": name,
            "size": 3,
            "date": "2026-01-01T00:00:00Z",
            "file_url_full": body["file_url_full"],
        }

    # Uploads the server no longer has make up the rest, so that the page sends two batches.
    gone = [
        entry({"file_url": f"Gone{n:06}", "key": "k", "file_url_full": ""}, f"gone-{n}.txt")
        for n in range(100)
    ]
    entries = [
        entry(anonymous[0], "old-0.txt"),
        entry(anonymous[1], "old-1.txt"),
        entry(wrong, "old-2.txt"),
        entry(theirs, "theirs.txt"),
        *gone,
    ]
    batches: list[int] = []
    page.on(
        "request",
        lambda r: (
            batches.append(len(json.loads(r.post_data)["data"])) if r.url.endswith("/api/transfer") else None
        ),
    )
    page.goto(base_url + "/")
    page.evaluate("(entries) => localStorage.setItem('fu.history.v1', JSON.stringify(entries))", entries)
    page.reload()
    username = new_username()
    log_in_with_form(page, username, "Register")
    page.get_by_text("This browser remembers 104 uploads").wait_for()

    page.get_by_role("button", name="Move them").click()
    page.get_by_text("2 uploads moved into your account").wait_for()

    assert batches == [100, 4]
    results = page.locator("#claim-results")
    assert results.locator("li.ok").all_text_contents() == ["old-0.txt: moved", "old-1.txt: moved"]
    assert results.get_by_text("old-2.txt: not moved, its delete key is not the right one").count() == 1
    assert results.get_by_text("theirs.txt: not moved, it belongs to another account").count() == 1
    assert results.get_by_text("gone-7.txt: not moved, it no longer exists").count() == 1
    remaining = page.evaluate("() => JSON.parse(localStorage.getItem('fu.history.v1'))")
    assert [e["file_url"] for e in remaining][:2] == [anonymous[2]["file_url"], theirs["file_url"]]
    with client(base_url) as c:
        login = c.post("/api/login", json={"username": username, "password": PASSWORD}).json()
        mine = c.get("/api/get_files", headers=bearer(login["accessToken"])).json()["data"]
        others = c.get("/api/get_files", headers=bearer(owner["accessToken"])).json()["data"]
    assert sorted(f["file_url"] for f in mine) == sorted(body["file_url"] for body in anonymous[:2])
    assert [f["file_url"] for f in others] == [theirs["file_url"]]


def test_claiming_on_a_server_without_the_endpoint_says_so(page, base_url):
    # As a gateway older than POST /api/transfer answers it.
    page.route(
        "**/api/transfer",
        lambda route: route.fulfill(status=404, json={"status": "error", "message": "Not Found"}),
    )
    open_page(page, base_url)
    drop(page, ("anonymous.txt", 5))
    finished_row(page, "anonymous.txt")
    log_in_with_form(page, new_username(), "Register")

    page.get_by_role("button", name="Move them").click()

    page.locator("#claim-results", has_text="This server cannot move uploads into accounts yet.").wait_for()
    assert page.locator("#history-list li", has_text="anonymous.txt").count() == 1


def test_page_has_its_policy_no_errors_and_assets_under_150_kb(page, base_url):
    sizes: dict[str, int] = {}

    def measure(response) -> None:
        if "/static/" in response.url or response.url == base_url + "/":
            sizes[response.url] = len(response.body())

    page.on("response", measure)
    console = Console(page)
    response = page.goto(base_url + "/")
    page.wait_for_load_state("networkidle")

    policy = response.headers["content-security-policy"]
    assert (
        "default-src 'self'" in policy
        and "script-src 'self'" in policy
        and "frame-ancestors 'none'" in policy
    )
    assert len(sizes) >= 10 and sum(sizes.values()) < 150 * 1024
    assert console.errors == []


def test_an_inline_script_is_refused_by_the_policy(page, base_url):
    console = open_page(page, base_url)
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';
                             document.body.append(s); }""")
    assert page.evaluate("() => window.ran") is None
    assert any("Content Security Policy" in e for e in console.errors)


@pytest.mark.parametrize("width", [360, 390])
def test_narrow_screens_need_no_sideways_scrolling(page, base_url, width):
    page.set_viewport_size({"width": width, "height": 800})
    open_page(page, base_url)
    drop(page, ("a-rather-long-file-name-that-must-wrap-somewhere-on-a-phone.txt", 5))
    finished_row(page, "a-rather-long")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


# --- a stack of its own, with a small upload limit and the default upload rate limit -------------


@pytest.fixture(scope="module")
def limited_url(tmp_path_factory, postgres_server):
    # Started and stopped on a thread of its own: Playwright's event loop may already run on this one,
    # and the databases' set-up runs one of its own.
    with ThreadPoolExecutor(1) as thread:

        def start():
            config = stack_config(
                tmp_path_factory.mktemp("limited-stack"),
                postgres_server,
                FU_GATEWAY_MAX_UPLOAD_BYTES="4096",
                FU_GATEWAY_UPLOAD_RATE_LIMIT="2/minute",
                FU_GATEWAY_AUTH_RATE_LIMIT="1000/minute",
            )
            return running_stack(config, postgres_server)

        stack = thread.submit(start).result()
        running = thread.submit(stack.__enter__).result()
        try:
            yield running.gateway_url
        finally:
            thread.submit(stack.__exit__, None, None, None).result()


@pytest.fixture
def limited_page(limited_url, chromium):
    context = chromium.new_context()
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_too_large_and_rate_limited_are_said_in_words(limited_page, limited_url):
    page = limited_page
    open_page(page, limited_url)

    drop(page, ("huge.bin", 10_000))
    page.locator("#uploads", has_text="Too large: 9.8 KB, and the limit is 4 KB per file.").wait_for()
    drop(page, ("first.txt", 10))
    finished_row(page, "first.txt")
    drop(page, ("second.txt", 10))
    finished_row(page, "second.txt")
    drop(page, ("third.txt", 10))

    waiting = page.locator("#uploads li", has_text="third.txt").locator(".status")
    waiting.filter(has_text="Rate limited").wait_for()
    countdown = r"Rate limited: too many uploads for now\. Retrying by itself in (\d+ s|1 min)\."
    assert re.fullmatch(countdown, waiting.text_content())
    assert (
        page.locator("#uploads li", has_text="third.txt").get_by_role("button", name="Retry now").is_visible()
    )


def test_server_answers_are_worded_for_people(limited_page, limited_url):
    page = limited_page
    open_page(page, limited_url)
    api = page.locator("script[type=module]").get_attribute("src").replace("app.js", "api.js")

    words = page.evaluate(
        """async (api) => {
        const { describeFailure } = await import(api);
        return [describeFailure(413, {message: 'File size exceeds the limit (4KB)'}, null),
                describeFailure(429, {message: 'Too many requests, try again later'}, '42'),
                describeFailure(503, {message: 'Files service is unavailable, try again later'}, null),
                describeFailure(0, null, null)];
    }""",
        api,
    )

    assert words == [
        "Too large: the limit is 4KB per file.",
        "Rate limited: too many requests. Try again in 42 s.",
        "Server unavailable: Files service is unavailable, try again later.",
        "Network error: the server could not be reached or the connection broke. Check your connection and retry.",
    ]


# --- screenshots for README ---------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots(base_url, chromium, tmp_path, scheme, width):
    """Written to docs/screenshots/ when FU_UPDATE_SCREENSHOTS=1; otherwise only taken."""
    context = chromium.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        page = context.new_page()
        open_page(page, base_url)
        picture = base64.b64encode((MEDIA / "picture.png").read_bytes()).decode()
        page.evaluate(
            """(png) => {
            const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], 'holiday.png', {type: 'image/png'}));
            transfer.items.add(new File(['notes'], 'notes.txt'));
            document.body.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
        }""",
            picture,
        )
        finished_row(page, "holiday.png")
        finished_row(page, "notes.txt")
        page.wait_for_timeout(300)
        target = tmp_path / f"web-page-{width}-{scheme}.png"
        page.screenshot(path=str(target), full_page=True)
        if os.environ.get("FU_UPDATE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(target, SCREENSHOTS / target.name)
    finally:
        context.close()
