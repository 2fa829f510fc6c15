"""A shared link opened directly in the browser: images, audio and video show and play (the browser's own
player fetches the bytes from our origin), while markup, SVG and scripts never run anything."""

import pathlib

import pytest

from support.api import client, uploaded

MEDIA = pathlib.Path(__file__).parent / "media"
PLAYABLE = (
    "() => { const m = document.querySelector('video, audio'); return m !== null && m.readyState >= 2 }"
)
SEEK = """(seconds) => new Promise((resolve, reject) => {
    const media = document.querySelector('video, audio');
    const timer = setTimeout(() => reject(new Error('no seeked event')), 10000);
    media.addEventListener('seeked', () => { clearTimeout(timer); resolve(media.currentTime) }, {once: true});
    media.currentTime = seconds;
})"""


def link(base_url: str, name: str, data: bytes) -> str:
    with client(base_url) as c:
        return f"{base_url}/file/{uploaded(c, name, data)['file_url']}"


class RequestLog:
    """Every request the page made, and those that failed or were refused."""

    def __init__(self, page) -> None:
        self.urls: list[str] = []
        self.failed: list[str] = []
        self.statuses: dict[str, list[int]] = {}
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("requestfailed", lambda request: self.failed.append(f"{request.url}: {request.failure}"))
        page.on(
            "response", lambda response: self.statuses.setdefault(response.url, []).append(response.status)
        )


@pytest.mark.parametrize("name", ["clip.mp4", "clip.webm", "tone.mp3"])
def test_video_and_audio_links_play_and_seek(page, base_url, name):
    url = link(base_url, name, (MEDIA / name).read_bytes())
    requests = RequestLog(page)

    page.goto(url)
    page.wait_for_function(PLAYABLE)
    position = page.evaluate(SEEK, 2)
    page.wait_for_function(PLAYABLE)

    assert 1.5 <= position <= 2.5
    assert requests.failed == []
    assert set(requests.statuses[url]) <= {200, 206} and 206 in requests.statuses[url]


def test_h264_clip_is_decoded_with_its_real_dimensions(page, base_url):
    url = link(base_url, "clip.mp4", (MEDIA / "clip.mp4").read_bytes())
    page.goto(url)
    page.wait_for_function(PLAYABLE)
    size = page.evaluate(
        "() => { const v = document.querySelector('video'); return [v.videoWidth, v.videoHeight] }"
    )
    assert size == [160, 120]


def test_image_link_shows_the_image(page, base_url):
    url = link(base_url, "picture.png", (MEDIA / "picture.png").read_bytes())
    page.goto(url)
    page.wait_for_function("() => { const i = document.querySelector('img'); return i && i.complete }")
    assert page.evaluate("() => document.querySelector('img').naturalWidth") == 64


def test_text_link_shows_the_text(page, base_url):
    url = link(base_url, "notes.txt", "line one\nline two ✓\n".encode())
    page.goto(url)
    assert page.locator("body").inner_text() == "line one\nline two ✓\n"


@pytest.mark.parametrize(
    "name,data",
    [
        (
            "page.html",
            (
                b"<html><body><b>bold</b><script>fetch('/ran-html')</script>"
                b"<img src=x onerror=\"fetch('/ran-onerror')\"></body></html>"
            ),
        ),
        (
            "feed.xml",
            (
                b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'>"
                b"<script>fetch('/ran-xml')</script></html>"
            ),
        ),
        ("app.js", b"fetch('/ran-js')"),
    ],
)
def test_markup_and_scripts_show_as_text_and_run_nothing(page, base_url, name, data):
    url = link(base_url, name, data)
    requests = RequestLog(page)

    page.goto(url)
    page.wait_for_timeout(500)

    assert page.locator("body").inner_text() == data.decode()
    assert [u for u in requests.urls if "/ran-" in u] == []


def test_svg_shows_but_its_scripts_run_nothing_in_our_origin(page, base_url):
    svg = (
        b"<svg xmlns='http://www.w3.org/2000/svg' width='40' height='30' onload=\"fetch('/ran-onload')\">"
        b"<rect width='40' height='30' fill='teal'/><script>fetch('/ran-svg')</script></svg>"
    )
    url = link(base_url, "logo.svg", svg)
    requests = RequestLog(page)

    page.goto(url)
    page.wait_for_timeout(500)

    assert page.locator("rect").count() == 1
    assert page.evaluate("() => self.origin") == "null"
    assert [u for u in requests.urls if "/ran-" in u] == []
