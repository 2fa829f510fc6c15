"""/docs renders in the browser with nothing fetched from another host."""

import re

import httpx


def test_docs_page_renders_every_operation_without_other_hosts(page, base_url):
    elsewhere: list[str] = []

    def refuse_other_hosts(route):
        elsewhere.append(route.request.url)
        route.abort()

    page.route(lambda url: not url.startswith((base_url + "/", "data:", "blob:")), refuse_other_hosts)
    page.goto(f"{base_url}/docs")
    page.locator(".opblock").first.wait_for()

    assert elsewhere == []
    assert page.locator(".opblock").count() >= 10
    assert page.get_by_text("/api/upload", exact=True).is_visible()


def test_docs_page_references_no_other_origin(base_url):
    html = httpx.get(f"{base_url}/docs").text
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html)

    assert references and all(reference.startswith("/") for reference in references)
    for reference in references:
        assert httpx.get(base_url + reference).status_code == 200, reference
